// What the benchmark children print for the parent (bench/perf/run.ts) to read: one line
// starting with RESULT_PREFIX followed by JSON. Everything else a child prints is progress.

export const RESULT_PREFIX = '@@ksmbench-perf ';

/** One row of the summary table. Times are in milliseconds. */
export interface BenchRow {
  readonly name: string;
  /** Human-readable target, e.g. "median < 1 s". */
  readonly target: string;
  readonly pass: boolean;
  /** Median, mean, rme and sample count; null when the task was not sampled. */
  readonly medianMs: number | null;
  readonly meanMs: number | null;
  readonly rmePct: number | null;
  readonly samples: number | null;
  /** Why the row failed (or null). */
  readonly failure: string | null;
  /** Extra facts for the details section (counter deltas, single-pass time, ...). */
  readonly notes: readonly string[];
}

/** One finished timing task (the timing child prints one line per task as it completes). */
export interface TimingReport {
  readonly kind: 'timing';
  readonly row: BenchRow;
}

export interface MemoryReport {
  readonly kind: 'memory';
  readonly processes: number;
  readonly vmas: number;
  readonly pagesWritten: number;
  readonly allocatedPages: number;
  readonly buildMs: number;
  readonly gcRan: boolean;
  /** process.memoryUsage() before building (tsx + engine modules loaded) and after. */
  readonly rssBefore: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
}

/** A summary of samples, in milliseconds. */
export interface MsStats {
  readonly median: number;
  readonly mean: number;
  readonly rmePct: number;
  readonly samples: number;
}

/** Executions of one scenario (bench/perf/scenario-child.ts): whole window, ksmd ops, peak RSS. */
export interface ScenarioReport {
  readonly kind: 'scenario';
  readonly name: string;
  /** 'sampled': tinybench (src/harness/timing.ts timeScenario); 'once': one execution. */
  readonly mode: 'sampled' | 'once';
  readonly window: MsStats;
  /** The ksmd ops alone (null: the scenario has none). */
  readonly ksmd: MsStats | null;
  /** process.resourceUsage().maxRSS of the child at the end, bytes. */
  readonly maxRssBytes: number;
  /** Building the scenario's op list, ms (outside every timed window). */
  readonly buildMs: number;
  /** The oracle's problems in the checked execution (empty: correct). */
  readonly problems: readonly string[];
  readonly counters: Readonly<Record<string, number>>;
}

export function emitResult(report: TimingReport | MemoryReport | ScenarioReport): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(report)}\n`);
}

/** The JSON payloads of the child's result lines, in order (a torn last line is dropped). */
export function findResultLines(stdout: string): unknown[] {
  const out: unknown[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(RESULT_PREFIX)) continue;
    try {
      const parsed: unknown = JSON.parse(line.slice(RESULT_PREFIX.length));
      out.push(parsed);
    } catch {
      // a line cut short by a kill
    }
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isNumOrNull(v: unknown): v is number | null {
  return v === null || typeof v === 'number';
}

function isBenchRow(v: unknown): v is BenchRow {
  return (
    isRecord(v) &&
    typeof v.name === 'string' &&
    typeof v.target === 'string' &&
    typeof v.pass === 'boolean' &&
    isNumOrNull(v.medianMs) &&
    isNumOrNull(v.meanMs) &&
    isNumOrNull(v.rmePct) &&
    isNumOrNull(v.samples) &&
    (v.failure === null || typeof v.failure === 'string') &&
    Array.isArray(v.notes) &&
    v.notes.every((n: unknown) => typeof n === 'string')
  );
}

export function isTimingReport(v: unknown): v is TimingReport {
  return isRecord(v) && v.kind === 'timing' && isBenchRow(v.row);
}

export function isMemoryReport(v: unknown): v is MemoryReport {
  if (!isRecord(v) || v.kind !== 'memory') return false;
  const numbers = ['processes', 'vmas', 'pagesWritten', 'allocatedPages', 'buildMs', 'rssBefore', 'rss', 'heapUsed', 'heapTotal'];
  return numbers.every((k) => typeof v[k] === 'number') && typeof v.gcRan === 'boolean';
}

function isMsStats(v: unknown): v is MsStats {
  return isRecord(v) && ['median', 'mean', 'rmePct', 'samples'].every((k) => typeof v[k] === 'number');
}

export function isScenarioReport(v: unknown): v is ScenarioReport {
  return (
    isRecord(v) &&
    v.kind === 'scenario' &&
    typeof v.name === 'string' &&
    (v.mode === 'sampled' || v.mode === 'once') &&
    isMsStats(v.window) &&
    (v.ksmd === null || isMsStats(v.ksmd)) &&
    typeof v.maxRssBytes === 'number' &&
    typeof v.buildMs === 'number' &&
    Array.isArray(v.problems) &&
    v.problems.every((p: unknown) => typeof p === 'string') &&
    isRecord(v.counters) &&
    Object.values(v.counters).every((n) => typeof n === 'number')
  );
}
