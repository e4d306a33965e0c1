// The direction of a compare's changes (issue 9 item 10): better / worse / neither from each
// metric's declared direction (ksmbench list metrics), a regression never better; and the
// spread of a tested timing's samples on each side.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { type MetricName, type ResultSet, type RunRecord, toRecord } from '../../src/harness/results.ts';
import { runScenario } from '../../src/harness/run.ts';
import { timingStats } from '../../src/harness/timing.ts';
import { changeDirection, compareSets, type DiffStatus } from '../../src/report/compare.ts';
import { spreadOf } from '../../src/report/stats.ts';

const d = (metric: MetricName, status: DiffStatus, delta: number | null) => changeDirection({ metric, status, delta });

describe('changeDirection', () => {
  it('a cost is better smaller, a verdict better larger, a state neither', () => {
    assert.equal(d('pt_reads', 'changed', -10), 'better');
    assert.equal(d('pt_reads', 'changed', 10), 'worse');
    assert.equal(d('rmap_avc_visits', 'changed', -47_456), 'better');
    assert.equal(d('pages_sharing', 'changed', 5), 'neither');
    assert.equal(d('full_scans', 'changed', -1), 'neither');
  });

  it('correctness: a rising counter is worse, a regression is never better, a fix is better', () => {
    assert.equal(d('rmap_mappings_missed', 'regressed', 2), 'worse');
    assert.equal(d('correct', 'regressed', -1), 'worse');
    assert.equal(d('problems', 'regressed', -1), 'worse', 'a regression, whatever its metric did');
    assert.equal(d('correct', 'fixed', 1), 'better');
    assert.equal(d('problems', 'fixed', -3), 'better');
    assert.equal(d('stale_overlay_reads', 'fixed', 4), 'worse', 'a correctness counter that rises is worse, even in a run now correct');
  });

  it('a tested timing goes by its verdict, not its delta; nothing judged is null', () => {
    assert.equal(d('time_ns_median', 'slower', 100), 'worse');
    assert.equal(d('ksmd_time_ns_median', 'faster', -100), 'better');
    assert.equal(d('time_ns_median', 'same', -100), null, 'within the noise');
    assert.equal(d('time_ns_mean', 'untested', 500), null);
    assert.equal(d('pt_reads', 'same', 0), null);
    assert.equal(d('correct', 'added', null), null);
    assert.equal(d('correct', 'removed', null), null);
  });
});

describe('the spread of a tested timing', () => {
  const env = { node: '', os: '', cpu: '', cpus: 0, ksmbench: '', git: { commit: 'c0ffee', branch: '', dirty: false } };
  const rec = toRecord(runScenario(buildScenario('split-after-merge'), configOfStack('v6.18'), {}, 'v6.18'), null);
  const setOf = (r: RunRecord): ResultSet => ({ format: 'ksmbench-results/1', suite: 't', created: '', env, runs: [r] });
  const timed = (xs: number[]): RunRecord => ({ ...rec, timing: { ...timingStats(xs), ksmd: timingStats(xs.map((x) => x / 10)) } });

  it('spreadOf: min, quartiles (type 7), median, max and the sample count', () => {
    assert.deepEqual(spreadOf([5, 1, 4, 2, 3]), { min: 1, p25: 2, median: 3, p75: 4, max: 5, samples: 5 });
    assert.deepEqual(spreadOf([10, 20]), { min: 10, p25: 12.5, median: 15, p75: 17.5, max: 20, samples: 2 });
    assert.throws(() => spreadOf([]), RangeError);
  });

  it('each tested timing diff carries the spread of both sides; the others none', () => {
    const diffs = compareSets(setOf(timed([100, 110, 120, 130, 140])), setOf(timed([200, 210, 220, 230, 1000])));
    const t = diffs.find((x) => x.metric === 'time_ns_median')!;
    assert.deepEqual(t.spread?.map((s) => [s.min, s.p25, s.median, s.p75, s.max]), [
      [100, 110, 120, 130, 140],
      [200, 210, 220, 230, 1000],
    ]);
    assert.equal(diffs.find((x) => x.metric === 'ksmd_time_ns_median')!.spread?.[1].max, 100);
    assert.equal(diffs.find((x) => x.metric === 'time_ns_mean')!.spread, undefined);
    assert.equal(diffs.find((x) => x.metric === 'pt_reads')!.spread, undefined);
  });
});
