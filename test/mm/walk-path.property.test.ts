// The range walker's restart through the walk-path cache must equal the literal descent from
// the top, counter by counter and callback by callback, on random small spaces: two identical
// machines run the same sequence of walk_page_range_vma calls, one with the cache off.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { snapshotCounters } from '../../src/mm/counters.ts';
import { Machine } from '../../src/mm/machine.ts';
import type { MmStruct } from '../../src/mm/mm.ts';
import { do_fork } from '../../src/mm/mmap.ts';
import {
  type MmWalkOps,
  pmd_trans_huge,
  pte_offset_map_lock,
  pte_present,
  pte_special,
  ptep_get,
  walk_page_range_vma,
} from '../../src/mm/pagewalk.ts';
import { ACCOUNT_SCAN, ACCOUNT_UNMERGE, ACCOUNT_UNMERGE_KSMD, NULL_PTR, type ReadAccount, withAccount } from '../../src/mm/pgtable.ts';
import { vma_lookup } from '../../src/mm/vma.ts';
import { buildSpace, punchHole, SPACE_SHAPE } from '../support/space.ts';


/** What the callbacks saw, in order: the walk's observable behaviour besides the counters. */
interface Trace {
  events: string[];
  /** stop the walk at the n-th present normal page (0 = never) */
  stopAt: number;
  seen: number;
}

/** ksm_next_page_pmd_entry's shape: scan the PTEs under each PMD, stop at the stopAt-th present page. */
const scanOps: MmWalkOps<Trace> = {
  walk_lock: 'rdlock',
  pmd_entry(pmd, addr, end, walk) {
    const pt = walk.mm.machine.pt;
    walk.private.events.push(`pmd ${addr} ${end}`);
    if (pmd_trans_huge(pt, pmd)) return pte_special(pt, pmd) ? 0 : found(walk.private, addr);
    let ptep = pte_offset_map_lock(walk, pmd, addr);
    if (ptep === NULL_PTR) return 0;
    for (; addr < end; ptep++, addr++) {
      const pte = ptep_get(walk, ptep);
      if (!pte_present(pt, pte) || pte_special(pt, pte)) continue;
      if (found(walk.private, addr)) return 1;
    }
    return 0;
  },
};

function found(t: Trace, addr: number): number {
  t.seen++;
  if (t.stopAt === 0 || t.seen < t.stopAt) return 0;
  t.events.push(`found ${addr}`);
  return 1;
}

/** The same with a pte_hole callback that records every hole and its depth. */
const scanWithHolesOps: MmWalkOps<Trace> = {
  ...scanOps,
  pte_hole(addr, next, depth, walk) {
    walk.private.events.push(`hole ${addr} ${next} ${depth}`);
    return 0;
  },
};

/** A pte_entry walk (splits PMD-mapped THPs as the kernel's walker does for one). */
const pteOps: MmWalkOps<Trace> = {
  walk_lock: 'rdlock',
  pte_entry(pte, addr, _next, walk) {
    if (pte_present(walk.mm.machine.pt, pte)) return found(walk.private, addr);
    return 0;
  },
};

const OPS = { scan: scanOps, holes: scanWithHolesOps, pte: pteOps } as const;

const spaceArb = fc.record({
  ...SPACE_SHAPE,
  fork: fc.boolean(),
  // the walks: from where (fraction of the VMA), which ops, where to stop, who pays
  walks: fc.array(
    fc.record({
      from: fc.double({ min: 0, max: 0.999999, noNaN: true }),
      ops: fc.constantFrom<keyof typeof OPS>('scan', 'scan', 'holes', 'pte'),
      stopAt: fc.integer({ min: 0, max: 4 }),
      account: fc.constantFrom<ReadAccount>(ACCOUNT_SCAN, ACCOUNT_UNMERGE, ACCOUNT_UNMERGE_KSMD),
      // between walks: unmap or zap a little, so cached paths go stale
      zap: fc.option(fc.record({ at: fc.double({ min: 0, max: 0.99, noNaN: true }), len: fc.integer({ min: 1, max: 3000 }), unmap: fc.boolean() }), { freq: 4 }),
    }),
    { minLength: 1, maxLength: 12 },
  ),
});

type Space = typeof spaceArb extends fc.Arbitrary<infer T> ? T : never;

function build(s: Space, cache: boolean): { m: Machine; mm: MmStruct; start: number } {
  const { m, mm, start } = buildSpace(s);
  m.walkPath.enabled = cache;
  return { m, mm: s.fork ? do_fork(mm, 'c') : mm, start };
}

let walksCompared = 0;
let cachedStarts = 0;

function compare(s: Space): void {
  const literal = build(s, false);
  const cached = build(s, true);
  for (const [i, w] of s.walks.entries()) {
    const results = [literal, cached].map(({ m, mm, start }) => {
      const vma = vma_lookup(mm, start + Math.floor(w.from * s.pages)) ?? mm.vmas[0];
      if (!vma) return { r: 0, events: [] as string[], counters: snapshotCounters(m.counters) };
      const addr = Math.max(vma.vm_start, Math.min(vma.vm_end - 1, start + Math.floor(w.from * s.pages)));
      const trace: Trace = { events: [], stopAt: w.stopAt, seen: 0 };
      const r = withAccount(m, w.account, () => walk_page_range_vma(vma, addr, vma.vm_end, OPS[w.ops], trace));
      if (w.zap) punchHole(mm, start, s.pages, w.zap);
      return { r, events: trace.events, counters: snapshotCounters(m.counters) };
    });
    const [a, b] = results as [(typeof results)[0], (typeof results)[0]];
    assert.equal(b.r, a.r, `walk ${i}: return value`);
    assert.deepEqual(b.events, a.events, `walk ${i}: callbacks`);
    assert.deepEqual(b.counters, a.counters, `walk ${i}: counters`);
    walksCompared++;
  }
  if (cached.m.walkPath.pgd !== NULL_PTR) cachedStarts++;
}

it('a range walk restarted through the walk-path cache equals the literal restart from the top', () => {
  fc.assert(fc.property(spaceArb, compare), { numRuns: 150, seed: 20261201 });
  assert.ok(walksCompared > 500, `only ${walksCompared} walks compared`);
  assert.ok(cachedStarts > 50, `the cache was used in only ${cachedStarts} runs`);
});

it('… in dense PTE tables, where each walk restarts one page after the last hit (the KSM scanner)', () => {
  const denseArb = spaceArb.map((s): Space => ({
    ...s,
    touches: Array.from({ length: 40 }, (_, i) => ({ kind: 'write', at: i / 40 })),
    walks: Array.from({ length: 12 }, (_, i) => ({ from: i / 12, ops: 'scan' as const, stopAt: 1 + (i % 3), account: ACCOUNT_SCAN, zap: null })),
  }));
  fc.assert(fc.property(denseArb, compare), { numRuns: 60, seed: 20261202 });
});
