// The cost model's fit (ksmbench calibrate) on synthetic ksmd ops with known per-event costs:
// the costs come back, the prediction is the model's sum, and a file that is not a calibration
// of this model is refused in one line.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { COST_FEATURES, features, predictNs } from '../../src/calibrate/cost-model.ts';
import { fitCalibration, readCalibration } from '../../src/calibrate/calibration.ts';
import { type Counters, newCounters } from '../../src/mm/counters.ts';

const SITE = { kernel: 'synthetic', stack: 'v6.18', thp: null };
const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-calibrate-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A seeded LCG in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** ksmd-op counts with independent magnitudes, like the calibration scenarios' (scan reads up to 1e6, batches up to 200). */
function syntheticCounts(r: () => number): Counters {
  const c = newCounters();
  c.pt_reads_scan = Math.round(1e6 * r());
  c.pt_reads_lookup = Math.round(4e5 * r());
  c.pt_reads_merge = Math.round(1e5 * r());
  c.ptl_locks_scan = Math.round(3e5 * r()); // independent of the reads here, so its cost is identifiable (on real scenarios it tracks them)
  c.checksums = Math.round(5e4 * r());
  c.memcmps = Math.round(2e5 * r());
  c.pages_returned = Math.round(6e4 * r());
  c.pt_reads_unmerge_ksmd = Math.round(1e3 * r());
  c.ksmd_batches = 1 + Math.round(200 * r());
  return c;
}

describe('the cost model fit', () => {
  const truth = [24, 77, 330, 15, 1050, 170, 370, 900, 20000];

  it('recovers known per-event costs from synthetic ksmd ops (1 % noise), and predicts their sum', () => {
    assert.equal(truth.length, COST_FEATURES.length);
    const r = lcg(13);
    const rows = Array.from({ length: 80 }, (_, i) => {
      const counts = syntheticCounts(r);
      const exact = features(counts).reduce((s, x, k) => s + x * truth[k]!, 0);
      return { case: `synthetic ${i}`, scenario: 'synthetic', params: {}, op_index: 0, op: 'ops[0] (ksmd)', measured_ns: exact * (1 + 0.02 * (r() - 0.5)), counts };
    });
    const cal = fitCalibration(rows, SITE);
    const meanY = rows.reduce((s, x) => s + x.measured_ns, 0) / rows.length;
    for (const [k, c] of cal.costs.entries()) {
      const t = truth[k]!;
      const share = (t * rows.reduce((s, x) => s + features(x.counts)[k]!, 0)) / rows.length / meanY;
      assert.ok(c.ns >= 0);
      // every cost within 4 of its standard errors; the ones carrying ≥ 5 % of the time within 5 %
      assert.ok(Math.abs(c.ns - t) <= 4 * c.stderr_ns + 1e-9, `${c.event}: ${c.ns} ± ${c.stderr_ns} against ${t}`);
      if (share >= 0.05) assert.ok(Math.abs(c.ns - t) <= 0.05 * t, `${c.event} (${(100 * share).toFixed(0)} % of the time): ${c.ns} against ${t}`);
    }
    assert.ok(cal.fit.r2 > 0.999, `r² ${cal.fit.r2}`);
    assert.ok(cal.fit.median_abs_rel_error < 0.01, `median error ${cal.fit.median_abs_rel_error}`);
    assert.equal(cal.rows[0]!.predicted_ns, Math.round(predictNs(cal.costs.map((c) => c.ns), rows[0]!.counts)));
    assert.equal(predictNs(truth, rows[1]!.counts), features(rows[1]!.counts).reduce((s, x, k) => s + x * truth[k]!, 0));
  });

  it('is deterministic: the same rows give the same file', () => {
    const r = lcg(5);
    const rows = Array.from({ length: 30 }, (_, i) => {
      const counts = syntheticCounts(r);
      return { case: `s${i}`, scenario: 'synthetic', params: {}, op_index: 0, op: 'ops[0] (ksmd)', measured_ns: predictNs(truth, counts), counts };
    });
    const a = fitCalibration(rows, SITE);
    const b = fitCalibration(rows, SITE);
    assert.deepEqual({ ...a, created: '' }, { ...b, created: '' });
  });

  it('refuses too few ops, and a file that is not a calibration of this model, in one line', () => {
    assert.throws(() => fitCalibration([], SITE), /0 measured ksmd ops are too few to fit 9 costs/);
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'ksmbench-calibration/1', costs: [{ event: 'checksums' }] }));
    assert.throws(() => readCalibration(bad), /prices the events checksums; this ksmbench's model has pt_reads_scan,.*: calibrate again/);
    writeFileSync(bad, '{"format": "other"}');
    assert.throws(() => readCalibration(bad), /is not a calibration file \(format "other", expected "ksmbench-calibration\/1"\)/);
    assert.throws(() => readCalibration(join(tmp, 'missing.json')), /cannot be read as JSON \(ENOENT\)/);
  });
});
