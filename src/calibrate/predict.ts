// The predicted ksmd CPU time of a run: the cost model priced by a calibration over what the
// run's ksmd ops counted (RunResult.ksmdCounts), in total and per full scan.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Counters } from '../mm/counters.ts';
import { type Calibration, costsOf, readCalibration } from './calibration.ts';
import { predictNs } from './cost-model.ts';

/** The committed default calibration (made on the project machine's 6.18). */
export const DEFAULT_CALIBRATION = new URL('../../calibration/default.json', import.meta.url).pathname;

/** A calibration as a run names it: the file, its sha256, where it was made. */
export interface CalibrationRef {
  readonly path: string;
  readonly sha256: string;
  readonly kernel: string;
  readonly created: string;
  readonly costs: readonly number[];
}

/** A calibration file loaded to price runs (UsageError in one line when it is not one). */
export function loadCalibration(path: string): CalibrationRef {
  const cal: Calibration = readCalibration(path);
  return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex'), kernel: cal.kernel, created: cal.created, costs: costsOf(cal) };
}

export interface Prediction {
  /** Σ cost × count over the run's ksmd ops (ns, rounded). */
  readonly ksmd_ns: number;
  /** ksmd_ns / full_scans; null when the run completed no full scan. */
  readonly ksmd_ns_per_scan: number | null;
}

/** The predicted ksmd CPU time of a run that counted `ksmdCounts` over its ksmd ops and ended with `fullScans` full scans. */
export function predictRun(costs: readonly number[], ksmdCounts: Counters, fullScans: number): Prediction {
  const ns = Math.round(predictNs(costs, ksmdCounts));
  return { ksmd_ns: ns, ksmd_ns_per_scan: fullScans > 0 ? Math.round(ns / fullScans) : null };
}
