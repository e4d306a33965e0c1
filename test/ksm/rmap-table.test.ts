// The rmap-index series' table as a golden test (xu xin, v1 cover letter, Jan 2026), on the
// built-in scenario split-family at the published size. Per rmap_walk_ksm, the cover letter gave
// the maximum over walks of loop iterations / addr out-of-range skips / mm-mismatch skips:
//
//   whole anon_vma range (before):  22169 / 22168 / 0
//   the page's index (after):           3 /     0 / 2
//
// The scenario: a service maps N = 22167 pages, forks k = 2 workers (each rewrites its copy, so
// each worker's one VMA holds every address but maps the worker's own pages), then its heap is
// split into one VMA per page, and ksmd merges its first and last page. The root anon_vma's tree
// holds N + k = 22169 avcs, in this order: worker1, worker2 (linked by fork after the service's
// VMA with the same start pgoff; the service's VMA, re-inserted by its first split, moved after
// them), then piece 0 … piece N-1 by pgoff. The stable node has two rmap_items, both the
// service's, with the root anon_vma: the last page's (newest, walked first), then the first
// page's.
//
// full-range, item of page N-1, pass 0: the whole tree, N + k = 22169 iterations; the VMAs
// holding its address are the two workers' and piece N-1, so 22169 - 3 = 22166 addr skips and 2
// mm skips (the workers' VMAs, other mms, in the first pass), then rmap_one on piece N-1, the last
// avc. Item of page 0: worker1, worker2 (mm skips), piece 0: rmap_one, and done (folio_not_mapped)
// ends the walk: 3 iterations. Per walk: 22172 / 22166 / 4, 2 rmap_one, 2 locks.
// An index query (addr-shift, vm-pgoff, linear-page-index, with or without the COW reset: no
// mremap here, so all four query the page's own index) yields only the three VMAs holding the
// index, both items alike: 3 / 0 / 2 each, per walk 6 / 0 / 4.
//
// What this says about the published numbers:
// - The after row 3 / 0 / 2 is exactly one (item, pass) loop here, not one walk (6 / 0 / 4): a
//   per-walk 3 / 0 / 2 needs a KSM folio mapped once (a single item) whose own VMA comes after
//   two other mms' VMAs. The series measured the anon_vma lock hold time, which is per item per
//   pass (the lock is taken and dropped around each item's loop), so the table reads as the
//   largest loop under one lock; the model reports per walk (the counters) and per loop
//   (RmapWalkResult.loops, the trace's rmap_walk lines sum them).
// - One state cannot give both rows with one stored address: the VMAs an index query yields are
//   exactly the ones of the whole-range loop that pass the addr check, in the same order. After
//   3 / 0 / 2, the whole-range loop of that item must see the same 2 mm skips, where the before
//   row has 0. The closest honest pair is this one: 22169 / 22166 / 2 and 3 / 0 / 2 per loop. The
//   before row's 22168 addr skips and 0 mm skips mean exactly one VMA of that tree held the
//   address (its own, the last avc, or done there): the two other mms' VMAs were not there
//   — a state without the forked workers, or before they were forked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfVariants } from '../../src/harness/config.ts';
import { executeScenario } from '../../src/harness/execute.ts';
import { COUNTER_NAMES, type Counters } from '../../src/mm/counters.ts';
import type { RmapLoop } from '../../src/mm/rmap-walk.ts';

const N = 22167;
const K = 2;

/** The rmap counters of the walk (every rmap_* counter and anon_vma_locks), tree nodes aside: the tree's shape is not the table's. */
// the walks' counters (rmap_items_allocated / _freed count the scanner's ksm_rmap_items, not walks)
const RMAP_COUNTERS = COUNTER_NAMES.filter((n) => (n.startsWith('rmap_') || n === 'anon_vma_locks') && !n.endsWith('tree_nodes') && !n.startsWith('rmap_items_'));

function run(rmap: string): { counters: Partial<Counters>; loops: RmapLoop[]; problems: string[] } {
  const scenario = buildScenario('split-family', { pieces: N, children: K });
  const loops: RmapLoop[] = [];
  const r = executeScenario(scenario, configOfVariants('v6.18', { rmap }), {
    invariants: 'end',
    onRmapWalk: (_, w) => {
      if (w.pageType === 'ksm') loops.push(...w.loops);
    },
  });
  const counters = Object.fromEntries(RMAP_COUNTERS.map((c) => [c, r.counters[c]])) as Partial<Counters>;
  return { counters, loops, problems: r.problems };
}

/** The largest loop under one anon_vma lock: [iterations, addr skips, mm skips] (the published columns). */
function loopMax(loops: readonly RmapLoop[]): [number, number, number] {
  const top = loops.reduce((a, b) => (b.iterations > a.iterations ? b : a));
  return [top.iterations, top.skipAddr, top.skipMm];
}

// Anonymous walks, the same for every rmap variant: the service's N - 2 unmerged pages
// (folio->mapping the root anon_vma; the index query yields worker1, worker2 and the page's
// piece, and rmap_walk_anon calls rmap_one on each: no addr check, no pass rule; done at the
// piece, the last) and each worker's N pages (its own anon_vma, its one VMA: 1 each).
const ANON = {
  rmap_anon_walks: N - 2 + K * N,
  rmap_anon_avc_visits: (K + 1) * (N - 2) + K * N,
  rmap_anon_avc_visits_max: K + 1,
  rmap_anon_one_calls: (K + 1) * (N - 2) + K * N,
  rmap_anon_mappings_missed: 0,
};

const KSM_COMMON = { rmap_walks: 1, rmap_mappings_expected: 2, rmap_mappings_found: 2, rmap_mappings_missed: 0, rmap_one_calls: 2, rmap_one_calls_max: 2, rmap_folios_unmappable: 1, rmap_folios_stuck: 0 };

describe('the series\' rmap_walk_ksm table on split-family (pieces=22167, children=2)', () => {
  it('full-range: the whole tree for the last page (22169 / 22166 / 2 per loop, 22172 / 22166 / 4 per walk)', () => {
    const { counters, loops, problems } = run('full-range');
    assert.deepEqual(problems, []);
    assert.deepEqual(counters, {
      ...KSM_COMMON,
      rmap_avc_visits: N + K + (K + 1),
      rmap_skip_addr: N - 1,
      rmap_skip_mm: 2 * K,
      anon_vma_locks: 2 + ANON.rmap_anon_walks,
      rmap_avc_visits_max: N + K + (K + 1),
      rmap_skip_addr_max: N - 1,
      rmap_skip_mm_max: 2 * K,
      ...ANON,
    });
    assert.deepEqual(
      loops.map((l) => [l.pass, l.iterations, l.skipAddr, l.skipMm, l.rmapOne]),
      [
        [0, 22169, 22166, 2, 1],
        [0, 3, 0, 2, 1],
      ],
    );
    assert.deepEqual(loopMax(loops), [22169, 22166, 2], 'published before: 22169 / 22168 / 0');
  });

  for (const rmap of ['addr-shift', 'vm-pgoff', 'linear-page-index', 'linear-page-index-no-cow-reset']) {
    it(`${rmap}: the VMAs holding the index (3 / 0 / 2 per loop, as published; 6 / 0 / 4 per walk)`, () => {
      const { counters, loops, problems } = run(rmap);
      assert.deepEqual(problems, []);
      assert.deepEqual(counters, {
        ...KSM_COMMON,
        rmap_avc_visits: 2 * (K + 1),
        rmap_skip_addr: 0,
        rmap_skip_mm: 2 * K,
        anon_vma_locks: 2 + ANON.rmap_anon_walks,
        rmap_avc_visits_max: 2 * (K + 1),
        rmap_skip_addr_max: 0,
        rmap_skip_mm_max: 2 * K,
        ...ANON,
      });
      assert.deepEqual(
        loops.map((l) => [l.pass, l.iterations, l.skipAddr, l.skipMm, l.rmapOne]),
        [
          [0, 3, 0, 2, 1],
          [0, 3, 0, 2, 1],
        ],
      );
      assert.deepEqual(loopMax(loops), [3, 0, 2], 'published after: 3 / 0 / 2');
    });
  }
});
