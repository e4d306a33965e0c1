// Whether the predictions of two results compare: a prediction is exact for a given calibration
// file, so two results' predictions are compared only when both were priced by the same one
// (the same sha256); otherwise they are left out, and compare and gate say so in one line.
import { PREDICTION_NAMES, type ResultSet } from '../harness/results.ts';
import type { Sides } from './provenance.ts';

/** Both sides priced by the same calibration file (by its sha256). */
export function samePricing(a: Pick<ResultSet, 'calibration'>, b: Pick<ResultSet, 'calibration'>): boolean {
  return a.calibration !== undefined && b.calibration !== undefined && a.calibration.sha256 === b.calibration.sha256;
}

function hasPrediction(s: ResultSet): boolean {
  return s.runs.some((r) => r.predicted_ksmd_ns !== undefined);
}

function pricedBy(s: ResultSet): string {
  if (s.calibration) return `was priced by calibration ${s.calibration.path} (sha256:${s.calibration.sha256.slice(0, 12)}, ${s.calibration.kernel})`;
  return hasPrediction(s) ? 'was priced by a calibration it does not name (a CSV without its JSON)' : 'was not priced';
}

/**
 * The one line saying the predictions were not compared, and why; null when they were (the same
 * calibration) or when neither side has any (nothing to compare).
 */
export function pricingNote(a: ResultSet, b: ResultSet, sides: Sides = { old: 'old', new: 'new' }): string | null {
  if (samePricing(a, b)) return null;
  if (!a.calibration && !b.calibration && !hasPrediction(a) && !hasPrediction(b)) return null;
  return `${PREDICTION_NAMES.join(' and ')} not compared: ${sides.old} ${pricedBy(a)}, ${sides.new} ${pricedBy(b)} (predictions compare only between results priced by the same calibration file)`;
}
