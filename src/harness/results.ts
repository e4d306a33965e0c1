// The results model: one record per (scenario, params, configuration) with exact counters, the
// verdict and optional timings, and its tidy rows (DESIGN.md §8): one row per metric.
import { COUNTER_NAMES, type CounterName, type Counters, TIMING_NAMES } from '../mm/counters.ts';
import type { Abi } from '../ksm/variant-api.ts';
import { AXES, type Axis } from '../../variants/types.ts';
import type { ScenarioRun } from './run.ts';
import { thpOfRun, thpText } from './config.ts';
import type { Environment } from './environment.ts';
import type { Op, ScenarioSource, SysfsValue } from '../../bench/format.ts';
import type { VariantSource } from '../../variants/registry.ts';
import type { Prediction } from '../calibrate/predict.ts';

export const RESULTS_FORMAT = 'ksmbench-results/1';

/** Statistics of one timed quantity over the samples of a timing (tinybench's definitions). */
export interface TimingStats {
  readonly median_ns: number;
  readonly mean_ns: number;
  /** Relative margin of error of the mean (95 %, Student's t), percent. */
  readonly rme_pct: number;
  readonly samples: number;
  /** Every sample (ns), ascending, kept for significance tests; absent when read back from CSV. */
  readonly sample_ns?: readonly number[];
}

/** The whole-window timing of a scenario execution, and within it the time of its ksmd ops. */
export interface Timing extends TimingStats {
  /**
   * The `ksmd` ops alone: per sample, the sum of the wall time of the scenario's ksmd ops in
   * that execution (what a kernel's ksmd CPU time measures; the rest of the window is the
   * workload's mmap/fill/fork…). One ksmd sample per whole-window sample. Absent when the
   * scenario has no ksmd op, and in files written before it was measured.
   */
  readonly ksmd?: TimingStats;
}

/** The ksmd-only timing metrics (Timing.ksmd), beside TIMING_NAMES. */
export const KSMD_TIMING_NAMES = ['ksmd_time_ns_median', 'ksmd_time_ns_mean', 'ksmd_time_rme_pct', 'ksmd_time_samples'] as const;
export type KsmdTimingName = (typeof KSMD_TIMING_NAMES)[number];

/**
 * The predicted ksmd CPU time of a priced run (RunRecord.predicted_ksmd_ns, …): the cost model
 * with a calibration's costs over the exact counts of the run's ksmd ops. Deterministic for a
 * given calibration file, so compared like counters, and only between sides priced by the same one.
 */
export const PREDICTION_NAMES = ['predicted_ksmd_ns', 'predicted_ksmd_ns_per_scan'] as const;
export type PredictionName = (typeof PREDICTION_NAMES)[number];

export function isPredictionMetric(name: string): name is PredictionName {
  return (PREDICTION_NAMES as readonly string[]).includes(name);
}

/** The calibration a result set was priced by: the file as given, the sha256 of its bytes, where it was made. */
export interface CalibrationSource {
  readonly path: string;
  readonly sha256: string;
  readonly kernel: string;
  readonly created: string;
}

/**
 * The scenario file a run was made of (--scenario-file): the path as given, the absolute path,
 * the sha256 of the bytes read, and what ran — its op list and the knobs set before it.
 */
export interface ScenarioFileRecord extends ScenarioSource {
  readonly ops: readonly Op[];
  /** The file's top-level "sysfs" knobs, written before the first op (absent when it has none). */
  readonly sysfs?: Readonly<Record<string, SysfsValue>>;
}

export interface RunRecord {
  readonly scenario: string;
  /** The scenario parameters, "k=v;k=v" sorted by name ("" for none). */
  readonly params: string;
  readonly seed: number;
  /** The stack name, or base+axis=id,… for a variant combination. */
  readonly stack: string;
  readonly variants: Readonly<Record<Axis, string>>;
  readonly mergeOrder: string;
  readonly paging: number;
  readonly abi: Abi;
  /**
   * The THP knobs the run's machine had (the stack's, under the scenario's "thp" field), as
   * "enabled=…;shrink_underused=0|1;use_zero_page=0|1"; "" in files written before it was recorded.
   */
  readonly thp: string;
  readonly counters: Counters;
  readonly verdict: { readonly ok: boolean; readonly problems: readonly string[]; readonly knownWrong: readonly string[] };
  readonly timing: Timing | null;
  /**
   * Only in a run of a scenario file: which file, its hash and its ops. JSON only (the CSV holds
   * values); absent for built-in scenarios and in files written before it was recorded.
   */
  readonly scenario_file?: ScenarioFileRecord;
  /**
   * Only in a run that used an out-of-tree variant (KSMBENCH_EXTRA_VARIANTS), by "axis=id": the
   * module file as loaded, absolute, and the sha256 of its bytes — its own variants and the
   * scanner reference the oracle compared it with. JSON only, as scenario_file.
   */
  readonly out_of_tree_variants?: Readonly<Record<string, VariantSource>>;
  /**
   * Only when the kernel refused some of the scenario's system calls (ENOMEM past max_map_count,
   * EFAULT for a multi-VMA mremap before 6.17): which, in order. An outcome of the stack's mm
   * version, the same for every variant, counted in syscalls_failed; JSON only.
   */
  readonly op_errors?: readonly string[];
  /**
   * Only in a priced run (ResultSet.calibration): Σ cost × count over the run's ksmd ops (ns,
   * rounded), and that per completed full scan (absent when the run completed none).
   */
  readonly predicted_ksmd_ns?: number;
  readonly predicted_ksmd_ns_per_scan?: number;
}

export interface ResultSet {
  readonly format: typeof RESULTS_FORMAT;
  readonly suite: string;
  readonly created: string;
  readonly env: Environment;
  /** The calibration that priced the runs (run --calibration, or the committed default); absent when unpriced, and in older files. JSON only. */
  readonly calibration?: CalibrationSource;
  readonly runs: readonly RunRecord[];
}

/** The metric names a record carries besides the counters. */
export const VERDICT_METRICS = ['correct', 'problems'] as const;
export type MetricName = CounterName | (typeof TIMING_NAMES)[number] | KsmdTimingName | PredictionName | (typeof VERDICT_METRICS)[number];
export const METRIC_NAMES: readonly MetricName[] = [...COUNTER_NAMES, ...VERDICT_METRICS, ...TIMING_NAMES, ...KSMD_TIMING_NAMES, ...PREDICTION_NAMES];

/** Every timing metric: whole window and ksmd-only. */
export const TIMING_METRICS: readonly MetricName[] = [...TIMING_NAMES, ...KSMD_TIMING_NAMES];

export function isTimingMetric(name: string): boolean {
  return (TIMING_METRICS as readonly string[]).includes(name);
}

export function isMetricName(name: string): name is MetricName {
  return (METRIC_NAMES as readonly string[]).includes(name);
}

export function unitOf(metric: MetricName): string {
  if (metric === 'general_profit') return 'bytes';
  if (metric === 'time_ns_median' || metric === 'time_ns_mean' || metric === 'ksmd_time_ns_median' || metric === 'ksmd_time_ns_mean' || isPredictionMetric(metric)) return 'ns';
  if (metric === 'time_rme_pct' || metric === 'ksmd_time_rme_pct') return '%';
  if (metric === 'correct') return 'bool';
  return 'count';
}

export function paramsString(params: Readonly<Record<string, string | number>> | undefined): string {
  return Object.entries(params ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
}

/** The inverse of paramsString: "k=v;k=v" → { k: "v" } (values as recorded, unparsed). */
export function parseParamsString(text: string): Record<string, string> {
  if (text === '') return {};
  return Object.fromEntries(
    text.split(';').map((kv) => {
      const eq = kv.indexOf('=');
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
  );
}

/** The identity of a record across result files. */
export function recordKey(r: Pick<RunRecord, 'scenario' | 'params' | 'stack'>): string {
  return `${r.scenario}|${r.params}|${r.stack}`;
}

/** The record of a run, with its timing, and its prediction when priced. */
export function toRecord(run: ScenarioRun, timing: Timing | null, prediction: Prediction | null = null): RunRecord {
  return {
    scenario: run.scenario.name,
    params: paramsString(run.scenario.params),
    seed: run.scenario.seed ?? 1,
    stack: run.label,
    variants: run.config.variants,
    mergeOrder: run.config.mergeOrder,
    paging: run.scenario.paging ?? run.config.paging,
    abi: run.scenario.abi ?? run.config.abi,
    thp: thpText(thpOfRun(run.scenario, run.config)),
    counters: run.counters,
    verdict: { ok: run.verdict.ok, problems: [...run.verdict.problems], knownWrong: [...run.verdict.knownWrong] },
    timing,
    ...(run.scenario.source ? { scenario_file: scenarioFileRecord(run.scenario.source, run.scenario) } : {}),
    ...(run.outOfTree ? { out_of_tree_variants: run.outOfTree } : {}),
    ...(run.opErrors.length ? { op_errors: [...run.opErrors] } : {}),
    ...(prediction ? predictionFields(prediction) : {}),
  };
}

/** A prediction as a record's fields (no per-scan value without a full scan). */
export function predictionFields(p: Prediction): Pick<RunRecord, PredictionName> {
  return { predicted_ksmd_ns: p.ksmd_ns, ...(p.ksmd_ns_per_scan === null ? {} : { predicted_ksmd_ns_per_scan: p.ksmd_ns_per_scan }) };
}

function scenarioFileRecord(source: ScenarioSource, scenario: ScenarioRun['scenario']): ScenarioFileRecord {
  const { path, resolved, sha256 } = source;
  return { path, resolved, sha256, ops: scenario.ops, ...(scenario.sysfs ? { sysfs: scenario.sysfs } : {}) };
}

/** The value of one metric of a record (undefined: a timing metric of an untimed record, a prediction of an unpriced one). */
export function metricValue(r: RunRecord, metric: MetricName): number | undefined {
  if (metric === 'correct') return r.verdict.ok ? 1 : 0;
  if (metric === 'problems') return r.verdict.problems.length;
  if (metric === 'time_ns_median') return r.timing?.median_ns;
  if (metric === 'time_ns_mean') return r.timing?.mean_ns;
  if (metric === 'time_rme_pct') return r.timing?.rme_pct;
  if (metric === 'time_samples') return r.timing?.samples;
  if (metric === 'ksmd_time_ns_median') return r.timing?.ksmd?.median_ns;
  if (metric === 'ksmd_time_ns_mean') return r.timing?.ksmd?.mean_ns;
  if (metric === 'ksmd_time_rme_pct') return r.timing?.ksmd?.rme_pct;
  if (metric === 'ksmd_time_samples') return r.timing?.ksmd?.samples;
  if (metric === 'predicted_ksmd_ns') return r.predicted_ksmd_ns;
  if (metric === 'predicted_ksmd_ns_per_scan') return r.predicted_ksmd_ns_per_scan;
  // (undefined in a file written before the counter existed)
  const v: number | undefined = r.counters[metric];
  return v;
}

/**
 * The CSV columns, in order (DESIGN.md §8 plus the configuration details). No commit: the
 * provenance (git commit, dirty flag, environment, a scenario file's or an out-of-tree variant's
 * path and hash) is in the JSON beside the CSV, so the CSV of a re-made baseline differs from the
 * old one exactly in the values that moved.
 */
export const CSV_COLUMNS = [
  'scenario',
  'params',
  'stack',
  ...AXES.map((a) => a.replace('-', '_')),
  'merge_order',
  'paging',
  'abi',
  'thp',
  'metric',
  'value',
  'unit',
  'seed',
] as const;
export type CsvRow = Record<(typeof CSV_COLUMNS)[number], string | number>;

/** The tidy rows of a result set: one per (record, metric with a value). */
export function toRows(set: ResultSet): CsvRow[] {
  const rows: CsvRow[] = [];
  for (const r of set.runs) {
    for (const metric of METRIC_NAMES) {
      const value = metricValue(r, metric);
      if (value === undefined) continue;
      const row = {
        scenario: r.scenario,
        params: r.params,
        stack: r.stack,
        scanner: r.variants.scanner,
        rmap: r.variants.rmap,
        unmerge: r.variants.unmerge,
        zero_pages: r.variants['zero-pages'],
        stable_ref: r.variants['stable-ref'],
        split_zeropage: r.variants['split-zeropage'],
        merge_order: r.mergeOrder,
        paging: r.paging,
        abi: r.abi,
        thp: r.thp,
        metric,
        value,
        unit: unitOf(metric),
        seed: r.seed,
      } satisfies CsvRow;
      rows.push(row);
    }
  }
  return rows;
}
