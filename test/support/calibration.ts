// Test support: a synthetic calibration file, its costs built from COST_FEATURES (so it stays a
// valid calibration when the model's features change).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CALIBRATION_FORMAT, type Calibration } from '../../src/calibrate/calibration.ts';
import { COST_FEATURES } from '../../src/calibrate/cost-model.ts';

/** Write `name` in `dir`: cost i is (i + 1) × scale + 0.25 ns per event; returns its path and costs. */
export function writeCalibration(dir: string, name: string, scale = 7): { path: string; costs: number[] } {
  const costs = COST_FEATURES.map((_, i) => (i + 1) * scale + 0.25);
  const cal: Calibration = {
    format: CALIBRATION_FORMAT,
    kernel: `6.18-synthetic-x${scale}`,
    stack: 'v6.18',
    thp: null,
    machine: { cpu: 'test', cores: 1 },
    created: '2026-12-02T00:00:00.000Z',
    costs: COST_FEATURES.map((f, i) => ({ event: f.name, unit: f.unit, ns: costs[i]!, stderr_ns: 0 })),
    fit: { rows: 0, r2: 1, rmse_ns: 0, median_abs_rel_error: 0 },
    rows: [],
  };
  const path = join(dir, name);
  writeFileSync(path, `${JSON.stringify(cal, null, 1)}\n`);
  return { path, costs };
}
