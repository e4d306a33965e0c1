// Timing: the whole window of a scenario execution and, inside it, the ksmd ops alone.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Scenario, validateScenario } from '../../bench/format.ts';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { executeScenario, prepareScenario } from '../../src/harness/execute.ts';
import { METRIC_NAMES, type ResultSet, type RunRecord, toRows, unitOf } from '../../src/harness/results.ts';
import { runScenario } from '../../src/harness/run.ts';
import { tCritical975, timeScenario, timingStats } from '../../src/harness/timing.ts';
import { toRecord } from '../../src/harness/results.ts';
import { compareSets } from '../../src/report/compare.ts';
import { readResultFile, toCsv } from '../../src/report/files.ts';
import { defaultRule } from '../../src/report/gate.ts';

const v618 = configOfStack('v6.18');
const withKsmd = buildScenario('split-after-merge');
const noKsmd: Scenario = validateScenario({
  name: 'no-ksmd',
  ops: [
    { op: 'mmap', proc: 'p', region: 'r', size: 64 },
    { op: 'fill', proc: 'p', region: 'r', content: { mod: 4 } },
    { op: 'madvise', proc: 'p', region: 'r', advice: 'mergeable' },
  ],
});
const env = { node: '', os: '', cpu: '', cpus: 0, ksmbench: '', git: { commit: 'c0ffee', branch: '', dirty: false } };
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setOf(...runs: RunRecord[]): ResultSet {
  return { format: 'ksmbench-results/1', suite: 't', created: '', env, runs };
}

describe('ksmd-only timing', () => {
  it('a scenario with ksmd ops: one ksmd sample per whole-window sample, never above it', async () => {
    assert.ok(withKsmd.ops.some((o) => o.op === 'ksmd'));
    const t = await timeScenario(withKsmd, v618, { time: 1, iterations: 6 });
    const k = t.ksmd;
    assert.ok(k, 'ksmd timing present');
    assert.ok(t.samples >= 6);
    assert.equal(k.samples, t.samples);
    assert.equal(k.sample_ns!.length, t.sample_ns!.length);
    assert.ok(k.median_ns > 0 && k.mean_ns > 0 && k.rme_pct >= 0);
    // Both lists are ascending. Each ksmd sample lies inside its own execution's window, so the
    // k-th smallest ksmd sample cannot exceed the k-th smallest window sample.
    const w = t.sample_ns!;
    k.sample_ns!.forEach((x, i) => assert.ok(x <= w[i]! + 1, `ksmd sample ${i} ${x} ns > window sample ${w[i]} ns`));
    assert.ok(k.median_ns <= t.median_ns && k.mean_ns <= t.mean_ns);
  });

  it('per execution, the ksmd time is inside the execution and sums only the ksmd ops', () => {
    for (let i = 0; i < 5; i++) {
      const p = prepareScenario(withKsmd, v618, { invariants: 'none', timeKsmd: true });
      const t0 = process.hrtime.bigint();
      const r = p.run();
      const whole = Number(process.hrtime.bigint() - t0);
      assert.ok(r.ksmdTimeNs !== undefined && r.ksmdTimeNs > 0 && r.ksmdTimeNs <= whole, `ksmd ${r.ksmdTimeNs} ns, whole ${whole} ns`);
    }
    // without the option there is no figure; a scenario without ksmd ops times 0
    assert.equal(executeScenario(withKsmd, v618).ksmdTimeNs, undefined);
    assert.equal(executeScenario(noKsmd, v618, { timeKsmd: true }).ksmdTimeNs, 0);
  });

  it('timing the ksmd ops changes no counter, problem or scan', () => {
    for (const name of ['split-after-merge', 'merge-failure', 'zero-pages']) {
      const s = buildScenario(name);
      const plain = executeScenario(s, v618, { invariants: 'none' });
      const timed = executeScenario(s, v618, { invariants: 'none', timeKsmd: true });
      assert.deepEqual(timed.counters, plain.counters, name);
      assert.deepEqual(timed.problems, plain.problems, name);
      assert.deepEqual(timed.scanDigest, plain.scanDigest, name);
    }
  });

  it('a scenario without ksmd ops has no ksmd timing: absent, not 0, and no ksmd rows', async () => {
    const t = await timeScenario(noKsmd, v618, { time: 1, iterations: 3 });
    assert.ok(t.samples >= 3);
    assert.equal(t.ksmd, undefined);
    const rec = toRecord(runScenario(noKsmd, v618, {}, 'v6.18'), t);
    const metrics = toRows(setOf(rec)).map((r) => r.metric);
    assert.ok(metrics.includes('time_ns_median'));
    assert.ok(!metrics.some((m) => String(m).startsWith('ksmd_time')));
  });

  it('results: rows, units, CSV round trip, list of metrics and the gate rules', async () => {
    const t = await timeScenario(withKsmd, v618, { time: 1, iterations: 3 });
    const rec = toRecord(runScenario(withKsmd, v618, {}, 'v6.18'), t);
    const rows = toRows(setOf(rec));
    const value = (m: string) => rows.find((r) => r.metric === m)?.value;
    assert.equal(value('ksmd_time_ns_median'), t.ksmd!.median_ns);
    assert.equal(value('ksmd_time_ns_mean'), t.ksmd!.mean_ns);
    assert.equal(value('ksmd_time_rme_pct'), t.ksmd!.rme_pct);
    assert.equal(value('ksmd_time_samples'), t.samples);
    for (const m of ['ksmd_time_ns_median', 'ksmd_time_ns_mean', 'ksmd_time_rme_pct', 'ksmd_time_samples'] as const) assert.ok(METRIC_NAMES.includes(m));
    assert.deepEqual([unitOf('ksmd_time_ns_median'), unitOf('ksmd_time_ns_mean'), unitOf('ksmd_time_rme_pct'), unitOf('ksmd_time_samples')], ['ns', 'ns', '%', 'count']);
    assert.equal(defaultRule('ksmd_time_ns_median'), 'timing');
    for (const m of ['ksmd_time_ns_mean', 'ksmd_time_rme_pct', 'ksmd_time_samples'] as const) assert.equal(defaultRule(m), 'ignore');
    const dir = mkdtempSync(join(tmpdir(), 'ksmbench-timing-'));
    dirs.push(dir);
    const csv = join(dir, 'r.csv');
    writeFileSync(csv, toCsv(setOf(rec)));
    const back = readResultFile(csv).runs[0]!.timing!;
    assert.deepEqual(back.ksmd, { median_ns: t.ksmd!.median_ns, mean_ns: t.ksmd!.mean_ns, rme_pct: t.ksmd!.rme_pct, samples: t.ksmd!.samples });
  });

  it('compare tests ksmd time on its own samples (Mann-Whitney), independently of the window', () => {
    const rec = toRecord(runScenario(withKsmd, v618, {}, 'v6.18'), null);
    const samples = (base: number) => Array.from({ length: 20 }, (_, i) => base + i);
    const timed = (window: number, ksmd: number): RunRecord => ({
      ...rec,
      timing: { ...timingStats(samples(window)), ksmd: timingStats(samples(ksmd)) },
    });
    const status = (a: RunRecord, b: RunRecord, m: string) => compareSets(setOf(a), setOf(b)).find((d) => d.metric === m)?.status;
    // the window the same, ksmd twice as slow
    assert.equal(status(timed(10_000, 1_000), timed(10_000, 2_000), 'ksmd_time_ns_median'), 'slower');
    assert.equal(status(timed(10_000, 1_000), timed(10_000, 2_000), 'time_ns_median'), 'same');
    assert.equal(status(timed(10_000, 2_000), timed(10_000, 1_000), 'ksmd_time_ns_median'), 'faster');
    assert.equal(status(timed(10_000, 1_000), timed(10_000, 1_000), 'ksmd_time_samples'), 'untested');
    // an old file without ksmd timing: untested, not a failure
    const old: RunRecord = { ...rec, timing: timingStats(samples(10_000)) };
    assert.equal(status(old, timed(10_000, 1_000), 'ksmd_time_ns_median'), 'untested');
  });
});

describe('timingStats', () => {
  it('summarises samples as tinybench does (median, mean, rme)', async () => {
    const t = await timeScenario(withKsmd, v618, { time: 1, iterations: 8 });
    const s = timingStats(t.sample_ns!);
    assert.ok(Math.abs(s.median_ns - t.median_ns) <= 1, `median ${s.median_ns} vs ${t.median_ns}`);
    assert.ok(Math.abs(s.mean_ns - t.mean_ns) <= 1, `mean ${s.mean_ns} vs ${t.mean_ns}`);
    assert.ok(Math.abs(s.rme_pct - t.rme_pct) <= 0.02 + t.rme_pct * 1e-3, `rme ${s.rme_pct} vs ${t.rme_pct}`);
  });

  it('Student t quantiles: the table and the expansion beyond it', () => {
    assert.equal(tCritical975(1), 12.706);
    assert.equal(tCritical975(30), 2.042);
    assert.ok(Math.abs(tCritical975(40) - 2.0211) < 1e-3);
    assert.ok(Math.abs(tCritical975(120) - 1.9799) < 1e-3);
    assert.ok(Math.abs(tCritical975(1e6) - 1.96) < 1e-3);
  });

  it('known samples', () => {
    const s = timingStats([4, 1, 3, 2]);
    assert.deepEqual(s.sample_ns, [1, 2, 3, 4]);
    assert.equal(s.median_ns, 3); // 2.5 rounded
    assert.equal(s.mean_ns, 3);
    // sd = sqrt(5/3), sem = sd / 2, rme = 3.182 * sem / 2.5 * 100
    assert.equal(s.rme_pct, Math.round(((3.182 * Math.sqrt(5 / 3)) / 2 / 2.5) * 100 * 100) / 100);
    assert.throws(() => timingStats([]), RangeError);
  });
});

describe('tinybench tasks are declared synchronous', () => {
  it('addSyncTask: the task runs only inside its hooks (never once by add() to detect async)', async () => {
    const { Bench } = await import('tinybench');
    const { addSyncTask } = await import('../../src/harness/timing.ts');
    const bench = new Bench({ time: 0, iterations: 3, warmup: false, throws: true });
    let ready = false;
    let outside = 0;
    let inside = 0;
    addSyncTask(bench, 't', () => {
      if (ready) inside++;
      else outside++;
    }, {
      beforeEach() {
        ready = true;
      },
      afterEach() {
        ready = false;
      },
    });
    await bench.run();
    assert.equal(outside, 0, 'the task was called outside beforeEach/afterEach');
    assert.ok(inside >= 3);
  });

  it('an error in the task ends the timing with that error', async () => {
    const scenario = buildScenario('split-after-merge');
    const { Bench } = await import('tinybench');
    const { addSyncTask } = await import('../../src/harness/timing.ts');
    const bench = new Bench({ time: 0, iterations: 2, warmup: false, throws: true });
    addSyncTask(bench, scenario.name, () => {
      throw new Error('boom in the task');
    });
    await assert.rejects(bench.run(), /boom in the task/);
  });

  it('every Bench in the project adds its tasks through addSyncTask', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const root = new URL('../../', import.meta.url);
    const files = ['src/harness/timing.ts', ...readdirSync(new URL('bench/perf/', root)).filter((f) => f.endsWith('.ts')).map((f) => `bench/perf/${f}`)];
    let benches = 0;
    for (const f of files) {
      const text = readFileSync(new URL(f, root), 'utf8');
      if (!text.includes('new Bench(')) continue;
      benches++;
      const direct = text.split('\n').filter((l) => /\bbench\.add\(/.test(l) && !l.includes('{ ...hooks, async: false }'));
      assert.deepEqual(direct, [], `${f} calls bench.add without async: false`);
      assert.match(text, /addSyncTask\(/, `${f} has a Bench but no addSyncTask`);
    }
    assert.equal(benches, 2, 'src/harness/timing.ts and bench/perf/timing.ts time with tinybench');
  });
});
