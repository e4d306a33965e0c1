// ksmbench report as one self-contained HTML5 document: inline CSS and inline SVG only (no
// scripts, fonts or images from anywhere). Sections: environment, correctness matrix, per
// scenario a compare chart of the key cost metrics, a sweep's log-log charts and fits, and
// every counter in a collapsible table. All text is escaped.
import { getScenario } from '../../bench/scenarios/index.ts';
import { formatPages } from '../../bench/sizes.ts';
import { COUNTER_NAMES } from '../mm/counters.ts';
import { type MetricName, metricValue, type ResultSet, type RunRecord, type TimingStats } from '../harness/results.ts';
import { type Spread, spreadOf } from './stats.ts';
import { fitOutcome, isSweepSet, MAX_FIT_RMS, MIN_FIT_POINTS, type SweepFit, type SweepSet, valueOf } from './sweep.ts';
import { barChart, escapeXml as esc, lineChartLogLog } from './svg.ts';
import { fmtInt, fmtNs } from './table.ts';

// ─── the report model, shared with markdown.ts ───────────────────────────────────────────────

/** One row of the correctness matrix: a scenario with its parameters. */
export interface ScenarioKey {
  readonly scenario: string;
  readonly params: string;
}

export function scenarioKeys(set: ResultSet): ScenarioKey[] {
  const seen = new Map<string, ScenarioKey>();
  for (const r of set.runs) {
    const k = `${r.scenario}|${r.params}`;
    if (!seen.has(k)) seen.set(k, { scenario: r.scenario, params: r.params });
  }
  return [...seen.values()];
}

/** The stack labels, in order of first appearance. */
export function stackLabels(set: ResultSet): string[] {
  return [...new Set(set.runs.map((r) => r.stack))];
}

export function findRun(set: ResultSet, key: ScenarioKey, stack: string): RunRecord | undefined {
  return set.runs.find((r) => r.scenario === key.scenario && r.params === key.params && r.stack === stack);
}

export function scenarioTitle(key: ScenarioKey): string {
  return key.params ? `${key.scenario} (${key.params.replaceAll(';', ', ')})` : key.scenario;
}

export interface KeyMetric {
  readonly id: string;
  readonly label: string;
  /** undefined: the run has no such value (untimed, or no full scan). */
  readonly value: (r: RunRecord) => number | undefined;
  readonly format: (v: number) => string;
  /** A timing: how the run's samples spread (undefined without samples, e.g. read from CSV). */
  readonly spread?: (r: RunRecord) => Spread | undefined;
}

/** How the samples of a timing spread; undefined when they were not kept (a result read from CSV). */
export function samplesSpread(t: TimingStats | null | undefined): Spread | undefined {
  return t?.sample_ns?.length ? spreadOf(t.sample_ns) : undefined;
}

function fmtNum(v: number): string {
  return Number.isInteger(v) ? fmtInt(v) : v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** The key cost metrics compared per scenario. */
export const KEY_METRICS: readonly KeyMetric[] = [
  { id: 'scan_reads_per_scan', label: 'scanner pt_reads per full scan', value: (r) => (r.counters.full_scans > 0 ? r.counters.pt_reads_scan / r.counters.full_scans : undefined), format: fmtNum },
  { id: 'pt_reads_lookup', label: 'pt_reads_lookup', value: (r) => r.counters.pt_reads_lookup, format: fmtNum },
  { id: 'ptl_locks', label: 'ptl_locks', value: (r) => r.counters.ptl_locks, format: fmtNum },
  { id: 'rmap_avc_visits', label: 'rmap_avc_visits', value: (r) => r.counters.rmap_avc_visits, format: fmtNum },
  { id: 'pt_reads_unmerge', label: 'pt_reads_unmerge', value: (r) => r.counters.pt_reads_unmerge, format: fmtNum },
  { id: 'time_ns_median', label: 'time (median)', value: (r) => r.timing?.median_ns, format: fmtNs, spread: (r) => samplesSpread(r.timing) },
  { id: 'ksmd_time_ns_median', label: 'ksmd time (median)', value: (r) => r.timing?.ksmd?.median_ns, format: fmtNs, spread: (r) => samplesSpread(r.timing?.ksmd) },
  { id: 'predicted_ksmd_ns', label: 'predicted ksmd time', value: (r) => r.predicted_ksmd_ns, format: fmtNs },
];

/** Key metrics that are times (drawn on their own time axis). */
const TIME_KEY_METRICS: ReadonlySet<string> = new Set(['time_ns_median', 'ksmd_time_ns_median', 'predicted_ksmd_ns']);

/** The title of a time chart. */
const TIME_CHART_TITLES: Readonly<Record<string, string>> = {
  time_ns_median: 'median time',
  ksmd_time_ns_median: 'median time of the ksmd ops',
  predicted_ksmd_ns: 'predicted ksmd CPU time (exact counts × the calibration\'s costs)',
};

/** The key metrics worth showing for these runs: some run has a non-zero value. */
export function usefulKeyMetrics(runs: readonly RunRecord[]): KeyMetric[] {
  return KEY_METRICS.filter((m) => runs.some((r) => (m.value(r) ?? 0) !== 0));
}

/** The metrics a sweep plots. */
export const SWEEP_METRICS: readonly MetricName[] = ['pt_reads', 'pt_reads_unmerge', 'rmap_avc_visits', 'time_ns_median'];

/** Whether the swept parameter is a size (its values are 4 KiB pages). */
export function sweepIsSize(set: SweepSet): boolean {
  try {
    return getScenario(set.sweep.scenario).params[set.sweep.param]?.kind === 'size';
  } catch {
    const r = set.runs[0];
    return r !== undefined && new RegExp(`(^|;)${set.sweep.param}=[0-9]+[KMGTP]?i?B(;|$)`).test(r.params);
  }
}

export function fmtParamValue(set: SweepSet, v: number): string {
  return sweepIsSize(set) ? formatPages(v) : String(v);
}

export function fmtCoefficient(c: number): string {
  return c === 0 ? '0' : Math.abs(c) >= 1e-3 && Math.abs(c) < 1e6 ? String(Number(c.toPrecision(4))) : c.toExponential(3);
}

/** A time axis tick: 0, 500 ns, 2 µs, 10 ms, 1.5 s. */
export function fmtTimeTick(ns: number): string {
  const [f, u] = ns >= 1e9 ? [1e9, 's'] : ns >= 1e6 ? [1e6, 'ms'] : ns >= 1e3 ? [1e3, 'µs'] : [1, 'ns'];
  return ns === 0 ? '0' : `${Number((ns / f).toPrecision(3))} ${u}`;
}

/** The problems of a run shown in full (a tooltip shows the first few). */
const TOOLTIP_PROBLEMS = 8;
const LISTED_PROBLEMS = 50;

// ─── HTML ───────────────────────────────────────────────────────────────────────────────────

export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Helvetica, Arial, sans-serif; margin: 0; padding: 24px 32px 48px; color: #1d1d1f; background: #fafafa; line-height: 1.4; }
h1 { font-size: 24px; margin: 0 0 12px; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 20px 0 8px; }
code, .mono { font-family: ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px; }
dl.env { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; font-size: 14px; }
dl.env dt { color: #666; }
dl.env dd { margin: 0; }
table { border-collapse: collapse; font-size: 13px; background: #fff; }
th, td { border: 1px solid #d8d8d8; padding: 4px 8px; vertical-align: top; }
th { background: #f0f0f3; text-align: left; font-weight: 600; }
td.nowrap { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; }
table.matrix th.stack { text-align: center; max-width: 140px; }
table.matrix td.cell { text-align: center; font-size: 16px; min-width: 48px; }
td.ok { color: #1a7f37; background: #eef8f0; }
td.fail { color: #b42318; background: #fdecea; font-weight: 700; cursor: help; }
td.none { color: #999; }
.params { display: block; color: #555; font-size: 11px; font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, monospace; }
.problems li { margin: 2px 0; }
.problems .known { color: #7a4d00; }
.problems .run { font-weight: 600; }
.chart { background: #fff; border: 1px solid #e2e2e2; border-radius: 4px; padding: 6px; margin: 8px 0 16px; display: inline-block; max-width: 100%; overflow-x: auto; vertical-align: top; }
.chart svg { display: block; }
.charts { display: flex; flex-wrap: wrap; gap: 0 16px; }
.note { color: #666; font-size: 13px; }
details { margin: 8px 0; }
details > summary { cursor: pointer; font-weight: 600; margin-bottom: 8px; }
table.counters th { position: sticky; top: 0; }
table.counters th.rot { white-space: nowrap; font-size: 11px; }
.summary-line { font-size: 15px; margin: 4px 0 12px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; font-weight: 600; }
.badge.ok { background: #dcf3e3; color: #1a7f37; }
.badge.fail { background: #fbd9d5; color: #b42318; }
`;

/** Text with break opportunities after + , ; = so long stack labels and params wrap. */
function wrappable(s: string): string {
  return esc(s).replace(/([+,;=])/g, '$1<wbr>');
}

/** The calibration that priced a result, in one line. */
export function calibrationText(c: NonNullable<ResultSet['calibration']>): string {
  return `${c.path} (${c.kernel}, created ${c.created}, sha256:${c.sha256.slice(0, 12)})`;
}

function header(set: ResultSet): string {
  const e = set.env;
  const dash = (s: string | number | undefined) => (s === undefined || s === '' || s === 0 ? '—' : String(s));
  const git = e.git ? `${e.git.commit}${e.git.branch ? ` (${e.git.branch})` : ''}${e.git.dirty ? ', dirty working tree' : ''}` : '—';
  const rows: [string, string][] = [
    ['suite', set.suite],
    ['created', dash(set.created)],
    ['git commit', git],
    ['ksmbench', dash(e.ksmbench)],
    ['node', dash(e.node)],
    ['os', dash(e.os)],
    ['CPU', e.cpu ? `${e.cpu}${e.cpus ? ` × ${e.cpus}` : ''}` : '—'],
    ['runs', `${set.runs.length}${set.runs.some((r) => r.timing) ? ' (timed)' : ' (counters only, no timing)'}`],
    ...(set.calibration ? ([['calibration', calibrationText(set.calibration)]] as [string, string][]) : []),
  ];
  return `<dl class="env">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${k === 'git commit' ? `<code>${esc(v)}</code>` : esc(v)}</dd>`).join('')}</dl>`;
}

/** Consecutive keys of the same scenario. */
function groupByScenario(keys: readonly ScenarioKey[]): ScenarioKey[][] {
  const groups: ScenarioKey[][] = [];
  for (const k of keys) {
    const last = groups.at(-1);
    if (last && last[0]!.scenario === k.scenario) last.push(k);
    else groups.push([k]);
  }
  return groups;
}

/** The "k=v" parameters every key of a group shares, and each key's own (for a sweep: the swept value). */
function splitParams(group: readonly ScenarioKey[]): { common: string[]; own: string[][] } {
  const lists = group.map((k) => (k.params ? k.params.split(';') : []));
  const common = group.length > 1 ? (lists[0] ?? []).filter((p) => lists.every((l) => l.includes(p))) : [];
  return { common, own: lists.map((l) => l.filter((p) => !common.includes(p))) };
}

function tooltip(r: RunRecord): string {
  const shown = r.verdict.problems.slice(0, TOOLTIP_PROBLEMS);
  const more = r.verdict.problems.length - shown.length;
  return [...shown, ...(more > 0 ? [`… and ${more} more`] : []), ...r.verdict.knownWrong.map((k) => `known: ${k}`)].join('\n');
}

function correctness(set: ResultSet): string {
  const keys = scenarioKeys(set);
  const stacks = stackLabels(set);
  const failing = set.runs.filter((r) => !r.verdict.ok);
  const head = `<tr><th>scenario</th><th>params</th>${stacks.map((s) => `<th class="stack">${wrappable(s)}</th>`).join('')}</tr>`;
  const rows: string[] = [];
  for (const group of groupByScenario(keys)) {
    const split = splitParams(group);
    group.forEach((k, i) => {
      const cells = stacks.map((s) => {
        const r = findRun(set, k, s);
        if (!r) return '<td class="cell none" title="not run">–</td>';
        if (r.verdict.ok) return `<td class="cell ok" title="${esc(`${r.scenario} × ${s}: correct`)}">✓</td>`;
        return `<td class="cell fail" title="${esc(tooltip(r))}">✗</td>`;
      });
      const name =
        i === 0
          ? `<th scope="rowgroup" rowspan="${group.length}">${esc(k.scenario)}${split.common.length ? `<span class="params">${wrappable(split.common.join(';'))}</span>` : ''}</th>`
          : '';
      rows.push(`<tr>${name}<td class="mono">${wrappable(split.own[i]!.join(';'))}</td>${cells.join('')}</tr>`);
    });
  }
  const body = rows.join('\n');
  const badge = failing.length
    ? `<span class="badge fail">${failing.length} of ${set.runs.length} runs incorrect</span>`
    : `<span class="badge ok">all ${set.runs.length} runs correct</span>`;
  let list = '';
  if (failing.length) {
    const items = failing.map((r) => {
      const shown = r.verdict.problems.slice(0, LISTED_PROBLEMS);
      const more = r.verdict.problems.length - shown.length;
      const lis = [
        ...shown.map((p) => `<li>${esc(p)}</li>`),
        ...(more > 0 ? [`<li class="note">… and ${more} more</li>`] : []),
        ...r.verdict.knownWrong.map((k) => `<li class="known">known wrong: ${esc(k)}</li>`),
      ];
      return `<li><span class="run">${esc(r.scenario)}${r.params ? ` <span class="mono">${esc(r.params)}</span>` : ''} × ${esc(r.stack)}</span><ul>${lis.join('')}</ul></li>`;
    });
    list = `<h3>Problems found by the oracle</h3><ul class="problems">${items.join('\n')}</ul>`;
  }
  return `<section id="correctness"><h2>Correctness</h2><p class="summary-line">${badge}</p><div class="scroll"><table class="matrix">${head}\n${body}</table></div>${list}</section>`;
}

function compareCharts(set: ResultSet): string {
  const stacks = stackLabels(set);
  const parts: string[] = [];
  for (const key of scenarioKeys(set)) {
    const runs = stacks.map((s) => findRun(set, key, s)).filter((r): r is RunRecord => r !== undefined);
    const metrics = usefulKeyMetrics(runs);
    const title = scenarioTitle(key);
    if (metrics.length === 0) {
      parts.push(`<h3>${esc(title)}</h3><p class="note">Every key cost metric is zero for this scenario.</p>`);
      continue;
    }
    const counted = metrics.filter((m) => !TIME_KEY_METRICS.has(m.id));
    const timed = metrics.filter((m) => TIME_KEY_METRICS.has(m.id));
    const charts: string[] = [];
    if (counted.length) {
      const groups = counted.map((m) => ({ label: m.label, bars: runs.map((r) => ({ name: r.stack, value: m.value(r) ?? null })) }));
      charts.push(`<div class="chart">${barChart(groups, { title: `${key.scenario}: cost counters by stack`, yLabel: 'count' })}</div>`);
    }
    let bare = 0;
    for (const m of timed) {
      const bars = runs.map((r) => {
        const spread = m.spread?.(r);
        if (m.spread && !spread && m.value(r) !== undefined) bare++;
        return { name: r.stack, value: m.value(r) ?? null, ...(spread ? { spread } : {}) };
      });
      charts.push(`<div class="chart">${barChart([{ label: m.label, bars }], { title: `${key.scenario}: ${TIME_CHART_TITLES[m.id] ?? m.label}`, yLabel: 'time', format: fmtNs, tickFormat: fmtTimeTick })}</div>`);
    }
    const bareNote = bare ? `<p class="note">${bare} timing${bare === 1 ? ' has' : 's have'} no whiskers: the result holds no samples for ${bare === 1 ? 'it' : 'them'} (read from CSV; the JSON beside it keeps every sample).</p>` : '';
    const rows = runs
      .map((r) => `<tr><th scope="row">${wrappable(r.stack)}</th>${metrics.map((m) => { const v = m.value(r); return `<td class="num">${v === undefined ? '–' : esc(m.format(v))}</td>`; }).join('')}<td>${r.verdict.ok ? '✓' : '✗'}</td></tr>`)
      .join('');
    const table = `<div class="scroll"><table class="key"><tr><th>stack</th>${metrics.map((m) => `<th>${esc(m.label)}</th>`).join('')}<th>correct</th></tr>${rows}</table></div>`;
    const skipped = KEY_METRICS.filter((m) => !metrics.includes(m)).map((m) => m.label);
    const note = skipped.length ? `<p class="note">Not shown (zero or absent for every stack): ${esc(skipped.join(', '))}.</p>` : '';
    parts.push(`<h3>${esc(title)}</h3><div class="charts">${charts.join('')}</div>${bareNote}${table}${note}`);
  }
  return `<section id="compare"><h2>Key cost metrics by scenario</h2>${parts.join('\n')}</section>`;
}

function sweepSection(set: SweepSet): string {
  const { scenario, param } = set.sweep;
  const size = sweepIsSize(set);
  const stacks = [...new Set(set.sweep.fits.map((f) => f.stack))];
  const charts: string[] = [];
  const skipped: string[] = [];
  const plotted: MetricName[] = [];
  for (const metric of SWEEP_METRICS) {
    const fits = stacks.map((s) => set.sweep.fits.find((f) => f.stack === s && f.metric === metric)).filter((f): f is SweepFit => f !== undefined);
    if (fits.length === 0) continue;
    if (fits.every((f) => f.points.every((p) => p.y === 0))) {
      skipped.push(metric);
      continue;
    }
    plotted.push(metric);
    // a timing's points carry the spread of their run's samples
    const spreadAt = (stack: string, n: number): Spread | undefined => {
      if (metric !== 'time_ns_median') return undefined;
      try {
        const r = set.runs.find((x) => x.stack === stack && valueOf(x, param, size ? 'size' : 'int') === n);
        return samplesSpread(r?.timing);
      } catch {
        return undefined; // a scenario this version does not know: its values cannot be read back
      }
    };
    const series = fits.map((f) => ({
      name: f.stack,
      note: fitOutcome(f).cls,
      points: f.points.map((p) => ((s) => ({ x: size ? p.n * 4096 : p.n, y: p.y, ...(s ? { spread: s } : {}) }))(spreadAt(f.stack, p.n))),
    }));
    const svg = lineChartLogLog(series, {
      title: `${metric} vs ${param} (${scenario})`,
      xLabel: size ? `${param} (bytes, log scale)` : `${param} (log scale)`,
      yLabel: `${metric === 'time_ns_median' ? 'median time' : metric} (log scale)`,
      xTicks: size ? 'binary' : 'decimal',
      xFormat: (x) => (size ? formatPages(x / 4096) : String(x)),
      ...(metric === 'time_ns_median' ? { yTickFormat: fmtTimeTick } : {}),
    });
    charts.push(`<div class="chart">${svg}</div>`);
  }
  const fitRow = (f: SweepFit) =>
    `<tr><td>${wrappable(f.stack)}</td><td><code>${esc(f.metric)}</code></td><td>${((o) => (o.conclusive ? `<b>${esc(o.cls)}</b>` : `<span title="${esc(o.why)}">inconclusive</span>`))(fitOutcome(f))}</td><td class="num">${esc(fmtCoefficient(f.coefficient))}</td><td class="num">${esc(f.rms.toFixed(4))}</td><td class="num">${esc(fmtNum(f.points[0]?.y ?? 0))}</td><td class="num">${esc(fmtNum(f.points.at(-1)?.y ?? 0))}</td></tr>`;
  const fitHead = `<tr><th>stack</th><th>metric</th><th>fitted class</th><th>fitted c</th><th>fit rms</th><th>measured at ${esc(fmtParamValue(set, set.sweep.values[0] ?? 0))}</th><th>measured at ${esc(fmtParamValue(set, set.sweep.values.at(-1) ?? 0))}</th></tr>`;
  const main = set.sweep.fits.filter((f) => plotted.includes(f.metric));
  const others = set.sweep.fits.filter((f) => !SWEEP_METRICS.includes(f.metric) && f.metric !== 'correct' && f.metric !== 'problems' && f.points.some((p) => p.y !== 0));
  const values = set.sweep.values.map((v) => fmtParamValue(set, v));
  return `<section id="sweep"><h2>Sweep: ${esc(scenario)} over ${esc(param)}</h2>
<p class="note">${set.sweep.values.length} values: ${esc(values.join(', '))}. One line per stack, labelled with its fitted complexity class.${skipped.length ? ` Not plotted (zero everywhere): ${esc(skipped.join(', '))}.` : ''}</p>
<div class="charts">${charts.join('')}</div>
<h3>Fitted complexity</h3>
<p class="note">y ≈ c·f(n) with n = ${esc(param)}${size ? ' in 4 KiB pages' : ''}; rms is the residual normalised by the mean (0 = exact); a fit is inconclusive below ${MIN_FIT_POINTS} swept values or above rms ${MAX_FIT_RMS}. Fitted: class, c and rms; measured: the metric's value at that ${esc(param)}.</p>
<div class="scroll"><table class="fits">${fitHead}${main.map(fitRow).join('')}</table></div>
${others.length ? `<details><summary>Fits of the other non-zero metrics (${others.length})</summary><div class="scroll"><table class="fits">${fitHead}${others.map(fitRow).join('')}</table></div></details>` : ''}
</section>`;
}

function countersTable(set: ResultSet): string {
  const used = COUNTER_NAMES.filter((c) => set.runs.some((r) => r.counters[c] !== 0));
  const zero = COUNTER_NAMES.filter((c) => !used.includes(c));
  const timed = set.runs.some((r) => r.timing);
  const head = `<tr><th>scenario</th><th>params</th><th>stack</th><th>ok</th>${used.map((c) => `<th class="rot">${esc(c)}</th>`).join('')}${timed ? '<th>time median</th><th>time mean</th><th>rme</th><th>samples</th><th>ksmd median</th><th>ksmd mean</th><th>ksmd rme</th>' : ''}</tr>`;
  const rows = set.runs.map((r) => {
    const t = r.timing;
    const time = timed
      ? t
        ? `<td class="num">${esc(fmtNs(t.median_ns))}</td><td class="num">${esc(fmtNs(t.mean_ns))}</td><td class="num">±${esc(String(t.rme_pct))}%</td><td class="num">${fmtInt(t.samples)}</td>` +
          (t.ksmd
            ? `<td class="num">${esc(fmtNs(t.ksmd.median_ns))}</td><td class="num">${esc(fmtNs(t.ksmd.mean_ns))}</td><td class="num">±${esc(String(t.ksmd.rme_pct))}%</td>`
            : '<td>–</td><td>–</td><td>–</td>')
        : '<td>–</td><td>–</td><td>–</td><td>–</td><td>–</td><td>–</td><td>–</td>'
      : '';
    return `<tr><td class="nowrap">${esc(r.scenario)}</td><td class="mono nowrap">${esc(r.params)}</td><td class="nowrap">${esc(r.stack)}</td><td>${r.verdict.ok ? '✓' : '✗'}</td>${used.map((c) => `<td class="num">${esc(fmtNum(metricValue(r, c) ?? 0))}</td>`).join('')}${time}</tr>`;
  });
  return `<section id="counters"><h2>All counters</h2><details><summary>Every counter of every run (${set.runs.length} runs × ${used.length} non-zero counters)</summary>
<div class="scroll"><table class="counters">${head}\n${rows.join('\n')}</table></div>
${zero.length ? `<p class="note">Zero in every run: ${esc(zero.join(', '))}.</p>` : ''}</details></section>`;
}

/** The whole report as one HTML5 document. */
export function renderHtml(set: ResultSet): string {
  const title = `ksmbench report — ${set.suite}`;
  const sweep = isSweepSet(set) ? sweepSection(set) : '';
  // A sweep's runs differ only by the swept value: its line charts replace per-scenario bars.
  const compare = isSweepSet(set) ? '' : compareCharts(set);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ksmbench ${esc(set.env.ksmbench ?? '')}">
<title>${esc(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header><h1>${esc(title)}</h1>
${header(set)}
</header>
<main>
${correctness(set)}
${compare}
${sweep}
${countersTable(set)}
</main>
</body>
</html>
`;
}
