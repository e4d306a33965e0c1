// Presenting a result set on stdout: a readable table, tidy CSV, JSON or Markdown.
import type { ResultSet, RunRecord } from '../harness/results.ts';
import { toCsv, toJson } from '../report/files.ts';
import { fmtInt, fmtNs, renderMarkdown, renderTable } from '../report/table.ts';
import type { Format } from './options.ts';

const HEADER = ['scenario', 'params', 'stack', 'verdict', 'pt_reads', 'pt/scan', 'shared', 'sharing', 'avc_visits', 'missed', 'unmerge_reads', 'stale/wrong', 'pinned', 'time', 'ksmd time'];

function row(r: RunRecord): string[] {
  const c = r.counters;
  return [
    r.scenario,
    r.params,
    r.stack,
    r.verdict.ok ? 'ok' : `FAIL(${r.verdict.problems.length})`,
    fmtInt(c.pt_reads),
    c.full_scans ? fmtInt(Math.round(c.pt_reads / c.full_scans)) : '-',
    fmtInt(c.pages_shared),
    fmtInt(c.pages_sharing),
    fmtInt(c.rmap_avc_visits),
    fmtInt(c.rmap_mappings_missed),
    fmtInt(c.unmerge_pt_reads),
    `${c.stale_overlay_reads}/${c.pages_wrongly_skipped}`,
    `${c.freed_pages_pinned}/${c.scans_until_freed}`,
    r.timing ? `${fmtNs(r.timing.median_ns)} ±${r.timing.rme_pct}%` : '-',
    r.timing?.ksmd ? `${fmtNs(r.timing.ksmd.median_ns)} ±${r.timing.ksmd.rme_pct}%` : '-',
  ];
}

/** The problems of failing runs, one line each, under the table. */
function problems(set: ResultSet): string {
  const lines: string[] = [];
  for (const r of set.runs) {
    if (r.verdict.ok) continue;
    lines.push(`${r.scenario} × ${r.stack}:`);
    for (const p of r.verdict.problems.slice(0, 5)) lines.push(`  - ${p}`);
    for (const k of r.verdict.knownWrong) lines.push(`  known: ${k}`);
  }
  return lines.length ? `\nCorrectness problems (the oracle's verdicts):\n${lines.join('\n')}` : '';
}

export function present(set: ResultSet, format: Format): string {
  switch (format) {
    case 'csv':
      return toCsv(set);
    case 'json':
      return toJson(set);
    case 'markdown':
      return `${renderMarkdown(HEADER, set.runs.map(row))}\n`;
    default:
      return `${renderTable(HEADER, set.runs.map(row), (c) => c >= 4 && c !== 11 && c !== 12)}\n${problems(set)}\n`;
  }
}
