// The cost ruler's sums (issue 11 item 1): over random scenarios on every stack and both
// paging modes, the four read accounts add up to pt_reads, so do the five levels, the lock
// accounts add up to ptl_locks, and ksmd's unmerge share stays inside the unmerge account.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import type { Content, Op, Scenario } from '../../bench/format.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { executeScenario } from '../../src/harness/execute.ts';
import type { Counters } from '../../src/mm/counters.ts';
import { STACKS } from '../../variants/stacks.ts';

const PAGES = 1024;

const content: fc.Arbitrary<Content> = fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constant<Content>('zero'), fc.constant<Content>('unique'), fc.integer({ min: 2, max: 5 }).map((mod) => ({ mod })));
const range = fc.record({ from: fc.integer({ min: 0, max: PAGES - 1 }), pages: fc.integer({ min: 1, max: PAGES }) }).map((r) => ({ from: r.from, pages: Math.min(r.pages, PAGES - r.from) }));
const proc = fc.constantFrom('p0', 'c1');

/** One step of a scenario over region "a" of p0 (and of its child c1 once forked). */
const step: fc.Arbitrary<readonly Op[]> = fc.oneof(
  fc.tuple(proc, range, content).map(([p, r, c]): Op[] => [{ op: 'write', proc: p, region: 'a', content: c, ...r }]),
  fc.tuple(proc, range).map(([p, r]): Op[] => [{ op: 'read', proc: p, region: 'a', ...r }]),
  fc.tuple(proc, range, fc.constantFrom('mergeable', 'unmergeable', 'dontneed', 'hugepage', 'nohugepage' as const)).map(([p, r, advice]): Op[] => [{ op: 'madvise', proc: p, region: 'a', advice, ...r }]),
  // a split and its repair: mprotect r, then rw again (VMAs split and merge, pages stay writable)
  fc.tuple(proc, range).map(([p, r]): Op[] => [
    { op: 'mprotect', proc: p, region: 'a', prot: 'r', ...r },
    { op: 'mprotect', proc: p, region: 'a', prot: 'rw', ...r },
  ]),
  fc.integer({ min: 1, max: 2 }).map((n): Op[] => [{ op: 'ksmd', full_scans: n }]),
  fc.integer({ min: 1, max: 4 }).map((n): Op[] => [{ op: 'ksmd', batches: n }]),
  fc.constant<Op[]>([{ op: 'sysfs', run: 2 }, { op: 'sysfs', run: 1 }]),
  fc.constantFrom(0, 1).map((v): Op[] => [{ op: 'sysfs', use_zero_pages: v }]),
  // break_cow: the second merge of a pair fails, so ksmd undoes the first
  fc.constantFrom('second-merge', 'stable-insert' as const).map((fail): Op[] => [{ op: 'inject', fail, count: 2 }]),
  fc.constant<Op[]>([{ op: 'rmap_walk', what: 'all-ksm' }]),
);

const scenario: fc.Arbitrary<{ scenario: Scenario; stack: string; paging: 4 | 5 }> = fc
  .record({
    thp: fc.boolean(),
    fill: content,
    before: fc.array(step, { maxLength: 6 }),
    fork: fc.boolean(),
    after: fc.array(step, { maxLength: 8 }),
    stack: fc.constantFrom(...STACKS.map((s) => s.name)),
    paging: fc.constantFrom(4 as const, 5 as const),
    enabled: fc.constantFrom('always', 'madvise', 'never' as const),
  })
  .map((g) => {
    const ops: Op[] = [
      { op: 'mmap', proc: 'p0', region: 'a', size: PAGES, thp: g.thp },
      { op: 'fill', proc: 'p0', region: 'a', content: g.fill },
      { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
      { op: 'ksmd', full_scans: 2 },
      ...g.before.flat().filter((o) => !('proc' in o) || o.proc === 'p0'),
      ...(g.fork ? [{ op: 'fork', proc: 'p0', child: 'c1' } as const] : []),
      ...g.after.flat().filter((o) => g.fork || !('proc' in o) || o.proc === 'p0'),
      { op: 'ksmd', full_scans: 1 },
    ];
    const s: Scenario = { name: 'accounts', sysfs: { pages_to_scan: 400 }, thp: { enabled: g.enabled }, ops };
    return { scenario: s, stack: g.stack, paging: g.paging };
  });

/** The sums the ruler promises, as equations (all must read `x = x`). */
function sums(c: Counters): Record<string, [number, number]> {
  return {
    'accounts = pt_reads': [c.pt_reads_scan + c.pt_reads_lookup + c.pt_reads_merge + c.pt_reads_unmerge, c.pt_reads],
    'levels = pt_reads': [c.pt_reads_pgd + c.pt_reads_p4d + c.pt_reads_pud + c.pt_reads_pmd + c.pt_reads_pte, c.pt_reads],
    'lock accounts = ptl_locks': [c.ptl_locks_scan + c.ptl_locks_lookup + c.ptl_locks_merge + c.ptl_locks_unmerge, c.ptl_locks],
    'unmerge_ksmd within unmerge': [Math.min(c.pt_reads_unmerge_ksmd, c.pt_reads_unmerge), c.pt_reads_unmerge_ksmd],
    'lock unmerge_ksmd within unmerge': [Math.min(c.ptl_locks_unmerge_ksmd, c.ptl_locks_unmerge), c.ptl_locks_unmerge_ksmd],
  };
}

it('the read accounts and the levels each sum to pt_reads, the lock accounts to ptl_locks (random scenarios, every stack)', () => {
  const seen = { scan: 0, lookup: 0, merge: 0, unmerge: 0, unmerge_ksmd: 0, locks_ksmd: 0 };
  fc.assert(
    fc.property(scenario, ({ scenario: s, stack, paging }) => {
      const r = executeScenario(s, configOfStack(stack, { paging }), { invariants: 'end' });
      const c = r.counters;
      for (const [name, [got, want]] of Object.entries(sums(c))) assert.equal(got, want, `${name} (${stack}, ${paging} levels)`);
      if (paging === 4) assert.equal(c.pt_reads_p4d, 0, 'the P4D is folded with 4 levels');
      seen.scan += c.pt_reads_scan > 0 ? 1 : 0;
      seen.lookup += c.pt_reads_lookup > 0 ? 1 : 0;
      seen.merge += c.pt_reads_merge > 0 ? 1 : 0;
      seen.unmerge += c.pt_reads_unmerge > 0 ? 1 : 0;
      seen.unmerge_ksmd += c.pt_reads_unmerge_ksmd > 0 ? 1 : 0;
      seen.locks_ksmd += c.ptl_locks_unmerge_ksmd > 0 ? 1 : 0;
    }),
    { numRuns: 120, seed: 11 },
  );
  // the sums were tested with every account in use, ksmd's break_cow share included
  for (const [k, n] of Object.entries(seen)) assert.ok(n > 0, `no generated scenario charged ${k}`);
});
