// A compare as one self-contained HTML5 document (compare --format html, report compare.json):
// what was compared (inputs, commits, dirty flags, alpha, threshold, replication), the verdict
// changes first, then the changed metrics with the direction of each, the tested timings with
// how their samples spread, and the notes. Inline CSS and SVG only; all text is escaped.
import { type MetricDiff } from './compare.ts';
import {
  type CompareInput,
  type CompareReport,
  comparedLine,
  compareTitle,
  classStatusText,
  fmtValue,
  isVerdictChange,
  replicationText,
  type ReportClassDiff,
  type ReportDiff,
  shortCommit,
  shownDiffs,
  spreadText,
  statusSummary,
  statusText,
  sweepClasses,
} from './compare-report.ts';
import { REPORT_CSS } from './html.ts';
import { barChart, escapeXml as esc } from './svg.ts';
import { fmtInt, fmtNs } from './table.ts';

const CSS = `${REPORT_CSS}
td.better { color: #1a7f37; background: #eef8f0; font-weight: 600; }
td.worse { color: #b42318; background: #fdecea; font-weight: 700; }
td.neither { color: #555; }
tr.regressed td.status { color: #b42318; font-weight: 700; }
tr.fixed td.status { color: #1a7f37; font-weight: 600; }
.badge.dirty { background: #fff1c2; color: #7a4d00; }
.badge.clean { background: #eef0f3; color: #444; }
ul.notes li { margin: 4px 0; }
`;

/** Markup of a directions cell: better / worse / neither, or empty. */
function directionCell(d: { readonly direction: string | null }): string {
  return d.direction ? `<td class="${esc(d.direction)}">${esc(d.direction)}</td>` : '<td></td>';
}

function inputItem(i: CompareInput): string {
  const what = i.source === 'file' ? `file <code>${esc(i.name)}</code>` : i.source === 'revision' ? `revision <code>${esc(i.name)}</code>` : `the working tree <code>${esc(i.name)}</code>`;
  const branch = i.branch && i.branch !== 'HEAD' ? ` (${esc(i.branch)})` : '';
  const dirty = i.dirty ? '<span class="badge dirty">dirty: uncommitted changes</span>' : '<span class="badge clean">clean</span>';
  const created = i.created ? `, created ${esc(i.created)}` : '';
  return `<dt>${esc(i.role)}</dt><dd>${what} — commit <code title="${esc(i.commit)}">${esc(shortCommit(i.commit))}</code>${branch} ${dirty}; suite ${esc(i.suite)}, ${fmtInt(i.runs)} run${i.runs === 1 ? '' : 's'}${created}</dd>`;
}

function header(r: CompareReport): string {
  const rows = r.inputs.map(inputItem);
  if (r.kind !== 'sweeps') {
    rows.push(`<dt>timing test</dt><dd>one-sided Mann-Whitney U at alpha ${esc(String(r.alpha))}, noise threshold ${esc(String(r.threshold))} (relative), on ${esc(replicationText(r.replication))}</dd>`);
    if (r.against !== undefined) rows.push(`<dt>reference stack</dt><dd>${esc(r.against)}</dd>`);
  } else rows.push('<dt>compared</dt><dd>two sweeps: correctness at every point, then the complexity class of each fit</dd>');
  const compared = comparedLine(r);
  if (compared) rows.push(`<dt>commits</dt><dd>${esc(compared.replace(/^compared: /, ''))}</dd>`);
  const regressed = r.diffs.filter((d) => d.status === 'regressed').length;
  const badge = regressed ? `<span class="badge fail">${regressed} regressed</span>` : '<span class="badge ok">no regression</span>';
  return `<dl class="env">${rows.join('')}</dl><p class="summary-line">${badge} ${esc(statusSummary(r.diffs))}</p>`;
}

function diffTable(ds: readonly ReportDiff[], byStack: boolean): string {
  const head = ['scenario', 'params', 'stack', ...(byStack ? ['vs'] : []), 'metric', 'old', 'new', 'delta', 'ratio', 'status', 'direction'];
  const rows = ds.map((d) => {
    const vs = byStack ? [`<td>${esc(d.against)}</td>`] : [];
    const num = (v: string) => `<td class="num">${esc(v)}</td>`;
    return (
      `<tr class="${esc(d.status)}"><td class="nowrap">${esc(d.scenario)}</td><td class="mono">${esc(d.params)}</td><td class="nowrap">${esc(d.stack)}</td>${vs.join('')}` +
      `<td><code>${esc(d.metric)}</code></td>${num(fmtValue(d.old))}${num(fmtValue(d.new))}${num(fmtValue(d.delta))}${num(d.ratio === null ? '-' : d.ratio.toFixed(4))}<td class="status">${esc(statusText(d))}</td>${directionCell(d)}</tr>`
    );
  });
  return `<div class="scroll"><table class="diffs"><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.join('\n')}</table></div>`;
}

/** At most this many runs in one timing chart; the table below it has them all. */
const CHART_RUNS = 40;

function runLabel(d: MetricDiff): string {
  return `${d.scenario}${d.params ? ` [${d.params}]` : ''} × ${d.stack}${d.against !== d.stack ? ` vs ${d.against}` : ''}`;
}

/** The tested timings shown: per metric a chart of old and new with their spread, and a table of both spreads. */
function timings(shown: readonly ReportDiff[]): string {
  const tested = shown.filter((d) => d.spread !== undefined);
  if (tested.length === 0) return '';
  const charts: string[] = [];
  for (const metric of [...new Set(tested.map((d) => d.metric))]) {
    const mine = tested.filter((d) => d.metric === metric);
    const groups = mine.slice(0, CHART_RUNS).map((d) => ({
      label: runLabel(d),
      bars: (['old', 'new'] as const).map((side, k) => ({ name: side, value: k === 0 ? d.old : d.new, spread: d.spread![k] })),
    }));
    const more = mine.length - groups.length;
    charts.push(`<div class="chart">${barChart(groups, { title: `${metric}: old and new`, yLabel: 'time', format: fmtNs, tickFormat: (v) => (v === 0 ? '0' : fmtNs(v)) })}</div>${more > 0 ? `<p class="note">${more} more in the table.</p>` : ''}`);
  }
  const rows = tested.map(
    (d) =>
      `<tr class="${esc(d.status)}"><td>${esc(runLabel(d))}</td><td><code>${esc(d.metric)}</code></td><td class="num">${esc(spreadText(d.spread![0]))}</td><td class="num">${esc(spreadText(d.spread![1]))}</td><td class="status">${esc(statusText(d))}</td>${directionCell(d)}</tr>`,
  );
  return `<section id="timings"><h2>Timings</h2><p class="note">Each tested timing: the median [p25–p75] (min–max, samples) of each side; the whiskers of the charts span min–max, the boxes p25–p75.</p><div class="charts">${charts.join('')}</div>
<div class="scroll"><table class="timings"><tr><th>run</th><th>metric</th><th>old</th><th>new</th><th>status</th><th>direction</th></tr>${rows.join('\n')}</table></div></section>`;
}

function classTable(ds: readonly ReportClassDiff[]): string {
  const rows = ds.map((d) => `<tr class="${esc(d.status)}"><td class="nowrap">${esc(d.stack)}</td><td><code>${esc(d.metric)}</code></td><td>${esc(d.old)}</td><td>${esc(d.new)}</td><td class="status">${esc(classStatusText(d))}</td>${directionCell(d)}</tr>`);
  return `<div class="scroll"><table class="diffs"><tr><th>stack</th><th>metric</th><th>old class</th><th>new class</th><th>status</th><th>direction</th></tr>${rows.join('\n')}</table></div>`;
}

function body(r: CompareReport, all: boolean): string {
  const parts: string[] = [];
  if (r.kind === 'sweeps') {
    const verdicts = r.diffs.filter((d) => d.status === 'regressed' || d.status === 'fixed');
    const classes = sweepClasses(r.diffs, all);
    parts.push(`<section id="verdicts"><h2>Verdict changes</h2>${verdicts.length ? classTable(verdicts) : '<p>None: every point has the verdict and correctness counters it had.</p>'}</section>`);
    parts.push(`<section id="classes"><h2>${all ? 'Complexity classes' : 'Changed complexity classes'}</h2>${classes.length ? classTable(classes) : '<p>No class changed.</p>'}</section>`);
    return parts.join('\n');
  }
  const byStack = r.kind === 'by-stack';
  const shown = shownDiffs(r.diffs, all);
  const verdicts = shown.filter(isVerdictChange);
  const oneSide = shown.filter((d) => d.status === 'added' || d.status === 'removed');
  const rest = shown.filter((d) => !isVerdictChange(d) && d.status !== 'added' && d.status !== 'removed');
  parts.push(`<section id="verdicts"><h2>Verdict changes</h2>${verdicts.length ? diffTable(verdicts, byStack) : '<p>None: every run compared has the verdict and correctness counters it had.</p>'}</section>`);
  parts.push(`<section id="changed"><h2>${all ? 'Every metric' : 'Changed metrics'}</h2>${rest.length ? diffTable(rest, byStack) : '<p>No other metric changed.</p>'}</section>`);
  parts.push(timings(shown));
  if (oneSide.length) parts.push(`<section id="one-side"><h2>Runs in one input only</h2>${diffTable(oneSide, byStack)}</section>`);
  if (r.notes.length) parts.push(`<section id="notes"><h2>Notes</h2><ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>`);
  return parts.filter((p) => p !== '').join('\n');
}

/** The compare as one HTML5 document. */
export function compareHtml(r: CompareReport, all: boolean): string {
  const title = compareTitle(r);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ksmbench compare">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(title)}</h1>
${header(r)}
</header>
<main>
${body(r, all)}
</main>
</body>
</html>
`;
}
