// `npm run bench`: the engine's performance targets. Every benchmark runs in a child process
// with a time limit, one after the other, so a hung or runaway engine path fails with a message
// instead of hanging, and each memory figure is that child's alone:
//   - the timed 32 TiB scans (tinybench, timing.ts) and the 1,000,000-page memory space
//     (memory-space.ts);
//   - the scenario benchmarks (scenario-benches.ts): the dense shape at 66,560 pages (tinybench:
//     ksmd-only and whole-window medians) and at 1 M / 4 M / 16 M pages, guests at 4 M pages and
//     vma-split at 20,000 pieces (one execution each: time and peak RSS).
// Prints a summary table and writes it as JSON (results/bench-<date>.json, or --out PATH).
// Exits 1 when a target is missed; every missed target is listed with its measured figure.
// Benchmarks marked big (16 M pages) run only with --big or KSMBENCH_BENCH_BIG=1.
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ChildRun, ROOT, runChild, tail } from './child.ts';
import { type BenchRow, findResultLines, isMemoryReport, isScenarioReport, isTimingReport, type MemoryReport, type ScenarioReport } from './protocol.ts';
import { renderTable } from '../../src/report/table.ts';
import { ensureWritableDir, writeAtomic } from '../../src/report/files.ts';
import { environment } from '../../src/harness/environment.ts';
import { fmtMiB, fmtMs } from './format.ts';
import { judge, SCENARIO_BENCHES, type ScenarioBench, type Targets, targetText } from './scenario-benches.ts';

const HELP = `npm run bench -- [--big] [--out PATH] [--only TEXT]

  --big        also run the benchmarks too slow for today's engine (dense 16 M pages,
               guests at 4 M pages); KSMBENCH_BENCH_BIG=1 does the same
  --out PATH   write the JSON summary to PATH (default results/bench-<date>.json)
  --only TEXT  run only the scenario benchmarks whose name contains TEXT (no scan or
               memory benchmark), e.g. --only "dense 66"
`;

const TIMING_TIMEOUT_MS = 40_000;
const MEMORY_TIMEOUT_MS = 40_000;
const RSS_LIMIT = 2 ** 30; // 1 GiB
const EXPECTED = { processes: 10, vmas: 1000, pages: 1_000_000 };

type Status = 'PASS' | 'FAIL' | 'SKIP';

interface Row {
  readonly name: string;
  readonly median: string;
  readonly mean: string;
  readonly rme: string;
  readonly samples: string;
  readonly ksmd: string;
  readonly rss: string;
  readonly target: string;
  readonly status: Status;
  /** Why the row failed or was skipped (null: passed). */
  readonly failure: string | null;
  readonly notes: readonly string[];
  /** The measured figures, for the JSON file (ms, bytes, counts; null: not measured). */
  readonly figures: Readonly<Record<string, number | null>>;
  /** A scenario benchmark's targets (window_ms, ksmd_ms, rss_bytes), for the JSON file. */
  readonly targets?: Readonly<Record<string, number>>;
}

function targetFigures(t: Targets): Record<string, number> {
  return {
    ...(t.windowMs === undefined ? {} : { window_ms: t.windowMs }),
    ...(t.ksmdMs === undefined ? {} : { ksmd_ms: t.ksmdMs }),
    ...(t.rssBytes === undefined ? {} : { rss_bytes: t.rssBytes }),
  };
}

const NONE = '—';

/** Why a child produced no usable report. */
function childFailure(what: string, run: ChildRun, timeoutMs: number): string {
  if (run.timedOut) return `${what} did not finish within ${timeoutMs / 1000} s; killed (target missed)`;
  const how = run.signal ? `signal ${run.signal}` : `exit code ${String(run.code)}`;
  return `${what} failed (${how}) after ${fmtMs(run.elapsedMs)}:\n${tail(run.stderr)}`;
}

function failedRow(name: string, target: string, failure: string, figures: Record<string, number | null> = {}): Row {
  return { name, median: NONE, mean: NONE, rme: NONE, samples: NONE, ksmd: NONE, rss: NONE, target, status: 'FAIL', failure, notes: [], figures };
}

function timingRow(r: BenchRow): Row {
  return {
    name: r.name,
    median: r.medianMs === null ? NONE : fmtMs(r.medianMs),
    mean: r.meanMs === null ? NONE : fmtMs(r.meanMs),
    rme: r.rmePct === null ? NONE : r.rmePct.toFixed(2),
    samples: r.samples === null ? NONE : String(r.samples),
    ksmd: NONE,
    rss: NONE,
    target: r.target,
    status: r.pass ? 'PASS' : 'FAIL',
    failure: r.failure,
    notes: r.notes,
    figures: { median_ms: r.medianMs, mean_ms: r.meanMs, rme_pct: r.rmePct, samples: r.samples },
  };
}

/** The rows the timing child finished, plus a failed row if it did not finish cleanly. */
async function timingRows(): Promise<Row[]> {
  const run = await runChild('./timing.ts', [], TIMING_TIMEOUT_MS);
  const rows = findResultLines(run.stdout).filter(isTimingReport).map((r) => timingRow(r.row));
  if (run.timedOut || run.code !== 0 || rows.length === 0) {
    const running = [...run.stderr.matchAll(/\[bench\] running: (.*)/g)].at(-1)?.[1];
    const done = new Set(rows.map((r) => r.name));
    const name = running !== undefined && !done.has(running) ? running : 'scan timing benchmarks';
    rows.push(failedRow(name, NONE, childFailure('the timing child', run, TIMING_TIMEOUT_MS)));
  }
  return rows;
}

function memoryRows(m: MemoryReport): Row[] {
  const shapeWrong =
    m.processes !== EXPECTED.processes || m.vmas !== EXPECTED.vmas || m.pagesWritten !== EXPECTED.pages || m.allocatedPages !== EXPECTED.pages
      ? `built ${m.processes} processes, ${m.vmas} VMAs, ${m.pagesWritten} pages written, ${m.allocatedPages} allocated; ` +
        `expected ${EXPECTED.processes}, ${EXPECTED.vmas}, ${EXPECTED.pages}, ${EXPECTED.pages}`
      : null;
  const rssFailure = m.rss < RSS_LIMIT ? null : `RSS ${fmtMiB(m.rss)} is not below 1 GiB (1024 MiB): target missed`;
  const notes = [
    `${m.processes} processes × ${m.vmas / m.processes} VMAs × ${m.pagesWritten / m.vmas} pages; heapUsed ${fmtMiB(m.heapUsed)}, ` +
      `heapTotal ${fmtMiB(m.heapTotal)}, RSS before building ${fmtMiB(m.rssBefore)}; ` +
      `${((m.heapUsed / m.pagesWritten) | 0)} heap bytes per page; gc ${m.gcRan ? 'ran before measuring' : 'NOT available'}`,
  ];
  const single = { mean: NONE, rme: NONE, samples: '1', ksmd: NONE, rss: NONE };
  return [
    {
      name: 'memory: build 1,000,000 pages / 1,000 VMAs',
      median: fmtMs(m.buildMs),
      ...single,
      target: 'report only',
      status: shapeWrong === null ? 'PASS' : 'FAIL',
      failure: shapeWrong,
      notes: [],
      figures: { build_ms: m.buildMs },
    },
    {
      name: 'memory: RSS of that space (child process)',
      median: fmtMiB(m.rss),
      ...single,
      target: 'RSS < 1 GiB',
      status: rssFailure === null && shapeWrong === null ? 'PASS' : 'FAIL',
      failure: rssFailure ?? (shapeWrong === null ? null : 'the space was not built as specified'),
      notes,
      figures: { rss_bytes: m.rss, rss_before_bytes: m.rssBefore, heap_used_bytes: m.heapUsed, heap_total_bytes: m.heapTotal },
    },
  ];
}

async function memoryRowsFromChild(): Promise<Row[]> {
  process.stderr.write('[bench] running: memory space (1,000,000 pages, 1,000 VMAs) in a child process\n');
  const run = await runChild('./memory-space.ts', ['--expose-gc'], MEMORY_TIMEOUT_MS);
  const report = run.timedOut || run.code !== 0 ? null : findResultLines(run.stdout).find(isMemoryReport);
  if (report === undefined || report === null) {
    return [failedRow('memory: 1,000,000 pages / 1,000 VMAs', 'RSS < 1 GiB', childFailure('the memory child', run, MEMORY_TIMEOUT_MS))];
  }
  return memoryRows(report);
}

function scenarioRow(b: ScenarioBench, r: ScenarioReport, elapsedMs: number): Row {
  const failures = judge(b, r);
  const counters = Object.entries(r.counters)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
    .join(', ');
  return {
    name: b.name,
    median: fmtMs(r.window.median),
    mean: r.mode === 'sampled' ? fmtMs(r.window.mean) : NONE,
    rme: r.mode === 'sampled' ? r.window.rmePct.toFixed(2) : NONE,
    samples: String(r.window.samples),
    ksmd: r.ksmd === null ? NONE : fmtMs(r.ksmd.median),
    rss: fmtMiB(r.maxRssBytes),
    target: targetText(b.targets),
    status: failures.length === 0 ? 'PASS' : 'FAIL',
    failure: failures.length === 0 ? null : failures.join('; '),
    notes: [
      `${r.mode === 'sampled' ? `tinybench, ${r.window.samples} samples` : 'one execution'}, stack ${b.spec.stack}; ` +
        (r.ksmd === null ? 'no ksmd op; ' : `ksmd ops ${fmtMs(r.ksmd.median)}${r.mode === 'sampled' ? ` median (mean ${fmtMs(r.ksmd.mean)} ±${r.ksmd.rmePct.toFixed(2)}%)` : ''}; `) +
        `op list built in ${fmtMs(r.buildMs)}; child ran ${fmtMs(elapsedMs)}`,
      counters,
    ],
    figures: {
      window_median_ms: r.window.median,
      window_mean_ms: r.window.mean,
      window_rme_pct: r.window.rmePct,
      samples: r.window.samples,
      ksmd_median_ms: r.ksmd?.median ?? null,
      ksmd_mean_ms: r.ksmd?.mean ?? null,
      ksmd_rme_pct: r.ksmd?.rmePct ?? null,
      peak_rss_bytes: r.maxRssBytes,
      child_ms: elapsedMs,
    },
  };
}

async function scenarioRowOf(b: ScenarioBench, big: boolean): Promise<Row> {
  return { ...(await measureScenario(b, big)), targets: targetFigures(b.targets) };
}

async function measureScenario(b: ScenarioBench, big: boolean): Promise<Row> {
  const target = targetText(b.targets);
  if (b.bigOnly !== null && !big) {
    process.stderr.write(`[bench] skipped: ${b.name} (${b.bigOnly})\n`);
    return { ...failedRow(b.name, target, `skipped: ${b.bigOnly}`), status: 'SKIP' };
  }
  const run = await runChild('./scenario-child.ts', b.nodeFlags, b.timeoutMs, [JSON.stringify(b.spec)]);
  const report = findResultLines(run.stdout).find(isScenarioReport);
  if (run.timedOut || run.code !== 0 || report === undefined) {
    return failedRow(b.name, target, childFailure(`the ${b.name} child`, run, b.timeoutMs), { child_ms: run.elapsedMs, timeout_ms: b.timeoutMs });
  }
  return scenarioRow(b, report, run.elapsedMs);
}

function stamp(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

async function main(): Promise<number> {
  let values: { big?: boolean; out?: string; only?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { big: { type: 'boolean' }, out: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const big = values.big === true || process.env.KSMBENCH_BENCH_BIG === '1';
  const started = new Date();
  const out = values.out ?? join(ROOT, 'results', `bench-${stamp(started)}.json`);
  try {
    ensureWritableDir(dirname(out));
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    return 2;
  }

  const only = values.only;
  const benches = only === undefined ? SCENARIO_BENCHES : SCENARIO_BENCHES.filter((b) => b.name.includes(only));
  if (benches.length === 0) {
    process.stderr.write(`bench: --only "${only}" names no scenario benchmark (accepted: ${SCENARIO_BENCHES.map((b) => b.name).join(', ')})\n`);
    return 2;
  }

  const t0 = performance.now();
  const rows = only === undefined ? [...(await timingRows()), ...(await memoryRowsFromChild())] : [];
  for (const b of benches) rows.push(await scenarioRowOf(b, big));
  const totalS = (performance.now() - t0) / 1000;

  const table = renderTable(
    ['benchmark', 'median', 'mean', 'rme %', 'samples', 'ksmd median', 'peak RSS', 'target', 'result'],
    rows.map((r) => [r.name, r.median, r.mean, r.rme, r.samples, r.ksmd, r.rss, r.target, r.status]),
    (col) => col >= 1 && col <= 6,
  );
  const lines: string[] = ['', `ksmbench perf (node ${process.version}, ${totalS.toFixed(1)} s${big ? ', --big' : ''})`, '', table, ''];
  for (const r of rows) {
    for (const n of r.notes) if (n !== '') lines.push(`  ${r.name}: ${n}`);
  }
  const failures = rows.filter((r) => r.status === 'FAIL');
  const skipped = rows.filter((r) => r.status === 'SKIP');
  lines.push('');
  for (const r of skipped) lines.push(`  – ${r.name}: ${r.failure ?? 'skipped'}`);
  if (failures.length === 0) {
    lines.push(`bench: all targets met${skipped.length ? ` (${skipped.length} skipped)` : ''}`);
  } else {
    lines.push(`bench: FAIL — ${failures.length} target(s) missed:`);
    for (const r of failures) lines.push(`  ✗ ${r.name}: ${r.failure ?? 'failed'}`);
  }

  const env = await environment(ROOT);
  const summary = {
    format: 'ksmbench-bench/1',
    created: started.toISOString(),
    total_s: totalS,
    big,
    env,
    rows: rows.map((r) => ({ name: r.name, target: r.target, ...(r.targets ? { targets: r.targets } : {}), status: r.status, failure: r.failure, figures: r.figures, notes: r.notes })),
  };
  writeAtomic(out, `${JSON.stringify(summary, null, 1)}\n`);
  lines.push(`wrote ${out}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (failures.length > 0) {
    process.stderr.write(`bench: ${failures.length} performance target(s) missed (see above)\n`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
