// Timing statistics: hand-checked Mann-Whitney values, symmetry properties, and the
// acceptance property — no false 'slower' on A/A runs, reliable detection of a 10% slowdown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareTimings, mannWhitneyU, mean, median, normalCdf, quantile } from '../../src/report/stats.ts';

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} differs from ${expected} by more than ${tol}`);
}

/** mulberry32: a small deterministic 32-bit PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates by Box-Muller. */
function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** `count` lognormal-ish times: median `medianNs`, multiplicative noise of about `noise`. */
function timings(normal: () => number, count: number, medianNs: number, noise: number): number[] {
  return Array.from({ length: count }, () => medianNs * Math.exp(noise * normal()));
}

describe('order statistics', () => {
  it('median, mean and quantile work on a sorted copy', () => {
    const xs = [5, 1, 4, 2, 3];
    assert.equal(median(xs), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(mean(xs), 3);
    assert.equal(quantile(xs, 0), 1);
    assert.equal(quantile(xs, 1), 5);
    assert.equal(quantile(xs, 0.5), 3);
    assert.equal(quantile([10, 20], 0.25), 12.5); // h = 0.25: 10 + 0.25·(20 − 10)
    assert.equal(quantile([1, 2, 3, 4], 0.9), 3.7); // h = 2.7: 3 + 0.7·1
    assert.equal(quantile([7], 0.3), 7);
    assert.deepEqual(xs, [5, 1, 4, 2, 3]); // input untouched
  });

  it('empty input throws a RangeError naming the function', () => {
    assert.throws(() => median([]), { name: 'RangeError', message: /median/ });
    assert.throws(() => mean([]), { name: 'RangeError', message: /mean/ });
    assert.throws(() => quantile([], 0.5), { name: 'RangeError', message: /quantile/ });
    assert.throws(() => quantile([1], 1.5), RangeError);
  });

  it('quantile is monotone in q and lies between min and max', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 30 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, q1, q2) => {
        const [lo, hi] = q1 <= q2 ? [q1, q2] : [q2, q1];
        assert.ok(quantile(xs, lo) <= quantile(xs, hi));
        assert.ok(quantile(xs, lo) >= Math.min(...xs) && quantile(xs, hi) <= Math.max(...xs));
      }),
    );
  });
});

describe('normalCdf', () => {
  it('matches reference values (scipy.stats.norm.cdf) to well under 1e-7', () => {
    const ref: [number, number][] = [
      [0, 0.5],
      [-1, 0.15865525393145707],
      [-1.96, 0.024997895148220435],
      [-3, 0.0013498980316300933],
      [-5, 2.866515718791933e-7],
      [-8, 6.22096057427174e-16],
      [-10, 7.61985302416047e-24],
      [2.5, 0.9937903346742238],
    ];
    for (const [x, p] of ref) close(normalCdf(x), p, 1e-14, `Φ(${x})`);
    close(normalCdf(-8) / 6.22096057427174e-16, 1, 1e-6, 'relative Φ(-8)'); // tails stay accurate relatively too
    assert.equal(normalCdf(-40), 0);
    assert.equal(normalCdf(40), 1);
  });
});

describe('mannWhitneyU', () => {
  it('no ties: a = [1,2,3], b = [4,5]', () => {
    // ranks: 1→1, 2→2, 3→3 (a); 4→4, 5→5 (b). R_b = 9, U_b = 9 − 2·3/2 = 6 = |a|·|b|.
    // μ = 3, σ² = 2·3/12 · 6 = 3, z = (6 − 3 − 0.5)/√3 = 1.4433756…
    const r = mannWhitneyU([1, 2, 3], [4, 5]);
    assert.equal(r.u, 6);
    close(r.z, 2.5 / Math.sqrt(3), 1e-15, 'z');
    close(r.pGreater, 0.07445733658938286, 1e-12, 'pGreater'); // scipy mannwhitneyu(b, a, 'greater', asymptotic)
    close(r.pTwoSided, 0.14891467317876572, 1e-12, 'pTwoSided');
  });

  it('ties get average ranks and the tie-corrected variance: a = [1,2,2,3], b = [2,3,4]', () => {
    // sorted: 1a 2a 2a 2b 3a 3b 4b; ranks: 1 → 1; the three 2s share (2+3+4)/3 = 3; the two 3s share 5.5; 4 → 7.
    // R_b = 3 + 5.5 + 7 = 15.5, U_b = 15.5 − 3·4/2 = 9.5 (pairwise: 1.5 + 3.5 + 4).
    // Σ(t³ − t) = 24 + 6 = 30, σ² = 12/12 · (8 − 30/42) = 7.2857…, z = (9.5 − 6 − 0.5)/σ.
    const r = mannWhitneyU([1, 2, 2, 3], [2, 3, 4]);
    assert.equal(r.u, 9.5);
    close(r.z, 3 / Math.sqrt(8 - 30 / 42), 1e-15, 'z');
    close(r.pGreater, 0.13318996167124125, 1e-12, 'pGreater');
    close(r.pTwoSided, 0.2663799233424825, 1e-12, 'pTwoSided');
  });

  it('interleaved: a = [3.1,1.4,2.7,5.0], b = [4.2,6.3,0.5]', () => {
    // sorted: 0.5b 1.4a 2.7a 3.1a 4.2b 5.0a 6.3b → R_b = 1 + 5 + 7 = 13, U_b = 13 − 6 = 7.
    // μ = 6, σ² = 12/12 · 8 = 8, z = 0.5/√8.
    const r = mannWhitneyU([3.1, 1.4, 2.7, 5.0], [4.2, 6.3, 0.5]);
    assert.equal(r.u, 7);
    close(r.pGreater, 0.4298418975993331, 1e-12, 'pGreater');
    close(r.pTwoSided, 0.8596837951986662, 1e-12, 'pTwoSided');
  });

  it('all values tied: no evidence either way', () => {
    const r = mannWhitneyU([2, 2], [2, 2, 2]);
    assert.deepEqual(r, { u: 3, z: 0, pTwoSided: 1, pGreater: 1 });
  });

  it('an empty sample throws RangeError', () => {
    assert.throws(() => mannWhitneyU([], [1]), { name: 'RangeError', message: /mannWhitneyU/ });
    assert.throws(() => mannWhitneyU([1], []), RangeError);
  });

  it('u equals the pairwise count (ties ½), and swapping samples mirrors it', () => {
    const sample = fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 25 });
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        let pairs = 0;
        for (const x of a) for (const y of b) pairs += y > x ? 1 : y === x ? 0.5 : 0;
        const ab = mannWhitneyU(a, b);
        const ba = mannWhitneyU(b, a);
        assert.equal(ab.u, pairs);
        assert.equal(ab.u + ba.u, a.length * b.length);
        assert.equal(ab.z + ba.z, 0);
        assert.equal(ab.pTwoSided, ba.pTwoSided);
        assert.ok(ab.pGreater >= 0 && ab.pGreater <= 1 && ab.pTwoSided >= 0 && ab.pTwoSided <= 1);
      }),
    );
  });

  it('without ties, pGreater(a,b) ≈ 1 − pGreater(b,a) up to the continuity correction', () => {
    // The two one-sided p-values overlap by Φ(d+½ / σ) − Φ(d−½ / σ) ≤ 1/(σ√(2π)).
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 2, maxLength: 80 }), fc.integer({ min: 1, max: 79 }), (values, cut) => {
        const k = Math.min(cut, values.length - 1);
        const a = values.slice(0, k);
        const b = values.slice(k);
        const n = a.length + b.length;
        const sigma = Math.sqrt((a.length * b.length * (n + 1)) / 12);
        const excess = mannWhitneyU(a, b).pGreater + mannWhitneyU(b, a).pGreater - 1;
        assert.ok(excess >= -1e-12 && excess <= 1 / (sigma * Math.sqrt(2 * Math.PI)) + 1e-12, `excess ${excess}`);
      }),
    );
  });
});

describe('compareTimings', () => {
  const MEDIAN_NS = 1e6;
  const NOISE = 0.03;
  const TRIALS = 20;
  const SAMPLES = 30;

  function verdicts(seed: number, slowdown: number): string[] {
    const normal = gaussian(mulberry32(seed));
    return Array.from({ length: TRIALS }, () => {
      const base = timings(normal, SAMPLES, MEDIAN_NS, NOISE);
      const head = timings(normal, SAMPLES, MEDIAN_NS * slowdown, NOISE);
      return compareTimings(base, head).verdict;
    });
  }
  const count = (vs: string[], v: string): number => vs.filter((x) => x === v).length;

  it('A/A: 20 comparisons of 30 vs 30 from one distribution give no slower verdict', () => {
    const vs = verdicts(0xa11ce, 1);
    assert.equal(count(vs, 'slower'), 0);
    assert.equal(count(vs, 'faster'), 0);
  });

  it('head 10% slower is called slower in at least 19 of 20 comparisons', () => {
    assert.ok(count(verdicts(0xb0b, 1.1), 'slower') >= 19);
  });

  it('head 2% slower (below the 5% threshold) is never called slower', () => {
    assert.equal(count(verdicts(0xc0ffee, 1.02), 'slower'), 0);
  });

  it('head 10% faster is called faster', () => {
    assert.ok(count(verdicts(0xd00d, 1 / 1.1), 'faster') >= 19);
  });

  it('reports medians, ratio and both one-sided p-values', () => {
    const r = compareTimings([10, 11, 12, 13, 14, 15, 16, 17, 18, 19], [20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    assert.equal(r.baseMedian, 14.5);
    assert.equal(r.headMedian, 24.5);
    assert.equal(r.ratio, 24.5 / 14.5);
    assert.ok(r.pSlower < 0.001 && r.pFaster > 0.999);
    assert.equal(r.verdict, 'slower');
    // the same samples, but a threshold the difference does not exceed
    assert.equal(compareTimings([10, 11, 12, 13, 14, 15, 16, 17, 18, 19], [20, 21, 22, 23, 24, 25, 26, 27, 28, 29], { threshold: 1 }).verdict, 'same');
    // a large ratio on too few samples is not significant at alpha = 0.01
    assert.equal(compareTimings([10, 11], [20, 21]).verdict, 'same');
  });

  it('rejects bad options and a non-positive base median', () => {
    assert.throws(() => compareTimings([1], [1], { alpha: 0 }), RangeError);
    assert.throws(() => compareTimings([1], [1], { threshold: -0.1 }), RangeError);
    assert.throws(() => compareTimings([0, 0, 0], [1, 2, 3]), RangeError);
    assert.throws(() => compareTimings([], [1]), { name: 'RangeError', message: /median/ });
  });
});
