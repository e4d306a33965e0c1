// The committed default calibration (calibration/default.json, made on the project machine's
// 6.18 with ksmbench calibrate) is the fit of its own measured ops under this engine and model:
// its ops' counts made again and refitted give the same costs and predictions. When the engine's
// counts or the model's events change, this fails: refit it (calibrate --refit) in its own commit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { costsOf, fitCalibration, readCalibration } from '../../src/calibrate/calibration.ts';
import { type CalibrationCheck, checkCalibration, renderCheck } from '../../src/calibrate/check.ts';
import { calibrationReport } from '../../src/calibrate/report.ts';
import { COST_FEATURES } from '../../src/calibrate/cost-model.ts';
import { countOps } from '../../src/calibrate/measure.ts';
import { DEFAULT_CALIBRATION } from '../../src/calibrate/predict.ts';

describe('the default calibration', () => {
  const cal = readCalibration(DEFAULT_CALIBRATION);

  it('prices every event of the model, measured on a real kernel', () => {
    assert.deepEqual(cal.costs.map((c) => c.event), COST_FEATURES.map((f) => f.name));
    assert.ok(cal.rows.length >= 3 * COST_FEATURES.length, `${cal.rows.length} ops`);
    assert.ok(cal.costs.every((c) => Number.isFinite(c.ns) && c.ns >= 0));
  });

  it('is the fit of its own ops: refitted under this engine, the same costs and predictions', () => {
    const site = { kernel: cal.kernel, stack: cal.stack, thp: cal.thp, ...(cal.vm ? { vm: cal.vm } : {}) };
    const again = fitCalibration(countOps(cal.rows, site), site, cal.machine, cal.created);
    assert.deepEqual(again.costs, cal.costs);
    assert.deepEqual(again.fit, cal.fit);
    assert.deepEqual(again.rows, cal.rows);
  });
});

describe('the default calibration’s report and the README', () => {
  const cal = readCalibration(DEFAULT_CALIBRATION);
  const checkPath = new URL('../../calibration/default-check.json', import.meta.url).pathname;
  const check = JSON.parse(readFileSync(checkPath, 'utf8')) as CalibrationCheck;
  const result = checkCalibration(costsOf(cal), countOps(check.rows, check));

  it('calibration/REPORT.md is the report of the committed files (calibrate --check … --measured … --report)', () => {
    const report = readFileSync(new URL('../../calibration/REPORT.md', import.meta.url), 'utf8');
    assert.equal(report, calibrationReport(cal, 'calibration/default.json', { result, path: 'calibration/default-check.json', kernel: check.kernel }));
  });

  it('the README shows the check of the committed measurements', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const text = renderCheck(result);
    assert.ok(readme.includes(text), 'the README’s calibrate --check block is not the check of calibration/default-check.json');
  });
});
