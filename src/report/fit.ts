// Complexity-class fitting for parameter sweeps. This is the Google Benchmark "BigO" approach
// (benchmark/src/complexity.cc): for each candidate f, least-squares fit y ≈ c·f(n) with no
// intercept, score it by the RMS of the residuals normalised by the mean of y, keep the best.

export const COMPLEXITY_CLASSES = ['O(1)', 'O(log n)', 'O(n)', 'O(n log n)', 'O(n^2)'] as const;
export type ComplexityClass = (typeof COMPLEXITY_CLASSES)[number];

export interface ClassFit {
  cls: ComplexityClass;
  /** c in y ≈ c·f(n). */
  coefficient: number;
  /** sqrt(mean((y − c·f(n))²)) / mean(y): 0 is a perfect fit. */
  rms: number;
}

export interface ComplexityFit extends ClassFit {
  /** Every class's fit, in COMPLEXITY_CLASSES order. */
  all: ClassFit[];
}

const SHAPES: Record<ComplexityClass, (n: number) => number> = {
  'O(1)': () => 1,
  'O(log n)': (n) => Math.log2(n),
  'O(n)': (n) => n,
  'O(n log n)': (n) => n * Math.log2(n),
  'O(n^2)': (n) => n * n,
};

/** Two classes whose rms differ by at most this are a tie, won by the lower-order class. */
const RMS_TIE = 1e-9;

/** Position of `c` in COMPLEXITY_CLASSES: higher means asymptotically more expensive. */
export function classRank(c: ComplexityClass): number {
  return COMPLEXITY_CLASSES.indexOf(c);
}

/** Whether a sweep's fitted class differs between two versions. */
export function classChanged(a: ComplexityClass, b: ComplexityClass): boolean {
  return a !== b;
}

/** Least-squares fit y ≈ c·f(n) for one class, computed on scaled values so n up to 2^45 and y up to 1e12 stay exact enough. */
function fitOne(cls: ComplexityClass, ns: readonly number[], ys: readonly number[], yMean: number): ClassFit {
  const raw = ns.map(SHAPES[cls]);
  const fMax = Math.max(...raw); // > 0: some n > 1 exists, so even log2 n is positive somewhere
  const f = raw.map((v) => v / fMax); // in [0, 1]
  const y = ys.map((v) => v / yMean); // mean 1
  let fy = 0;
  let ff = 0;
  for (let i = 0; i < f.length; i++) {
    fy += f[i]! * y[i]!;
    ff += f[i]! * f[i]!;
  }
  const c = fy / ff;
  let sq = 0;
  for (let i = 0; i < f.length; i++) sq += (y[i]! - c * f[i]!) ** 2;
  return { cls, coefficient: (c * yMean) / fMax, rms: Math.sqrt(sq / f.length) };
}

/** Fit every complexity class to the sweep `points` and return the best (lowest normalised rms). */
export function fitComplexity(points: readonly { n: number; y: number }[]): ComplexityFit {
  for (const { n, y } of points) {
    if (!(Number.isFinite(n) && n >= 1)) throw new RangeError(`fitComplexity: n must be a finite number >= 1, got ${n}`);
    if (!(Number.isFinite(y) && y >= 0)) throw new RangeError(`fitComplexity: y must be a finite number >= 0, got ${y}`);
  }
  const ns = points.map((p) => p.n);
  const ys = points.map((p) => p.y);
  if (new Set(ns).size < 2) throw new RangeError(`fitComplexity: need at least 2 distinct n, got ${new Set(ns).size}`);
  const yMean = ys.reduce((s, v) => s + v, 0) / ys.length;
  if (yMean === 0) {
    const all = COMPLEXITY_CLASSES.map((cls) => ({ cls, coefficient: 0, rms: 0 }));
    return { ...all[0]!, all };
  }
  const all = COMPLEXITY_CLASSES.map((cls) => fitOne(cls, ns, ys, yMean));
  const best = Math.min(...all.map((r) => r.rms));
  const pick = all.find((r) => r.rms <= best + RMS_TIE)!; // lowest order among the (near-)best
  return { ...pick, all };
}
