// Complexity-class fitting: exact series recover their class and coefficient, near-constant
// costs with a tiny linear term stay O(1), ±1% noise does not change the class, bad input throws.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { COMPLEXITY_CLASSES, type ComplexityClass, classChanged, classRank, fitComplexity } from '../../src/report/fit.ts';

/** n = 2^from, 2^(from+1), …, 2^to. */
function doublings(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => 2 ** (from + i));
}

function series(ns: readonly number[], f: (n: number) => number): { n: number; y: number }[] {
  return ns.map((n) => ({ n, y: f(n) }));
}

function assertRelClose(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} is not within ${rel} of ${expected}`);
}

const SWEEP = doublings(18, 33); // 1 GiB .. 32 TiB in 4 KiB pages

const EXACT: [ComplexityClass, number, (n: number) => number][] = [
  ['O(1)', 1200, () => 1200],
  ['O(log n)', 4, (n) => 4 * Math.log2(n)],
  ['O(n)', 3, (n) => 3 * n],
  ['O(n log n)', 5, (n) => 5 * n * Math.log2(n)],
  ['O(n^2)', 0.5, (n) => 0.5 * n * n],
];

describe('fitComplexity', () => {
  it('recovers the class and coefficient of exact series over n = 2^18..2^33', () => {
    for (const [cls, c, f] of EXACT) {
      const fit = fitComplexity(series(SWEEP, f));
      assert.equal(fit.cls, cls);
      assertRelClose(fit.coefficient, c, 1e-12, `${cls} coefficient`);
      assert.ok(fit.rms < 1e-12, `${cls} rms ${fit.rms}`);
      assert.deepEqual(
        fit.all.map((r) => r.cls),
        [...COMPLEXITY_CLASSES],
      );
    }
  });

  it('recovers classes on small n too (n = 1..64, where log2 1 = 0)', () => {
    const ns = Array.from({ length: 64 }, (_, i) => i + 1);
    for (const [cls, c, f] of EXACT) {
      const fit = fitComplexity(series(ns, f));
      assert.equal(fit.cls, cls);
      assertRelClose(fit.coefficient, c, 1e-12, `${cls} coefficient`);
    }
  });

  it('a nearly constant cost with a tiny linear term is O(1)', () => {
    // a range walk's reads over 1 GiB .. 32 TiB: 1200 plus one more read per 2^27 pages
    const fit = fitComplexity(series(SWEEP, (n) => 1200 + n / 2 ** 27));
    assert.equal(fit.cls, 'O(1)');
  });

  it('a linear cost with a constant offset is O(n)', () => {
    const fit = fitComplexity(series(SWEEP, (n) => 2 * n + 1000));
    assert.equal(fit.cls, 'O(n)');
    assertRelClose(fit.coefficient, 2, 1e-6, 'coefficient');
    assert.equal(fitComplexity(series(doublings(4, 20), (n) => 2 * n + 1000)).cls, 'O(n)');
  });

  it('y = 5·n·log2 n is O(n log n)', () => {
    const fit = fitComplexity(series(doublings(1, 30), (n) => 5 * n * Math.log2(n)));
    assert.equal(fit.cls, 'O(n log n)');
    assertRelClose(fit.coefficient, 5, 1e-12, 'coefficient');
  });

  it('is numerically safe for n up to 2^45 and y up to 1e12', () => {
    const big = doublings(30, 45);
    const lin = fitComplexity(series(big, (n) => n / 2 ** 16)); // y up to 2^29
    assert.equal(lin.cls, 'O(n)');
    assertRelClose(lin.coefficient, 2 ** -16, 1e-12, 'O(n) coefficient');
    const quad = fitComplexity(series(big, (n) => (n * n) / 2 ** 51)); // y up to 2^39 ≈ 5.5e11
    assert.equal(quad.cls, 'O(n^2)');
    assertRelClose(quad.coefficient, 2 ** -51, 1e-12, 'O(n^2) coefficient');
    const nlogn = fitComplexity(series(big, (n) => (n * Math.log2(n)) / 2 ** 40)); // y up to ≈ 1.4e6
    assert.equal(nlogn.cls, 'O(n log n)');
    const flat = fitComplexity(series(big, () => 1e12));
    assert.equal(flat.cls, 'O(1)');
    assertRelClose(flat.coefficient, 1e12, 1e-12, 'O(1) coefficient');
    for (const r of [...lin.all, ...quad.all, ...flat.all]) assert.ok(Number.isFinite(r.coefficient) && Number.isFinite(r.rms));
  });

  it('±1% multiplicative noise does not change the class', () => {
    const noise = fc.array(fc.double({ min: -0.01, max: 0.01, noNaN: true }), { minLength: SWEEP.length, maxLength: SWEEP.length });
    fc.assert(
      fc.property(fc.constantFrom(...EXACT), noise, ([cls, c, f], eps) => {
        const fit = fitComplexity(SWEEP.map((n, i) => ({ n, y: f(n) * (1 + eps[i]!) })));
        assert.equal(fit.cls, cls);
        assertRelClose(fit.coefficient, c, 0.01, `${cls} coefficient`);
      }),
      { numRuns: 300 },
    );
  });

  it('all-zero y is O(1) with coefficient 0 and rms 0', () => {
    const fit = fitComplexity([
      { n: 1, y: 0 },
      { n: 8, y: 0 },
    ]);
    assert.equal(fit.cls, 'O(1)');
    assert.equal(fit.coefficient, 0);
    assert.equal(fit.rms, 0);
  });

  it('ties go to the lower-order class', () => {
    // at n = 1, 2: log2 n = [0, 1] and n·log2 n = [0, 2] have the same shape, so y = [0, 3]
    // fits both exactly (rms 0); the lower-order O(log n) must win over O(n log n)
    const fit = fitComplexity([
      { n: 1, y: 0 },
      { n: 2, y: 3 },
    ]);
    assert.equal(fit.all[1]!.rms, 0);
    assert.equal(fit.all[3]!.rms, 0);
    assert.equal(fit.cls, 'O(log n)');
    assert.equal(fit.coefficient, 3);
  });

  it('invalid input throws a one-line RangeError', () => {
    const bad: { n: number; y: number }[][] = [
      [],
      [{ n: 4, y: 1 }],
      [
        { n: 4, y: 1 },
        { n: 4, y: 2 },
      ],
      [
        { n: 0, y: 1 },
        { n: 4, y: 2 },
      ],
      [
        { n: 0.5, y: 1 },
        { n: 4, y: 2 },
      ],
      [
        { n: 2, y: -1 },
        { n: 4, y: 2 },
      ],
      [
        { n: 2, y: Number.NaN },
        { n: 4, y: 2 },
      ],
      [
        { n: Number.POSITIVE_INFINITY, y: 1 },
        { n: 4, y: 2 },
      ],
    ];
    for (const points of bad) {
      assert.throws(
        () => fitComplexity(points),
        (e: unknown) => e instanceof RangeError && /^fitComplexity: /.test(e.message) && !e.message.includes('\n'),
        JSON.stringify(points),
      );
    }
  });
});

describe('classRank and classChanged', () => {
  it('ranks follow COMPLEXITY_CLASSES order', () => {
    assert.deepEqual(
      COMPLEXITY_CLASSES.map(classRank),
      [0, 1, 2, 3, 4],
    );
    assert.ok(classRank('O(n log n)') > classRank('O(n)'));
  });

  it('classChanged is true exactly for different classes', () => {
    for (const a of COMPLEXITY_CLASSES) for (const b of COMPLEXITY_CLASSES) assert.equal(classChanged(a, b), a !== b);
  });
});
