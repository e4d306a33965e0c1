// The correctness oracle on every (scenario, variant) that matters (kernel/rmap.md §3.6):
// verdicts and the counters that show what went wrong, beside what each costs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildScenario, SCENARIOS } from '../../bench/scenarios/index.ts';
import { configOfStack, configOfVariants } from '../../src/harness/config.ts';
import { runScenario } from '../../src/harness/run.ts';
import type { Scenario } from '../../bench/format.ts';

const RMAP = ['full-range', 'addr-shift', 'vm-pgoff', 'linear-page-index'] as const;
/** Small sizes for the heavy scenarios, so the whole matrix stays fast. */
const SMALL: Record<string, Record<string, string>> = {
  guests: { size: '2MiB', guests: '3', full_scans: '3' },
  'vma-split': { pages: '400', pieces: '400', ksm_pages: '8' },
  sparse: { size: '64GiB' },
  'unmerge-sparse': { size: '64GiB' },
  'fork-fanout': { children: '4', pages: '64' },
  'thp-mixed': { thps: '2', small: '128' },
};

function run(name: string, replace: Record<string, string>, params: Record<string, string> = SMALL[name] ?? {}) {
  return runScenario(buildScenario(name, params), configOfVariants('v6.18', replace));
}

describe('rmap completeness matrix (kernel/rmap.md §3.6)', () => {
  for (const sc of SCENARIOS) {
    for (const rmap of ['full-range', 'linear-page-index'] as const) {
      it(`${rmap} finds every mapping in ${sc.name}`, () => {
        const r = run(sc.name, { rmap });
        assert.equal(r.counters.rmap_mappings_missed, 0);
        assert.equal(r.counters.rmap_mappings_found, r.counters.rmap_mappings_expected);
        assert.deepEqual(r.verdict.problems, []);
      });
    }
  }

  it('vm-pgoff misses in split-after-merge and names the missed mappings', () => {
    const r = run('split-after-merge', { rmap: 'vm-pgoff' });
    assert.deepEqual([r.counters.rmap_mappings_expected, r.counters.rmap_mappings_found, r.counters.rmap_mappings_missed], [2, 0, 2]);
    assert.equal(r.verdict.ok, false);
    assert.equal(r.verdict.problems.length, 2);
    for (const p of r.verdict.problems) assert.match(p, /rmap walk missed the mapping of p0 at page \d+ = p0\/a \+ [23] \(found 0 of 2\)/);
    assert.match(r.verdict.knownWrong.join('\n'), /rmap=vm-pgoff: misses a mapping once a split/);
  });

  it('vm-pgoff is right in mremap-remerge', () => {
    const r = run('mremap-remerge', { rmap: 'vm-pgoff' });
    assert.deepEqual([r.counters.rmap_mappings_missed, r.verdict.ok], [0, true]);
  });

  it('addr-shift misses in mremap-remerge and names the moved page', () => {
    const r = run('mremap-remerge', { rmap: 'addr-shift' });
    assert.deepEqual([r.counters.rmap_mappings_expected, r.counters.rmap_mappings_found, r.counters.rmap_mappings_missed], [2, 1, 1]);
    assert.equal(r.verdict.ok, false);
    assert.match(r.verdict.problems[0]!, /missed the mapping of p0 at page \d+ = p0\/a \+ \d+ \(found 1 of 2\)/);
  });

  it('addr-shift is right in split-after-merge', () => {
    const r = run('split-after-merge', { rmap: 'addr-shift' });
    assert.deepEqual([r.counters.rmap_mappings_missed, r.verdict.ok], [0, true]);
  });

  it('the stacks carry the same verdicts: rmap-v3 fails mremap-remerge, rmap-v4 fails split-after-merge', () => {
    const verdict = (sc: string, st: string) => runScenario(buildScenario(sc), configOfStack(st)).verdict.ok;
    assert.deepEqual(
      ['split-after-merge', 'mremap-remerge'].map((sc) => ['v6.18', 'rmap-v3', 'rmap-v4', 'rmap-v8'].map((st) => verdict(sc, st))),
      [
        [true, true, false, true],
        [true, false, true, true],
      ],
    );
  });

  it('every rmap variant agrees with full-range wherever it is right (same mappings found)', () => {
    for (const sc of SCENARIOS) {
      const ref = run(sc.name, { rmap: 'full-range' });
      for (const rmap of RMAP) {
        const r = run(sc.name, { rmap });
        if (!r.verdict.ok) continue; // the known misses are asserted above
        assert.equal(r.counters.rmap_mappings_missed, 0, `${rmap} in ${sc.name}`);
        assert.deepEqual([r.counters.rmap_mappings_found, r.counters.rmap_mappings_expected], [ref.counters.rmap_mappings_found, ref.counters.rmap_mappings_expected], `${rmap} in ${sc.name}`);
      }
    }
  });
});

describe('scanner equivalence', () => {
  for (const sc of SCENARIOS) {
    it(`walk-page-range returns the same page sequence as folio-walk in ${sc.name}`, () => {
      const a = run(sc.name, { scanner: 'walk-page-range' });
      const b = run(sc.name, { scanner: 'folio-walk' });
      assert.ok(!a.verdict.problems.some((p) => p.startsWith('scanner')), a.verdict.problems.join('\n'));
      assert.equal(a.counters.pages_scanned, b.counters.pages_scanned);
      assert.equal(a.counters.pages_sharing, b.counters.pages_sharing);
    });
  }
});

describe('zero pages inherited by fork (copy_page_range keeps the KSM-placed zero page)', () => {
  const scenario: Scenario = {
    name: 'zero-pages-fork',
    sysfs: { use_zero_pages: 1 },
    ops: [
      { op: 'mmap', proc: 'p0', region: 'a', size: 16 },
      { op: 'fill', proc: 'p0', region: 'a', content: 'zero' },
      { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
      { op: 'ksmd', full_scans: 2 },
      { op: 'fork', proc: 'p0', child: 'c' },
      { op: 'madvise', proc: 'c', region: 'a', advice: 'unmergeable' },
    ],
  };
  it('legacy leaves 16 zero pages mapped in the child, and the oracle names them', () => {
    const r = runScenario(scenario, configOfVariants('v6.18', { 'zero-pages': 'legacy' }));
    assert.deepEqual(r.verdict.problems, ['ops[5] (madvise): unmerge left 16 KSM-placed zero page(s) mapped in c']);
  });
  it('marked unshares them in the child', () => {
    const r = runScenario(scenario, configOfVariants('v6.18', { 'zero-pages': 'marked' }));
    assert.deepEqual(r.verdict.problems, []);
  });
});


describe('ksmd ops that cannot make progress end', () => {
  it('full_scans with pages_to_scan 0: one wake-up that scans nothing, then the op stops with one problem (ksmd would sleep forever)', () => {
    const scenario: Scenario = {
      name: 'no-progress',
      ops: [
        { op: 'mmap', proc: 'p0', region: 'a', size: 10 },
        { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
        { op: 'fill', proc: 'p0', region: 'a', content: 42 },
        { op: 'sysfs', pages_to_scan: 0 },
        { op: 'ksmd', full_scans: 1 },
        { op: 'ksmd', batches: 3 },
      ],
    };
    const r = runScenario(scenario, configOfStack('v6.18'));
    assert.deepEqual(r.verdict.problems, ['ops[4] (ksmd): ksmd makes no progress (pages_to_scan is 0): a full scan never ends; the op stopped after one wake-up']);
    assert.deepEqual([r.counters.pages_scanned, r.counters.full_scans, r.counters.pt_reads], [0, 0, 0]);
  });
});
