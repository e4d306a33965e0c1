// Child process of bench/perf/run.ts: executes one scenario — the dense shape (dense.ts) or a
// built-in — and prints one result line (protocol.ts) with the whole-window and ksmd-only
// times, the peak RSS of this process and the counters and problems of a checked execution.
// The spec is the one argument, JSON (ScenarioChildSpec).
//
// 'sampled' first runs one checked execution (the oracle with its invariant checker at the end,
// untimed), then tinybench through src/harness/timing.ts timeScenario. 'once' runs a single
// execution without the invariant checker (the big sizes cannot afford a second one) and takes
// its counters from it; the other oracle checks still run.
import { configOfStack } from '../../src/harness/config.ts';
import { executeScenario, prepareScenario } from '../../src/harness/execute.ts';
import type { TimingStats } from '../../src/harness/results.ts';
import { timeScenario } from '../../src/harness/timing.ts';
import { type MsStats, emitResult } from './protocol.ts';
import { type ScenarioChildSpec, scenarioOf } from './scenario-benches.ts';


/** The counters a report carries. */
const REPORTED = ['pages_shared', 'pages_sharing', 'pages_unshared', 'full_scans', 'stable_node_chains', 'stable_node_dups', 'ksm_zero_pages', 'rmap_walks', 'rmap_mappings_missed', 'pt_reads'] as const;

function msStats(t: TimingStats): MsStats {
  return { median: t.median_ns / 1e6, mean: t.mean_ns / 1e6, rmePct: t.rme_pct, samples: t.samples };
}

function single(ms: number): MsStats {
  return { median: ms, mean: ms, rmePct: 0, samples: 1 };
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (arg === undefined) throw new Error('scenario-child: the spec (JSON) is missing');
  const spec = JSON.parse(arg) as ScenarioChildSpec;
  const t0 = performance.now();
  const scenario = scenarioOf(spec.source);
  const buildMs = performance.now() - t0;
  const config = configOfStack(spec.stack);
  const hasKsmd = scenario.ops.some((op) => op.op === 'ksmd');
  process.stderr.write(`[bench] running: ${spec.name} (${spec.mode === 'sampled' ? 'tinybench' : 'one execution'}, stack ${spec.stack})\n`);
  if (spec.mode === 'sampled') {
    const checked = executeScenario(scenario, config, { invariants: 'end' });
    const t = await timeScenario(scenario, config, { time: spec.time ?? 1000, iterations: spec.iterations ?? 10 });
    emitResult({
      kind: 'scenario',
      name: spec.name,
      mode: 'sampled',
      window: msStats(t),
      ksmd: t.ksmd ? msStats(t.ksmd) : null,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      buildMs,
      problems: checked.problems,
      counters: Object.fromEntries(REPORTED.map((c) => [c, checked.counters[c]])),
    });
    return;
  }
  const prepared = prepareScenario(scenario, config, { invariants: 'none', timeKsmd: hasKsmd });
  const w0 = process.hrtime.bigint();
  const r = prepared.run();
  const windowMs = Number(process.hrtime.bigint() - w0) / 1e6;
  emitResult({
    kind: 'scenario',
    name: spec.name,
    mode: 'once',
    window: single(windowMs),
    ksmd: r.ksmdTimeNs === undefined ? null : single(r.ksmdTimeNs / 1e6),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    buildMs,
    problems: r.problems,
    counters: Object.fromEntries(REPORTED.map((c) => [c, r.counters[c]])),
  });
}

await main();
