// Timing comparison statistics: order statistics, the Mann-Whitney U test and the
// base-versus-head verdict used when two patch versions are timed against each other.

/** Ascending sorted copy of `xs`; throws RangeError naming `fn` when `xs` is empty. */
function sortedCopy(xs: readonly number[], fn: string): number[] {
  if (xs.length === 0) throw new RangeError(`${fn}: empty input`);
  return [...xs].sort((p, q) => p - q);
}

/** Arithmetic mean of `xs`. */
export function mean(xs: readonly number[]): number {
  const s = sortedCopy(xs, 'mean'); // summing in ascending order loses a little less precision
  let sum = 0;
  for (const x of s) sum += x;
  return sum / s.length;
}

/** The q-quantile of `xs` (0 <= q <= 1), linearly interpolated between order statistics (R type 7). */
export function quantile(xs: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const s = sortedCopy(xs, 'quantile');
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const below = s[lo]!;
  const above = s[Math.min(lo + 1, s.length - 1)]!;
  return below + (h - lo) * (above - below);
}

/** Median of `xs` (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = sortedCopy(xs, 'median');
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * How samples spread around their median: the smallest, the quartiles (R type 7, as quantile)
 * and the largest. What a chart's whiskers (min–max) and box (the middle half) show.
 */
export interface Spread {
  readonly min: number;
  readonly p25: number;
  readonly median: number;
  readonly p75: number;
  readonly max: number;
  readonly samples: number;
}

/** The spread of `xs` (a RangeError when empty). */
export function spreadOf(xs: readonly number[]): Spread {
  const s = sortedCopy(xs, 'spreadOf');
  return { min: s[0]!, p25: quantile(s, 0.25), median: quantile(s, 0.5), p75: quantile(s, 0.75), max: s.at(-1)!, samples: s.length };
}

/** Standard normal CDF Φ(x), absolute error below 1e-14 (Hart 5666 as given by West 2005). */
export function normalCdf(x: number): number {
  const ax = Math.abs(x);
  let tail: number; // Φ(-|x|)
  if (ax > 37) {
    tail = 0;
  } else {
    const e = Math.exp(-(ax * ax) / 2);
    if (ax < 7.07106781186547) {
      let num = 3.52624965998911e-2 * ax + 0.700383064443688;
      num = num * ax + 6.37396220353165;
      num = num * ax + 33.912866078383;
      num = num * ax + 112.079291497871;
      num = num * ax + 221.213596169931;
      num = num * ax + 220.206867912376;
      let den = 8.83883476483184e-2 * ax + 1.75566716318264;
      den = den * ax + 16.064177579207;
      den = den * ax + 86.7807322029461;
      den = den * ax + 296.564248779674;
      den = den * ax + 637.333633378831;
      den = den * ax + 793.826512519948;
      den = den * ax + 440.413735824752;
      tail = (e * num) / den;
    } else {
      // continued fraction for the far tail
      let cf = ax + 0.65;
      cf = ax + 4 / cf;
      cf = ax + 3 / cf;
      cf = ax + 2 / cf;
      cf = ax + 1 / cf;
      tail = e / cf / 2.506628274631;
    }
  }
  return x > 0 ? 1 - tail : tail;
}

export interface MannWhitneyResult {
  /** U for `b`: pairs (a_i, b_j) with b_j > a_i, ties counting ½; ranges 0..|a|·|b|. */
  u: number;
  /** Continuity-corrected, tie-corrected standard score of u (positive when b tends to be larger). */
  z: number;
  /** Two-sided p-value: a and b come from different locations. */
  pTwoSided: number;
  /** One-sided p-value for "b tends to be larger than a" (b slower, when samples are times). */
  pGreater: number;
}

/** Two-sample Mann-Whitney U (Wilcoxon rank-sum) test, normal approximation with tie and continuity corrections. */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const na = a.length;
  const nb = b.length;
  if (na < 1 || nb < 1) throw new RangeError(`mannWhitneyU: both samples need at least 1 value (got ${na} and ${nb})`);
  const all = [...a.map((v) => ({ v, fromB: false })), ...b.map((v) => ({ v, fromB: true }))].sort((p, q) => p.v - q.v);
  const n = all.length;
  let rankSumB = 0;
  let tieTerm = 0; // Σ (t³ − t) over groups of t tied values
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && all[j]!.v === all[i]!.v) j++;
    const avgRank = (i + 1 + j) / 2; // ranks i+1..j share their mean
    for (let k = i; k < j; k++) if (all[k]!.fromB) rankSumB += avgRank;
    const t = j - i;
    tieTerm += t * t * t - t;
    i = j;
  }
  const u = rankSumB - (nb * (nb + 1)) / 2;
  const mu = (na * nb) / 2;
  const variance = ((na * nb) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, z: 0, pTwoSided: 1, pGreater: 1 }; // every value tied: no evidence either way
  const sigma = Math.sqrt(variance);
  const d = u - mu;
  const z = (Math.sign(d) * Math.max(0, Math.abs(d) - 0.5)) / sigma;
  return {
    u,
    z,
    pTwoSided: Math.min(1, 2 * normalCdf(-Math.abs(z))),
    pGreater: normalCdf(-(d - 0.5) / sigma),
  };
}

export interface TimingComparison {
  baseMedian: number;
  headMedian: number;
  /** headMedian / baseMedian: above 1 means head is slower. */
  ratio: number;
  /** One-sided p-value for "head is slower than base". */
  pSlower: number;
  /** One-sided p-value for "head is faster than base". */
  pFaster: number;
  verdict: 'slower' | 'faster' | 'same';
}

/** Compare two samples of wall-clock times: significant (p < alpha) AND large (beyond ±threshold of the median). */
export function compareTimings(
  base: readonly number[],
  head: readonly number[],
  opts: { alpha?: number; threshold?: number } = {},
): TimingComparison {
  // Both tests are needed. The rank test alone flags any shift that is real, however small:
  // with enough samples a 0.5% difference from code layout, frequency scaling or a warm cache
  // becomes "significant" though nobody would act on it. The ratio threshold alone mistakes
  // noise for change when samples are few or the machine is busy. Requiring both keeps false
  // alarms rare (the test controls the chance of a fluke, the threshold the size that matters).
  const alpha = opts.alpha ?? 0.01;
  const threshold = opts.threshold ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`compareTimings: alpha must be in (0, 1), got ${alpha}`);
  if (!(threshold >= 0)) throw new RangeError(`compareTimings: threshold must be >= 0, got ${threshold}`);
  const baseMedian = median(base);
  const headMedian = median(head);
  if (!(baseMedian > 0)) throw new RangeError(`compareTimings: base median must be positive, got ${baseMedian}`);
  const ratio = headMedian / baseMedian;
  const pSlower = mannWhitneyU(base, head).pGreater;
  const pFaster = mannWhitneyU(head, base).pGreater;
  let verdict: TimingComparison['verdict'] = 'same';
  if (pSlower < alpha && ratio > 1 + threshold) verdict = 'slower';
  else if (pFaster < alpha && ratio < 1 - threshold) verdict = 'faster';
  return { baseMedian, headMedian, ratio, pSlower, pFaster, verdict };
}

/**
 * The smallest one-sided p-value the test of compareTimings can give for samples of sizes
 * `na` and `nb`: every head value beyond every base value. When it is not below alpha, no
 * timing of those sizes can be called slower or faster, whatever happened (3 vs 3 cannot reach
 * 0.01).
 */
export function smallestP(na: number, nb: number): number {
  if (!(Number.isInteger(na) && Number.isInteger(nb) && na >= 1 && nb >= 1)) throw new RangeError(`smallestP: sizes must be integers >= 1, got ${na} and ${nb}`);
  const a = Array.from({ length: na }, (_, i) => i);
  const b = Array.from({ length: nb }, (_, i) => na + i);
  return mannWhitneyU(a, b).pGreater;
}

/** The fewest samples per side (n vs n) whose smallest p-value is below `alpha`. */
export function samplesToReach(alpha: number): number {
  let n = 1;
  while (smallestP(n, n) >= alpha && n < 1000) n++;
  return n;
}
