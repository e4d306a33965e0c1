// Timing verdicts a reader can believe (issue 9 item 6): each timing metric its own test or
// none, the number of tests and the false positives expected at alpha, a warning when the
// sample sizes (or --rounds) cannot reach alpha, and the one-process caveat.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { type ResultSet, type RunRecord, toRecord } from '../../src/harness/results.ts';
import { runScenario } from '../../src/harness/run.ts';
import { timingStats } from '../../src/harness/timing.ts';
import { compareSets, DEFAULT_TIMING_RULE, roundsWarning, timingNotes } from '../../src/report/compare.ts';
import { samplesToReach, smallestP } from '../../src/report/stats.ts';
import { ksmbench } from '../support/cli.ts';

const env = { node: '', os: '', cpu: '', cpus: 0, ksmbench: '', git: { commit: 'c0ffee', branch: '', dirty: false } };
const rec = toRecord(runScenario(buildScenario('split-after-merge'), configOfStack('v6.18'), {}, 'v6.18'), null);
const setOf = (...runs: RunRecord[]): ResultSet => ({ format: 'ksmbench-results/1', suite: 't', created: '', env, runs });
const timed = (window: readonly number[], ksmd: readonly number[]): RunRecord => ({ ...rec, timing: { ...timingStats(window), ksmd: timingStats(ksmd) } });
const around = (base: number, n = 20) => Array.from({ length: n }, (_, i) => base + i);
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('timing compare: each metric its own test or none', () => {
  // base: a median of ~1000 ns and one 200 µs outlier (mean ~11 µs); head: every sample ~2000
  // ns (median twice the base's, mean a fifth of it)
  const base = timed([...around(1000, 19), 200_000], [...around(100, 19), 200_000]);
  const head = timed(around(2000), around(200));
  const diffs = compareSets(setOf(base), setOf(head));
  const of = (m: string) => diffs.find((d) => d.metric === m)!;

  it('the medians are tested on their samples; the means are not given the median\'s verdict', () => {
    assert.equal(of('time_ns_median').status, 'slower');
    assert.equal(of('ksmd_time_ns_median').status, 'slower');
    assert.ok(of('time_ns_mean').ratio! < 0.3, `mean ratio ${of('time_ns_mean').ratio}`);
    for (const m of ['time_ns_mean', 'ksmd_time_ns_mean', 'time_rme_pct', 'time_samples', 'ksmd_time_rme_pct', 'ksmd_time_samples']) {
      assert.equal(of(m).status, 'untested', `${m} has no test of its own`);
      assert.equal(of(m).p, undefined, `${m} has no p-value`);
    }
    assert.deepEqual(of('time_ns_median').samples, [20, 20]);
  });

  it('notes: the number of tests and the expected false positives, and the one-process caveat', () => {
    const notes = timingNotes(diffs, DEFAULT_TIMING_RULE, { kind: 'one-process' });
    assert.match(notes[0]!, /^2 timing comparisons \(each tested for slower and for faster at alpha 0\.01\): up to 0\.040 expected to be flagged by chance alone when nothing changed; 2 flagged$/);
    assert.ok(notes.some((n) => /one process per side: samples within one process are not independent replications/.test(n) && /--rounds 9/.test(n)));
    const rounds = timingNotes(diffs, DEFAULT_TIMING_RULE, { kind: 'rounds', rounds: 9 });
    assert.ok(!rounds.some((n) => /one process per side/.test(n)));
    assert.ok(rounds.some((n) => /per-round medians of 9 rounds/.test(n)));
    assert.deepEqual(timingNotes(compareSets(setOf(rec), setOf(rec)), DEFAULT_TIMING_RULE, { kind: 'one-process' }), [], 'no timing: no note');
  });

  it('sample sizes that cannot reach alpha are said to be so (3 vs 3 never reaches 0.01)', () => {
    assert.ok(smallestP(3, 3) >= 0.01 && smallestP(5, 5) < 0.01);
    assert.equal(samplesToReach(0.01), 5);
    const three = compareSets(setOf(timed([1000, 1001, 1002], [100, 101, 102])), setOf(timed([9000, 9001, 9002], [900, 901, 902])));
    assert.equal(three.find((d) => d.metric === 'time_ns_median')!.status, 'same', 'nine times slower, yet 3 vs 3 cannot show it');
    const notes = timingNotes(three, DEFAULT_TIMING_RULE, { kind: 'rounds', rounds: 3 });
    assert.ok(notes.some((n) => /^warning: 2 of 2 timing tests cannot reach alpha 0\.01 \(3 vs 3 samples: the smallest p is 0\.040\).*use --rounds 5 or more$/.test(n)), notes.join('\n'));
    assert.match(roundsWarning(3, 0.01)!, /^warning: --rounds 3 cannot reach --alpha 0\.01 \(3 vs 3 per-round medians give p ≥ 0\.040.*use --rounds 5 or more$/);
    assert.equal(roundsWarning(5, 0.01), null);
    assert.equal(roundsWarning(1, 0.01), null, 'one round: the one-process note says it');
  });

  it('compare --base --rounds 3 warns before anything runs; --no-timing does not', () => {
    // an unknown revision ends the command right after the warning: nothing is run
    const r = ksmbench(['compare', '--base', 'no-such-rev-xyz', '--rounds', '3', '--scenario', 'split-after-merge', '--stack', 'v6.18']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^ksmbench: warning: --rounds 3 cannot reach --alpha 0\.01 .*use --rounds 5 or more\n/);
    const five = ksmbench(['compare', '--base', 'no-such-rev-xyz', '--rounds', '5', '--scenario', 'split-after-merge', '--stack', 'v6.18']);
    assert.doesNotMatch(five.stderr, /warning/);
    const loose = ksmbench(['compare', '--base', 'no-such-rev-xyz', '--rounds', '3', '--alpha', '0.05', '--scenario', 'split-after-merge', '--stack', 'v6.18']);
    assert.doesNotMatch(loose.stderr, /warning/, '3 vs 3 can reach 0.05');
    const untimed = ksmbench(['compare', '--base', 'no-such-rev-xyz', '--rounds', '3', '--no-timing', '--scenario', 'split-after-merge', '--stack', 'v6.18']);
    assert.doesNotMatch(untimed.stderr, /warning/);
  });

  it('compare of two timed files prints the notes under the table, and on stderr with --format json', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-cmpt-'));
    dirs.push(tmp);
    const files = ['a', 'b'].map((n) => {
      const dir = join(tmp, n);
      const r = ksmbench(['run', '--scenario', 'split-after-merge', '--stack', 'v6.18', '--time', '1', '--iterations', '5', '--out', dir]);
      assert.equal(r.status, 0, r.stderr);
      return join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!);
    });
    const t = ksmbench(['compare', files[0]!, files[1]!]);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /\n2 timing comparisons \(each tested for slower and for faster at alpha 0\.01\): up to 0\.040 expected/);
    assert.match(t.stdout, /one process per side/);
    const j = ksmbench(['compare', files[0]!, files[1]!, '--format', 'json']);
    assert.equal(j.status, 0, j.stderr);
    const doc = JSON.parse(j.stdout) as { format: string; notes: string[]; diffs: unknown[] };
    assert.equal(doc.format, 'ksmbench-compare/1', 'stdout stays data');
    assert.ok(Array.isArray(doc.diffs));
    assert.match(doc.notes[0]!, /^2 timing comparisons/, 'the notes are in the document too');
    assert.match(j.stderr, /^ksmbench: 2 timing comparisons/m);
    assert.match(j.stderr, /one process per side/);
  });
});
