// Non-negative least squares (Lawson & Hanson, "Solving Least Squares Problems", 1974, ch. 23):
// minimise ‖X·c − y‖² (or Σ wᵢ(xᵢ·c − yᵢ)² with weights) subject to c ≥ 0. Issue 13 fits a
// kernel's measured time to the simulator's exact counts with it: a cost per event can't be
// negative, so an unconstrained fit that came out negative would mean nothing.
//
// Numerics. The columns here differ by orders of magnitude (counts of 10^3 next to 10^9), so
// before anything else each (weighted) column is divided by its Euclidean norm; the constraint
// c ≥ 0 is unchanged by a positive scaling, so the whole active-set iteration runs on the scaled
// problem and the coefficients (and their standard errors) are divided by the same norms after.
// Every subproblem, least squares on the passive columns, is solved by Householder QR of those
// columns (never the normal equations), and the standard errors come from the same R factor:
// (XᵀX)⁻¹ = R⁻¹R⁻ᵀ. A column of zeros is never made active; its coefficient is 0. Deterministic:
// no randomness, ties in the choice of the entering column go to the lowest index.

export interface NnlsFit {
  /** The coefficients, all ≥ 0, one per column. */
  readonly coef: readonly number[];
  /** y − X·coef, one per row. */
  readonly residuals: readonly number[];
  /** sqrt(mean(residual²)). */
  readonly rmse: number;
  /** 1 − SS_res / SS_tot (SS_tot about the mean of y; 1 when y is constant and fitted exactly). */
  readonly r2: number;
  /** Per-coefficient standard error: from (XᵀX)⁻¹ restricted to the active (positive) columns times the residual variance (SS_res / (rows − active)); 0 for a coefficient held at 0; NaN when rows ≤ active. */
  readonly stderr: readonly number[];
  /** Which coefficients are positive (the passive set of Lawson–Hanson). */
  readonly active: readonly boolean[];
  readonly iterations: number;
}

/**
 * The default of `opts.tolerance`: a column enters the passive set only while its gradient
 * (scaled column)ᵀ·(weighted residual) exceeds tolerance·‖weighted y‖. The scaled columns have
 * norm 1, so that gradient is at most ‖residual‖ ≤ ‖y‖, and the test is free of units.
 */
export const NNLS_DEFAULT_TOLERANCE = 1e-10;

/** A diagonal element of R below this (the columns have norm 1) marks a column dependent on the others. */
const RANK_TOLERANCE = 1e-12;

/**
 * Lawson–Hanson NNLS: minimise ‖X·c − y‖² subject to c ≥ 0. X is rows × cols (rows ≥ 1,
 * cols ≥ 1, every row the same length); throws a clear Error on bad shapes or non-finite
 * input. Optional per-row weights w (≥ 0) minimise Σ wᵢ(xᵢ·c − yᵢ)². Bounded: at most 3·cols
 * outer iterations (throws if exceeded).
 *
 * With weights, `residuals`, `rmse` and `r2` are still the plain (unweighted) y − X·coef, while
 * `stderr` is the weighted least-squares one: σ² = Σ wᵢrᵢ² / (rows − active) with (XᵀWX)⁻¹,
 * and "rows" counts only the rows of positive weight. When y is constant but not fitted
 * exactly, `r2` is 0.
 */
export function nnls(
  X: readonly (readonly number[])[],
  y: readonly number[],
  opts?: { weights?: readonly number[]; tolerance?: number },
): NnlsFit {
  const { rows, cols } = checkInput(X, y, opts);
  const weights = opts?.weights;
  const tolerance = opts?.tolerance ?? NNLS_DEFAULT_TOLERANCE;

  // The weighted problem: A = diag(√w)·X, b = diag(√w)·y, then A's columns scaled to norm 1.
  const sqrtW = Array.from({ length: rows }, (_, i) => (weights ? Math.sqrt(at(weights, i)) : 1));
  const A: number[][] = Array.from({ length: cols }, (_, j) => Array.from({ length: rows }, (_, i) => at(sqrtW, i) * at(at(X, i), j)));
  const b = Array.from({ length: rows }, (_, i) => at(sqrtW, i) * at(y, i));
  const scale = A.map((column) => {
    const n = norm(column);
    if (n === 0) return 0;
    for (let i = 0; i < rows; i++) column[i] = at(column, i) / n;
    return n;
  });

  const x = new Array<number>(cols).fill(0);
  const passive = new Array<boolean>(cols).fill(false);
  const threshold = tolerance * norm(b);
  const maxIterations = 3 * cols;
  let iterations = 0;
  // Columns that, on entering, came out ≤ 0 or dependent: not tried again until x next changes.
  let blocked = new Array<boolean>(cols).fill(false);

  for (;;) {
    const r = residualOf(A, b, x);
    let t = -1;
    let best = threshold;
    for (let j = 0; j < cols; j++) {
      if (passive[j] || blocked[j] || scale[j] === 0) continue;
      const g = dot(at(A, j), r);
      if (g > best) {
        best = g;
        t = j;
      }
    }
    if (t < 0) break;
    iterations++;
    if (iterations > maxIterations) {
      throw new Error(`nnls: no convergence within ${maxIterations} outer iterations (3 × ${cols} columns)`);
    }
    passive[t] = true;
    let z = solvePassive(A, b, passive);
    if (z === null || at(z, t) <= 0) {
      passive[t] = false;
      blocked[t] = true;
      continue;
    }
    // Inner loop: step from x towards z until every passive coefficient is positive; each
    // pass drops at least one column, so it ends within cols passes.
    for (;;) {
      let alpha = Infinity;
      let leaving = -1;
      for (let j = 0; j < cols; j++) {
        if (!passive[j] || at(z, j) > 0) continue;
        const xj = at(x, j);
        const a = xj / (xj - at(z, j));
        if (a < alpha) {
          alpha = a;
          leaving = j;
        }
      }
      if (leaving < 0) break;
      for (let j = 0; j < cols; j++) {
        if (!passive[j]) continue;
        const xj = at(x, j) + alpha * (at(z, j) - at(x, j));
        x[j] = xj;
        if (j === leaving || xj <= 0) {
          passive[j] = false;
          x[j] = 0;
        }
      }
      // A subset of independent columns is independent, so this solve has full rank.
      z = solvePassive(A, b, passive);
      if (z === null) throw new Error('nnls: internal error: a passive subset lost rank');
    }
    for (let j = 0; j < cols; j++) x[j] = passive[j] ? at(z, j) : 0;
    blocked = new Array<boolean>(cols).fill(false);
  }

  const coef = x.map((v, j) => (passive[j] && v > 0 ? v / at(scale, j) : 0));
  const active = coef.map((v) => v > 0);

  const residuals = y.map((yi, i) => yi - dot(at(X, i), coef));
  const ssRes = residuals.reduce((s, r) => s + r * r, 0);
  const rmse = Math.sqrt(ssRes / rows);
  const mean = y.reduce((s, v) => s + v, 0) / rows;
  const ssTot = y.reduce((s, v) => s + (v - mean) * (v - mean), 0);
  let r2: number;
  if (ssTot > 0) r2 = 1 - ssRes / ssTot;
  else r2 = ssRes <= 1e-24 * y.reduce((s, v) => s + v * v, 0) ? 1 : 0;

  const stderr = standardErrors(A, b, x, active, scale, weights ? weights.filter((w) => w > 0).length : rows);
  return { coef, residuals, rmse, r2, stderr, active, iterations };
}

function standardErrors(A: number[][], b: number[], x: number[], active: boolean[], scale: number[], rows: number): number[] {
  const k = active.filter(Boolean).length;
  const out = new Array<number>(active.length).fill(0);
  if (k === 0) return out;
  if (rows <= k) return out.map((_, j) => (active[j] ? NaN : 0));
  const r = residualOf(A, b, x.map((v, j) => (active[j] ? v : 0)));
  const variance = dot(r, r) / (rows - k);
  const idx = active.flatMap((a, j) => (a ? [j] : []));
  const qr = householderQr(idx.map((j) => at(A, j)));
  if (qr === null) return out.map((_, j) => (active[j] ? NaN : 0));
  const Rinv = upperInverse(qr.R);
  idx.forEach((j, p) => {
    let s = 0;
    for (let q = p; q < k; q++) s += at(at(Rinv, p), q) ** 2;
    out[j] = Math.sqrt(variance * s) / at(scale, j);
  });
  return out;
}

/** The least-squares solution on the passive columns (0 elsewhere), or null if they are dependent. */
function solvePassive(A: number[][], b: number[], passive: boolean[]): number[] | null {
  const idx = passive.flatMap((p, j) => (p ? [j] : []));
  const z = new Array<number>(passive.length).fill(0);
  if (idx.length === 0) return z;
  const qr = householderQr(idx.map((j) => at(A, j)));
  if (qr === null) return null;
  const qtb = qr.applyQt(b);
  const k = idx.length;
  const sol = new Array<number>(k).fill(0);
  for (let p = k - 1; p >= 0; p--) {
    let s = at(qtb, p);
    for (let q = p + 1; q < k; q++) s -= at(at(qr.R, p), q) * at(sol, q);
    sol[p] = s / at(at(qr.R, p), p);
  }
  idx.forEach((j, p) => (z[j] = at(sol, p)));
  return z;
}

interface Qr {
  /** k × k upper triangle. */
  R: number[][];
  applyQt(v: readonly number[]): number[];
}

/** Householder QR of the m × k matrix whose columns are given; null if rank < k (or k > m). */
function householderQr(columns: readonly (readonly number[])[]): Qr | null {
  const k = columns.length;
  const m = at(columns, 0).length;
  if (k > m) return null;
  const W = columns.map((c) => c.slice());
  const vs: number[][] = [];
  const R: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let p = 0; p < k; p++) {
    const col = at(W, p);
    let sigma = 0;
    for (let i = p; i < m; i++) sigma += at(col, i) ** 2;
    sigma = Math.sqrt(sigma);
    if (sigma <= RANK_TOLERANCE) return null;
    const alpha = at(col, p) > 0 ? -sigma : sigma;
    const v = new Array<number>(m).fill(0);
    for (let i = p; i < m; i++) v[i] = at(col, i);
    v[p] = at(v, p) - alpha;
    const vnorm2 = v.reduce((s, e) => s + e * e, 0);
    vs.push(v);
    for (let q = p; q < k; q++) reflect(v, vnorm2, at(W, q), p);
    if (Math.abs(at(at(W, p), p)) <= RANK_TOLERANCE) return null;
    for (let q = p; q < k; q++) at(R, p)[q] = at(at(W, q), p);
  }
  return {
    R,
    applyQt(input) {
      const out = input.slice();
      vs.forEach((v, p) => reflect(v, v.reduce((s, e) => s + e * e, 0), out, p));
      return out;
    },
  };
}

/** target ← (I − 2vvᵀ/‖v‖²)·target, v zero above index `from`. */
function reflect(v: readonly number[], vnorm2: number, target: number[], from: number): void {
  if (vnorm2 === 0) return;
  let s = 0;
  for (let i = from; i < v.length; i++) s += at(v, i) * at(target, i);
  const f = (2 * s) / vnorm2;
  for (let i = from; i < v.length; i++) target[i] = at(target, i) - f * at(v, i);
}

function upperInverse(R: number[][]): number[][] {
  const k = R.length;
  const inv: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let j = 0; j < k; j++) {
    at(inv, j)[j] = 1 / at(at(R, j), j);
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let q = i + 1; q <= j; q++) s += at(at(R, i), q) * at(at(inv, q), j);
      at(inv, i)[j] = -s / at(at(R, i), i);
    }
  }
  return inv;
}

function residualOf(A: number[][], b: number[], x: number[]): number[] {
  const r = b.slice();
  x.forEach((xj, j) => {
    if (xj === 0) return;
    const column = at(A, j);
    for (let i = 0; i < r.length; i++) r[i] = at(r, i) - xj * at(column, i);
  });
  return r;
}

function checkInput(
  X: readonly (readonly number[])[],
  y: readonly number[],
  opts: { weights?: readonly number[]; tolerance?: number } | undefined,
): { rows: number; cols: number } {
  if (X.length === 0) throw new Error('nnls: X is empty (it needs at least one row)');
  const cols = at(X, 0).length;
  if (cols === 0) throw new Error('nnls: X has no columns (row 0 is empty)');
  X.forEach((row, i) => {
    if (row.length !== cols) throw new Error(`nnls: X is ragged: row ${i} has ${row.length} values, row 0 has ${cols}`);
    row.forEach((v, j) => {
      if (!Number.isFinite(v)) throw new Error(`nnls: X[${i}][${j}] is ${v} (every value must be a finite number)`);
    });
  });
  const rows = X.length;
  if (y.length !== rows) throw new Error(`nnls: y has ${y.length} values but X has ${rows} rows`);
  y.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new Error(`nnls: y[${i}] is ${v} (every value must be a finite number)`);
  });
  const weights = opts?.weights;
  if (weights !== undefined) {
    if (weights.length !== rows) throw new Error(`nnls: weights has ${weights.length} values but X has ${rows} rows`);
    weights.forEach((w, i) => {
      if (!Number.isFinite(w) || w < 0) throw new Error(`nnls: weights[${i}] is ${w} (every weight must be a finite number ≥ 0)`);
    });
  }
  const tolerance = opts?.tolerance;
  if (tolerance !== undefined && !(Number.isFinite(tolerance) && tolerance >= 0)) {
    throw new Error(`nnls: tolerance is ${tolerance} (it must be a finite number ≥ 0)`);
  }
  return { rows, cols };
}

function at<T>(a: readonly T[], i: number): T {
  const v = a[i];
  if (v === undefined) throw new Error(`nnls: internal error: index ${i} out of range`);
  return v;
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += at(a, i) * at(b, i);
  return s;
}

function norm(a: readonly number[]): number {
  // Scaled by the largest magnitude, so counts near 10^9 squared stay far from overflow.
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  if (m === 0) return 0;
  let s = 0;
  for (const v of a) s += (v / m) ** 2;
  return m * Math.sqrt(s);
}
