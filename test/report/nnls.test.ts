// Non-negative least squares (issue 13): hand-solved cases, recovery of known coefficients
// whose columns span 10^2 … 10^9, the clamp of a coefficient the unconstrained fit makes
// negative, weights, standard errors and the errors on bad input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nnls } from '../../src/report/nnls.ts';

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not within ${tol} of ${expected}`);
}

function closeAll(actual: readonly number[], expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((e, i) => close(actual[i] ?? NaN, e, tol, `${what}[${i}]`));
}

/** A seeded LCG (Numerical Recipes' constants) giving uniform values in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// Six features whose magnitudes span 10^2 … 10^9 (as the simulator's counts do), 40 rows.
const MAGNITUDES = [1e6, 1e9, 1e5, 1e7, 1e2, 1e6];
const TRUE_COEF = [3.5, 0, 120, 0.8, 0, 17];

function synthetic(noise: number): { X: number[][]; y: number[] } {
  const rand = lcg(13);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 40; i++) {
    const row = MAGNITUDES.map((m) => m * (0.1 + rand()));
    X.push(row);
    const exact = row.reduce((s, v, j) => s + v * (TRUE_COEF[j] ?? 0), 0);
    y.push(exact + noise * (2 * rand() - 1));
  }
  return { X, y };
}

/** Least squares by the normal equations and Gaussian elimination with partial pivoting (an independent check). */
function solveNormal(A: readonly (readonly number[])[], y: readonly number[]): number[] | null {
  const k = A[0]?.length ?? 0;
  const M = Array.from({ length: k }, (_, p) => [
    ...Array.from({ length: k }, (_, q) => A.reduce((s, row) => s + (row[p] ?? NaN) * (row[q] ?? NaN), 0)),
    A.reduce((s, row, i) => s + (row[p] ?? NaN) * (y[i] ?? NaN), 0),
  ]);
  for (let p = 0; p < k; p++) {
    let pivot = p;
    for (let r = p + 1; r < k; r++) if (Math.abs(M[r]?.[p] ?? 0) > Math.abs(M[pivot]?.[p] ?? 0)) pivot = r;
    const rowP = M[pivot];
    if (rowP === undefined || Math.abs(rowP[p] ?? 0) < 1e-12) return null;
    M[pivot] = M[p] ?? [];
    M[p] = rowP;
    for (let r = 0; r < k; r++) {
      const row = M[r];
      if (r === p || row === undefined) continue;
      const f = (row[p] ?? NaN) / (rowP[p] ?? NaN);
      for (let q = p; q <= k; q++) row[q] = (row[q] ?? NaN) - f * (rowP[q] ?? NaN);
    }
  }
  return Array.from({ length: k }, (_, p) => (M[p]?.[k] ?? NaN) / (M[p]?.[p] ?? NaN));
}

describe('nnls', () => {
  it('solves a square system exactly (2 × 2 by hand: 2a + b = 5, a + 3b = 10 → a = 1, b = 3)', () => {
    const fit = nnls(
      [
        [2, 1],
        [1, 3],
      ],
      [5, 10],
    );
    closeAll(fit.coef, [1, 3], 1e-12, 'coef');
    closeAll(fit.residuals, [0, 0], 1e-12, 'residuals');
    assert.deepEqual(fit.active, [true, true]);
    close(fit.rmse, 0, 1e-12, 'rmse');
    close(fit.r2, 1, 1e-12, 'r2');
    // rows (2) ≤ active (2): no degrees of freedom left for the residual variance.
    assert.ok(fit.stderr.every(Number.isNaN), `stderr ${fit.stderr.join(', ')}`);
  });

  it('an overdetermined fit solved by hand (3 × 2): coef 4/3, 7/3; residuals ∓1/3; r2 13/14; stderr √2/3', () => {
    // XᵀX = [[2,1],[1,2]], Xᵀy = [5,6] → c = [4/3, 7/3]; SS_res = 1/3, SS_tot = 14/3;
    // σ² = (1/3)/(3 − 2); diag (XᵀX)⁻¹ = 2/3 → stderr = √(2/9).
    const fit = nnls(
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      [1, 2, 4],
    );
    closeAll(fit.coef, [4 / 3, 7 / 3], 1e-12, 'coef');
    closeAll(fit.residuals, [-1 / 3, -1 / 3, 1 / 3], 1e-12, 'residuals');
    close(fit.rmse, 1 / 3, 1e-12, 'rmse');
    close(fit.r2, 13 / 14, 1e-12, 'r2');
    closeAll(fit.stderr, [Math.sqrt(2) / 3, Math.sqrt(2) / 3], 1e-12, 'stderr');
    assert.deepEqual(fit.active, [true, true]);
  });

  it('clamps a coefficient the unconstrained fit makes negative, at the constrained optimum', () => {
    // y = 4 − n exactly, unconstrained; with c ≥ 0 the slope is held at 0 and the intercept is
    // mean(y) = 2 (residuals 1, 0, −1, SS 2; the slope's gradient Σ n·r = 1 − 3 < 0, so KKT
    // holds; the other face, slope alone, gives 5/7 with SS 336/49 > 2).
    const X = [
      [1, 1],
      [1, 2],
      [1, 3],
    ];
    const y = [3, 2, 1];
    const fit = nnls(X, y);
    closeAll(fit.coef, [2, 0], 1e-12, 'coef');
    assert.equal(fit.coef[1], 0, 'the clamped coefficient is exactly 0');
    assert.deepEqual(fit.active, [true, false]);
    closeAll(fit.residuals, [1, 0, -1], 1e-12, 'residuals');
    close(fit.r2, 0, 1e-12, 'r2 (the mean explains nothing beyond itself)');
    // σ² = 2 / (3 − 1) = 1, (XᵀX)⁻¹ on column 0 alone = 1/3.
    closeAll(fit.stderr, [1 / Math.sqrt(3), 0], 1e-12, 'stderr');
  });

  it('weights move the fit towards the heavier rows', () => {
    const X = [[1], [1]];
    const y = [1, 3];
    closeAll(nnls(X, y).coef, [2], 1e-12, 'unweighted: the mean');
    const heavy = nnls(X, y, { weights: [3, 1] });
    closeAll(heavy.coef, [1.5], 1e-12, 'weights 3, 1: (3·1 + 1·3) / 4');
    closeAll(heavy.residuals, [-0.5, 1.5], 1e-12, 'residuals are unweighted');
    closeAll(nnls(X, y, { weights: [1, 0] }).coef, [1], 1e-12, 'a zero weight drops its row');
    // Two columns: the zero-weight row (which alone would pull c₁ up) is ignored, leaving the
    // 2 × 2 exact system of rows 0 and 1.
    const two = nnls(
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      [1, 2, 10],
      { weights: [1, 1, 0] },
    );
    closeAll(two.coef, [1, 2], 1e-12, 'coef');
    closeAll(two.residuals, [0, 0, 7], 1e-12, 'residuals');
  });

  it('recovers known coefficients exactly from noiseless data whose columns span 10^2 … 10^9', () => {
    const { X, y } = synthetic(0);
    const fit = nnls(X, y);
    TRUE_COEF.forEach((c, j) => close(fit.coef[j] ?? NaN, c, 1e-9 * Math.max(1, c), `coef[${j}]`));
    assert.deepEqual(fit.active, [true, false, true, true, false, true]);
    assert.equal(fit.coef[1], 0);
    assert.equal(fit.coef[4], 0);
    close(fit.r2, 1, 1e-12, 'r2');
    // A noiseless exact fit: every standard error is (numerically) 0 next to its coefficient.
    fit.stderr.forEach((s, j) => assert.ok(s <= 1e-9 * Math.max(1, TRUE_COEF[j] ?? 0), `stderr[${j}] = ${s}`));
    assert.ok(fit.iterations <= 3 * 6);
  });

  it('recovers known coefficients from noisy data, each within 4 standard errors', () => {
    // Noise uniform in ±2·10^4 on y of about 2·10^7 … 10^8 (10^-3 … 10^-4 relative).
    const { X, y } = synthetic(2e4);
    const fit = nnls(X, y);
    const relTol = [1e-2, 0, 1e-2, 1e-2, 0, 1e-2];
    TRUE_COEF.forEach((c, j) => {
      const got = fit.coef[j] ?? NaN;
      assert.ok(got >= 0, `coef[${j}] = ${got} is non-negative`);
      if (c > 0) {
        close(got, c, relTol[j]! * c, `coef[${j}]`);
        assert.equal(fit.active[j], true, `coef[${j}] is active`);
        const se = fit.stderr[j] ?? NaN;
        assert.ok(se > 0, `stderr[${j}] = ${se} is positive with noise`);
        assert.ok(Math.abs(got - c) <= 4 * se, `coef[${j}] = ${got}: ${c} is not within 4 × ${se}`);
      } else {
        // A true zero: with noise it may come out slightly positive (and so active: here both
        // do), but its contribution at the column's magnitude stays below the noise bound, and
        // 0 lies within 4 of its standard errors.
        assert.ok(got * (MAGNITUDES[j] ?? NaN) <= 2e4, `coef[${j}] = ${got} is near 0`);
        if (fit.active[j]) assert.ok(got <= 4 * (fit.stderr[j] ?? NaN), `coef[${j}] = ${got}: 0 is not within 4 × ${fit.stderr[j]}`);
      }
    });
    // Expected 1 − r2 ≈ var(noise) / var(y) ≈ 1.3e8 / 4.2e13 ≈ 3e-6.
    assert.ok(fit.r2 > 1 - 1e-5 && fit.r2 < 1, `r2 ${fit.r2}`);
    assert.ok(fit.rmse < 2e4, `rmse ${fit.rmse} below the noise bound`);
  });

  it('reaches the optimum that brute force over every support finds, on 300 random problems', () => {
    // With independent columns the NNLS optimum is the best, over every subset S of columns
    // whose unconstrained least-squares solution is all positive, of that solution (∅ included).
    // The signs are mixed so that columns enter and then leave (the inner loop runs).
    const rand = lcg(7);
    let removals = 0;
    for (let trial = 0; trial < 300; trial++) {
      const rows = 3 + Math.floor(rand() * 6);
      const cols = 1 + Math.floor(rand() * Math.min(rows, 5));
      const X = Array.from({ length: rows }, () => Array.from({ length: cols }, () => 2 * rand() - 1));
      const y = Array.from({ length: rows }, () => 2 * rand() - 1);
      const fit = nnls(X, y);
      const ss = (c: readonly number[]) => X.reduce((s, row, i) => s + ((y[i] ?? NaN) - row.reduce((t, v, j) => t + v * (c[j] ?? NaN), 0)) ** 2, 0);
      let best = ss(new Array<number>(cols).fill(0));
      for (let mask = 1; mask < 1 << cols; mask++) {
        const idx = Array.from({ length: cols }, (_, j) => j).filter((j) => (mask >> j) & 1);
        const sol = solveNormal(X.map((row) => idx.map((j) => row[j] ?? NaN)), y);
        if (sol === null || sol.some((v) => v <= 0)) continue;
        const c = new Array<number>(cols).fill(0);
        idx.forEach((j, p) => (c[j] = sol[p] ?? NaN));
        best = Math.min(best, ss(c));
      }
      assert.ok(fit.coef.every((c) => c >= 0), `trial ${trial}: coef ${fit.coef.join(', ')}`);
      close(ss(fit.coef), best, 1e-9 * Math.max(1, best), `trial ${trial}: SS_res`);
      if (fit.iterations > fit.active.filter(Boolean).length) removals++;
    }
    assert.ok(removals > 0, 'some trial dropped a column it had taken');
  });

  it('is deterministic', () => {
    const { X, y } = synthetic(2e4);
    assert.deepEqual(nnls(X, y), nnls(X, y));
  });

  it('holds every coefficient at 0 when y is 0, and fits a constant y with r2 1', () => {
    const zero = nnls([[1, 2], [3, 4], [5, 6]], [0, 0, 0]);
    assert.deepEqual(zero.coef, [0, 0]);
    assert.deepEqual(zero.active, [false, false]);
    assert.deepEqual(zero.stderr, [0, 0]);
    const constant = nnls([[1], [1], [1]], [5, 5, 5]);
    closeAll(constant.coef, [5], 1e-12, 'coef');
    assert.equal(constant.r2, 1);
  });

  it('names the problem in bad input', () => {
    assert.throws(() => nnls([], []), /^Error: nnls: X is empty/);
    assert.throws(() => nnls([[]], [1]), /^Error: nnls: X has no columns/);
    assert.throws(() => nnls([[1, 2], [3]], [1, 2]), /^Error: nnls: X is ragged: row 1 has 1 values, row 0 has 2$/);
    assert.throws(() => nnls([[1], [2]], [1]), /^Error: nnls: y has 1 values but X has 2 rows$/);
    assert.throws(() => nnls([[1], [NaN]], [1, 2]), /^Error: nnls: X\[1\]\[0\] is NaN/);
    assert.throws(() => nnls([[1], [2]], [1, Infinity]), /^Error: nnls: y\[1\] is Infinity/);
    assert.throws(() => nnls([[1], [2]], [1, 2], { weights: [1] }), /^Error: nnls: weights has 1 values/);
    assert.throws(() => nnls([[1], [2]], [1, 2], { weights: [1, -1] }), /^Error: nnls: weights\[1\] is -1/);
    assert.throws(() => nnls([[1], [2]], [1, 2], { tolerance: NaN }), /^Error: nnls: tolerance is NaN/);
  });
});
