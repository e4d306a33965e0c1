// Parameter sweeps: one scenario parameter over a range (lo..hi:xF or lo..hi:+S) per
// configuration, and the complexity class of each metric's growth (fit.ts).
import { getScenario } from '../../bench/scenarios/index.ts';
import { ParamError, resolveParams } from '../../bench/params.ts';
import { formatPages } from '../../bench/sizes.ts';
import type { ResultSet, RunRecord } from '../harness/results.ts';
import { isTimingMetric, METRIC_NAMES, type MetricName, metricValue, parseParamsString } from '../harness/results.ts';
import { type ComplexityClass, fitComplexity } from './fit.ts';

export interface SweepRange {
  readonly param: string;
  /** The values in the parameter's own unit (pages for sizes). */
  readonly values: readonly number[];
  /** The same values as given on the command line, for --param. */
  readonly given: readonly string[];
}

export interface SweepFit {
  readonly stack: string;
  readonly metric: MetricName;
  /** The best-fitting class (lowest rms); whether it is a result at all: fitOutcome. */
  readonly cls: ComplexityClass;
  readonly coefficient: number;
  readonly rms: number;
  readonly points: readonly { readonly n: number; readonly y: number }[];
}

export interface SweepInfo {
  readonly scenario: string;
  readonly param: string;
  readonly values: readonly number[];
  readonly fits: readonly SweepFit[];
}

export type SweepSet = ResultSet & { readonly sweep: SweepInfo };

export function isSweepSet(s: ResultSet): s is SweepSet {
  return typeof (s as Partial<SweepSet>).sweep === 'object';
}

/** Fewer distinct swept values than this cannot tell the classes apart: the fit is inconclusive. */
export const MIN_FIT_POINTS = 4;
/** A normalised residual above this means no class describes the growth: inconclusive. */
export const MAX_FIT_RMS = 0.2;

/** What a fit says: its class, or "inconclusive" with the reason. */
export type FitOutcome = { readonly cls: ComplexityClass; readonly conclusive: true } | { readonly cls: 'inconclusive'; readonly conclusive: false; readonly why: string };

/**
 * Whether a fit is a result: a class only when there are at least MIN_FIT_POINTS distinct
 * swept values and the best class's normalised residual is at most MAX_FIT_RMS (noisy
 * timings, rms 0.28, are not a class). Computed from the fit's points and rms, so files
 * written before it was recorded are judged the same way.
 */
export function fitOutcome(f: Pick<SweepFit, 'cls' | 'rms' | 'points'>): FitOutcome {
  const distinct = new Set(f.points.map((p) => p.n)).size;
  if (distinct < MIN_FIT_POINTS) return { cls: 'inconclusive', conclusive: false, why: `${distinct} point${distinct === 1 ? '' : 's'} (a class needs ${MIN_FIT_POINTS})` };
  if (f.rms > MAX_FIT_RMS) return { cls: 'inconclusive', conclusive: false, why: `rms ${f.rms.toFixed(2)} > ${MAX_FIT_RMS} (best ${f.cls})` };
  return { cls: f.cls, conclusive: true };
}

/** The class column of a fit: its class, or "inconclusive (why)". */
export function fitClassText(f: Pick<SweepFit, 'cls' | 'rms' | 'points'>): string {
  const o = fitOutcome(f);
  return o.conclusive ? o.cls : `inconclusive: ${o.why}`;
}

/** Whether a metric's fitted class is noisy by nature (a timing): never compared as if exact. */
export function isNoisyFit(metric: MetricName): boolean {
  return isTimingMetric(metric);
}

/** Parse "--param size=1G..32T:x2" for a scenario (sizes in pages, ints as is). */
export function parseSweepParam(scenario: string, flag: string): SweepRange {
  const m = /^([a-z_][a-z0-9_]*)=([^.]+)\.\.([^:]+):(x|\+)([0-9]+)$/i.exec(flag);
  if (!m) throw new ParamError(`--param "${flag}" is not a sweep range key=lo..hi:xF or key=lo..hi:+S (e.g. size=1G..32T:x2)`);
  const [, param, lo, hi, op, stepText] = m as unknown as [string, string, string, string, string, string];
  const spec = getScenario(scenario).params[param];
  if (!spec) throw new ParamError(`unknown parameter "${param}" for scenario "${scenario}" (accepted: ${Object.keys(getScenario(scenario).params).join(', ')})`);
  if (spec.kind === 'enum') throw new ParamError(`parameter "${param}" of "${scenario}" is not numeric: it cannot be swept`);
  const step = Number(stepText);
  if ((op === 'x' && step < 2) || (op === '+' && step < 1)) throw new ParamError(`--param "${flag}": step ${op}${step} does not advance`);
  const from = resolveParams(scenario, { [param]: spec }, { [param]: lo })[param] as number;
  const to = resolveParams(scenario, { [param]: spec }, { [param]: hi })[param] as number;
  if (from < 1) throw new ParamError(`--param "${flag}": sweep values must be ≥ 1 (complexity is fitted over n ≥ 1), not ${lo}`);
  if (to < from) throw new ParamError(`--param "${flag}": ${hi} is below ${lo}`);
  const values: number[] = [];
  for (let v = from; v <= to; v = op === 'x' ? v * step : v + step) {
    values.push(v);
    if (values.length > 200) throw new ParamError(`--param "${flag}" gives more than 200 values`);
  }
  const given = values.map((v) => (spec.kind === 'size' ? formatPages(v) : String(v)));
  return { param, values, given };
}

/** The sweep's parameter value of a run (from its params string). */
export function valueOf(r: RunRecord, param: string, kind: 'size' | 'int'): number {
  const text = parseParamsString(r.params)[param];
  if (text === undefined) throw new Error(`run ${r.scenario} lacks parameter ${param}`);
  return kind === 'size' ? (resolveParams(r.scenario, { [param]: { kind: 'size', default: text, description: '' } }, {})[param] as number) : Number(text);
}

/** Fit every metric of every configuration of a sweep's runs. */
export function fitSweep(runs: readonly RunRecord[], scenario: string, param: string): SweepFit[] {
  const spec = getScenario(scenario).params[param]!;
  const kind = spec.kind === 'size' ? 'size' : 'int';
  const fits: SweepFit[] = [];
  const stacks = [...new Set(runs.map((r) => r.stack))];
  for (const stack of stacks) {
    const mine = runs.filter((r) => r.stack === stack);
    for (const metric of METRIC_NAMES) {
      const points = mine
        .map((r) => ({ n: valueOf(r, param, kind), y: metricValue(r, metric) }))
        .filter((p): p is { n: number; y: number } => p.y !== undefined && p.y >= 0);
      if (points.length < 2 || new Set(points.map((p) => p.n)).size < 2) continue;
      const f = fitComplexity(points);
      fits.push({ stack, metric, cls: f.cls, coefficient: f.coefficient, rms: f.rms, points });
    }
  }
  return fits;
}
