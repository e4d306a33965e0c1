// A calibration checked on ksmd ops it was not fitted on: predicted against measured ksmd CPU
// per op, and whether the configurations (the check cases) rank the same by predicted time as
// by measured time.
import { fmtInt, renderTable } from '../report/table.ts';
import { type CountedOp, median, type MeasuredOp, type MeasurementSite } from './calibration.ts';
import { predictNs } from './cost-model.ts';

export const CHECK_FORMAT = 'ksmbench-calibration-check/1';

/** The measurements of a check (calibrate --check --out), to check against again. */
export interface CalibrationCheck extends MeasurementSite {
  readonly format: typeof CHECK_FORMAT;
  /** The calibration the check was made against. */
  readonly calibration: string;
  readonly created: string;
  readonly rows: readonly MeasuredOp[];
}

/** The ops of ≥ this many ns are held to the target. */
export const CHECK_MIN_NS = 5e6;
/** The target: |predicted − measured| ≤ this × measured. */
export const CHECK_TOLERANCE = 0.25;

export interface CheckedOp extends CountedOp {
  readonly predicted_ns: number;
  /** (predicted − measured) / measured. */
  readonly error: number;
}

/** A check case as one configuration: its ksmd ops' time summed (measured: the mean of its replays). */
export interface CheckedConfiguration {
  readonly case: string;
  readonly measured_ns: number;
  readonly predicted_ns: number;
}

export interface CheckResult {
  readonly rows: readonly CheckedOp[];
  /** Ops of ≥ CHECK_MIN_NS, and those of them within ±CHECK_TOLERANCE. */
  readonly held: number;
  readonly within: number;
  readonly median_abs_error: number;
  readonly configurations: readonly CheckedConfiguration[];
  /** Pairs of configurations, and those ordered alike by predicted and by measured time. */
  readonly pairs: number;
  readonly concordant: number;
}

export function checkCalibration(costs: readonly number[], ops: readonly CountedOp[]): CheckResult {
  const rows = ops.map((r) => {
    const p = predictNs(costs, r.counts);
    return { ...r, predicted_ns: p, error: (p - r.measured_ns) / r.measured_ns };
  });
  const held = rows.filter((r) => r.measured_ns >= CHECK_MIN_NS);
  // per case: every op's measured time averaged over the replays, then summed over the ops
  const byCase = new Map<string, Map<number, CheckedOp[]>>();
  for (const r of rows) {
    const ops = byCase.get(r.case) ?? new Map<number, CheckedOp[]>();
    ops.set(r.op_index, [...(ops.get(r.op_index) ?? []), r]);
    byCase.set(r.case, ops);
  }
  const configurations = [...byCase].map(([name, ops]) => {
    let measured = 0;
    let predicted = 0;
    for (const reps of ops.values()) {
      measured += reps.reduce((s, r) => s + r.measured_ns, 0) / reps.length;
      predicted += reps[0]!.predicted_ns;
    }
    return { case: name, measured_ns: measured, predicted_ns: predicted };
  });
  let pairs = 0;
  let concordant = 0;
  for (let i = 0; i < configurations.length; i++) {
    for (let j = i + 1; j < configurations.length; j++) {
      const a = configurations[i]!;
      const b = configurations[j]!;
      pairs++;
      if (Math.sign(a.measured_ns - b.measured_ns) === Math.sign(a.predicted_ns - b.predicted_ns)) concordant++;
    }
  }
  return {
    rows,
    held: held.length,
    within: held.filter((r) => Math.abs(r.error) <= CHECK_TOLERANCE).length,
    median_abs_error: median(rows.map((r) => Math.abs(r.error))),
    configurations,
    pairs,
    concordant,
  };
}

/** ns as ms, 3 significant figures or so (the check's and the report's tables). */
export const ms = (ns: number): string => (ns / 1e6).toFixed(ns < 1e7 ? 2 : 1);
/** A relative error as a signed percentage. */
export const pct = (e: number): string => `${e >= 0 ? '+' : ''}${(100 * e).toFixed(1)} %`;

/** The check as text: the per-op table, the configurations by time, and the two verdict lines. */
export function renderCheck(c: CheckResult): string {
  const ops = renderTable(
    ['scenario', 'after', 'measured ms', 'predicted ms', 'error'],
    c.rows.map((r) => [r.case, r.op, ms(r.measured_ns), ms(r.predicted_ns), pct(r.error)]),
    (col) => col >= 2,
  );
  const byMeasured = [...c.configurations].sort((a, b) => b.measured_ns - a.measured_ns);
  const configs = renderTable(
    ['configuration (all its ksmd ops)', 'measured ms', 'predicted ms', 'error'],
    byMeasured.map((k) => [k.case, ms(k.measured_ns), ms(k.predicted_ns), pct((k.predicted_ns - k.measured_ns) / k.measured_ns)]),
    (col) => col >= 1,
  );
  return (
    `${ops}\n` +
    `${fmtInt(c.within)} of ${fmtInt(c.held)} ksmd ops of ≥ ${CHECK_MIN_NS / 1e6} ms predicted within ±${100 * CHECK_TOLERANCE} %; median |error| ${(100 * c.median_abs_error).toFixed(1)} %\n` +
    `${configs}\n` +
    `${fmtInt(c.concordant)} of ${fmtInt(c.pairs)} pairs of configurations ranked alike by predicted and by measured time\n`
  );
}
