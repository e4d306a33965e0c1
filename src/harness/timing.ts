// Timing one whole scenario execution with tinybench (DESIGN.md §9): each sample runs every op
// of the scenario on a fresh machine built in beforeEach, outside the timed window. Timings are
// informative; the counters are the gate.
import { Bench } from 'tinybench';
import type { Scenario } from '../../bench/format.ts';
import type { RunConfig } from './config.ts';
import { type PreparedRun, prepareScenario } from './execute.ts';
import type { Timing } from './results.ts';

export interface TimingOptions {
  /** Minimum sampling time per task, ms. */
  readonly time: number;
  /** Minimum samples per task. */
  readonly iterations: number;
}

export const DEFAULT_TIMING: TimingOptions = { time: 100, iterations: 5 };


export async function timeScenario(scenario: Scenario, config: RunConfig, opts: TimingOptions): Promise<Timing> {
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
  bench.add(scenario.name, () => {
    prepared!.run();
  }, {
    beforeEach() {
      prepared = prepareScenario(scenario, config, { invariants: 'none' }); // the checker is the oracle's, not the patch's cost
    },
  });
  await bench.run();
  const r = bench.tasks[0]?.result;
  if (!r || r.state !== 'completed') throw new Error(`timing of ${scenario.name} did not complete (${r?.state ?? 'no task'})`);
  const lat = r.latency;
  const ms = lat.samples ?? [];
  return {
    median_ns: Math.round(lat.p50 * 1e6),
    mean_ns: Math.round(lat.mean * 1e6),
    rme_pct: Math.round(lat.rme * 100) / 100,
    samples: lat.samplesCount,
    sample_ns: ms.map((x) => Math.round(x * 1e6)),
  };
}
