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
import { checkCalibration, renderCheck } from '../../src/calibrate/check.ts';
import { buildCase } from '../../src/calibrate/strided.ts';
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

/**
 * ksmd-op counts with independent magnitudes, like the calibration scenarios' (scan reads up to
 * 1e6, batches up to 200), one counter set per feature (a feature's value is its counter's).
 */
const SYNTHETIC: Readonly<Record<string, { readonly counter: keyof Counters; readonly max: number; readonly truth: number }>> = {
  pt_reads_scan: { counter: 'pt_reads_scan', max: 1e6, truth: 24 },
  folio_walk_calls: { counter: 'folio_walk_calls', max: 5e5, truth: 30 },
  walk_range_calls: { counter: 'walk_range_calls', max: 6e4, truth: 60 },
  pt_reads_lookup: { counter: 'pt_reads_lookup', max: 4e5, truth: 77 },
  pt_reads_merge: { counter: 'pt_reads_merge', max: 1e5, truth: 330 },
  ptl_locks: { counter: 'ptl_locks_scan', max: 3e5, truth: 15 }, // independent of the reads here, so its cost is identifiable (on real scenarios it tracks them)
  checksums: { counter: 'checksums', max: 5e4, truth: 1050 },
  memcmps: { counter: 'memcmps', max: 2e5, truth: 170 },
  memcmp_bytes: { counter: 'memcmp_bytes', max: 4e8, truth: 0.25 },
  pages_scanned: { counter: 'pages_returned', max: 6e4, truth: 370 },
  rmap_items: { counter: 'rmap_items_allocated', max: 3e4, truth: 450 },
  thp_split_pages: { counter: 'thp_split_pages', max: 2e4, truth: 40 },
  split_zero_remapped: { counter: 'split_zero_remapped', max: 2e4, truth: 300 },
  break_cow_reads: { counter: 'pt_reads_unmerge_ksmd', max: 1e3, truth: 900 },
  batches: { counter: 'ksmd_batches', max: 200, truth: 20000 },
};

function syntheticCounts(r: () => number): Counters {
  const c = newCounters();
  for (const f of COST_FEATURES) {
    const { counter, max } = SYNTHETIC[f.name]!;
    c[counter] = Math.round(max * r()) + (counter === 'ksmd_batches' ? 1 : 0);
  }
  return c;
}

describe('the cost model fit', () => {
  const truth = COST_FEATURES.map((f) => SYNTHETIC[f.name]!.truth);

  it('recovers known per-event costs from synthetic ksmd ops (1 % noise), and predicts their sum', () => {
    assert.deepEqual(Object.keys(SYNTHETIC), COST_FEATURES.map((f) => f.name), 'a synthetic counter for every feature');
    for (const f of COST_FEATURES) {
      const c = newCounters();
      c[SYNTHETIC[f.name]!.counter] = 7;
      assert.equal(f.of(c), 7, `${f.name} is its synthetic counter`);
    }
    const r = lcg(13);
    const rows = Array.from({ length: 120 }, (_, i) => {
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
    assert.throws(() => fitCalibration([], SITE), new RegExp(`0 measured ksmd ops are too few to fit ${COST_FEATURES.length} costs`));
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'ksmbench-calibration/1', costs: [{ event: 'checksums' }] }));
    assert.throws(() => readCalibration(bad), /prices the events checksums; this ksmbench's model has pt_reads_scan,.*: calibrate again/);
    writeFileSync(bad, '{"format": "other"}');
    assert.throws(() => readCalibration(bad), /is not a calibration file \(format "other", expected "ksmbench-calibration\/1"\)/);
    assert.throws(() => readCalibration(join(tmp, 'missing.json')), /cannot be read as JSON \(ENOENT\)/);
    const costs = COST_FEATURES.map((f) => ({ event: f.name, unit: '', ns: f.name === 'checksums' ? -1 : 1, stderr_ns: 0 }));
    writeFileSync(bad, JSON.stringify({ format: 'ksmbench-calibration/1', kernel: 'k', created: 'c', costs }));
    const k = COST_FEATURES.findIndex((f) => f.name === 'checksums');
    assert.throws(() => readCalibration(bad), new RegExp(`costs\\[${k}\\]\\.ns is not a number ≥ 0`));
    writeFileSync(bad, JSON.stringify({ format: 'ksmbench-calibration/1', costs: costs.map((c) => ({ ...c, ns: 1 })) }));
    assert.throws(() => readCalibration(bad), /does not say which kernel it was made on and when \("kernel", "created"\)/);
  });
});

describe('the check of a calibration', () => {
  const op = (c: string, i: number, measured: number, checksums: number) => {
    const counts = newCounters();
    counts.checksums = checksums;
    return { case: c, scenario: 's', params: {}, op_index: i, op: `ops[${i}] (ksmd)`, measured_ns: measured, counts };
  };
  // checksums priced 1000 ns: predictions 10 ms, 6 ms, 2 ms and 1 ms
  const costs = COST_FEATURES.map((f) => (f.name === 'checksums' ? 1000 : 0));

  it('holds the ops of ≥ 5 ms to ±25 %, and ranks the cases by their summed ops (replays averaged)', () => {
    const r = checkCalibration(costs, [
      op('a', 1, 8e6, 10_000), // +25 %: within
      op('a', 1, 12e6, 10_000), // -16.7 %: within (a: measured 10 ms on average)
      op('a', 2, 1e6, 1000), // 0 %, under 5 ms
      op('b', 1, 4.5e6, 6000), // +33 %, under 5 ms: not held
      op('b', 2, 5e6, 2000), // -60 %: held, outside
      op('c', 1, 30e6, 1000), // c: measured the most, predicted the least
    ]);
    assert.deepEqual(
      r.rows.map((x) => Math.round(1000 * x.error) / 1000),
      [0.25, -0.167, 0, 0.333, -0.6, -0.967],
    );
    assert.deepEqual({ held: r.held, within: r.within }, { held: 4, within: 2 });
    assert.deepEqual(r.configurations, [
      { case: 'a', measured_ns: 11e6, predicted_ns: 11e6 },
      { case: 'b', measured_ns: 9.5e6, predicted_ns: 8e6 },
      { case: 'c', measured_ns: 30e6, predicted_ns: 1e6 },
    ]);
    // a > b both ways; c is first measured and last predicted: 1 of 3 pairs alike
    assert.deepEqual({ pairs: r.pairs, concordant: r.concordant }, { pairs: 3, concordant: 1 });
    assert.match(renderCheck(r), /2 of 4 ksmd ops of ≥ 5 ms predicted within ±25 %; median \|error\| 33\.3 %\n/);
    assert.match(renderCheck(r), /1 of 3 pairs of configurations ranked alike by predicted and by measured time\n$/);
  });
});

describe("the calibration's strided scenario", () => {
  it('populates one page every stride pages and refuses a layout that does not fit, naming it', () => {
    const s = buildCase({ scenario: 'strided', params: { size: '8MiB', pages: 3, stride: 1000 } });
    assert.deepEqual(
      s.ops.filter((o) => o.op === 'write').map((o) => (o.op === 'write' ? o.from : -1)),
      [0, 1000, 2000],
    );
    assert.deepEqual(s.params, { size: '8MiB', pages: 3, stride: 1000, full_scans: 2 });
    assert.throws(() => buildCase({ scenario: 'strided', params: { size: '4MiB', pages: 3, stride: 1024 } }), /strided: pages=3 one every stride=1024 pages do not fit in size=1024 pages \(accepted: \(pages - 1\) × stride < size\)/);
  });
});
