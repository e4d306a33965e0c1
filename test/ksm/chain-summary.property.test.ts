// stable_node_dup's chain summary must give exactly what the literal dup walk gives: the same
// dup, the same references, the same stale dups removed, the same chain reshaping and the same
// counters (DESIGN.md §9). Random small worlds — several processes and forks, few contents so
// chains form at max_page_sharing 2..4, THP regions, munmap / exit / unmerge / COW so dups go
// stale — run in lockstep twice, once with the summary and once forced literal, and must agree
// after every ksmd batch.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { checkInvariants } from '../../src/ksm/invariants.ts';
import { MADV_MERGEABLE, MADV_UNMERGEABLE, madvise_ksm } from '../../src/ksm/mm-slots.ts';
import { ksmd_batch, ksmd_should_run } from '../../src/ksm/scan.ts';
import { chain_summary_problems, is_stable_node_chain, type KsmStableNode } from '../../src/ksm/stable-node.ts';
import type { Ksm } from '../../src/ksm/state.ts';
import { read_ksm_stat, read_sysfs, SysfsError, write_sysfs } from '../../src/ksm/sysfs.ts';
import { write_page } from '../../src/mm/memory.ts';
import type { MmStruct } from '../../src/mm/mm.ts';
import { do_exit, do_fork, do_mmap, do_munmap, madvise_dontneed } from '../../src/mm/mmap.ts';
import { getStack, policyOf } from '../../variants/stacks.ts';
import { getVariant } from '../../variants/registry.ts';
import { type World, world } from '../support/ksm-world.ts';

interface RegionSpec {
  pages: number;
  thp: boolean;
  /** content of page i: 1 + (i * mul) % kinds — few kinds, so long runs of identical pages */
  kinds: number;
  mul: number;
}

type Op =
  | { op: 'ksmd'; batches: number }
  | { op: 'full_scan' }
  | { op: 'fork'; proc: number }
  | { op: 'exit'; proc: number }
  | { op: 'munmap'; proc: number; region: number; at: number; len: number }
  | { op: 'dontneed'; proc: number; region: number; at: number; len: number }
  | { op: 'unmerge'; proc: number; region: number; at: number; len: number }
  | { op: 'merge'; proc: number; region: number }
  | { op: 'write'; proc: number; region: number; at: number; len: number; content: number }
  | { op: 'max_page_sharing'; value: number };

const at = fc.double({ min: 0, max: 0.999, noNaN: true });
const len = fc.integer({ min: 1, max: 40 });
const idx = fc.nat({ max: 7 });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('ksmd' as const), batches: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('full_scan' as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fork' as const), proc: idx }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('exit' as const), proc: idx }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('munmap' as const), proc: idx, region: idx, at, len }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dontneed' as const), proc: idx, region: idx, at, len }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unmerge' as const), proc: idx, region: idx, at, len }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('merge' as const), proc: idx, region: idx }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('write' as const), proc: idx, region: idx, at, len, content: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('max_page_sharing' as const), value: fc.integer({ min: 2, max: 5 }) }) },
);

const scenarioArb = fc.record({
  max_page_sharing: fc.integer({ min: 2, max: 4 }),
  // pages_to_scan is the mapped pages over this: a full scan takes about that many batches
  batches_per_scan: fc.integer({ min: 2, max: 16 }),
  // 0 prunes on every lookup; 20 (one batch) every other; the default almost never
  prune_ms: fc.constantFrom(0, 20, 60, 2000),
  // v6.1 searches the stable tree for every page (many more chain lookups); page-ref pins pages
  stack: fc.constantFrom('v6.17', 'v6.18', 'v6.1', 'rmap-v8'),
  pageRef: fc.boolean(),
  regions: fc.array(
    fc.record({
      pages: fc.integer({ min: 4, max: 64 }),
      thp: fc.constant(false),
      kinds: fc.integer({ min: 1, max: 3 }),
      mul: fc.integer({ min: 0, max: 5 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  thp: fc.option(fc.record({ pages: fc.constantFrom(512, 520), thp: fc.constant(true), kinds: fc.integer({ min: 2, max: 3 }), mul: fc.integer({ min: 0, max: 1 }) }), {
    freq: 4,
  }),
  forks: fc.integer({ min: 0, max: 3 }),
  ops: fc.array(opArb, { minLength: 4, maxLength: 24 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

interface Proc {
  mm: MmStruct;
  regions: { start: number; pages: number }[];
  alive: boolean;
}

/** One of the two worlds: the same scenario, with or without the chain summary. */
class Side {
  readonly w: World;
  readonly procs: Proc[] = [];
  /** Forks stop here (fewer with a THP region, whose pages make the largest chains). */
  readonly maxProcs: number;

  constructor(s: Scenario, summary: boolean) {
    const stack = getStack(s.stack);
    const policy = policyOf(stack.variants);
    if (s.pageRef) policy.stableRef = getVariant('stable-ref', 'page-ref').policy;
    this.w = world({
      policy,
      mergeOrder: stack.mergeOrder,
      knobs: { max_page_sharing: s.max_page_sharing, stable_node_chains_prune_millisecs: s.prune_ms },
    });
    this.w.ksm.chainSummary = summary;
    this.maxProcs = s.thp ? 2 : 6;
    const p0: Proc = { mm: this.w.proc('p0'), regions: [], alive: true };
    this.procs.push(p0);
    const specs: RegionSpec[] = s.thp ? [...s.regions, s.thp] : s.regions;
    for (const r of specs) {
      const start = r.thp ? do_mmap(p0.mm, r.pages, { at: 0x40000, hugepage: true }) : do_mmap(p0.mm, r.pages);
      for (let i = 0; i < r.pages; i++) write_page(p0.mm, start + i, 1 + ((i * r.mul) % r.kinds));
      assert.equal(madvise_ksm(this.w.ksm, p0.mm, start, r.pages, MADV_MERGEABLE), 0);
      p0.regions.push({ start, pages: r.pages });
    }
    for (let i = 0; i < s.forks; i++) this.fork(i % this.procs.length);
    const mapped = specs.reduce((n, r) => n + r.pages, 0) * this.procs.length;
    write_sysfs(this.w.ksm, 'pages_to_scan', Math.max(4, Math.ceil(mapped / s.batches_per_scan)));
  }

  get ksm(): Ksm {
    return this.w.ksm;
  }

  fork(i: number): void {
    const parent = this.procs[i % this.procs.length]!;
    if (!parent.alive || this.procs.length >= this.maxProcs) return;
    const child = do_fork(parent.mm, `p${this.procs.length}`);
    this.procs.push({ mm: child, regions: parent.regions.map((r) => ({ ...r })), alive: true });
  }

  /** [start, pages) of a live region of a live process, or null. */
  range(o: { proc: number; region: number; at?: number; len?: number }): { p: Proc; start: number; pages: number } | null {
    const p = this.procs[o.proc % this.procs.length]!;
    if (!p.alive || p.regions.length === 0) return null;
    const r = p.regions[o.region % p.regions.length]!;
    const from = Math.floor((o.at ?? 0) * r.pages);
    const pages = o.len === undefined ? r.pages : Math.min(o.len, r.pages - from);
    return { p, start: r.start + from, pages };
  }

  /** One op (a ksmd op is one batch here: runBoth paces them). */
  apply(op: Op): void {
    const ksm = this.w.ksm;
    switch (op.op) {
      case 'ksmd':
      case 'full_scan':
        ksmd_batch(ksm);
        return;
      case 'fork':
        this.fork(op.proc);
        return;
      case 'exit': {
        const p = this.procs[op.proc % this.procs.length]!;
        if (!p.alive) return;
        do_exit(p.mm);
        p.alive = false;
        return;
      }
      case 'munmap':
      case 'dontneed':
      case 'unmerge':
      case 'merge':
      case 'write': {
        const r = this.range(op);
        if (!r) return;
        if (op.op === 'munmap') do_munmap(r.p.mm, r.start, r.pages);
        else if (op.op === 'dontneed') madvise_dontneed(r.p.mm, r.start, r.pages);
        else if (op.op === 'unmerge') madvise_ksm(ksm, r.p.mm, r.start, r.pages, MADV_UNMERGEABLE);
        else if (op.op === 'merge') madvise_ksm(ksm, r.p.mm, r.start, r.pages, MADV_MERGEABLE);
        else for (let i = 0; i < r.pages; i++) write_page(r.p.mm, r.start + i, op.content);
        return;
      }
      case 'max_page_sharing':
        // the kernel refuses while KSM pages exist: unmerge everything (run = 2) first; a
        // node that stays busy still makes it -EBUSY (both sides alike: sysfs is compared)
        write_sysfs(ksm, 'run', 2);
        try {
          write_sysfs(ksm, 'max_page_sharing', op.value);
        } catch (e) {
          if (!(e instanceof SysfsError)) throw e;
        }
        write_sysfs(ksm, 'run', 1);
        return;
    }
  }
}

/** The stable tree as plain data: shape, colours, chains and dups in order, items, pages and their references. */
function treeShape(ksm: Ksm): unknown {
  const node = (n: KsmStableNode | null): unknown => {
    if (!n) return null;
    const folios = ksm.machine.folios;
    const items = ksm.items;
    const hlist = (d: KsmStableNode): string[] => {
      const out: string[] = [];
      for (let it = d.hlist; it; it = items.hlist_next(it)) out.push(`${items.mm(it).name}:${items.vpn(it)}`);
      return out;
    };
    const one = (d: KsmStableNode): unknown => ({
      id: d.id,
      len: d.rmap_hlist_len,
      pfn: d.kpfn ?? null,
      refcount: d.kpfn === null ? null : folios.refcount[d.kpfn],
      freed: d.kpfn === null ? null : folios.freed(d.kpfn),
      items: hlist(d),
    });
    return {
      color: n.color,
      ...(is_stable_node_chain(n) ? { chain: n.id, prune: n.chain_prune_time, dups: n.dups.map(one) } : { node: one(n) }),
      left: node(n.left),
      right: node(n.right),
    };
  };
  return node(ksm.root_stable_tree.rbNode);
}

function snapshot(side: Side): unknown {
  const ksm = side.ksm;
  return {
    sysfs: read_sysfs(ksm), // refreshes the derived counters first
    counters: { ...ksm.counters },
    dupVisits: ksm.dupVisits,
    jiffies: ksm.jiffies,
    tree: treeShape(ksm),
    stats: side.procs.map((p) => read_ksm_stat(ksm, p.mm)),
  };
}

function summaryProblems(ksm: Ksm): string[] {
  const bad: string[] = [];
  const walk = (n: KsmStableNode | null): void => {
    if (!n) return;
    if (is_stable_node_chain(n)) bad.push(...chain_summary_problems(ksm.machine.folios, n));
    walk(n.left);
    walk(n.right);
  };
  walk(ksm.root_stable_tree.rbNode);
  return bad;
}

const seen = { faults: 0, batches: 0, summarised: 0, literalDupVisits: 0, staleChainSteps: 0, chainsSeen: 0, maxDups: 0 };

function runBoth(s: Scenario): void {
  const fast = new Side(s, true);
  const slow = new Side(s, false);
  let step = 0;
  const census = (): void => {
    for (let n = slow.ksm.root_stable_tree.rbNode, stack: KsmStableNode[] = []; n || stack.length; ) {
      if (n) {
        if (is_stable_node_chain(n)) {
          seen.chainsSeen++;
          seen.maxDups = Math.max(seen.maxDups, n.dups.length);
          if (n.summary_stale > 0) seen.staleChainSteps++;
        }
        stack.push(n);
        n = n.left;
      } else {
        n = stack.pop()!.right;
      }
    }
  };
  const compare = (): void => {
    step++;
    seen.batches++;
    assert.deepEqual(summaryProblems(fast.ksm), [], `summary after batch ${step}`);
    assert.deepEqual(summaryProblems(slow.ksm), [], `summary (literal side) after batch ${step}`);
    assert.deepEqual(snapshot(fast), snapshot(slow), `after batch ${step}`);
    // (a chain whose last dup an rmap_item removal found stale stays empty until its next
    // lookup frees it, as in the kernel; the checker's "no dups" complaint is not this test's)
    if (step % 4 === 0) assert.deepEqual(checkInvariants(fast.ksm), [], `invariants after batch ${step}`);
  };
  // Both sides run the op; an engine fault must be the same fault on both sides, and ends the
  // scenario (page-ref under merge_with_stable_tree's "ksm page forked" path can hand
  // stable_tree_append a NULL node: a fault of the literal path as much as of the summary's).
  let faulted = false;
  const both = (op: Op): void => {
    const run = (side: Side): string | null => {
      try {
        side.apply(op);
        return null;
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        return String(e);
      }
    };
    const a = run(fast);
    const b = run(slow);
    assert.equal(a, b, `${op.op}: the same outcome on both sides`);
    if (a !== null) {
      seen.faults++;
      faulted = true;
    }
  };
  const batch = (): void => {
    if (faulted) return;
    census(); // before the batch: the chains its lookups will meet
    both({ op: 'ksmd', batches: 1 });
    if (!faulted) compare();
  };
  const fullScans = (n: number): void => {
    const target = fast.ksm.ksm_scan.seqnr + n;
    for (let i = 0; i < 1000 && !faulted && fast.ksm.ksm_scan.seqnr < target && ksmd_should_run(fast.ksm); i++) batch();
  };
  // merge first (chains form on the second and third scans), then the random ops, with the
  // slow side running each op right after the fast side and ksmd batches in lockstep
  fullScans(3);
  for (const op of s.ops) {
    if (op.op === 'ksmd') for (let i = 0; i < op.batches; i++) batch();
    else if (op.op === 'full_scan') fullScans(1);
    else if (!faulted) {
      both(op);
      if (faulted) break;
      assert.deepEqual(summaryProblems(fast.ksm), [], `summary after ${op.op}`);
      assert.deepEqual(snapshot(fast), snapshot(slow), `after ${op.op}`);
    }
  }
  // and enough full scans to merge what is left
  fullScans(2);
  seen.summarised += fast.ksm.dupWalksSummarised;
  seen.literalDupVisits += slow.ksm.dupVisits;
  assert.equal(slow.ksm.dupWalksSummarised, 0);
}

it('stable_node_dup with the chain summary equals the literal dup walk, batch by batch', () => {
  const numRuns = 50;
  fc.assert(fc.property(scenarioArb, runBoth), { numRuns, seed: Number(process.env.CHAIN_SUMMARY_SEED ?? 20261201) });
  // the runs must exercise the shortcut, long chains and stale dups, not only trivial trees
  assert.ok(seen.faults <= numRuns / 5, `${seen.faults} of ${numRuns} scenarios ended by an engine fault`);
  assert.ok(seen.summarised > 1000, `only ${seen.summarised} summarised walks`);
  assert.ok(seen.maxDups >= 5, `chains of at most ${seen.maxDups} dups`);
  assert.ok(seen.literalDupVisits > 100 * seen.batches, `only ${seen.literalDupVisits} dups visited by the literal walk`);
  assert.ok(seen.staleChainSteps > 20, `only ${seen.staleChainSteps} chains with a stale dup met by a batch`);
});
