// The live fidelity matrix as a report (ksmbench report matrix.json): scenario × stack, the
// values equal at the checkpoints, the kernels that ran, and why a cell could not run.
import { readFileSync } from 'node:fs';
import { LIVE_MATRIX_FORMAT, type LiveMatrix, type MatrixCell } from '../live/matrix.ts';
import { escapeXml } from './svg.ts';
import { REPORT_CSS } from './html.ts';

/** The text of one cell: "73/73", "DIFFERS 70/73", or "-" (cannot run). */
export function cellText(c: MatrixCell | undefined): string {
  if (!c || c.status === 'cannot run') return '-';
  return c.status === 'equal' ? `${c.equal}/${c.compared}` : `DIFFERS ${c.equal}/${c.compared}`;
}

/** A matrix result file, or null when the file is not one. */
export function readLiveMatrix(path: string): LiveMatrix | null {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<LiveMatrix>;
    return raw.format === LIVE_MATRIX_FORMAT && Array.isArray(raw.cells) && Array.isArray(raw.stacks) && Array.isArray(raw.scenarios) ? (raw as LiveMatrix) : null;
  } catch {
    return null;
  }
}

function rows(m: LiveMatrix): { head: string[]; body: string[][]; kernels: string[][]; cannot: string[]; differing: string[] } {
  const at = (stack: string, scenario: string) => m.cells.find((c) => c.stack === stack && c.scenario === scenario);
  return {
    head: ['scenario', ...m.stacks],
    body: m.scenarios.map((s) => [s, ...m.stacks.map((st) => cellText(at(st, s)))]),
    kernels: m.stacks.flatMap((st) => {
      const ran = [...new Map(m.cells.filter((x) => x.stack === st && x.kernel).map((x) => [`${x.kernel}|${x.where}`, [st, x.kernel!, x.where ?? '-']])).values()];
      return ran.length ? ran : [[st, '-', '-']];
    }),
    cannot: m.cells.filter((c) => c.status === 'cannot run').map((c) => `${c.scenario} × ${c.stack}: ${c.why ?? ''}`),
    differing: m.cells.flatMap((c) => (c.differing ?? []).map((d) => `${c.scenario} × ${c.stack}, ${d}`)),
  };
}

const NOTE = 'Values equal / compared at every checkpoint of the scenario (after each ksmd op and expect); "-": could not run.';

/** The matrix as one self-contained HTML page. */
export function matrixHtml(m: LiveMatrix): string {
  const r = rows(m);
  const table = (head: string[], body: string[][]) =>
    `<table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${body.map((b) => `<tr>${b.map((x) => `<td>${escapeXml(x)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const list = (title: string, items: string[]) => (items.length ? `<h2>${title}</h2><ul>${items.map((c) => `<li>${escapeXml(c)}</li>`).join('')}</ul>` : '');
  const cannot = list('Values that differ', r.differing) + list('Could not run', r.cannot);
  return `<!doctype html><html><head><meta charset="utf-8"><title>ksmbench live matrix</title><style>${REPORT_CSS}</style></head><body><h1>ksmbench live matrix</h1><p>created ${escapeXml(m.created)}</p>${table(r.head, r.body)}<p>${escapeXml(NOTE)}</p>${table(['stack', 'kernel', 'where'], r.kernels)}${cannot}</body></html>\n`;
}

/** The matrix as Markdown: the same tables. */
export function matrixMarkdown(m: LiveMatrix): string {
  const r = rows(m);
  const md = (head: string[], body: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- |').join('')}`, ...body.map((b) => `| ${b.join(' | ')} |`)];
  const lines = ['# ksmbench live matrix', '', `- created: ${m.created}`, '', ...md(r.head, r.body), '', NOTE, '', ...md(['stack', 'kernel', 'where'], r.kernels)];
  if (r.differing.length) lines.push('', '## Values that differ', '', ...r.differing.map((c) => `- ${c}`));
  if (r.cannot.length) lines.push('', '## Could not run', '', ...r.cannot.map((c) => `- ${c}`));
  return `${lines.join('\n')}\n`;
}
