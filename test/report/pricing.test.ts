// Predictions on every run (issue "Prediction on every run"): a priced suite's records carry
// predicted_ksmd_ns(_per_scan) = predictRun over their ksmd ops' counts; result files keep them
// and the calibration; compare and gate compare them like counters, only between results
// priced by the same calibration file.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { loadCalibration, predictRun } from '../../src/calibrate/predict.ts';
import { mergeSets } from '../../src/cli/merge.ts';
import { UsageError } from '../../src/cli/errors.ts';
import { configOfLabel } from '../../src/harness/config.ts';
import { executeScenario } from '../../src/harness/execute.ts';
import { parseParamsString, predictionFields, type ResultSet, type RunRecord, toRows } from '../../src/harness/results.ts';
import { runSuite } from '../../src/harness/run-suite.ts';
import { selectSuite } from '../../src/harness/suite.ts';
import { compareByStack, compareSets } from '../../src/report/compare.ts';
import { readResultFile, writeResultFiles } from '../../src/report/files.ts';
import { defaultRule, violations } from '../../src/report/gate.ts';
import { pricingNote, samePricing } from '../../src/report/pricing.ts';
import { writeCalibration } from '../support/calibration.ts';
import { ROOT } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'ksmbench-pricing-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const suite = selectSuite({ scenarios: ['mremap-remerge', 'split-after-merge'], params: {}, stacks: ['v6.18', 'rmap-v8'], variants: {}, seed: 1 });
const calA = writeCalibration(dir, 'a.json', 7);
const calB = writeCalibration(dir, 'b.json', 11);
let priced: ResultSet;
let pricedB: ResultSet;
let unpriced: ResultSet;

before(async () => {
  priced = await runSuite(suite, { timing: null, dir, calibration: loadCalibration(calA.path) });
  pricedB = await runSuite(suite, { timing: null, dir, calibration: loadCalibration(calB.path) });
  unpriced = await runSuite(suite, { timing: null, dir });
});

/** `set` with run 0's prediction moved by 1 ns. */
function moved(set: ResultSet): ResultSet {
  return { ...set, runs: set.runs.map((r, i) => (i === 0 ? { ...r, predicted_ksmd_ns: r.predicted_ksmd_ns! + 1 } : r)) };
}

describe('a priced suite', () => {
  it('names its calibration: the path as given, the sha256 of its bytes, kernel and created', () => {
    assert.deepEqual(priced.calibration, {
      path: calA.path,
      sha256: createHash('sha256').update(readFileSync(calA.path)).digest('hex'),
      kernel: '6.18-synthetic-x7',
      created: '2026-12-02T00:00:00.000Z',
    });
    assert.equal(unpriced.calibration, undefined);
    assert.ok(unpriced.runs.every((r) => r.predicted_ksmd_ns === undefined && r.predicted_ksmd_ns_per_scan === undefined));
  });

  it('prices each run as predictRun over the ksmd counts of an independent execution', () => {
    for (const r of priced.runs) {
      const again = executeScenario(buildScenario(r.scenario, parseParamsString(r.params), r.seed), configOfLabel(r.stack));
      const want = predictRun(calA.costs, again.ksmdCounts, again.counters.full_scans);
      assert.ok(want.ksmd_ns > 0 && want.ksmd_ns_per_scan !== null, `${r.scenario} × ${r.stack} did ksmd work and full scans`);
      assert.equal(r.predicted_ksmd_ns, want.ksmd_ns, `${r.scenario} × ${r.stack}`);
      assert.equal(r.predicted_ksmd_ns_per_scan, want.ksmd_ns_per_scan, `${r.scenario} × ${r.stack}`);
    }
    // other costs, other predictions: the costs are what is read
    assert.notEqual(pricedB.runs[0]!.predicted_ksmd_ns, priced.runs[0]!.predicted_ksmd_ns);
  });

  it('has no per-scan prediction without a full scan (no field, no CSV row)', () => {
    const f = predictionFields({ ksmd_ns: 1234, ksmd_ns_per_scan: null });
    assert.deepEqual(f, { predicted_ksmd_ns: 1234 });
    const set: ResultSet = { ...priced, runs: [{ ...priced.runs[0]!, predicted_ksmd_ns_per_scan: undefined, ...f } as RunRecord] };
    const metrics = toRows(set).map((r) => r.metric);
    assert.ok(metrics.includes('predicted_ksmd_ns') && !metrics.includes('predicted_ksmd_ns_per_scan'));
    assert.equal(toRows(set).find((r) => r.metric === 'predicted_ksmd_ns')!.unit, 'ns');
  });
});

describe('result files', () => {
  it('keep the predictions (CSV rows, JSON fields) and the calibration (JSON); a CSV alone restores the values', () => {
    const { csv, json } = writeResultFiles(join(dir, 'priced'), priced);
    const back = readResultFile(json);
    assert.deepEqual(back.calibration, priced.calibration);
    assert.deepEqual(back.runs.map((r) => [r.predicted_ksmd_ns, r.predicted_ksmd_ns_per_scan]), priced.runs.map((r) => [r.predicted_ksmd_ns, r.predicted_ksmd_ns_per_scan]));
    rmSync(json);
    const fromCsv = readResultFile(csv);
    assert.equal(fromCsv.calibration, undefined, 'the CSV holds values only');
    assert.deepEqual(fromCsv.runs.map((r) => [r.predicted_ksmd_ns, r.predicted_ksmd_ns_per_scan]), priced.runs.map((r) => [r.predicted_ksmd_ns, r.predicted_ksmd_ns_per_scan]));
    // unnamed, so never compared
    assert.equal(compareSets(fromCsv, fromCsv).filter((d) => d.metric.startsWith('predicted_')).length, 0);
    assert.match(pricingNote(fromCsv, priced)!, /a calibration it does not name/);
  });

  it('written before predictions still read: the committed baseline without its prediction rows', () => {
    const lines = readFileSync(join(ROOT, 'results', 'baseline.csv'), 'utf8').split('\n');
    const old = join(dir, 'unpriced.csv');
    writeFileSync(old, lines.filter((l) => !/,predicted_ksmd_ns(_per_scan)?,/.test(l)).join('\n'));
    const base = readResultFile(old);
    assert.equal(base.calibration, undefined);
    assert.ok(base.runs.length > 0 && base.runs.every((r) => r.predicted_ksmd_ns === undefined && r.predicted_ksmd_ns_per_scan === undefined));
    assert.equal(base.runs.length, readResultFile(join(ROOT, 'results', 'baseline.csv')).runs.length);
  });

  it('merge refuses results priced by different calibrations, or priced and not', () => {
    const half = (s: ResultSet, k: number): ResultSet => ({ ...s, runs: s.runs.filter((_, i) => i % 2 === k) });
    assert.deepEqual(mergeSets([half(priced, 0), half(priced, 1)]).calibration, priced.calibration);
    assert.throws(() => mergeSets([half(priced, 0), half(pricedB, 1)]), (e: Error) => e instanceof UsageError && /file 1 was priced by calibration .*a\.json.*, file 2 by calibration .*b\.json/.test(e.message));
    assert.throws(() => mergeSets([half(priced, 0), half(unpriced, 1)]), (e: Error) => e instanceof UsageError && /file 2 by no calibration/.test(e.message));
  });
});

describe('compare and gate', () => {
  it('compare the predictions like counters when both sides have the same calibration', () => {
    assert.ok(samePricing(priced, moved(priced)));
    const diffs = compareSets(priced, moved(priced)).filter((d) => d.metric === 'predicted_ksmd_ns');
    assert.equal(diffs.length, priced.runs.length);
    assert.deepEqual(diffs.map((d) => d.status), ['changed', ...priced.runs.slice(1).map(() => 'same')]);
    assert.equal(pricingNote(priced, moved(priced)), null);
    assert.ok(compareByStack(priced).some((d) => d.metric === 'predicted_ksmd_ns'));
  });

  it('the gate flags a changed prediction (default rule equal)', () => {
    assert.equal(defaultRule('predicted_ksmd_ns'), 'equal');
    assert.equal(defaultRule('predicted_ksmd_ns_per_scan'), 'equal');
    const bad = violations(compareSets(moved(priced), priced), { rules: {}, timing: { alpha: 0.01, threshold: 0.05 } });
    assert.equal(bad.length, 1);
    assert.equal(bad[0]!.diff.metric, 'predicted_ksmd_ns');
    assert.equal(bad[0]!.rule, 'equal');
  });

  it('leave them out between different calibrations, or when one side has none, and say so in one line', () => {
    for (const [a, b] of [[priced, pricedB], [unpriced, priced], [priced, unpriced]] as const) {
      const diffs = compareSets(a, b);
      assert.equal(diffs.filter((d) => d.metric.startsWith('predicted_')).length, 0);
      assert.equal(violations(diffs, { rules: {}, timing: { alpha: 0.01, threshold: 0.05 } }).length, 0, 'not a failure');
      const note = pricingNote(a, b, { old: 'the baseline', new: 'this run' });
      assert.ok(note !== null && !note.includes('\n'), String(note));
      assert.match(note, /^predicted_ksmd_ns and predicted_ksmd_ns_per_scan not compared: the baseline (was not priced|was priced by calibration \S+ \(sha256:[0-9a-f]{12}, 6\.18-synthetic-x\d+\)), this run /);
    }
    assert.equal(pricingNote(unpriced, unpriced), null, 'nothing priced, nothing to say');
    assert.equal(compareByStack(unpriced).filter((d) => d.metric.startsWith('predicted_')).length, 0);
  });
});
