// --calibration FILE and --no-calibration (run, sweep, gate): which calibration prices the runs.
// Without either, the committed default (calibration/default.json) when the checkout has one.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { CALIBRATION_FORMAT } from '../calibrate/calibration.ts';
import { type CalibrationRef, DEFAULT_CALIBRATION, loadCalibration } from '../calibrate/predict.ts';
import { CHECKOUT } from '../harness/environment.ts';
import { UsageError } from './errors.ts';

export const CALIBRATION_FLAGS = {
  calibration: { type: 'string' },
  'no-calibration': { type: 'boolean' },
} as const;

const ACCEPTED = `--calibration takes a ${CALIBRATION_FORMAT} file, as ksmbench calibrate writes; --no-calibration prices nothing`;

/** A calibration file with what pricing needs (readCalibration checks it), or one line why not. */
function load(path: string): CalibrationRef {
  try {
    return loadCalibration(path);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${e.message} (${ACCEPTED})`);
    throw e;
  }
}

/**
 * The calibration that prices a command's runs: --calibration FILE (the path as given), none
 * with --no-calibration, else the committed default when it exists (named by its path in the
 * checkout). A bad FILE is bad usage; a bad default is a warning, and nothing is priced.
 */
export function calibrationOf(v: { calibration?: string; 'no-calibration'?: boolean }): CalibrationRef | null {
  if (v.calibration !== undefined && v['no-calibration']) throw new UsageError('give --calibration FILE or --no-calibration, not both');
  if (v['no-calibration']) return null;
  if (v.calibration !== undefined) return load(v.calibration);
  if (!existsSync(DEFAULT_CALIBRATION)) return null;
  const name = relative(CHECKOUT, DEFAULT_CALIBRATION);
  try {
    return { ...load(DEFAULT_CALIBRATION), path: name };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`ksmbench: warning: the default calibration ${name} cannot price runs: ${e.message.replace(` (${ACCEPTED})`, '')}; the runs are not priced (give --calibration FILE, or --no-calibration)\n`);
    return null;
  }
}
