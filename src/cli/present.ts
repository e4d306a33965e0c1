// Presenting a result set on stdout: a readable table, tidy CSV, JSON or Markdown.
import type { ResultSet, RunRecord } from '../harness/results.ts';
import { toCsv, toJson } from '../report/files.ts';
import { calibrationText } from '../report/html.ts';
import { fmtInt, fmtNs, renderMarkdown, renderTable } from '../report/table.ts';
import type { Format } from './options.ts';

/** The run table's columns: run --help and the README explain each abbreviation (a test checks). */
export const HEADER = ['scenario', 'params', 'stack', 'verdict', 'pt_reads', 'scan/lookup', 'pt/scan', 'locks', 'shared', 'sharing', 'avc_visits', 'avc/walk', 'missed', 'unmerge_reads', 'stale/wrong', 'pinned', 'time', 'ksmd time'];

/** The column a priced result adds (its runs' predicted_ksmd_ns); absent when no run is priced. */
export const PREDICTED_COLUMN = 'predicted';

/** The counter columns read as pairs, left-aligned (the others right-aligned from pt_reads on). */
const LEFT_ALIGNED: ReadonlySet<string> = new Set(['stale/wrong', 'pinned']);

/** A mean: an integer as one, else one decimal. */
function fmtMean(x: number): string {
  return Number.isInteger(x) ? fmtInt(x) : x.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

function row(r: RunRecord, priced: boolean): string[] {
  const c = r.counters;
  return [
    r.scenario,
    r.params,
    r.stack,
    r.verdict.ok ? 'ok' : `FAIL(${r.verdict.problems.length})`,
    fmtInt(c.pt_reads),
    `${fmtInt(c.pt_reads_scan)}/${fmtInt(c.pt_reads_lookup)}`,
    c.full_scans ? fmtInt(Math.round(c.pt_reads_scan / c.full_scans)) : '-',
    fmtInt(c.ptl_locks),
    fmtInt(c.pages_shared),
    fmtInt(c.pages_sharing),
    fmtInt(c.rmap_avc_visits),
    // derived, like pt/scan: the mean per rmap_walk_ksm (the maximum is rmap_avc_visits_max)
    c.rmap_walks ? fmtMean(c.rmap_avc_visits / c.rmap_walks) : '-',
    fmtInt(c.rmap_mappings_missed),
    fmtInt(c.pt_reads_unmerge),
    `${c.stale_overlay_reads}/${c.pages_wrongly_skipped}`,
    `${c.freed_pages_pinned}/${c.scans_until_freed}`,
    r.timing ? `${fmtNs(r.timing.median_ns)} ±${r.timing.rme_pct}%` : '-',
    r.timing?.ksmd ? `${fmtNs(r.timing.ksmd.median_ns)} ±${r.timing.ksmd.rme_pct}%` : '-',
    ...(priced ? [r.predicted_ksmd_ns === undefined ? '-' : fmtNs(r.predicted_ksmd_ns)] : []),
  ];
}

/** The table's header and rows: the predicted column only when some run is priced. */
function table(set: ResultSet): { header: string[]; rows: string[][] } {
  const priced = set.runs.some((r) => r.predicted_ksmd_ns !== undefined);
  return { header: priced ? [...HEADER, PREDICTED_COLUMN] : HEADER, rows: set.runs.map((r) => row(r, priced)) };
}

/** The problems shown per failing run under the table; the rest are counted and pointed to. */
export const SHOWN_PROBLEMS = 5;
/** What the engine puts last when it stopped listing a run's problems (src/harness/execute.ts). */
const UNLISTED = '… more problems not listed';

/**
 * The problems of failing runs under the table, the first SHOWN_PROBLEMS of each; "… and N
 * more" says how many are not shown and where they all are (`jsonFile`, the result file
 * written, or --format json when none is).
 */
function problems(set: ResultSet, jsonFile: string | undefined): string {
  const lines: string[] = [];
  for (const r of set.runs) {
    if (r.verdict.ok) continue;
    lines.push(`${r.scenario} × ${r.stack}:`);
    const capped = r.verdict.problems.at(-1) === UNLISTED;
    const listed = capped ? r.verdict.problems.slice(0, -1) : r.verdict.problems;
    for (const p of listed.slice(0, SHOWN_PROBLEMS)) lines.push(`  - ${p}`);
    const hidden = listed.length - SHOWN_PROBLEMS;
    if (hidden > 0 || capped) {
      const where = jsonFile ? `in ${jsonFile}` : 'with --format json';
      lines.push(`  … and ${Math.max(0, hidden)}${capped ? '+' : ''} more (${capped ? `the first ${listed.length}` : `all ${listed.length}`} ${where}, runs[].verdict.problems)`);
    }
    for (const k of r.verdict.knownWrong) lines.push(`  known: ${k}`);
  }
  return lines.length ? `\nCorrectness problems (the oracle's verdicts):\n${lines.join('\n')}` : '';
}

/** The system calls each run's kernel refused (outcomes of its version, not problems), the first few a run. */
function opErrors(set: ResultSet): string {
  const lines: string[] = [];
  for (const r of set.runs) {
    const errors = r.op_errors ?? [];
    if (!errors.length) continue;
    lines.push(`${r.scenario} × ${r.stack}:`);
    for (const e of errors.slice(0, SHOWN_PROBLEMS)) lines.push(`  - ${e}`);
    if (errors.length > SHOWN_PROBLEMS) lines.push(`  … and ${errors.length - SHOWN_PROBLEMS} more (runs[].op_errors)`);
  }
  return lines.length ? `\nSystem calls the kernel refused (as that version does; not the variant's fault):\n${lines.join('\n')}\n` : '';
}

/** Under a priced table: which calibration priced it. */
function pricedBy(set: ResultSet): string {
  return set.calibration ? `predicted: ksmd CPU time priced by calibration ${calibrationText(set.calibration)}\n` : '';
}

/** The result on stdout; `jsonFile`: the result file written, where a table's unshown problems are. */
export function present(set: ResultSet, format: Format, jsonFile?: string): string {
  switch (format) {
    case 'csv':
      return toCsv(set);
    case 'json':
      return toJson(set);
    case 'markdown': {
      const { header, rows } = table(set);
      return `${renderMarkdown(header, rows)}\n`;
    }
    default: {
      const { header, rows } = table(set);
      return `${renderTable(header, rows, (c) => c >= 4 && !LEFT_ALIGNED.has(header[c]!))}\n${pricedBy(set)}${problems(set, jsonFile)}\n${opErrors(set)}`;
    }
  }
}
