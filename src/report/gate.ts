// The CI gate's rules (ksmbench gate): which change of which metric is a regression. Defaults:
// any change of a cost or correctness counter fails (update the baseline to accept it), a new
// correctness failure fails, a timing fails only when significantly slower past its threshold.
import { existsSync, readFileSync } from 'node:fs';
import { isMetricName, type MetricName } from '../harness/results.ts';
import { DEFAULT_TIMING_RULE, type MetricDiff, type TimingRule } from './compare.ts';
import { renderMarkdown } from './table.ts';

export type Rule = 'equal' | 'ignore' | 'no-increase' | 'no-decrease' | 'no-new-failure' | 'timing' | { readonly max_increase_pct: number };

export interface GateConfig {
  readonly rules: Readonly<Partial<Record<MetricName, Rule>>>;
  readonly timing: TimingRule;
}

export class GateConfigError extends Error {}

/** The rule of a metric when the config says nothing. */
export function defaultRule(metric: MetricName): Rule {
  if (metric === 'correct') return 'no-new-failure';
  if (metric === 'time_ns_median' || metric === 'ksmd_time_ns_median') return 'timing';
  if (metric === 'time_ns_mean' || metric === 'time_rme_pct' || metric === 'time_samples') return 'ignore';
  if (metric === 'ksmd_time_ns_mean' || metric === 'ksmd_time_rme_pct' || metric === 'ksmd_time_samples') return 'ignore';
  return 'equal';
}

const NAMED: readonly string[] = ['equal', 'ignore', 'no-increase', 'no-decrease', 'no-new-failure', 'timing'];

/** Read a gate config file (JSON: {"rules": {metric: rule}, "timing": {"alpha", "threshold"}}). */
export function readGateConfig(path: string | null): GateConfig {
  if (path === null) return { rules: {}, timing: DEFAULT_TIMING_RULE };
  if (!existsSync(path)) throw new GateConfigError(`gate config "${path}" cannot be read (ENOENT)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new GateConfigError(`gate config "${path}" is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new GateConfigError(`gate config "${path}" must be an object {"rules": {…}, "timing": {…}}`);
  const o = raw as { rules?: unknown; timing?: unknown };
  for (const k of Object.keys(o)) if (k !== 'rules' && k !== 'timing') throw new GateConfigError(`gate config "${path}": unknown key "${k}" (accepted: rules, timing)`);
  if (o.rules !== undefined && (typeof o.rules !== 'object' || o.rules === null || Array.isArray(o.rules))) throw new GateConfigError(`gate config "${path}": "rules" must be an object {metric: rule}`);
  if (o.timing !== undefined && (typeof o.timing !== 'object' || o.timing === null || Array.isArray(o.timing))) throw new GateConfigError(`gate config "${path}": "timing" must be an object {"alpha": A, "threshold": T}`);
  const timingIn = (o.timing ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(timingIn)) if (k !== 'alpha' && k !== 'threshold') throw new GateConfigError(`gate config "${path}": unknown key "timing.${k}" (accepted: alpha, threshold)`);
  const rules: Partial<Record<MetricName, Rule>> = {};
  for (const [metric, rule] of Object.entries((o.rules ?? {}) as Record<string, unknown>)) {
    if (!isMetricName(metric)) throw new GateConfigError(`gate config "${path}": unknown metric "${metric}" (see ksmbench list metrics)`);
    const pct = typeof rule === 'object' && rule !== null ? (rule as { max_increase_pct?: unknown }).max_increase_pct : undefined;
    const ok =
      (typeof rule === 'string' && NAMED.includes(rule)) ||
      (typeof rule === 'object' && rule !== null && Object.keys(rule).length === 1 && typeof pct === 'number' && Number.isFinite(pct) && pct >= 0);
    if (!ok) throw new GateConfigError(`gate config "${path}": rule ${JSON.stringify(rule)} of "${metric}" is not one of ${NAMED.join(', ')} or {"max_increase_pct": N} with N ≥ 0`);
    rules[metric] = rule as Rule;
  }
  const alpha = timingIn.alpha ?? DEFAULT_TIMING_RULE.alpha;
  const threshold = timingIn.threshold ?? DEFAULT_TIMING_RULE.threshold;
  if (typeof alpha !== 'number' || alpha <= 0 || alpha >= 1) throw new GateConfigError(`gate config "${path}": timing.alpha ${JSON.stringify(alpha)} is not in (0, 1)`);
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0) throw new GateConfigError(`gate config "${path}": timing.threshold ${JSON.stringify(threshold)} is not ≥ 0`);
  return { rules, timing: { alpha, threshold } };
}

export interface Violation {
  readonly diff: MetricDiff;
  readonly rule: Rule;
  readonly why: string;
}

function ruleName(r: Rule): string {
  return typeof r === 'string' ? r : `max +${r.max_increase_pct}%`;
}

/** The diffs that break their rule. */
export function violations(diffs: readonly MetricDiff[], config: GateConfig): Violation[] {
  const out: Violation[] = [];
  for (const d of diffs) {
    if (d.status === 'added' || d.status === 'removed') {
      out.push({ diff: d, rule: 'equal', why: `run ${d.status} (the suite no longer matches the baseline)` });
      continue;
    }
    const rule = config.rules[d.metric] ?? defaultRule(d.metric);
    if (rule === 'ignore' || d.old === null || d.new === null) continue;
    let why: string | null = null;
    if (rule === 'equal' && d.new !== d.old) why = `${d.metric} changed from ${d.old} to ${d.new}`;
    else if (rule === 'no-increase' && d.new > d.old) why = `${d.metric} rose from ${d.old} to ${d.new}`;
    else if (rule === 'no-decrease' && d.new < d.old) why = `${d.metric} fell from ${d.old} to ${d.new}`;
    else if (rule === 'no-new-failure' && d.old === 1 && d.new === 0) why = 'a run that was correct now fails the oracle';
    else if (rule === 'timing' && d.status === 'slower') why = `significantly slower (×${d.ratio?.toFixed(3)}, p=${d.p?.toPrecision(2)})`;
    else if (typeof rule === 'object' && d.new > d.old * (1 + rule.max_increase_pct / 100)) why = `${d.metric} rose more than ${rule.max_increase_pct}% (${d.old} → ${d.new})`;
    if (why !== null) out.push({ diff: d, rule, why });
  }
  return out;
}

/** The Markdown summary a CI job posts. */
export function gateSummary(baseline: string, diffs: readonly MetricDiff[], bad: readonly Violation[], knownFailures: number, notes: readonly string[] = []): string {
  const runs = new Set(diffs.map((d) => `${d.scenario}|${d.params}|${d.stack}`)).size;
  const head = bad.length === 0 ? '## ksmbench gate: PASS' : `## ksmbench gate: FAIL (${bad.length} regression${bad.length === 1 ? '' : 's'})`;
  const lines = [head, '', `Compared ${runs} runs with \`${baseline}\`; ${knownFailures} known correctness failure(s) unchanged.`];
  for (const n of notes) lines.push('', n);
  if (bad.length) {
    lines.push('', renderMarkdown(['scenario', 'params', 'stack', 'metric', 'baseline', 'now', 'rule', 'why'], bad.map((v) => [v.diff.scenario, v.diff.params, v.diff.stack, v.diff.metric, v.diff.old ?? '-', v.diff.new ?? '-', ruleName(v.rule), v.why])));
    lines.push('', 'If the change is intended, update the baseline: `npx ksmbench gate --update` and commit it.');
  }
  return `${lines.join('\n')}\n`;
}
