// Timing one whole scenario execution with tinybench (DESIGN.md §9): each sample runs every op
// of the scenario on a fresh machine built in beforeEach, outside the timed window. Timings are
// informative; the counters are the gate.
//
// Within each sample the `ksmd` ops are timed alone as well (process.hrtime.bigint() around
// each, summed per execution; execute.ts ExecuteOptions.timeKsmd): that is what a kernel's
// ksmd CPU time means, without the workload's mmap/fill/fork around it. Each ksmd sample lies
// inside its whole-window sample, so it is never larger; both sample lists are ascending, and
// the k-th smallest ksmd sample is never above the k-th smallest whole-window one.
import { Bench, type FnOptions } from 'tinybench';
import type { Scenario } from '../../bench/format.ts';
import type { RunConfig } from './config.ts';
import { type PreparedRun, prepareScenario, type RunResult } from './execute.ts';
import type { Timing, TimingStats } from './results.ts';

export interface TimingOptions {
  /** Minimum sampling time per task, ms. */
  readonly time: number;
  /** Minimum samples per task. */
  readonly iterations: number;
}

export const DEFAULT_TIMING: TimingOptions = { time: 100, iterations: 5 };

/** Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074,
  2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t_{0.975}(df): the table up to 30, then the Cornish-Fisher expansion (error < 1e-4). */
export function tCritical975(df: number): number {
  const d = Math.max(1, Math.floor(df));
  const fromTable = T975[d - 1];
  if (fromTable !== undefined) return fromTable;
  const z = 1.959963984540054;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * d) + (5 * z5 + 16 * z3 + 3 * z) / (96 * d ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * d ** 3);
}

/**
 * Median, mean and relative margin of error of samples in ns, as tinybench defines them for
 * its latency (median = the 0.5 quantile interpolated between order statistics; rme = t·sem /
 * mean, percent, with the sample variance).
 */
export function timingStats(samplesNs: readonly number[]): TimingStats {
  const s = [...samplesNs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) throw new RangeError('timingStats: no samples');
  const h = (n - 1) / 2;
  const lo = Math.floor(h);
  const med = s[lo]! + (h - lo) * (s[Math.min(lo + 1, n - 1)]! - s[lo]!);
  let sum = 0;
  for (const x of s) sum += x;
  const mean = sum / n;
  let ss = 0;
  for (const x of s) ss += (x - mean) ** 2;
  const sem = n > 1 ? Math.sqrt(ss / (n - 1)) / Math.sqrt(n) : 0;
  const rme = mean === 0 ? 0 : ((tCritical975(n - 1) * sem) / mean) * 100;
  return { median_ns: Math.round(med), mean_ns: Math.round(mean), rme_pct: Math.round(rme * 100) / 100, samples: n, sample_ns: s.map((x) => Math.round(x)) };
}

/**
 * bench.add for a synchronous task: `async: false` tells tinybench so. Without it, add() calls
 * the task once to see whether it returns a promise — before any beforeEach hook, on a world
 * that is not set up, and an error thrown there is swallowed.
 */
export function addSyncTask(bench: Bench, name: string, fn: () => void, hooks: Omit<FnOptions, 'async'> = {}): void {
  bench.add(name, fn, { ...hooks, async: false });
}

export async function timeScenario(scenario: Scenario, config: RunConfig, opts: TimingOptions): Promise<Timing> {
  const hasKsmd = scenario.ops.some((op) => op.op === 'ksmd');
  // Warm-up iterations let the JIT settle before sampling (they are not recorded).
  const bench = new Bench({
    time: opts.time,
    iterations: opts.iterations,
    warmup: true,
    warmupTime: Math.min(opts.time, 100),
    warmupIterations: 1,
    retainSamples: true,
    throws: true,
  });
  let prepared: PreparedRun | null = null;
  let last: RunResult | null = null;
  const ksmdNs: number[] = [];
  addSyncTask(bench, scenario.name, () => {
    last = prepared!.run();
  }, {
    beforeEach() {
      last = null;
      prepared = prepareScenario(scenario, config, { invariants: 'none', timeKsmd: hasKsmd }); // the checker is the oracle's, not the patch's cost
    },
    afterEach(mode) {
      // One ksmd sample per recorded (not warm-up) whole-window sample.
      const done: RunResult | null = last;
      if (mode === 'run' && done !== null && hasKsmd) ksmdNs.push(done.ksmdTimeNs ?? 0);
    },
  });
  await bench.run();
  const r = bench.tasks[0]?.result;
  if (!r || r.state !== 'completed') throw new Error(`timing of ${scenario.name} did not complete (${r?.state ?? 'no task'})`);
  const lat = r.latency;
  const ms = lat.samples ?? [];
  if (hasKsmd && ksmdNs.length !== lat.samplesCount) {
    throw new Error(`timing of ${scenario.name}: ${ksmdNs.length} ksmd samples for ${lat.samplesCount} whole-window samples`);
  }
  return {
    median_ns: Math.round(lat.p50 * 1e6),
    mean_ns: Math.round(lat.mean * 1e6),
    rme_pct: Math.round(lat.rme * 100) / 100,
    samples: lat.samplesCount,
    sample_ns: ms.map((x) => Math.round(x * 1e6)),
    ...(hasKsmd ? { ksmd: timingStats(ksmdNs) } : {}),
  };
}
