// Comparing results: two result sets run for run (old → new), or the stacks of one result
// against one of them (--by stack). Counters compare exactly; timings with a Mann-Whitney
// test and a noise threshold (stats.ts); sweeps by complexity class.
import { COUNTER_NAMES } from '../mm/counters.ts';
import { isPredictionMetric, METRIC_NAMES, type MetricName, metricValue, recordKey, type ResultSet, type RunRecord } from '../harness/results.ts';
import { classChanged, classRank } from './fit.ts';
import { METRIC_INFO } from './metrics.ts';
import { compareTimings, median, samplesToReach, smallestP, type Spread, spreadOf } from './stats.ts';
import { fitOutcome, isNoisyFit, isSweepSet, type SweepSet } from './sweep.ts';
import { samePricing } from './pricing.ts';

export type DiffStatus = 'same' | 'changed' | 'regressed' | 'fixed' | 'slower' | 'faster' | 'added' | 'removed' | 'untested';

/**
 * The metrics that say whether a run is correct: the verdict and the counters only a wrong
 * variant moves. Any change of one is a regression ("regressed"), in every kind of compare,
 * unless the new run passes the oracle where the old one failed ("fixed"); never "better".
 */
export const CORRECTNESS_METRICS: readonly MetricName[] = ['correct', 'problems', 'rmap_mappings_missed', 'rmap_folios_stuck', 'rmap_anon_mappings_missed', 'stale_overlay_reads', 'pages_wrongly_skipped'];

export function isCorrectnessMetric(m: MetricName): boolean {
  return CORRECTNESS_METRICS.includes(m);
}

export interface MetricDiff {
  readonly scenario: string;
  readonly params: string;
  /** The new side's stack (with --by stack: the stack compared against the reference). */
  readonly stack: string;
  /** The old side's stack (differs from `stack` only with --by stack). */
  readonly against: string;
  readonly metric: MetricName;
  readonly old: number | null;
  readonly new: number | null;
  readonly delta: number | null;
  readonly ratio: number | null;
  readonly status: DiffStatus;
  /** One-sided p-value of the timing test (slower for 'slower', faster for 'faster'). */
  readonly p?: number;
  /** A tested timing: the number of samples on each side (old, new). */
  readonly samples?: readonly [number, number];
  /** A tested timing: how the samples of each side (old, new) spread (min, quartiles, max). */
  readonly spread?: readonly [Spread, Spread];
}

/**
 * Which way a change went, by the metric's declared direction (METRIC_INFO, `ksmbench list
 * metrics`): "better" or "worse" for a cost or a verdict, "neither" for a state (pages shared,
 * full scans …) that describes what happened. A correctness counter is a cost (0 when correct):
 * its rise is worse. A regression is never better, whatever its metric did.
 */
export type ChangeDirection = 'better' | 'worse' | 'neither';

/** The direction of a diff; null when nothing changed or nothing was judged (same, untested, added, removed). */
export function changeDirection(d: Pick<MetricDiff, 'metric' | 'status' | 'delta'>): ChangeDirection | null {
  if (d.status === 'regressed') return 'worse';
  // a tested timing's verdict, not its delta: a faster median within the noise is "same"
  const sign = d.status === 'slower' ? 1 : d.status === 'faster' ? -1 : d.status === 'changed' || d.status === 'fixed' ? Math.sign(d.delta ?? 0) : 0;
  if (sign === 0) return d.status === 'fixed' ? 'better' : null;
  const declared = METRIC_INFO[d.metric].direction;
  if (declared === 'neither') return 'neither';
  return (sign < 0) === (declared === 'smaller is better') ? 'better' : 'worse';
}

export interface TimingRule {
  readonly alpha: number;
  readonly threshold: number;
}

export const DEFAULT_TIMING_RULE: TimingRule = { alpha: 0.01, threshold: 0.05 };

/**
 * The timing metrics with a test, and where their samples are: the medians, each on its own
 * samples (Mann-Whitney, and the ratio of the medians against the threshold). The means, the
 * margins of error and the sample counts have no test of their own: they are shown, never
 * called slower, faster or the same ("untested"), so a mean never borrows a median's verdict.
 */
const TIMED: ReadonlyMap<MetricName, (r: RunRecord) => readonly number[] | undefined> = new Map<MetricName, (r: RunRecord) => readonly number[] | undefined>([
  ['time_ns_median', (r) => r.timing?.sample_ns],
  ['ksmd_time_ns_median', (r) => r.timing?.ksmd?.sample_ns],
]);
/** Timing metrics without a test of their own: never a status but "untested". */
const UNTESTED: ReadonlySet<MetricName> = new Set(['time_ns_mean', 'time_rme_pct', 'time_samples', 'ksmd_time_ns_mean', 'ksmd_time_rme_pct', 'ksmd_time_samples']);

/** Whether a timing metric is tested in compare (the medians); the other timing metrics are shown untested. */
export function isTestedTiming(m: MetricName): boolean {
  return TIMED.has(m);
}

function diffMetric(a: RunRecord, b: RunRecord, metric: MetricName, rule: TimingRule): MetricDiff {
  const old = metricValue(a, metric) ?? null;
  const now = metricValue(b, metric) ?? null;
  const base = { scenario: b.scenario, params: b.params, stack: b.stack, against: a.stack, metric, old, new: now };
  if (old === null || now === null) {
    return { ...base, delta: null, ratio: null, status: old === null && now === null ? 'same' : 'untested' };
  }
  const delta = now - old;
  const ratio = old === 0 ? (now === 0 ? 1 : null) : now / old;
  const samplesOf = TIMED.get(metric);
  if (samplesOf) {
    const sa = samplesOf(a);
    const sb = samplesOf(b);
    if (!sa?.length || !sb?.length) return { ...base, delta, ratio, status: 'untested' };
    // A zero median (a clock that did not advance) cannot be a ratio's base.
    if (!(median(sa) > 0)) return { ...base, delta, ratio, status: 'untested' };
    const t = compareTimings(sa, sb, rule);
    const p = t.verdict === 'faster' ? t.pFaster : t.pSlower;
    return { ...base, delta, ratio, status: t.verdict, p, samples: [sa.length, sb.length], spread: [spreadOf(sa), spreadOf(sb)] };
  }
  if (UNTESTED.has(metric)) return { ...base, delta, ratio, status: 'untested' };
  if (delta !== 0 && isCorrectnessMetric(metric)) return { ...base, delta, ratio, status: !a.verdict.ok && b.verdict.ok ? 'fixed' : 'regressed' };
  return { ...base, delta, ratio, status: delta === 0 ? 'same' : 'changed' };
}

/**
 * Every metric of every run: old (a) → new (b), matched by scenario, params and stack. The
 * predictions only when both sides were priced by the same calibration (pricing.ts: otherwise
 * they are left out, and pricingNote says so).
 */
export function compareSets(a: ResultSet, b: ResultSet, rule: TimingRule = DEFAULT_TIMING_RULE, metrics: readonly MetricName[] = METRIC_NAMES): MetricDiff[] {
  if (!samePricing(a, b)) metrics = metrics.filter((m) => !isPredictionMetric(m));
  const out: MetricDiff[] = [];
  const olds = new Map(a.runs.map((r) => [recordKey(r), r]));
  const seen = new Set<string>();
  for (const nr of b.runs) {
    const key = recordKey(nr);
    seen.add(key);
    const or = olds.get(key);
    if (!or) {
      out.push({ scenario: nr.scenario, params: nr.params, stack: nr.stack, against: nr.stack, metric: 'correct', old: null, new: nr.verdict.ok ? 1 : 0, delta: null, ratio: null, status: 'added' });
      continue;
    }
    for (const m of metrics) out.push(diffMetric(or, nr, m, rule));
  }
  for (const or of a.runs) {
    if (seen.has(recordKey(or))) continue;
    out.push({ scenario: or.scenario, params: or.params, stack: or.stack, against: or.stack, metric: 'correct', old: or.verdict.ok ? 1 : 0, new: null, delta: null, ratio: null, status: 'removed' });
  }
  return out;
}

/** Within one result: every stack against `reference` (default the first stack), per scenario. */
export function compareByStack(set: ResultSet, reference?: string, rule: TimingRule = DEFAULT_TIMING_RULE, metrics: readonly MetricName[] = METRIC_NAMES): MetricDiff[] {
  // one calibration prices every stack of a priced result; an unpriced one has no prediction to compare
  if (!samePricing(set, set)) metrics = metrics.filter((m) => !isPredictionMetric(m));
  const stacks = [...new Set(set.runs.map((r) => r.stack))];
  const ref = reference ?? stacks[0];
  if (ref === undefined) return [];
  if (!stacks.includes(ref)) throw new RangeError(`--against "${ref}" is not a stack of this result (stacks: ${stacks.join(', ')})`);
  const out: MetricDiff[] = [];
  for (const r of set.runs) {
    if (r.stack === ref) continue;
    const base = set.runs.find((x) => x.stack === ref && x.scenario === r.scenario && x.params === r.params);
    if (!base) continue;
    for (const m of metrics) out.push(diffMetric(base, r, m, rule));
  }
  return out;
}

export interface ClassDiff {
  readonly stack: string;
  readonly metric: MetricName;
  /** The old fit's class; for a correctness metric, its values over the sweep's points. */
  readonly old: string;
  readonly new: string;
  /**
   * same / worse / better: the class of a fit; invalid: the class changed but the new side fails
   * the oracle where the old one did not (its numbers are not a result); regressed / fixed: a
   * correctness metric changed at some point of the sweep (regressed unless every such point now
   * passes the oracle); inconclusive: a fit on either side is no class (too few points, or a
   * residual too large: fitOutcome), so the classes are not compared; untested: a timing, whose
   * classes are never compared as if they were exact.
   */
  readonly status: 'same' | 'worse' | 'better' | 'invalid' | 'regressed' | 'fixed' | 'inconclusive' | 'untested';
  /** For a correctness metric: the points (swept values) where it changed. */
  readonly points?: number;
}

function valuesText(metric: MetricName, values: readonly number[]): string {
  if (metric === 'correct') {
    const fail = values.filter((v) => v !== 1).length;
    return fail ? `FAIL at ${fail} of ${values.length} points` : `ok at ${values.length} points`;
  }
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? String(lo) : `${lo}..${hi}`;
}

/**
 * Two sweeps: first every correctness metric that changed at any point (matched run for run,
 * as compareSets does), then the complexity class of each (stack, metric) fit, old → new. A
 * class change of a stack whose new runs fail the oracle where the old ones did not is
 * "invalid", never "better".
 */
export function compareSweeps(a: SweepSet, b: SweepSet): ClassDiff[] {
  const out: ClassDiff[] = [];
  const points = compareSets(a, b, DEFAULT_TIMING_RULE, CORRECTNESS_METRICS).filter((d) => d.status === 'regressed' || d.status === 'fixed');
  const broken = new Set<string>();
  const groups = new Map<string, MetricDiff[]>();
  for (const d of points) {
    const k = `${d.stack}|${d.metric}`;
    groups.set(k, [...(groups.get(k) ?? []), d]);
    if (d.status === 'regressed') broken.add(d.stack);
  }
  for (const ds of groups.values()) {
    const d0 = ds[0]!;
    const mine = (s: ResultSet) => s.runs.filter((r) => r.stack === d0.stack).map((r) => metricValue(r, d0.metric) ?? 0);
    const status = ds.some((d) => d.status === 'regressed') ? 'regressed' : 'fixed';
    out.push({ stack: d0.stack, metric: d0.metric, old: valuesText(d0.metric, mine(a)), new: valuesText(d0.metric, mine(b)), status, points: ds.length });
  }
  const priced = samePricing(a, b);
  for (const nf of b.sweep.fits) {
    if (!priced && isPredictionMetric(nf.metric)) continue;
    const of = a.sweep.fits.find((f) => f.stack === nf.stack && f.metric === nf.metric);
    if (!of) continue;
    const oo = fitOutcome(of);
    const no = fitOutcome(nf);
    const text = (o: typeof oo) => (o.conclusive ? o.cls : `inconclusive (${o.why})`);
    if (isNoisyFit(nf.metric)) {
      out.push({ stack: nf.stack, metric: nf.metric, old: text(oo), new: text(no), status: 'untested' });
      continue;
    }
    if (!oo.conclusive || !no.conclusive) {
      out.push({ stack: nf.stack, metric: nf.metric, old: text(oo), new: text(no), status: 'inconclusive' });
      continue;
    }
    const changed = classChanged(oo.cls, no.cls);
    const status = !changed ? 'same' : broken.has(nf.stack) ? 'invalid' : classRank(no.cls) > classRank(oo.cls) ? 'worse' : 'better';
    out.push({ stack: nf.stack, metric: nf.metric, old: oo.cls, new: no.cls, status });
  }
  return out;
}

/**
 * How the timings of a compare were replicated: every sample of a side from one process (two
 * result files, --by stack, --base without --rounds), or the per-round medians of R rounds.
 */
export type Replication = { readonly kind: 'one-process' } | { readonly kind: 'rounds'; readonly rounds: number };

/**
 * What a reader needs to weigh the timing verdicts of `diffs`: how many timing tests were made
 * and how many are expected to be flagged by chance alone at alpha; tests whose sample sizes
 * cannot reach alpha at all; and, when each side is one process, that its samples are not
 * independent replications. Empty when no timing was tested.
 */
export function timingNotes(diffs: readonly MetricDiff[], rule: TimingRule, replication: Replication): string[] {
  const tested = diffs.filter((d) => d.samples !== undefined);
  if (tested.length === 0) return [];
  const notes: string[] = [];
  const flagged = tested.filter((d) => d.status === 'slower' || d.status === 'faster').length;
  const expected = tested.length * 2 * rule.alpha;
  notes.push(
    `${tested.length} timing comparison${tested.length === 1 ? '' : 's'} (each tested for slower and for faster at alpha ${rule.alpha}): ` +
      `up to ${expected.toPrecision(2)} expected to be flagged by chance alone when nothing changed; ${flagged} flagged`,
  );
  const unreachable = tested.filter((d) => smallestP(d.samples![0], d.samples![1]) >= rule.alpha);
  if (unreachable.length) {
    const [na, nb] = unreachable[0]!.samples!;
    notes.push(
      `warning: ${unreachable.length} of ${tested.length} timing test${tested.length === 1 ? '' : 's'} cannot reach alpha ${rule.alpha} ` +
        `(${na} vs ${nb} samples: the smallest p is ${smallestP(na, nb).toPrecision(2)}), so they are "same" whatever happened; ` +
        `${replication.kind === 'rounds' ? `use --rounds ${samplesToReach(rule.alpha)} or more` : `take ${samplesToReach(rule.alpha)} or more samples a side`}`,
    );
  }
  if (replication.kind === 'one-process') {
    notes.push(
      'note: these timing verdicts rest on one process per side: samples within one process are not independent ' +
        'replications (a slow phase of the machine hits one side only), so their p-values overstate the evidence; ' +
        'compare --base REV --rounds 9 runs base and head alternately and tests the per-round medians',
    );
  } else {
    notes.push(`timings tested on the per-round medians of ${replication.rounds} rounds (the process is the unit of replication)`);
  }
  return notes;
}

/** The warning for `--rounds R` that cannot reach `alpha` (R vs R per-round medians), or null. */
export function roundsWarning(rounds: number, alpha: number): string | null {
  if (rounds < 2) return null; // one round: one process per side, said with the results
  const p = smallestP(rounds, rounds);
  if (p < alpha) return null;
  return `warning: --rounds ${rounds} cannot reach --alpha ${alpha} (${rounds} vs ${rounds} per-round medians give p ≥ ${p.toPrecision(2)}, so no timing can be slower or faster); use --rounds ${samplesToReach(alpha)} or more`;
}

/** Whether a compare found a correctness regression (compare's exit 1). */
export function hasRegression(diffs: readonly { readonly status: string }[]): boolean {
  return diffs.some((d) => d.status === 'regressed');
}

export { isSweepSet, COUNTER_NAMES };
