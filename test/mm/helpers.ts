// Shared oracles for the mm tests: a full, side-effect-free walk of every page table and the
// invariant checks the kernel guarantees (kernel/rmap.md §0, §2): the anon rmap invariant,
// the folio ground truth, the anon_vma interval trees and the VMA list.
import assert from 'node:assert/strict';
import {
  anon_vma_interval_tree_foreach,
  avc_last_pgoff,
  avc_start_pgoff,
  type AnonVma,
  type AnonVmaChain,
} from '../../src/mm/anon-vma.ts';
import type { Folio } from '../../src/mm/folio.ts';
import { type EntryView, entryView, folioView } from '../../src/mm/inspect.ts';
import { validateIntervalTree } from '../../src/mm/interval-tree.ts';
import type { Machine } from '../../src/mm/machine.ts';
import type { MmStruct } from '../../src/mm/mm.ts';
import { type EntryPointer, type PageTable, PT_NONE, PT_TABLE } from '../../src/mm/pgtable.ts';
import { ENTRY_SPAN, HPAGE_PMD_NR, PMD_LEVEL, PTE_LEVEL, PTRS_PER_TABLE } from '../../src/mm/units.ts';
import { linear_page_index, VM_WRITE, type VmAreaStruct, vma_lookup } from '../../src/mm/vma.ts';

/** One non-table entry found by walking the page tables from the top. */
export interface Leaf {
  readonly mm: MmStruct;
  readonly vpn: number;
  readonly level: number;
  readonly table: PageTable;
  readonly index: number;
  readonly entry: EntryView;
}

/**
 * Every leaf (PTE-level entry, PMD leaf, or a non-present entry) of `mm`, found by reading
 * every table entry (not through the code under test). Checks table shape on the way:
 * child base and level, per-table `count`, leaves only at PTE/PMD level.
 */
export function collectLeaves(mm: MmStruct): Leaf[] {
  const out: Leaf[] = [];
  const pt = mm.machine.pt;
  const walk = (table: PageTable): void => {
    let defined = 0;
    const level = pt.level[table]!;
    const base = pt.base[table]!;
    const span = ENTRY_SPAN[level]!;
    assert.equal(pt.owner[table], mm.id, `mm ${mm.name}: table at level ${level} base ${base} owned by mm ${pt.owner[table]}`);
    for (let i = 0; i < PTRS_PER_TABLE; i++) {
      const p = table * PTRS_PER_TABLE + i;
      if (pt.kind[p] === PT_NONE) continue;
      defined++;
      const vpn = base + i * span;
      if (pt.kind[p] === PT_TABLE) {
        const child = pt.val[p]!;
        assert.notEqual(level, PTE_LEVEL, `mm ${mm.name}: a PTE table holds a table entry at ${vpn}`);
        assert.equal(pt.level[child], level - 1, `mm ${mm.name}: child table level under ${vpn}`);
        assert.equal(pt.base[child], vpn, `mm ${mm.name}: child table base under ${vpn}`);
        walk(child);
      } else {
        const e = entryView(mm.machine, p);
        if (e.kind === 'pte') assert.equal(level, PTE_LEVEL, `mm ${mm.name}: a PTE above PTE level at ${vpn}`);
        else if (e.kind === 'pmd-leaf') assert.equal(level, PMD_LEVEL, `mm ${mm.name}: a PMD leaf at level ${level}`);
        else assert.ok(level <= PMD_LEVEL, `mm ${mm.name}: a ${e.kind} entry at level ${level}`);
        out.push({ mm, vpn, level, table, index: i, entry: e });
      }
    }
    assert.equal(pt.count[table], defined, `mm ${mm.name}: table at level ${level} base ${base} count`);
  };
  walk(mm.pgd);
  return out;
}

/** Number of page tables below the top one (for "tables were freed" assertions). */
export function countTables(mm: MmStruct): number {
  let n = 0;
  const pt = mm.machine.pt;
  const walk = (table: PageTable): void => {
    for (let p = table * PTRS_PER_TABLE; p < (table + 1) * PTRS_PER_TABLE; p++) {
      if (pt.kind[p] === PT_TABLE) {
        n++;
        walk(pt.val[p]!);
      }
    }
  };
  walk(mm.pgd);
  return n;
}

/** (d) VMAs sorted, non-overlapping, non-empty, owned by mm; chain / anon_vma consistency. */
export function checkVmas(mm: MmStruct): void {
  let prevEnd = -1;
  for (const vma of mm.vmas) {
    const where = `mm ${mm.name} VMA [${vma.vm_start}, ${vma.vm_end})`;
    assert.equal(vma.mm, mm, `${where}: vma.mm`);
    assert.ok(vma.vm_start < vma.vm_end, `${where}: vm_start < vm_end`);
    assert.ok(vma.vm_start >= prevEnd, `${where}: overlaps or is out of order (previous end ${prevEnd})`);
    prevEnd = vma.vm_end;
    if (vma.anon_vma === null) {
      assert.equal(vma.anon_vma_chain.length, 0, `${where}: chain without an anon_vma`);
      continue;
    }
    assert.ok(!vma.anon_vma.freed, `${where}: its anon_vma ${vma.anon_vma.id} is freed`);
    const seen = new Set<AnonVma>();
    for (const avc of vma.anon_vma_chain) {
      assert.equal(avc.vma, vma, `${where}: avc.vma`);
      assert.ok(!seen.has(avc.anon_vma), `${where}: anon_vma ${avc.anon_vma.id} twice on the chain`);
      seen.add(avc.anon_vma);
      assert.ok(!avc.anon_vma.freed, `${where}: chained anon_vma ${avc.anon_vma.id} is freed`);
      assert.ok(avc.node !== null, `${where}: avc in anon_vma ${avc.anon_vma.id} is not in the tree`);
      assert.equal(avc.node.start, avc_start_pgoff(avc), `${where}: tree key start is stale`);
      assert.equal(avc.node.last, avc_last_pgoff(avc), `${where}: tree key last is stale`);
      assert.equal(avc.anon_vma.root, vma.anon_vma.root, `${where}: chained anon_vma from another family`);
    }
    assert.ok(seen.has(vma.anon_vma), `${where}: own anon_vma ${vma.anon_vma.id} missing from the chain`);
  }
}

/** All avcs of live VMAs, grouped by anon_vma (the brute-force side of check (c)). */
export function avcsByAnonVma(mms: readonly MmStruct[]): Map<AnonVma, AnonVmaChain[]> {
  const by = new Map<AnonVma, AnonVmaChain[]>();
  for (const mm of mms) {
    for (const vma of mm.vmas) {
      for (const avc of vma.anon_vma_chain) {
        let list = by.get(avc.anon_vma);
        if (!list) by.set(avc.anon_vma, (list = []));
        list.push(avc);
      }
    }
  }
  return by;
}

function avcKey(avc: AnonVmaChain): string {
  return `${avc.vma.mm.name}#${avc.vma.id}`;
}

/**
 * (c) For every anon_vma reachable from a VMA chain: the tree is a valid interval tree holding
 * exactly the chained avcs, and stabbing queries [i, i] (at every key boundary, ±1, plus
 * `extra` points) return exactly what a brute-force filter returns.
 */
export function checkAnonVmaTrees(mms: readonly MmStruct[], extra: readonly number[] = []): void {
  for (const mm of mms) {
    for (const vma of mm.vmas) {
      if (vma.anon_vma === null) continue;
      const own = [...anon_vma_interval_tree_foreach(vma.anon_vma, vma.vm_pgoff, vma.vm_pgoff)].some((avc) => avc.vma === vma);
      assert.ok(own, `mm ${mm.name} VMA [${vma.vm_start}, ${vma.vm_end}): not found in its own anon_vma ${vma.anon_vma.id}'s tree`);
    }
  }
  for (const [av, avcs] of avcsByAnonVma(mms)) {
    validateIntervalTree(av.rb_root);
    const inTree = [...av.rb_root.inorder()].map((n) => n.value);
    assert.equal(av.rb_root.size, avcs.length, `anon_vma ${av.id}: tree size vs chained avcs`);
    assert.deepEqual(new Set(inTree), new Set(avcs), `anon_vma ${av.id}: tree holds other avcs than the chains`);
    const points = new Set<number>(extra);
    for (const avc of avcs) {
      const s = avc_start_pgoff(avc);
      const l = avc_last_pgoff(avc);
      for (const p of [s - 1, s, Math.floor((s + l) / 2), l, l + 1]) if (p >= 0) points.add(p);
    }
    for (const i of points) {
      const got = [...anon_vma_interval_tree_foreach(av, i, i)].map(avcKey).sort();
      const want = avcs.filter((a) => avc_start_pgoff(a) <= i && i <= avc_last_pgoff(a)).map(avcKey).sort();
      assert.deepEqual(got, want, `anon_vma ${av.id}: stabbing query [${i}, ${i}]`);
    }
  }
}

/** The page of `folio` that `leaf` maps at `vpn`. */
function pageOf(leaf: Leaf): number {
  return leaf.entry.kind === 'pte' ? leaf.entry.page : 0;
}

/**
 * (a) + (b): walks every page table of `mms` and checks, for each mapping:
 *  - it lies inside a VMA of its mm (a PMD leaf inside ONE VMA, 2 MiB aligned);
 *  - entry.mm / entry.vpn match where it sits; special <=> the zero page;
 *  - anon rmap invariant: linear_page_index(V, vpn) == folio.index + page, and V is found by a
 *    stabbing query of folio->mapping's anon_vma at that index (rmap_walk_anon would find it);
 *  - a writable entry needs VM_WRITE and an exclusively mapped folio (COW safety);
 * then the ground truth: each reachable folio's `maps` is exactly the set of entries mapping
 * it, refcount == maps.length, not freed. `seen` accumulates folios across calls: a folio no
 * longer mapped anywhere must be freed (nothing else holds references in these scenarios).
 * Returns the leaves found, per mm.
 */
export function checkPages(machine: Machine, mms: readonly MmStruct[], seen: Set<Folio>): Map<MmStruct, Leaf[]> {
  const actual = new Map<Folio, EntryPointer[]>();
  const leavesByMm = new Map<MmStruct, Leaf[]>();
  for (const mm of mms) {
    const leaves = collectLeaves(mm);
    leavesByMm.set(mm, leaves);
    for (const leaf of leaves) {
      const { entry, vpn } = leaf;
      const where = `mm ${mm.name} vpn ${vpn}`;
      const vma = vma_lookup(mm, vpn);
      assert.ok(vma, `${where}: a ${entry.kind} entry outside every VMA`);
      if (entry.kind !== 'pte' && entry.kind !== 'pmd-leaf') continue;
      assert.equal(entry.mm, mm, `${where}: entry.mm`);
      assert.equal(entry.vpn, vpn, `${where}: entry.vpn`);
      const folio = folioView(machine, entry.folio);
      if (entry.kind === 'pmd-leaf') {
        assert.equal(vpn % HPAGE_PMD_NR, 0, `${where}: unaligned PMD leaf`);
        assert.equal(folio.order, 9, `${where}: PMD leaf of an order-${folio.order} folio`);
        assert.ok(vpn + HPAGE_PMD_NR <= vma.vm_end, `${where}: PMD leaf crosses the end of VMA [${vma.vm_start}, ${vma.vm_end})`);
        assert.ok(vpn >= vma.vm_start, `${where}: PMD leaf starts before its VMA`);
      }
      assert.equal(entry.special, folio.zeroPage, `${where}: special bit vs zero page`);
      if (folio.zeroPage) {
        // the huge zero folio at a PMD leaf (mm_get_huge_zero_folio), ZERO_PAGE(0) at a PTE
        assert.equal(folio.pfn, entry.kind === 'pmd-leaf' ? machine.hugeZeroFolio() : machine.zeroFolio, `${where}: a foreign zero page`);
        assert.equal(entry.writable, false, `${where}: writable zero-page PTE`);
        continue;
      }
      assert.ok(!folio.freed, `${where}: maps freed folio pfn ${folio.pfn}`);
      const page = pageOf(leaf);
      assert.ok(page >= 0 && page < machine.folios.nrPages(folio.pfn), `${where}: page ${page} outside the folio`);
      assert.ok(folio.anon, `${where}: mapped folio is not anon`);
      assert.ok(folio.anonVma !== null, `${where}: folio.mapping is not an anon_vma`);
      // (a) the anon rmap invariant
      assert.equal(
        linear_page_index(vma, vpn),
        folio.index + page,
        `${where}: linear_page_index(VMA [${vma.vm_start}, ${vma.vm_end}) pgoff ${vma.vm_pgoff}) != folio.index ${folio.index} + page ${page}`,
      );
      const av = folio.anonVma;
      assert.ok(!av.freed, `${where}: folio's anon_vma ${av.id} is freed`);
      const found = [...anon_vma_interval_tree_foreach(av, folio.index + page, folio.index + page)].some((avc) => avc.vma === vma);
      assert.ok(found, `${where}: rmap of pfn ${folio.pfn} via anon_vma ${av.id} at index ${folio.index + page} misses the VMA`);
      // PageAnonExclusive of the mapped page (a PMD leaf: the head's)
      const exclusive = machine.folios.pageAnonExclusive(folio.pfn, entry.kind === 'pmd-leaf' ? 0 : page);
      // a writable private anon entry maps an exclusive page (mm/memory.c: VM_BUG_ON(pte_write && !PageAnonExclusive) in
      // wp_page_reuse's callers; 6.1.192 mm/huge_memory.c:3355 for a PMD)
      if (entry.writable) assert.ok(exclusive, `${where}: writable entry to page ${page} of pfn ${folio.pfn}, which is not PageAnonExclusive`);
      if (entry.writable || exclusive) {
        if (entry.writable) assert.ok((vma.vm_flags & VM_WRITE) !== 0, `${where}: writable entry in a VMA without VM_WRITE`);
        // PageAnonExclusive: the page (not the whole folio, which may be PTE-mapped) is mapped once.
        const sharing = folio.maps
          .map((m) => entryView(machine, m))
          .filter((m) => m.kind === 'pmd-leaf' || entry.kind === 'pmd-leaf' || m.page === page).length;
        assert.equal(sharing, 1, `${where}: ${entry.writable ? 'writable' : 'exclusive'} entry to page ${page} of pfn ${folio.pfn}, which ${sharing} entries map`);
      }
      let list = actual.get(folio.pfn);
      if (!list) actual.set(folio.pfn, (list = []));
      list.push(entry.ptr);
    }
  }
  // (b) ground truth
  for (const [pfn, entries] of actual) {
    const folio = folioView(machine, pfn);
    assert.equal(folio.maps.length, entries.length, `pfn ${folio.pfn}: folio.maps has ${folio.maps.length} entries, page tables ${entries.length}`);
    const listed = new Set<EntryPointer>(folio.maps);
    assert.equal(listed.size, folio.maps.length, `pfn ${folio.pfn}: an entry listed twice in folio.maps`);
    for (const e of entries) {
      const v = entryView(machine, e);
      assert.ok(listed.has(e), `pfn ${folio.pfn}: mapping at ${v.mm?.name ?? '?'}:${v.vpn} missing from folio.maps`);
    }
    assert.equal(folio.refcount, folio.maps.length, `pfn ${folio.pfn}: refcount ${folio.refcount} != mapcount ${folio.maps.length}`);
    seen.add(pfn);
  }
  for (const pfn of seen) {
    if (actual.has(pfn)) continue;
    const folio = folioView(machine, pfn);
    assert.ok(folio.freed, `pfn ${folio.pfn}: no longer mapped but not freed (refcount ${folio.refcount}, maps ${folio.maps.length})`);
    assert.equal(folio.maps.length, 0, `pfn ${folio.pfn}: freed with maps left`);
    assert.equal(folio.refcount, 0, `pfn ${folio.pfn}: freed with refcount ${folio.refcount}`);
  }
  let pages = 0;
  for (const folio of actual.keys()) pages += machine.folios.nrPages(folio);
  assert.equal(machine.allocatedPages, pages, 'machine.allocatedPages vs pages of mapped folios');
  return leavesByMm;
}

/** Content the page tables show at every mapped page, vs the shadow (absent = zero-filled). */
export function checkContents(mm: MmStruct, leaves: readonly Leaf[], shadow: ReadonlyMap<number, number>): void {
  const mapped = new Set<number>();
  for (const { entry, vpn } of leaves) {
    if (entry.kind === 'pte') {
      mapped.add(vpn);
      assert.equal(mm.machine.folios.pageContent(entry.folio, entry.page), shadow.get(vpn) ?? 0, `mm ${mm.name} vpn ${vpn}: content`);
    } else if (entry.kind === 'pmd-leaf') {
      for (let i = 0; i < HPAGE_PMD_NR; i++) {
        mapped.add(vpn + i);
        assert.equal(mm.machine.folios.pageContent(entry.folio, i), shadow.get(vpn + i) ?? 0, `mm ${mm.name} vpn ${vpn + i}: content`);
      }
    }
  }
  for (const [vpn, content] of shadow) {
    if (content !== 0) assert.ok(mapped.has(vpn), `mm ${mm.name} vpn ${vpn}: content ${content} was lost (not mapped)`);
  }
}

/**
 * Kernel accounting of anon_vmas (mm/rmap.c): num_active_vmas = VMAs whose ->anon_vma it is;
 * num_children = live child anon_vmas (parent == it) + 1 for a root's self-parent link
 * (__anon_vma_prepare: "self-parent link for new root"). Only anon_vmas with a non-empty tree.
 */
export function checkAnonVmaCounts(mms: readonly MmStruct[]): void {
  const by = avcsByAnonVma(mms);
  for (const av of by.keys()) {
    let active = 0;
    for (const mm of mms) for (const vma of mm.vmas) if (vma.anon_vma === av) active++;
    assert.equal(av.num_active_vmas, active, `anon_vma ${av.id}: num_active_vmas`);
    let children = av.root === av ? 1 : 0;
    for (const other of by.keys()) if (other !== av && other.parent === av) children++;
    assert.equal(av.num_children, children, `anon_vma ${av.id}: num_children`);
  }
}

/**
 * Turns a livelock in code under test into a failure: counts every read of an mm's VMA list
 * (through a Proxy installed by guardVmas) and throws once `limit` reads happened since the
 * last reset(). No mm operation on the small spaces of these tests needs more than a few
 * thousand reads.
 */
export class LoopGuard {
  count = 0;
  limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  reset(): void {
    this.count = 0;
  }
}

/** Replace mm.vmas by a counting Proxy of the same array (same contents, same identity semantics for elements). */
export function guardVmas(mm: MmStruct, guard: LoopGuard): void {
  const target = mm.vmas;
  const proxy = new Proxy(target, {
    get(t, key, receiver): unknown {
      if (++guard.count > guard.limit) {
        guard.count = 0;
        throw new Error(`livelock: ${guard.limit} reads of ${mm.name}'s VMA list without the operation finishing`);
      }
      return Reflect.get(t, key, receiver) as unknown;
    },
  });
  (mm as { vmas: VmAreaStruct[] }).vmas = proxy;
}

/** The VMA of `mm` that contains `vpn` (asserting there is one). */
export function vmaAt(mm: MmStruct, vpn: number): VmAreaStruct {
  const vma = vma_lookup(mm, vpn);
  assert.ok(vma, `no VMA at ${vpn} in ${mm.name}`);
  return vma;
}
