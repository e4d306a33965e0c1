// `npm run bench`: the engine's performance targets. The timed scans (tinybench) and the
// 1,000,000-page memory space each run in a child process with a time limit, one after the
// other, so a hung or runaway engine path fails with a message instead of hanging, and the
// memory figure is not polluted by the benchmarks' own allocations. Prints a summary table;
// exits 1 when a target is missed. Writes no files.
import { type ChildRun, runChild, tail } from './child.ts';
import { type BenchRow, findResultLines, isMemoryReport, isTimingReport, type MemoryReport } from './protocol.ts';
import { renderTable } from '../../src/report/table.ts';
import { fmtMiB, fmtMs } from './format.ts';

const TIMING_TIMEOUT_MS = 40_000;
const MEMORY_TIMEOUT_MS = 40_000;
const RSS_LIMIT = 2 ** 30; // 1 GiB
const EXPECTED = { processes: 10, vmas: 1000, pages: 1_000_000 };

interface Row {
  readonly name: string;
  readonly median: string;
  readonly mean: string;
  readonly rme: string;
  readonly samples: string;
  readonly target: string;
  readonly pass: boolean;
  readonly failure: string | null;
  readonly notes: readonly string[];
}

/** Why a child produced no usable report. */
function childFailure(what: string, run: ChildRun, timeoutMs: number): string {
  if (run.timedOut) return `${what} did not finish within ${timeoutMs / 1000} s; killed`;
  const how = run.signal ? `signal ${run.signal}` : `exit code ${String(run.code)}`;
  return `${what} failed (${how}):\n${tail(run.stderr)}`;
}

function failedRow(name: string, target: string, failure: string): Row {
  return { name, median: '—', mean: '—', rme: '—', samples: '—', target, pass: false, failure, notes: [] };
}

function timingRow(r: BenchRow): Row {
  return {
    name: r.name,
    median: r.medianMs === null ? '—' : fmtMs(r.medianMs),
    mean: r.meanMs === null ? '—' : fmtMs(r.meanMs),
    rme: r.rmePct === null ? '—' : r.rmePct.toFixed(2),
    samples: r.samples === null ? '—' : String(r.samples),
    target: r.target,
    pass: r.pass,
    failure: r.failure,
    notes: r.notes,
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
    rows.push(failedRow(name, '—', childFailure('the timing child', run, TIMING_TIMEOUT_MS)));
  }
  return rows;
}

function memoryRows(m: MemoryReport): Row[] {
  const shapeWrong =
    m.processes !== EXPECTED.processes || m.vmas !== EXPECTED.vmas || m.pagesWritten !== EXPECTED.pages || m.allocatedPages !== EXPECTED.pages
      ? `built ${m.processes} processes, ${m.vmas} VMAs, ${m.pagesWritten} pages written, ${m.allocatedPages} allocated; ` +
        `expected ${EXPECTED.processes}, ${EXPECTED.vmas}, ${EXPECTED.pages}, ${EXPECTED.pages}`
      : null;
  const rssFailure = m.rss < RSS_LIMIT ? null : `RSS ${fmtMiB(m.rss)} is not below 1 GiB (1024 MiB)`;
  const notes = [
    `${m.processes} processes × ${m.vmas / m.processes} VMAs × ${m.pagesWritten / m.vmas} pages; heapUsed ${fmtMiB(m.heapUsed)}, ` +
      `heapTotal ${fmtMiB(m.heapTotal)}, RSS before building ${fmtMiB(m.rssBefore)}; ` +
      `${((m.heapUsed / m.pagesWritten) | 0)} heap bytes per page; gc ${m.gcRan ? 'ran before measuring' : 'NOT available'}`,
  ];
  return [
    {
      name: 'memory: build 1,000,000 pages / 1,000 VMAs',
      median: fmtMs(m.buildMs),
      mean: '—',
      rme: '—',
      samples: '1',
      target: 'report only',
      pass: shapeWrong === null,
      failure: shapeWrong,
      notes: [],
    },
    {
      name: 'memory: RSS of that space (child process)',
      median: fmtMiB(m.rss),
      mean: '—',
      rme: '—',
      samples: '1',
      target: 'RSS < 1 GiB',
      pass: rssFailure === null && shapeWrong === null,
      failure: rssFailure ?? (shapeWrong === null ? null : 'the space was not built as specified'),
      notes,
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

const t0 = performance.now();
const rows = [...(await timingRows()), ...(await memoryRowsFromChild())];
const totalS = ((performance.now() - t0) / 1000).toFixed(1);

const table = renderTable(
  ['benchmark', 'median', 'mean', 'rme %', 'samples', 'target', 'result'],
  rows.map((r) => [r.name, r.median, r.mean, r.rme, r.samples, r.target, r.pass ? 'PASS' : 'FAIL']),
  (col) => col >= 1 && col <= 4,
);
const out: string[] = ['', `ksmbench perf (node ${process.version}, ${totalS} s)`, '', table, ''];
for (const r of rows) {
  for (const n of r.notes) out.push(`  ${r.name}: ${n}`);
}
const failures = rows.filter((r) => !r.pass);
out.push('');
if (failures.length === 0) {
  out.push('bench: all targets met');
} else {
  out.push(`bench: FAIL — ${failures.length} target(s) missed:`);
  for (const r of failures) out.push(`  ✗ ${r.name}: ${r.failure ?? 'failed'}`);
}
process.stdout.write(`${out.join('\n')}\n`);
if (failures.length > 0) {
  process.stderr.write(`bench: ${failures.length} performance target(s) missed (see above)\n`);
  process.exitCode = 1;
}
