// Property tests: random small address spaces (4- and 5-level) driven by random sequences of
// mm operations, with the kernel's invariants checked after every single operation
// (kernel/rmap.md §0 and §2: the anon rmap invariant, the anon_vma interval trees, the folio
// ground truth, the VMA list; plus contents against a shadow model of what userspace wrote).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Folio } from '../../src/mm/folio.ts';
import { Machine } from '../../src/mm/machine.ts';
import { parseKernelVersion } from '../../src/mm/kernel.ts';
import { read_page, write_page } from '../../src/mm/memory.ts';
import { type MmStruct, mm_alloc } from '../../src/mm/mm.ts';
import {
  do_exit,
  do_fork,
  do_mmap,
  do_mprotect,
  do_mremap_move,
  do_munmap,
  get_unmapped_area,
  madvise_dontneed,
  protFlags,
} from '../../src/mm/mmap.ts';
import { type PageTable, PT_TABLE } from '../../src/mm/pgtable.ts';
import { ENTRY_SPAN, type PagingLevels, PTRS_PER_TABLE } from '../../src/mm/units.ts';
import { linear_page_index, VM_HUGEPAGE, VM_READ, VM_WRITE, vma_lookup, type VmAreaStruct } from '../../src/mm/vma.ts';
import {
  checkAnonVmaCounts,
  checkAnonVmaTrees,
  checkContents,
  checkPages,
  checkVmas,
  countTables,
  guardVmas,
  LoopGuard,
} from './helpers.ts';

// ---- the operations (raw random numbers, resolved against the current state) ----

type Op =
  | { t: 'mmap'; p: number; size: number; place: number; x: number; huge: boolean; prot: number }
  | { t: 'write'; p: number; v: number; off: number; n: number; content: number }
  | { t: 'read'; p: number; v: number; off: number }
  | { t: 'mprotect'; p: number; v: number; off: number; len: number; span: number; prot: number }
  | { t: 'munmap'; p: number; v: number; off: number; len: number; span: number }
  | { t: 'dontneed'; p: number; v: number; off: number; len: number; span: number }
  | { t: 'mremap'; p: number; v: number; off: number; len: number; dest: number; x: number }
  | { t: 'fork'; p: number }
  | { t: 'exit'; p: number };

const PROTS = ['rw', 'r', 'none'] as const;
/** A low window for MAP_FIXED and mremap targets (4 GiB), and a high one (a different PGD slot). */
const LOW = 2 ** 20;
const highBase = (levels: PagingLevels): number => (levels === 5 ? 2 ** 40 : 2 ** 34);
/** Per-process cap on mapped pages (64 MiB), so the whole machine stays far below 1 GiB. */
const MAX_MAPPED = 16384;
/** VMA-list reads allowed per op (or per check pass); the largest legitimate use is far below. */
const GUARD_LIMIT = 200_000;

const nat = fc.nat({ max: 1 << 20 });
/** Offsets biased to THP-relevant boundaries (taken modulo the VMA length). */
const off = fc.oneof(fc.nat({ max: 2048 }), fc.constantFrom(0, 255, 256, 511, 512, 513, 768, 1023));
const len = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(255, 256, 511, 512, 1024));
const proc = fc.nat({ max: 7 });

interface OpOptions {
  /** hugepage mmaps and 2 MiB-multiple lengths */
  readonly thp: boolean;
  /** mremap may also target mapped ranges (MREMAP_FIXED unmaps them first), even in its own VMA */
  readonly fixedOver?: boolean;
}

function opArb(opts: OpOptions): fc.Arbitrary<Op> {
  const size = opts.thp
    ? fc.oneof({ arbitrary: fc.integer({ min: 1, max: 32 }), weight: 3 }, { arbitrary: fc.constantFrom(512, 1024, 1536), weight: 2 })
    : fc.integer({ min: 1, max: 48 });
  const huge = opts.thp ? fc.boolean() : fc.constant(false);
  return fc.oneof(
    { arbitrary: fc.record({ t: fc.constant('mmap' as const), p: proc, size, place: fc.nat({ max: 5 }), x: nat, huge, prot: fc.constantFrom(0, 0, 0, 1, 2) }), weight: 4 },
    { arbitrary: fc.record({ t: fc.constant('write' as const), p: proc, v: nat, off, n: fc.integer({ min: 1, max: 6 }), content: fc.integer({ min: 1, max: 1_000_000 }) }), weight: 6 },
    { arbitrary: fc.record({ t: fc.constant('read' as const), p: proc, v: nat, off }), weight: 2 },
    { arbitrary: fc.record({ t: fc.constant('mprotect' as const), p: proc, v: nat, off, len, span: fc.nat({ max: 2 }), prot: fc.nat({ max: 2 }) }), weight: 4 },
    { arbitrary: fc.record({ t: fc.constant('munmap' as const), p: proc, v: nat, off, len, span: fc.nat({ max: 2 }) }), weight: 2 },
    { arbitrary: fc.record({ t: fc.constant('dontneed' as const), p: proc, v: nat, off, len, span: fc.nat({ max: 2 }) }), weight: 2 },
    { arbitrary: fc.record({ t: fc.constant('mremap' as const), p: proc, v: nat, off, len, dest: fc.nat({ max: opts.fixedOver ? 6 : 3 }), x: nat }), weight: opts.fixedOver ? 6 : 3 },
    { arbitrary: fc.record({ t: fc.constant('fork' as const), p: proc }), weight: 2 },
    { arbitrary: fc.record({ t: fc.constant('exit' as const), p: proc }), weight: 1 },
  );
}

// ---- the world: processes with a shadow of what userspace wrote ----

interface Proc {
  readonly mm: MmStruct;
  /** vpn -> last content written; absent = zero-filled. */
  readonly shadow: Map<number, number>;
}

interface World {
  readonly machine: Machine;
  readonly procs: Proc[];
  readonly seen: Set<Folio>;
  readonly log: string[];
  names: number;
  /** Extra kernel accounting checks (num_children, num_active_vmas, root never reused). */
  readonly accounting: boolean;
  /** Fails an op that keeps re-reading the VMA list instead of hanging the test process. */
  readonly guard: LoopGuard;
}

function pick<T>(arr: readonly T[], n: number): T | undefined {
  return arr.length === 0 ? undefined : arr[n % arr.length];
}

function mappedPages(mm: MmStruct): number {
  return mm.vmas.reduce((s, v) => s + (v.vm_end - v.vm_start), 0);
}

function isFree(mm: MmStruct, start: number, pages: number): boolean {
  return start > 0 && !mm.vmas.some((v) => v.vm_start < start + pages && start < v.vm_end);
}

/** [start, start + pages) beginning inside the v-th VMA and reaching at most `span` VMAs further (holes included). */
function resolveRange(mm: MmStruct, v: number, o: number, l: number, span: number): { start: number; pages: number } | null {
  const n = mm.vmas.length;
  if (n === 0) return null;
  const i = v % n;
  const vma = mm.vmas[i]!;
  const last = mm.vmas[Math.min(n - 1, i + span)]!;
  const start = vma.vm_start + (o % (vma.vm_end - vma.vm_start));
  const max = last.vm_end - start;
  return { start, pages: 1 + (l % max) };
}

function clearShadow(shadow: Map<number, number>, start: number, pages: number): void {
  for (const vpn of [...shadow.keys()]) if (vpn >= start && vpn < start + pages) shadow.delete(vpn);
}

/** (pgoff - vm_start) per VMA: the linear-index delta every page of the VMA has. */
interface DeltaSpan {
  start: number;
  end: number;
  delta: number;
}
function deltas(mm: MmStruct): DeltaSpan[] {
  return mm.vmas.map((v) => ({ start: v.vm_start, end: v.vm_end, delta: v.vm_pgoff - v.vm_start }));
}

/**
 * Pages that stayed mapped outside the ranges an op legitimately re-created keep their linear
 * index (split, merge, mprotect, munmap and fork never change it).
 */
function checkDeltasKept(mm: MmStruct, before: readonly DeltaSpan[], changed: ReadonlyArray<readonly [number, number]>): void {
  for (const vma of mm.vmas) {
    for (const d of before) {
      let lo = Math.max(vma.vm_start, d.start);
      const hi = Math.min(vma.vm_end, d.end);
      if (lo >= hi) continue;
      // Is some page of [lo, hi) outside every changed range?
      let survivor: number | null = null;
      const cuts = [...changed].filter(([s, e]) => s < hi && lo < e).sort((a, b) => a[0] - b[0]);
      for (const [s, e] of cuts) {
        if (s > lo) break;
        lo = Math.max(lo, e);
      }
      if (lo < hi) survivor = lo;
      if (survivor === null) continue;
      assert.equal(
        vma.vm_pgoff - vma.vm_start,
        d.delta,
        `mm ${mm.name}: page ${survivor} changed linear index (VMA [${vma.vm_start}, ${vma.vm_end}) pgoff ${vma.vm_pgoff})`,
      );
    }
  }
}

/** Every page table below the top intersects some VMA (free_pgtables leaves none behind). */
function checkTablesCovered(mm: MmStruct): void {
  const pt = mm.machine.pt;
  const walk = (table: PageTable): void => {
    const span = ENTRY_SPAN[pt.level[table]!]!;
    for (let i = 0; i < PTRS_PER_TABLE; i++) {
      const p = table * PTRS_PER_TABLE + i;
      if (pt.kind[p] !== PT_TABLE) continue;
      const child = pt.val[p]!;
      const s = pt.base[table]! + i * span;
      assert.ok(
        mm.vmas.some((v) => v.vm_start < s + span && s < v.vm_end),
        `mm ${mm.name}: a level-${pt.level[child]} table over [${s}, ${s + span}) outlived every VMA there`,
      );
      walk(child);
    }
  };
  walk(mm.pgd);
}

function checkWorld(w: World): void {
  const mms = w.procs.map((p) => p.mm);
  for (const mm of mms) checkVmas(mm);
  const leaves = checkPages(w.machine, mms, w.seen);
  for (const p of w.procs) {
    checkContents(p.mm, leaves.get(p.mm)!, p.shadow);
    checkTablesCovered(p.mm);
  }
  checkAnonVmaTrees(mms);
  if (w.accounting) checkAnonVmaCounts(mms);
}

function newWorld(levels: PagingLevels, accounting: boolean, kernel?: string): World {
  const machine = new Machine(levels, kernel ? { kernel: parseKernelVersion(kernel) } : {});
  const w: World = { machine, procs: [], seen: new Set(), log: [], names: 0, accounting, guard: new LoopGuard(GUARD_LIMIT) };
  const mm = mm_alloc(machine, `p${w.names++}`);
  guardVmas(mm, w.guard);
  w.procs.push({ mm, shadow: new Map() });
  return w;
}

/** Apply one op (resolved against the current state), with the op's own postconditions. */
function apply(w: World, op: Op): void {
  const p = pick(w.procs, op.p)!;
  const mm = p.mm;
  const before = deltas(mm);
  switch (op.t) {
    case 'mmap': {
      if (mappedPages(mm) + op.size > MAX_MAPPED) return;
      let at: number | undefined;
      const v = pick(mm.vmas, op.x);
      if (op.place === 1 && v) at = v.vm_end;
      else if (op.place === 2 && v) at = v.vm_start + (op.x % (v.vm_end - v.vm_start));
      else if (op.place === 3) at = LOW + (op.x % 4096);
      else if (op.place === 4) at = LOW + 512 * (op.x % 8);
      else if (op.place === 5) at = highBase(w.machine.levels) + (op.x % 2048);
      const prot = PROTS[op.prot % 3]!;
      w.log.push(`${mm.name}: mmap ${op.size} pages${at === undefined ? '' : ` at ${at}`}${op.huge ? ' hugepage' : ''} ${prot}`);
      const start = do_mmap(mm, op.size, { ...(at === undefined ? {} : { at }), prot, hugepage: op.huge });
      w.log.push(`  -> ${start}`);
      if (at !== undefined) assert.equal(start, at, 'MAP_FIXED honours the address');
      clearShadow(p.shadow, start, op.size);
      const vma = vma_lookup(mm, start);
      assert.ok(vma && vma.vm_end >= start + op.size, 'the new range is covered by one VMA');
      assert.equal(linear_page_index(vma, start), start, 'a fresh private anon mapping has pgoff = its start page');
      assert.equal(vma.vm_flags & (VM_READ | VM_WRITE), protFlags(prot), 'prot flags');
      assert.equal((vma.vm_flags & VM_HUGEPAGE) !== 0, op.huge, 'VM_HUGEPAGE');
      checkDeltasKept(mm, before, [[start, start + op.size]]);
      return;
    }
    case 'write': {
      const vma = pick(mm.vmas, op.v);
      if (!vma) return;
      const start = vma.vm_start + (op.off % (vma.vm_end - vma.vm_start));
      const end = Math.min(vma.vm_end, start + op.n);
      w.log.push(`${mm.name}: write [${start}, ${end}) = ${op.content}`);
      const canWrite = (vma.vm_flags & VM_WRITE) !== 0;
      for (let vpn = start; vpn < end; vpn++) {
        const r = write_page(mm, vpn, op.content + vpn - start);
        assert.equal(r, canWrite ? 'ok' : 'sigsegv', `write at ${vpn}`);
        if (canWrite) p.shadow.set(vpn, op.content + vpn - start);
      }
      checkDeltasKept(mm, before, []);
      return;
    }
    case 'read': {
      const vma = pick(mm.vmas, op.v);
      // PROT_NONE pages are not read here (see the hand test for read_page on PROT_NONE).
      if (!vma || (vma.vm_flags & VM_READ) === 0) return;
      const vpn = vma.vm_start + (op.off % (vma.vm_end - vma.vm_start));
      w.log.push(`${mm.name}: read ${vpn}`);
      assert.equal(read_page(mm, vpn), p.shadow.get(vpn) ?? 0, `read at ${vpn}`);
      checkDeltasKept(mm, before, []);
      return;
    }
    case 'mprotect': {
      const r = resolveRange(mm, op.v, op.off, op.len, op.span);
      if (!r) return;
      const prot = PROTS[op.prot % 3]!;
      w.log.push(`${mm.name}: mprotect [${r.start}, ${r.start + r.pages}) ${prot}`);
      do_mprotect(mm, r.start, r.pages, prot);
      for (const vma of mm.vmas) {
        if (vma.vm_end <= r.start || vma.vm_start >= r.start + r.pages) continue;
        assert.equal(vma.vm_flags & (VM_READ | VM_WRITE), protFlags(prot), `prot of VMA [${vma.vm_start}, ${vma.vm_end})`);
      }
      checkDeltasKept(mm, before, []);
      return;
    }
    case 'munmap': {
      const r = resolveRange(mm, op.v, op.off, op.len, op.span);
      if (!r) return;
      w.log.push(`${mm.name}: munmap [${r.start}, ${r.start + r.pages})`);
      do_munmap(mm, r.start, r.pages);
      clearShadow(p.shadow, r.start, r.pages);
      assert.ok(isFree(mm, r.start, r.pages), 'munmap leaves the range unmapped');
      if (mm.vmas.length === 0) assert.equal(countTables(mm), 0, 'an mm without VMAs keeps no page tables');
      checkDeltasKept(mm, before, []);
      return;
    }
    case 'dontneed': {
      const r = resolveRange(mm, op.v, op.off, op.len, op.span);
      if (!r) return;
      w.log.push(`${mm.name}: madvise_dontneed [${r.start}, ${r.start + r.pages})`);
      madvise_dontneed(mm, r.start, r.pages);
      clearShadow(p.shadow, r.start, r.pages);
      checkDeltasKept(mm, before, []);
      return;
    }
    case 'mremap': {
      const r = resolveRange(mm, op.v, op.off, op.len, 0);
      if (!r) return;
      const src = vma_lookup(mm, r.start)!;
      const oldIndex = linear_page_index(src, r.start);
      const hadAnon = src.anon_vma !== null;
      let to: number | null = null;
      const v = pick(mm.vmas, op.x);
      if (op.dest === 1 && isFree(mm, LOW + (op.x % 4096), r.pages)) to = LOW + (op.x % 4096);
      else if (op.dest === 2 && v && isFree(mm, v.vm_end, r.pages)) to = v.vm_end;
      else if (op.dest === 3 && v && isFree(mm, v.vm_start - r.pages, r.pages)) to = v.vm_start - r.pages;
      else if (op.dest >= 4) {
        // MREMAP_FIXED onto mapped pages: inside the source's own VMA (4) or over another VMA (5, 6).
        const over = op.dest === 4 ? src : v!;
        const room = over.vm_end - over.vm_start;
        const cand = over.vm_start + (op.x % room);
        if (cand > 0 && (cand + r.pages <= r.start || cand >= r.start + r.pages)) to = cand;
      }
      if (to === null) {
        // A free place with the same offset inside a 2 MiB unit (so PMD leaves can move whole).
        const g = get_unmapped_area(mm, r.pages + 1024);
        to = g + ((((r.start - g) % 512) + 512) % 512);
      }
      if (op.dest < 4) assert.ok(isFree(mm, to, r.pages));
      w.log.push(`${mm.name}: mremap [${r.start}, ${r.start + r.pages}) -> ${to}`);
      const moved = new Map<number, number>();
      for (const [vpn, c] of p.shadow) if (vpn >= r.start && vpn < r.start + r.pages) moved.set(vpn - r.start + to, c);
      assert.equal(do_mremap_move(mm, r.start, r.pages, to), to);
      clearShadow(p.shadow, r.start, r.pages);
      clearShadow(p.shadow, to, r.pages);
      for (const [vpn, c] of moved) p.shadow.set(vpn, c);
      assert.ok(isFree(mm, r.start, r.pages), 'the source range is unmapped after the move');
      const dst = vma_lookup(mm, to);
      assert.ok(dst && dst.vm_end >= to + r.pages, 'the destination is covered by one VMA');
      // move_vma: new_pgoff = vm_pgoff + offset; copy_vma resets it only for a never-faulted VMA.
      assert.equal(linear_page_index(dst, to), hadAnon ? oldIndex : to, 'linear index at the destination');
      checkDeltasKept(mm, before, [[r.start, r.start + r.pages], [to, to + r.pages]]);
      return;
    }
    case 'fork': {
      if (w.procs.length >= 5) return;
      const name = `p${w.names++}`;
      w.log.push(`${mm.name}: fork -> ${name}`);
      const child = do_fork(mm, name);
      guardVmas(child, w.guard);
      w.procs.push({ mm: child, shadow: new Map(p.shadow) });
      assert.equal(child.vmas.length, mm.vmas.length, 'the child has a copy of every VMA');
      mm.vmas.forEach((pv, i) => {
        const cv: VmAreaStruct = child.vmas[i]!;
        assert.deepEqual([cv.vm_start, cv.vm_end, cv.vm_pgoff, cv.vm_flags], [pv.vm_start, pv.vm_end, pv.vm_pgoff, pv.vm_flags], 'vm_area_dup copies range, pgoff, flags');
        if (pv.anon_vma === null) {
          assert.equal(cv.anon_vma, null);
          return;
        }
        // anon_vma_fork: the child VMA joins every anon_vma of the parent's chain, plus its own.
        const parentSet = new Set(pv.anon_vma_chain.map((a) => a.anon_vma));
        const childSet = new Set(cv.anon_vma_chain.map((a) => a.anon_vma));
        for (const av of parentSet) assert.ok(childSet.has(av), `child VMA not linked into parent's anon_vma ${av.id}`);
        assert.ok(cv.anon_vma !== null && cv.anon_vma !== pv.anon_vma, 'the child VMA gets an anon_vma of its own');
        for (const av of childSet) assert.ok(parentSet.has(av) || av === cv.anon_vma, 'no foreign anon_vma on the child chain');
        assert.equal(cv.anon_vma.root, pv.anon_vma.root, 'same anon_vma family');
        if (w.accounting) assert.notEqual(cv.anon_vma, cv.anon_vma.root, 'anon_vma_clone never reuses the root anon_vma');
      });
      checkDeltasKept(mm, before, []);
      return;
    }
    case 'exit': {
      if (w.procs.length <= 1) return;
      w.log.push(`${mm.name}: exit`);
      do_exit(mm);
      w.procs.splice(w.procs.indexOf(p), 1);
      assert.equal(mm.vmas.length, 0, 'exit_mmap removes every VMA');
      assert.equal(countTables(mm), 0, 'exit_mmap frees every page table');
      assert.equal(mm.machine.pt.count[mm.pgd], 0, 'the top table is empty after exit');
      return;
    }
  }
}

function runOps(levels: PagingLevels, ops: readonly Op[], accounting = false, kernel?: string): void {
  const w = newWorld(levels, accounting, kernel);
  try {
    for (const op of ops) {
      w.guard.reset();
      apply(w, op);
      w.guard.reset();
      checkWorld(w);
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`${msg}\n  after (${levels}-level${kernel ? `, kernel ${kernel}` : ''}):\n    ${w.log.join('\n    ')}`, { cause: e });
  }
}

const levelsArb = fc.constantFrom<PagingLevels>(4, 5);

describe('mm ops: random sequences keep the kernel invariants after every op', () => {
  it('base pages only: (a) rmap index, (b) ground truth, (c) anon_vma trees, (d) VMA list, contents', () => {
    fc.assert(
      fc.property(levelsArb, fc.array(opArb({ thp: false }), { minLength: 1, maxLength: 40, size: 'max' }), (levels, ops) => runOps(levels, ops)),
      { numRuns: 300, includeErrorInReport: true },
    );
  });

  it('with THP regions (hugepage mmaps, 2 MiB folios, splits at every boundary): same invariants', () => {
    fc.assert(
      fc.property(levelsArb, fc.array(opArb({ thp: true }), { minLength: 1, maxLength: 30, size: 'max' }), (levels, ops) => runOps(levels, ops)),
      { numRuns: 200, includeErrorInReport: true },
    );
  });

  it('with THP regions on 6.1 and 6.12 (large-folio COW reuse, mprotect write restore and PageAnonExclusive differ by version): same invariants', () => {
    fc.assert(
      fc.property(levelsArb, fc.constantFrom('6.1', '6.12'), fc.array(opArb({ thp: true }), { minLength: 1, maxLength: 30, size: 'max' }), (levels, kernel, ops) =>
        runOps(levels, ops, false, kernel),
      ),
      { numRuns: 200, includeErrorInReport: true },
    );
  });

  it('mremap MREMAP_FIXED onto mapped ranges (also inside the source VMA): same invariants', () => {
    fc.assert(
      fc.property(levelsArb, fc.array(opArb({ thp: false, fixedOver: true }), { minLength: 1, maxLength: 30, size: 'max' }), (levels, ops) => runOps(levels, ops)),
      { numRuns: 200, includeErrorInReport: true },
    );
  });

  it('anon_vma accounting matches mm/rmap.c (num_children, num_active_vmas, the root is never reused)', () => {
    fc.assert(
      fc.property(levelsArb, fc.array(opArb({ thp: false }), { minLength: 1, maxLength: 30, size: 'max' }), (levels, ops) => runOps(levels, ops, true)),
      { numRuns: 200, includeErrorInReport: true },
    );
  });
});
