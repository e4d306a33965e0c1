// Memory failure on KSM pages (mm/ksm.c collect_procs_ksm, mm/memory-failure.c collect_procs)
// on hand-built spaces: the kill list against the tasks that map the folio, and the exact
// cost, under the whole-range query (mainline ≤ 7.2) and the index query (7.3), and by version.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateScenario } from '../../bench/format.ts';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { executeScenario } from '../../src/harness/execute.ts';
import { memory_failure_ksm, type MemoryFailureOptions, type MemoryFailureResult } from '../../src/ksm/memory-failure.ts';
import type { RmapPolicy } from '../../src/ksm/policy.ts';
import { mapped_ksm_folios } from '../../src/ksm/rmap-walk.ts';
import type { Folio } from '../../src/mm/folio.ts';
import { write_page } from '../../src/mm/memory.ts';
import type { MmStruct } from '../../src/mm/mm.ts';
import { do_exit, do_fork, do_mprotect, do_mremap_move, do_munmap } from '../../src/mm/mmap.ts';
import { getVariant } from '../../variants/registry.ts';
import { assertCounters, resetCounters } from '../support/counters.ts';
import { world, type World } from '../support/ksm-world.ts';

const EARLY: MemoryFailureOptions = { early_kill: true, current: null };
const INDEX = getVariant('rmap', 'linear-page-index').policy;
const FULL = getVariant('rmap', 'full-range').policy;

/** The result as names: kill list (task@page), expected, missed (task@page), spurious. */
function names(r: MemoryFailureResult): unknown {
  return {
    refused: r.refused,
    killed: r.killed.map((k) => `${k.mm.name}@${k.vpn}`),
    expected: r.expected.map((t) => t.name),
    missed: r.missed.map((k) => `${k.mm.name}@${k.vpn}`),
    spurious: r.spurious.map((t) => t.name),
  };
}

/** The one KSM folio of the world. */
function onlyFolio(w: World): Folio {
  const folios = mapped_ksm_folios(w.ksm);
  assert.equal(folios.length, 1);
  return folios[0]!;
}

/** A parent with 4 pages, pages 0 and 1 merged into one KSM page (2 rmap_items), and a forked child. */
function forked(rmap: RmapPolicy): { w: World; parent: MmStruct; child: MmStruct; start: number; folio: Folio } {
  const w = world({ policy: { rmap } });
  const parent = w.proc('parent');
  const start = w.region(parent, 4, (i) => (i < 2 ? 77 : 500 + i));
  w.fullScans(2);
  const folio = onlyFolio(w);
  const child = do_fork(parent, 'child');
  assert.equal(w.m.folios.mapcount[folio], 4);
  return { w, parent, child, start, folio };
}

describe('collect_procs_ksm: a forked child', () => {
  for (const [label, rmap] of [
    ['full range', FULL],
    ['index', INDEX],
  ] as const) {
    it(`${label}: a child that still maps the page is collected through the parent's items (second task of the list)`, () => {
      const { w, start, folio } = forked(rmap);
      resetCounters(w.m.counters);
      const r = memory_failure_ksm(w.ksm, folio, EARLY);
      // items newest first: page 1's, then page 0's; the first match appends, later ones find the task listed
      assert.deepEqual(names(r), { refused: false, killed: [`parent@${start + 1}`, `child@${start + 1}`], expected: ['parent', 'child'], missed: [], spurious: [] });
      // 2 items × 2 tasks; the parent's tree holds the parent's VMA and the child's (anon_vma_clone),
      // both covering the page, so either query yields 2 avcs per task
      assertCounters(w.m.counters, {
        mf_calls: 1,
        anon_vma_locks: 2,
        mf_tasks_visited: 4,
        mf_avc_visits: 8,
        mf_tree_nodes: 16, // both intervals hold the index: the point query examines every node too
        mf_procs_expected: 2,
        mf_procs_found: 2,
      });
    });

    it(`${label}: a child that COW'd both pages away is still collected (spurious): its VMA stays in the parent's tree and only vm_mm is tested`, () => {
      const { w, parent, child, start, folio } = forked(rmap);
      assert.equal(write_page(child, start, 1), 'ok');
      assert.equal(write_page(child, start + 1, 2), 'ok');
      assert.equal(w.m.folios.mapcount[folio], 2);
      resetCounters(w.m.counters);
      const r = memory_failure_ksm(w.ksm, folio, EARLY);
      assert.deepEqual(names(r), { refused: false, killed: [`parent@${start + 1}`, `child@${start + 1}`], expected: ['parent'], missed: [], spurious: ['child'] });
      assert.equal(parent.vmas.length, 1);
      assertCounters(w.m.counters, {
        mf_calls: 1,
        anon_vma_locks: 2,
        mf_tasks_visited: 4,
        mf_avc_visits: 8,
        mf_tree_nodes: 16,
        mf_procs_expected: 1,
        mf_procs_found: 2,
        mf_procs_spurious: 1,
      });
    });
  }

  it("a child that unmapped the page's pages but keeps the rest of the VMA: the whole range collects it (spurious), the index query does not", () => {
    const results = [FULL, INDEX].map((rmap) => {
      const { w, child, start, folio } = forked(rmap);
      do_munmap(child, start, 2); // the child's VMA is now [start + 2, start + 4), pgoff + 2, still in the parent's tree
      assert.equal(child.vmas.length, 1);
      resetCounters(w.m.counters);
      const r = memory_failure_ksm(w.ksm, folio, EARLY);
      return { r: names(r), avcs: w.m.counters.mf_avc_visits, spurious: w.m.counters.mf_procs_spurious, start };
    });
    const start = results[0]!.start;
    assert.deepEqual(results[0], { r: { refused: false, killed: [`parent@${start + 1}`, `child@${start + 1}`], expected: ['parent'], missed: [], spurious: ['child'] }, avcs: 8, spurious: 1, start });
    // [index, index] lies in the parent's VMA only: 1 avc per task per item
    assert.deepEqual(results[1], { r: { refused: false, killed: [`parent@${start + 1}`], expected: ['parent'], missed: [], spurious: [] }, avcs: 4, spurious: 0, start });
  });

  it('early_kill off: only the current task (MF_ACTION_REQUIRED, force_early) is queried and collected', () => {
    const { w, child, start, folio } = forked(FULL);
    resetCounters(w.m.counters);
    const r = memory_failure_ksm(w.ksm, folio, { early_kill: false, current: child });
    assert.deepEqual(names(r), { refused: false, killed: [`child@${start + 1}`], expected: ['child'], missed: [], spurious: [] });
    assertCounters(w.m.counters, { mf_calls: 1, anon_vma_locks: 2, mf_tasks_visited: 4, mf_avc_visits: 4, mf_tree_nodes: 8, mf_procs_expected: 1, mf_procs_found: 1 });
    // asynchronous with early kill off: every task is visited, none queried, nobody expected
    resetCounters(w.m.counters);
    assert.deepEqual(names(memory_failure_ksm(w.ksm, folio, { early_kill: false, current: null })), { refused: false, killed: [], expected: [], missed: [], spurious: [] });
    assertCounters(w.m.counters, { mf_calls: 1, anon_vma_locks: 2, mf_tasks_visited: 4 });
  });

  it('an exited task has left the task list', () => {
    const { w, child, start, folio } = forked(FULL);
    do_exit(child);
    resetCounters(w.m.counters);
    const r = memory_failure_ksm(w.ksm, folio, EARLY);
    assert.deepEqual(names(r), { refused: false, killed: [`parent@${start + 1}`], expected: ['parent'], missed: [], spurious: [] });
    // 2 items × 1 task; the child's VMA left the parent's tree with its exit
    assertCounters(w.m.counters, { mf_calls: 1, anon_vma_locks: 2, mf_tasks_visited: 2, mf_avc_visits: 2, mf_tree_nodes: 4, mf_procs_expected: 1, mf_procs_found: 1 });
  });
});

describe('collect_procs_ksm: moved and split VMAs', () => {
  /** Hugh Dickins' case (mremap-remerge): pages 0 and 1 merged, page 1 moved onto page 2 and merged again. */
  function moved(rmap: RmapPolicy): { w: World; start: number; folio: Folio } {
    const w = world({ policy: { rmap } });
    const p = w.proc('p0');
    const start = w.region(p, 3, (i) => (i < 2 ? 0x77 : 900));
    w.fullScans(2);
    do_mremap_move(p, start + 1, 1, start + 2);
    w.fullScans(3);
    assert.deepEqual(p.vmas.map((v) => [v.vm_start - start, v.vm_end - start, v.vm_pgoff - p.vmas[0]!.vm_pgoff]), [
      [0, 1, 0],
      [2, 3, 1],
    ]);
    return { w, start, folio: onlyFolio(w) };
  }

  it('a mremap-moved page: both queries collect the task; the whole range yields both VMAs per item, the index one', () => {
    for (const [rmap, avcs, nodes] of [
      [FULL, 4, 8],
      [INDEX, 2, 7],
    ] as const) {
      const { w, start, folio } = moved(rmap);
      resetCounters(w.m.counters);
      const r = memory_failure_ksm(w.ksm, folio, EARLY);
      assert.deepEqual(names(r), { refused: false, killed: [`p0@${start + 2}`], expected: ['p0'], missed: [], spurious: [] });
      assertCounters(w.m.counters, { mf_calls: 1, anon_vma_locks: 2, mf_tasks_visited: 2, mf_avc_visits: avcs, mf_tree_nodes: nodes, mf_procs_expected: 1, mf_procs_found: 1 });
    }
  });

  it('a VMA split into 8 pieces on one anon_vma: 8 avcs per item with the whole range, 1 with the index', () => {
    for (const [rmap, avcs] of [
      [FULL, 16],
      [INDEX, 2],
    ] as const) {
      const w = world({ policy: { rmap } });
      const p = w.proc('p0');
      const start = w.region(p, 8, (i) => (i % 4 === 0 ? 55 : 700 + i));
      for (let i = 1; i < 8; i += 2) do_mprotect(p, start + i, 1, 'r');
      assert.equal(p.vmas.length, 8);
      w.fullScans(2);
      const folio = onlyFolio(w);
      resetCounters(w.m.counters);
      const r = memory_failure_ksm(w.ksm, folio, EARLY);
      assert.deepEqual(names(r), { refused: false, killed: [`p0@${start + 4}`], expected: ['p0'], missed: [], spurious: [] });
      assert.deepEqual([w.m.counters.mf_avc_visits, w.m.counters.mf_tasks_visited, w.m.counters.anon_vma_locks, w.m.counters.mf_procs_missed], [avcs, 2, 2, 0]);
    }
  });

  it("the oracle reports a miss: a query that holds none of the task's VMAs (vm-pgoff's stored head pgoff, had v4 narrowed collect_procs_ksm too, after the head is unmapped)", () => {
    const vmPgoff = getVariant('rmap', 'vm-pgoff').policy;
    const w = world({ policy: { rmap: { ...vmPgoff, collect_procs_query: vmPgoff.query } } });
    const p = w.proc('p0');
    const start = w.region(p, 4, (i) => (i >= 2 ? 7 : 300 + i));
    w.fullScans(2);
    do_munmap(p, start, 2); // the piece left starts at pgoff + 2: the stored pgoff is in no VMA
    const folio = onlyFolio(w);
    resetCounters(w.m.counters);
    const r = memory_failure_ksm(w.ksm, folio, EARLY);
    assert.deepEqual(names(r), { refused: false, killed: [], expected: ['p0'], missed: [`p0@${start + 2}`], spurious: [] });
    assertCounters(w.m.counters, { mf_calls: 1, anon_vma_locks: 2, mf_tasks_visited: 2, mf_tree_nodes: 4, mf_procs_expected: 1, mf_procs_missed: 1 });
  });
});

describe('memory failure on a KSM page by kernel version', () => {
  const scenario = validateScenario({
    name: 'mf-by-version',
    thp: { enabled: 'madvise' },
    ops: [
      { op: 'mmap', proc: 'p0', region: 'a', size: 8 },
      { op: 'fill', proc: 'p0', region: 'a', content: 'unique' },
      { op: 'fill', proc: 'p0', region: 'a', from: 0, pages: 1, content: 9 },
      { op: 'fill', proc: 'p0', region: 'a', from: 4, pages: 1, content: 9 },
      { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
      { op: 'ksmd', full_scans: 2 },
      { op: 'mprotect', proc: 'p0', region: 'a', prot: 'r', every: 2 },
      { op: 'fork', proc: 'p0', child: 'p1' },
      { op: 'memory_failure', what: 'all-ksm' },
      { op: 'memory_failure', what: 'range', proc: 'p1', region: 'a', from: 4, pages: 1, early_kill: false, current: 'p1' },
    ],
  });
  const mf = (stack: string) => {
    const r = executeScenario(scenario, configOfStack(stack));
    const c = r.counters;
    return { problems: r.problems, c: [c.mf_refused, c.mf_calls, c.anon_vma_locks, c.mf_tasks_visited, c.mf_avc_visits, c.mf_procs_expected, c.mf_procs_found, c.mf_procs_missed, c.mf_procs_spurious] };
  };

  it('6.1 refuses the KSM page before collecting anyone (hwpoison_user_mappings: "can\'t handle KSM pages")', () => {
    assert.deepEqual(mf('v6.1'), { problems: [], c: [2, 0, 0, 0, 0, 0, 0, 0, 0] });
  });

  it('6.12 collects over the whole tree: 8 pieces × 2 mms of VMAs per task per item', () => {
    // all-ksm: 2 items × 2 tasks × 16 avcs; range with early_kill off: only p1 queried, 2 items × 16
    assert.deepEqual(mf('v6.12'), { problems: [], c: [0, 2, 4, 8, 2 * 2 * 16 + 2 * 16, 3, 3, 0, 0] });
    assert.deepEqual(mf('v6.19'), mf('v6.12'));
  });

  it("7.3 queries the page's index: the piece of each mm that holds it", () => {
    assert.deepEqual(mf('v7.3'), { problems: [], c: [0, 2, 4, 8, 2 * 2 * 2 + 2 * 2, 3, 3, 0, 0] });
  });
});

describe('the memory_failure op', () => {
  it("a missed task is the oracle's problem, named with its page; the range form fails only the KSM pages in its range", () => {
    const vmPgoff = getVariant('rmap', 'vm-pgoff').policy;
    const base = configOfStack('v6.19');
    const config = { ...base, policy: { ...base.policy, rmap: { ...vmPgoff, collect_procs_query: vmPgoff.query } } };
    const scenario = validateScenario({
      name: 'mf-miss',
      thp: { enabled: 'madvise' },
      ops: [
        { op: 'mmap', proc: 'p0', region: 'a', size: 4 },
        { op: 'fill', proc: 'p0', region: 'a', content: 'unique' },
        { op: 'fill', proc: 'p0', region: 'a', from: 2, pages: 2, content: 7 },
        { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
        { op: 'ksmd', full_scans: 2 },
        { op: 'munmap', proc: 'p0', region: 'a', from: 0, pages: 2 },
        { op: 'memory_failure', what: 'range', proc: 'p0', region: 'a', from: 2, pages: 1 },
        { op: 'memory_failure', what: 'all-ksm' },
      ],
    });
    const r = executeScenario(scenario, config);
    const vpn = r.ksm.machine.mms[0]!.vmas[0]!.vm_start;
    assert.deepEqual(r.problems, [6, 7].map((i) => `ops[${i}] (memory_failure): memory failure would not collect p0, which maps the KSM page at page ${vpn} = p0/a + 2 (collected 0 of 1)`));
    assert.deepEqual([r.counters.mf_calls, r.counters.mf_procs_missed], [2, 2]);
    // the variant as posted leaves collect_procs_ksm on the whole range: nothing missed
    const own = executeScenario(scenario, { ...base, policy: { ...base.policy, rmap: vmPgoff } });
    assert.deepEqual([own.problems, own.counters.mf_procs_found, own.counters.mf_procs_missed], [[], 2, 0]);
    // a range of unique pages holds no KSM page: nothing fails
    const none = executeScenario(validateScenario({ ...scenario, ops: [...scenario.ops.slice(0, 5), { op: 'memory_failure', what: 'range', proc: 'p0', region: 'a', from: 0, pages: 2 }] }), base);
    assert.deepEqual([none.problems, none.counters.mf_calls], [[], 0]);
  });
});

describe('few-vmas: one VMA per anon_vma', () => {
  it('every tree holds one VMA, and the whole range and the index cost the same: 4 tasks × 4 items per page, 1 avc each', () => {
    const counts = ['v6.18', 'v7.3'].map((stack) => {
      const r = executeScenario(buildScenario('few-vmas', {}), configOfStack(stack));
      assert.deepEqual(r.problems, [], stack);
      const vmas = r.ksm.machine.mms.flatMap((mm) => mm.vmas);
      assert.equal(vmas.length, 12, stack);
      assert.equal(new Set(vmas.map((v) => v.anon_vma)).size, 12, stack);
      assert.ok(vmas.every((v) => v.anon_vma!.rb_root.size === 1), stack);
      const c = r.counters;
      return [c.rmap_avc_visits, c.rmap_tree_nodes, c.rmap_one_calls, c.mf_calls, c.mf_tasks_visited, c.mf_avc_visits, c.mf_tree_nodes, c.mf_procs_found, c.mf_procs_missed, c.mf_procs_spurious];
    });
    // 24 KSM pages × 4 mappings: the walk stops at the 4th item; memory failure runs 4 items × 4 tasks
    assert.deepEqual(counts, [
      [96, 192, 96, 24, 384, 384, 768, 96, 0, 0],
      [96, 192, 96, 24, 384, 384, 768, 96, 0, 0],
    ]);
  });
});
