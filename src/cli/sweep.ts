// ksmbench sweep: one scenario parameter over a range, per configuration; each metric's
// complexity class and coefficient.
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configLabel } from '../harness/config.ts';
import type { MetricName } from '../harness/results.ts';
import { isMetricName } from '../harness/results.ts';
import { selectSuite, sliceOf, type Suite } from '../harness/suite.ts';
import { ensureWritableDir, writeResultFiles } from '../report/files.ts';
import { fitOutcome, fitSweep, MAX_FIT_RMS, MIN_FIT_POINTS, parseSweepParam, type SweepSet } from '../report/sweep.ts';
import { fmtCoefficient, fmtParamValue } from '../report/html.ts';
import { renderMarkdown, renderTable } from '../report/table.ts';
import { UsageError } from './errors.ts';
import { formatFlag, intFlag, OUTPUT_FLAGS, paramsFlag, parse, SUITE_FLAGS, suiteOptions, refuseTimingWithNoTiming, timingFlags } from './options.ts';
import { resultBase } from './run.ts';
import { jobsFlag, runPlanned, RUNNING_FLAGS } from './jobs.ts';
import { progressReporter } from './progress.ts';
import type { Plan } from './plan.ts';
import { CALIBRATION_FLAGS, calibrationOf } from './pricing.ts';

export const SWEEP_HELP = `ksmbench sweep --scenario NAME --param key=lo..hi:xF [options]

Run one scenario with one parameter swept over a range (lo..hi:xF geometric, lo..hi:+S
arithmetic), for each stack or variant, and fit every metric to O(1), O(log n), O(n),
O(n log n) or O(n^2): prints the fitted class, coefficient and rms beside the measured
values at the ends of the range, writes a result file with the fits (ksmbench compare of two
sweeps flags a change of class; ksmbench report plots them). A fit is "inconclusive" with
fewer than ${MIN_FIT_POINTS} swept values or a normalised rms above ${MAX_FIT_RMS} (noisy timings):
no class is claimed, and compare does not compare it. Classes of timings are never compared
as if exact (compare says "not compared").

  --scenario NAME        the scenario (one)
  --param key=lo..hi:xF  the swept parameter (one), e.g. size=1G..32T:x2
  --param key=value      fixed parameters (repeatable)
  --stack / --variant / --base   the configurations (as for run)
  --metric M             metrics to show (repeatable; default pt_reads, pt_reads_unmerge,
                         rmap_avc_visits, and time_ns_median when timed)
  --no-timing            counters only (default: timed)
  --time MS / --iterations N     timing budget per run
  --format, --out, --no-save, --shard k/n   as for run
  --jobs N               split the runs over N processes and merge them, then fit (as for
                         run: at most the number of runs, a warning above the cores)
  --quiet                no progress on stderr (default: one line per finished run with an
                         ETA; a live line on a terminal)
  --timeout SECONDS      stop when one run takes longer (the command runs in a watched child
                         process, so a tight loop is stopped too): one line naming the scenario
                         and configuration, exit 2, no file written
  --calibration FILE / --no-calibration   which calibration prices the runs (as for run;
                         default the committed calibration/default.json when there is one)
`;

const SWEEP_FLAGS = {
  ...SUITE_FLAGS,
  ...OUTPUT_FLAGS,
  metric: { type: 'string', multiple: true },
  'no-save': { type: 'boolean' },
  ...RUNNING_FLAGS,
  ...CALIBRATION_FLAGS,
} as const;

type SweepValues = ReturnType<typeof parse<typeof SWEEP_FLAGS>>['values'];

/** The sweep's runs (one suite per swept value, the same configurations each time) and its range. */
function sweepPlan(values: SweepValues): { plan: Plan; scenario: string; range: ReturnType<typeof parseSweepParam> } {
  if (values['scenario-file']) throw new UsageError('sweep takes a built-in --scenario (parameters are swept), not --scenario-file');
  if (values.scenario?.length !== 1) throw new UsageError('sweep needs exactly one --scenario');
  const scenario = values.scenario[0]!;
  const ranges = (values.param ?? []).filter((p) => p.includes('..'));
  if (ranges.length !== 1) throw new UsageError('sweep needs exactly one --param key=lo..hi:xF range');
  const range = parseSweepParam(scenario, ranges[0]!);
  const fixed = paramsFlag((values.param ?? []).filter((p) => !p.includes('..')));
  const timing = values['no-timing'] ? null : timingFlags(values);
  // (built at the first swept value: the scenario's checks see parameters that fit together)
  const base = selectSuite(suiteOptions({ ...values, shard: undefined, param: [...Object.entries(fixed).map(([k, v]) => `${k}=${v}`), `${range.param}=${range.given[0]}`] }));
  const configs = [...new Map(base.runs.map((r) => [configLabel(r.config), r.config])).values()];
  let runs: Suite['runs'] = range.given.flatMap((v) =>
    configs.map((config) => ({ scenario: buildScenario(scenario, { ...fixed, [range.param]: v }, intFlag('seed', values.seed, 1)), config })),
  );
  const shard = values.shard ? suiteOptions({ shard: values.shard }).shard : undefined;
  if (shard) runs = sliceOf(runs, runs.map(() => 1), shard);
  const name = `sweep-${scenario}-${range.param}${shard ? `.shard${shard.k}of${shard.n}` : ''}`;
  return { plan: { suite: { name, runs }, timing, weights: runs.map(() => 1), calibration: calibrationOf(values) }, scenario, range };
}

/** The plan of `sweep argv` (for a job of sweep --jobs N). */
export function planSweep(argv: string[]): Plan {
  return sweepPlan(parse(argv, SWEEP_FLAGS).values).plan;
}

export async function sweepCommand(argv: string[], cwd: string): Promise<number> {
  const { values } = parse(argv, SWEEP_FLAGS);
  if (values.help) {
    process.stdout.write(SWEEP_HELP);
    return 0;
  }
  refuseTimingWithNoTiming(values);
  const format = formatFlag(values.format);
  const metrics = (values.metric ?? []).map((m) => {
    if (!isMetricName(m)) throw new UsageError(`--metric "${m}" is not a metric (see ksmbench list metrics)`);
    return m;
  });
  const { plan, scenario, range } = sweepPlan(values);
  const jobs = jobsFlag(values.jobs, plan.suite.runs.length, values.shard);
  const out = values.out ?? join(cwd, 'results');
  if (!values['no-save']) ensureWritableDir(out);
  const set = await runPlanned('sweep', argv, plan, jobs, cwd, progressReporter(plan.suite.runs.length, values.quiet === true));
  const timing = plan.timing;
  const sweep: SweepSet = { ...set, sweep: { scenario, param: range.param, values: range.values, fits: fitSweep(set.runs, scenario, range.param) } };
  process.stdout.write(presentSweep(sweep, format ?? 'table', metrics.length ? metrics : defaultMetrics(timing !== null)));
  if (!values['no-save']) {
    const files = writeResultFiles(resultBase(out, sweep), sweep);
    if (format === null) process.stdout.write(`wrote ${files.csv} and ${files.json}\n`);
  }
  return 0;
}

function defaultMetrics(timed: boolean): MetricName[] {
  return ['pt_reads', 'pt_reads_unmerge', 'rmap_avc_visits', ...(timed ? (['time_ns_median'] as const) : [])];
}

/**
 * The fits of a sweep. Fitted values (the class, c of y ≈ c·f(n), the normalised rms) and
 * measured values (the metric at each swept value) are labelled as such; an inconclusive fit
 * (too few points, or an rms above MAX_FIT_RMS: fitOutcome) shows "inconclusive" and why.
 */
export function presentSweep(s: SweepSet, format: 'table' | 'csv' | 'json' | 'markdown', metrics: readonly MetricName[]): string {
  if (format === 'json') return `${JSON.stringify(s, null, 1)}\n`;
  const fits = s.sweep.fits.filter((f) => metrics.includes(f.metric));
  const at = (v: number) => `measured at ${fmtParamValue(s, v)}`;
  const fitted = ['fitted class', 'fitted c', 'fit rms', 'fit note'];
  const cells = (f: (typeof fits)[number]) => {
    const o = fitOutcome(f);
    return [o.cls, fmtCoefficient(f.coefficient), f.rms.toFixed(4), o.conclusive ? '' : o.why];
  };
  if (format === 'csv' || format === 'markdown') {
    const header = ['stack', 'metric', ...fitted, ...s.sweep.values.map(at)];
    const rows = fits.map((f) => [f.stack, f.metric, ...cells(f), ...f.points.map((p) => String(p.y))]);
    return format === 'csv' ? stringify([header, ...rows]) : `${renderMarkdown(header, rows)}\n`;
  }
  const first = s.sweep.values[0] ?? 0;
  const last = s.sweep.values.at(-1) ?? 0;
  const header = ['stack', 'metric', ...fitted.slice(0, 3), at(first), at(last), fitted[3]!];
  const rows = fits.map((f) => {
    const [cls, c, rms, note] = cells(f);
    return [f.stack, f.metric, cls!, c!, rms!, String(f.points[0]?.y ?? '-'), String(f.points.at(-1)?.y ?? '-'), note!];
  });
  return (
    `sweep of ${s.sweep.scenario} over ${s.sweep.param} (${s.sweep.values.length} values)\n` +
    `${renderTable(header, rows, (c) => c >= 3 && c <= 6)}\n` +
    `fitted: y ≈ c·f(n) for the class with the smallest rms (residual normalised by the mean; 0 = exact); ` +
    `inconclusive below ${MIN_FIT_POINTS} swept values or above rms ${MAX_FIT_RMS}. measured: the metric's value at that ${s.sweep.param}.\n`
  );
}
