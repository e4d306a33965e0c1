// Child process of bench/perf/run.ts: the timed scan benchmarks (tinybench). Prints one
// result line (protocol.ts) per finished task on stdout and progress on stderr; exits 0
// unless it crashes. Each task first runs one untimed check pass: a pass that is wrong fails
// at once, and one far slower than the target fails without being sampled (so a broken path
// cannot pass and a slow one cannot eat the time budget).
import { Bench } from 'tinybench';
import { type BenchRow, emitResult } from './protocol.ts';
import { fmtMs } from './format.ts';
import { addSyncTask } from '../../src/harness/timing.ts';
import { perAddressPass, rangeWalk, type TaskBody } from './tasks.ts';

interface Spec {
  readonly name: string;
  readonly body: TaskBody;
  /** The median must stay below this; null = report only (correctness still gates). */
  readonly targetMs: number | null;
  readonly target: string;
}

const SPECS: readonly Spec[] = [
  { name: 'per-address accounting, 32 TiB, 1 page', body: perAddressPass(4), targetMs: 1000, target: 'median < 1 s' },
  { name: 'per-address accounting, 32 TiB, 1 page, 5-level', body: perAddressPass(5), targetMs: 1000, target: 'median < 1 s' },
  { name: 'range walk, 32 TiB, 1 page', body: rangeWalk(4), targetMs: null, target: 'report only' },
];

/** Time budget (ms) a task's sampling aims for; tinybench's own per-task minimum time. */
const SAMPLE_BUDGET_MS = 2000;
const BENCH_TIME_MS = 500;
/** A check pass slower than this many times the target is not sampled (cold JIT costs less). */
const SKIP_FACTOR = 3;

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function failed(spec: Spec, failure: string, notes: string[]): BenchRow {
  return { name: spec.name, target: spec.target, pass: false, medianMs: null, meanMs: null, rmePct: null, samples: null, failure, notes };
}

async function measure(spec: Spec): Promise<BenchRow> {
  const { body } = spec;
  // The check pass: once, outside any timing, on its own fresh world.
  body.setup();
  const t0 = performance.now();
  body.run();
  const single = performance.now() - t0;
  const wrong = body.verify();
  const notes = [...body.notes(), `untimed check pass (cold): ${fmtMs(single)}`];
  if (wrong) return failed(spec, `check pass: ${wrong}`, notes);
  if (spec.targetMs !== null && single > SKIP_FACTOR * spec.targetMs) {
    return failed(spec, `a single pass took ${fmtMs(single)}, over ${SKIP_FACTOR}× the ${fmtMs(spec.targetMs)} target (not sampled)`, notes);
  }

  // Sample: fewer iterations when a pass is slow, so the whole run stays short.
  const perPass = Math.max(single, 0.001);
  const bench = new Bench({
    name: spec.name,
    time: BENCH_TIME_MS,
    iterations: clamp(Math.floor(SAMPLE_BUDGET_MS / perPass), 3, 64),
    warmupTime: 100,
    warmupIterations: clamp(Math.floor(SAMPLE_BUDGET_MS / 4 / perPass), 1, 16),
    throws: false,
  });
  let firstWrong: string | null = null;
  let verified = 0;
  addSyncTask(bench, spec.name, () => body.run(), {
    beforeEach(): void {
      body.setup();
    },
    afterEach(): void {
      const w = body.verify();
      verified++;
      if (w !== null && firstWrong === null) firstWrong = w;
    },
  });
  await bench.run();
  const task = bench.tasks[0];
  if (!task) return failed(spec, 'tinybench has no task', notes);
  const r = task.result;
  if (r.state === 'errored') return failed(spec, `task threw: ${r.error.message}`, notes);
  if (r.state !== 'completed') return failed(spec, `task ended in state ${r.state}`, notes);
  const lat = r.latency;
  notes.push(`${verified} iterations verified (incl. warmup); p99 ${fmtMs(lat.p99)}, max ${fmtMs(lat.max)}`);
  let failure: string | null = null;
  if (firstWrong !== null) failure = `an iteration failed its check: ${firstWrong}`;
  else if (spec.targetMs !== null && !(lat.p50 < spec.targetMs)) failure = `median ${fmtMs(lat.p50)} is not below ${fmtMs(spec.targetMs)}`;
  return {
    name: spec.name,
    target: spec.target,
    pass: failure === null,
    medianMs: lat.p50,
    meanMs: lat.mean,
    rmePct: lat.rme,
    samples: lat.samplesCount,
    failure,
    notes,
  };
}

for (const spec of SPECS) {
  process.stderr.write(`[bench] running: ${spec.name}\n`);
  emitResult({ kind: 'timing', row: await measure(spec) });
}
