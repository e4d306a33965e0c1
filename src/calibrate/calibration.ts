// A calibration: the cost model's per-event costs (ns) fitted on one kernel and machine, with
// the measured ksmd ops it was fitted on (each named by its scenario, parameters and op, so the
// counts can be made again by the simulator and the costs refitted without the kernel).
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import type { ScenarioThp } from '../../bench/format.ts';
import { UsageError } from '../cli/errors.ts';
import type { Counters } from '../mm/counters.ts';
import { nnls } from '../report/nnls.ts';
import { COST_FEATURES, features, predictNs } from './cost-model.ts';

export const CALIBRATION_FORMAT = 'ksmbench-calibration/1';

/** One ksmd op replayed on the kernel: where it is, and ksmd's CPU time over it. */
export interface MeasuredOp {
  /** The calibration case ("guests dup_pct=0,…"). */
  readonly case: string;
  readonly scenario: string;
  readonly params: Readonly<Record<string, string | number>>;
  /** The op's index in the scenario's ops, and its label ("ops[12] (ksmd)"). */
  readonly op_index: number;
  readonly op: string;
  /** ksmd's run time over the op (schedstat, ns). */
  readonly measured_ns: number;
  /** The fitted model's prediction for the op (in a calibration file). */
  readonly predicted_ns?: number;
}

/** A measured op with the simulator's exact counts for it. */
export interface CountedOp extends MeasuredOp {
  readonly counts: Counters;
}

/** Where the ops were measured: the kernel, the stack that stands for it, the host's THP knobs or the VM. */
export interface MeasurementSite {
  readonly kernel: string;
  readonly stack: string;
  /** On the host: its THP knobs, which the replay ran under (null in a VM: the scenario's own). */
  readonly thp: ScenarioThp | null;
  /** Under QEMU: the image booted, and the release whose mm the simulator followed (a release between stacks). */
  readonly vm?: { readonly image: string; readonly sha256: string; readonly mm?: string };
}

/** A cost carried over from another kernel, with how it was derived. */
export interface TransferredCost {
  readonly event: string;
  /** ns per event on this host: the VM's, times the slowdown's median, less the reads the host already prices. */
  readonly ns: number;
  /** The same with the slowdown's smallest and largest op (the spread of the transfer). */
  readonly ns_range: readonly [number, number];
  readonly from: { readonly kernel: string; readonly image: string; readonly stack: string };
  /** The VM's ns per event (its reads included), fitted over `sparse_ops` ops. */
  readonly vm_ns: number;
  readonly sparse_ops: number;
  /** host ns / VM ns over the VM's `ops` dense ops: median, smallest, largest. */
  readonly slowdown: { readonly median: number; readonly min: number; readonly max: number; readonly ops: number };
}

export interface Calibration extends MeasurementSite {
  readonly format: typeof CALIBRATION_FORMAT;
  readonly machine: { readonly cpu: string; readonly cores: number };
  readonly created: string;
  /**
   * ns per event with its standard error. `identified` is false for an event no fitted op had
   * (a per-address scanner's calls on a kernel that scans by range walk): its cost is 0 here,
   * not measured.
   */
  readonly costs: readonly { readonly event: string; readonly unit: string; readonly ns: number; readonly stderr_ns: number; readonly identified?: boolean }[];
  readonly fit: { readonly rows: number; readonly r2: number; readonly rmse_ns: number; readonly median_abs_rel_error: number };
  readonly rows: readonly MeasuredOp[];
  /** Costs of events this kernel lacks, carried over from one that has them (calibrate --transfer). */
  readonly transferred?: readonly TransferredCost[];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
}

/** The costs of a calibration, in COST_FEATURES order: a transferred cost stands for one not measured. */
export function costsOf(cal: Pick<Calibration, 'costs' | 'transferred'>): number[] {
  return cal.costs.map((c) => {
    const t = c.identified === false ? cal.transferred?.find((x) => x.event === c.event) : undefined;
    return t ? t.ns : c.ns;
  });
}

/** Fit the per-event costs on the ops (NNLS on the relative error: each op weighted 1/measured²). */
export function fitCalibration(rows: readonly CountedOp[], site: MeasurementSite, machine: Calibration['machine'] = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length }, created = new Date().toISOString()): Calibration {
  const used = rows.filter((r) => r.measured_ns > 0);
  if (used.length < COST_FEATURES.length) throw new UsageError(`${used.length} measured ksmd ops are too few to fit ${COST_FEATURES.length} costs`);
  const X = used.map((r) => features(r.counts));
  const fit = nnls(
    X,
    used.map((r) => r.measured_ns),
    { weights: used.map((r) => 1 / (r.measured_ns * r.measured_ns)) },
  );
  const withPrediction = used.map(({ counts, ...r }) => ({ ...r, predicted_ns: Math.round(predictNs(fit.coef, counts)) }));
  return {
    format: CALIBRATION_FORMAT,
    ...site,
    machine,
    created,
    costs: COST_FEATURES.map((f, i) => ({ event: f.name, unit: f.unit, ns: fit.coef[i]!, stderr_ns: fit.stderr[i]!, identified: X.some((x) => x[i] !== 0) })),
    fit: { rows: used.length, r2: fit.r2, rmse_ns: fit.rmse, median_abs_rel_error: median(withPrediction.map((r) => Math.abs(r.predicted_ns - r.measured_ns) / r.measured_ns)) },
    rows: withPrediction,
  };
}

/** A calibration file, or one clear line why not. */
export function readCalibration(path: string): Calibration {
  let raw: Partial<Calibration>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<Calibration>;
  } catch (e) {
    throw new UsageError(`calibration file "${path}" cannot be read as JSON (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (raw.format !== CALIBRATION_FORMAT || !Array.isArray(raw.costs)) throw new UsageError(`"${path}" is not a calibration file (format ${JSON.stringify(raw.format)}, expected "${CALIBRATION_FORMAT}")`);
  const names = raw.costs.map((c) => c.event).join(',');
  if (names !== COST_FEATURES.map((f) => f.name).join(',')) throw new UsageError(`calibration file "${path}" prices the events ${names}; this ksmbench's model has ${COST_FEATURES.map((f) => f.name).join(',')}: calibrate again (or calibrate --refit "${path}")`);
  const bad = costsOf(raw as Calibration).findIndex((c) => typeof c !== 'number' || !Number.isFinite(c) || c < 0);
  if (bad >= 0) throw new UsageError(`calibration file "${path}": costs[${bad}].ns is not a number ≥ 0`);
  if (typeof raw.kernel !== 'string' || typeof raw.created !== 'string') throw new UsageError(`calibration file "${path}" does not say which kernel it was made on and when ("kernel", "created")`);
  return raw as Calibration;
}
