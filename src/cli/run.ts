// ksmbench run: scenarios × stacks (or a variant matrix) → counters, verdicts and timings.
import { closeSync, existsSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ResultSet } from '../harness/results.ts';
import { selectSuite, weightOf } from '../harness/suite.ts';
import { DEFAULT_TIMING, type TimingOptions } from '../harness/timing.ts';
import { ensureWritableDir, writeResultFiles } from '../report/files.ts';
import { formatFlag, OUTPUT_FLAGS, parse, SUITE_FLAGS, suiteOptions, refuseTimingWithNoTiming, timingFlags } from './options.ts';
import { present } from './present.ts';
import { jobsFlag, runPlanned, RUNNING_FLAGS } from './jobs.ts';
import { progressReporter } from './progress.ts';
import type { Plan } from './plan.ts';
import { type RmapTraceLine, TRACE_KINDS } from '../harness/trace.ts';
import { UsageError } from './errors.ts';
import { CALIBRATION_FLAGS, calibrationOf } from './pricing.ts';


export const RUN_HELP = `ksmbench run [options]

Run scenarios on stacks (or a variant matrix), check every run with the correctness oracle,
time them with tinybench, print a table and write results/<date>-<commit>-<suite>.{csv,json}.
With no --scenario and no --stack: the default suite (every stack × every built-in scenario).

  --scenario NAME        built-in scenario (repeatable; see ksmbench list)
  --scenario-file F      a scenario file (JSON op list; every op, field, range and unit in
                         docs/scenarios.md, example examples/ten-identical.json); its mistakes (an
                         unknown field, an op on an exited process or a missing region, a
                         region mapped twice, an mremap onto the pages it moves, a mapping
                         past the address space) are bad input, one line naming the op.
                         The result's JSON records the file: its path, sha256 and ops
                         (runs[].scenario_file; the CSV holds values only)
  --param key=value      scenario parameter (each once), e.g. size=32TiB; values that would
                         not be the run recorded (vma-split pieces > pages) are refused
  --stack NAME           kernel / series state (repeatable)
  --variant axis=id,…    variants per axis (repeatable): runs the matrix on --base. A run
                         of an out-of-tree variant (KSMBENCH_EXTRA_VARIANTS) records its
                         file's path and sha256 (runs[].out_of_tree_variants in the JSON)
  --base NAME            the stack a --variant matrix replaces axes of (default v6.18; only
                         with --variant). A scenario file's own "stack" is not overridden:
                         --stack or --base with it is refused
  --format F             table | csv | json | markdown on stdout (default table)
  --out DIR              where result files go (default results/)
  --no-save              write no result files
  --no-timing            counters and verdicts only
  --time MS              minimum sampling time per run (default ${DEFAULT_TIMING.time})
  --iterations N         minimum samples per run (default ${DEFAULT_TIMING.iterations})
  --seed N               seed of scenario contents (default 1)
  --shard k/n            run only the k-th of n slices (merge them with ksmbench merge); a
                         slice with no run is refused
  --no-timing with --time or --iterations is refused (they would do nothing)
  --jobs N               split the runs over N processes (cores) and merge them (default 1;
                         an integer ≥ 1, at most the number of runs; a warning above the
                         number of cores: timings of concurrent jobs share the machine).
                         SIGINT or SIGTERM ends the jobs with the command (one line)
  --quiet                no progress on stderr (default: one line per finished run with an
                         ETA, "[3/84] guests × v6.18 0.8 s, ETA 40 s"; a live line on a
                         terminal). stdout is the same either way
  --trace rmap           one JSON line per rmap walk (rmap_walk ops) of each run, in the shape
                         of the series' rmap_walk tracepoint: run (index in runs[]), scenario,
                         params, stack, op (index), folio (pfn), page_type (ksm | anon),
                         locked, anon_vma_locks, iterations, skip_addr, skip_mm, rmap_one,
                         expected, found, missed, could_unmap. Only the counting execution
                         of each run is traced (never a timed one). Written to --trace-file,
                         by default beside the result files (<result>.rmap.jsonl). Not with
                         --jobs N > 1 (each run traces in one process)
  --trace-file PATH      where --trace writes its lines (needed with --no-save)
  --timeout SECONDS      stop when one run takes longer (the command runs in a watched child
                         process, so a tight loop is stopped too): one line naming the scenario
                         and configuration, exit 2, no file written
  --calibration FILE     price every run with FILE's per-event costs (a ksmbench-calibration/1
                         file, as ksmbench calibrate writes): predicted_ksmd_ns and
                         predicted_ksmd_ns_per_scan, from the exact counts of the run's ksmd ops.
                         Default: the committed calibration/default.json when the checkout has
                         one. The result's JSON names it (calibration: path, sha256, kernel,
                         created). A FILE that is not one: one line, exit 2, no file written
  --no-calibration       price nothing

The table's columns (every metric: ksmbench list metrics):
  verdict        ok, or FAIL(N): the oracle found N problems (listed under the table, the
                 first five a run; "… and N more" names the result file holding them all)
  pt_reads       page-table entries read by every KSM path (pt_reads: scan + lookup + merge +
                 unmerge)
  scan/lookup    of those, the scanner's (pt_reads_scan) / the tree lookups' (pt_reads_lookup)
  pt/scan        the scanner's reads per full scan (pt_reads_scan / full_scans)
  locks          page-table locks taken by every KSM path (ptl_locks)
  shared         pages_shared;  sharing: pages_sharing (the sysfs counters)
  avc_visits     VMAs the anon_vma tree yielded to rmap walks (rmap_avc_visits)
  avc/walk       of those, the mean per KSM rmap walk (rmap_avc_visits / rmap_walks; the
                 largest walk is rmap_avc_visits_max)
  missed         mappings rmap walks missed (rmap_mappings_missed; 0 when correct)
  unmerge_reads  page-table entries read by break_ksm, ksmd's break_cow included (pt_reads_unmerge)
  stale/wrong    stale_overlay_reads / pages_wrongly_skipped (0/0 when correct)
  pinned         freed_pages_pinned / scans_until_freed
  time           median wall time of one execution ± rme of the mean (time_ns_median,
                 time_rme_pct); ksmd time: the ksmd ops alone (ksmd_time_ns_median,
                 ksmd_time_rme_pct); "-" untimed or no ksmd op
  predicted      only in a priced result: the predicted ksmd CPU time (predicted_ksmd_ns);
                 the line under the table names the calibration
`;

export interface RunArgs {
  readonly argv: string[];
  readonly cwd: string;
}

/**
 * `<dir>/<date>-<commit>-<suite>`, the path of a result's files without .csv/.json, reserved:
 * its .json is created empty (exclusively) here, so a second result of the same suite written
 * in the same second — by this process or another — gets `-2`, `-3`, … instead of overwriting.
 */
export function resultBase(dir: string, set: ResultSet): string {
  const d = new Date(set.created);
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  const commit = set.env.git.commit.slice(0, 12) + (set.env.git.dirty ? '-dirty' : '');
  const base = join(dir, `${stamp}-${commit}-${set.suite.replace(/[^A-Za-z0-9._+-]/g, '_')}`);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (existsSync(`${candidate}.csv`)) continue;
    try {
      closeSync(openSync(`${candidate}.json`, 'wx'));
      return candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

const RUN_FLAGS = {
  ...SUITE_FLAGS,
  ...OUTPUT_FLAGS,
  'no-save': { type: 'boolean' },
  trace: { type: 'string' },
  'trace-file': { type: 'string' },
  ...RUNNING_FLAGS,
  ...CALIBRATION_FLAGS,
} as const;

function runPlan(values: ReturnType<typeof parse<typeof RUN_FLAGS>>['values']): Plan {
  const suite = selectSuite(suiteOptions(values));
  const timing: TimingOptions | null = values['no-timing'] ? null : timingFlags(values);
  return { suite, timing, weights: suite.runs.map((r) => weightOf(r.scenario.name)), calibration: calibrationOf(values) };
}

/** The plan of `run argv` (for a job of run --jobs N). */
export function planRun(argv: string[]): Plan {
  return runPlan(parse(argv, RUN_FLAGS).values);
}

export async function runCommand({ argv, cwd }: RunArgs): Promise<number> {
  const { values } = parse(argv, RUN_FLAGS);
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  refuseTimingWithNoTiming(values);
  const format = formatFlag(values.format);
  const plan = runPlan(values);
  const jobs = jobsFlag(values.jobs, plan.suite.runs.length, values.shard);
  const trace = traceFlags(values, jobs);
  const out = values.out ?? join(cwd, 'results');
  if (!values['no-save']) ensureWritableDir(out);
  if (trace.file) ensureWritableDir(dirname(resolve(cwd, trace.file)));
  const lines: string[] = [];
  const rmapTrace = trace.on ? (l: RmapTraceLine) => void lines.push(JSON.stringify(l)) : undefined;
  const set = await runPlanned('run', argv, plan, jobs, cwd, progressReporter(plan.suite.runs.length, values.quiet === true), rmapTrace);
  // written first, so the table can say where the problems it does not show are
  const base = values['no-save'] ? null : resultBase(out, set);
  const files = base === null ? null : writeResultFiles(base, set);
  const traceFile = trace.on ? writeTrace(trace.file ? resolve(cwd, trace.file) : `${base}.rmap.jsonl`, lines) : null;
  process.stdout.write(present(set, format ?? 'table', files?.json));
  if (files && format === null) process.stdout.write(`wrote ${files.csv} and ${files.json}\n`);
  if (traceFile && format === null) process.stdout.write(`wrote ${traceFile} (${lines.length} rmap walk${lines.length === 1 ? '' : 's'})\n`);
  return 0;
}

/** --trace and --trace-file: what is traced and where it goes, or one line saying why not. */
function traceFlags(v: { trace?: string; 'trace-file'?: string; 'no-save'?: boolean }, jobs: number): { on: boolean; file: string | undefined } {
  if (v.trace === undefined) {
    if (v['trace-file'] !== undefined) throw new UsageError('--trace-file says where --trace writes: give --trace rmap too');
    return { on: false, file: undefined };
  }
  if (!(TRACE_KINDS as readonly string[]).includes(v.trace)) throw new UsageError(`--trace "${v.trace}" is not one of ${TRACE_KINDS.join(', ')}`);
  if (jobs > 1) throw new UsageError(`--trace traces the runs of one process: give --jobs 1 (not ${jobs}), or trace a --shard k/n run`);
  if (v['no-save'] && v['trace-file'] === undefined) throw new UsageError('--trace with --no-save writes no result file to put the trace beside: give --trace-file PATH');
  return { on: true, file: v['trace-file'] };
}

/** The trace's lines into `path`, atomically (a temporary file renamed); returns the path. */
function writeTrace(path: string, lines: readonly string[]): string {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, lines.length ? `${lines.join('\n')}\n` : '');
  renameSync(tmp, path);
  return path;
}
