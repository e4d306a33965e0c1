// A compare as one document: what was compared (the inputs, with their commits and whether
// their working tree was dirty), how timings were judged (alpha, threshold, replication), the
// diffs with the direction of each change, and the notes. `compare --format json` writes it;
// the table, CSV, Markdown and HTML (compare-html.ts) present it; `report` reads it back.
import { readFileSync } from 'node:fs';
import type { ResultSet } from '../harness/results.ts';
import { ResultFileError } from './files.ts';
import { type ChangeDirection, changeDirection, type ClassDiff, isCorrectnessMetric, type MetricDiff, type Replication, timingNotes, type TimingRule } from './compare.ts';
import type { Spread } from './stats.ts';
import { fmtInt, fmtNs, renderMarkdown, renderTable } from './table.ts';

export const COMPARE_FORMAT = 'ksmbench-compare/1';

/** One side of a compare: a result file, a git revision (run in a worktree), or the working tree. */
export interface CompareInput {
  /** old / new, or the one result of --by stack. */
  readonly role: 'old' | 'new' | 'result';
  readonly source: 'file' | 'revision' | 'working tree';
  /** The file's path, the revision as given (HEAD~1), or the directory of the working tree. */
  readonly name: string;
  /** The commit its runs were made at: a revision's full id, otherwise the result's env.git.commit. */
  readonly commit: string;
  readonly branch: string;
  /** Whether the tree that ran it had uncommitted changes (the result's env.git.dirty). */
  readonly dirty: boolean;
  readonly suite: string;
  readonly created: string;
  readonly runs: number;
}

export type ReportDiff = MetricDiff & { readonly direction: ChangeDirection | null };
export type ReportClassDiff = ClassDiff & { readonly direction: ChangeDirection | null };

/** Two sets run for run (`kind: 'runs'`: two files or --base), or the stacks of one (`by-stack`). */
export interface RunsCompare {
  readonly format: typeof COMPARE_FORMAT;
  readonly kind: 'runs' | 'by-stack';
  readonly inputs: readonly CompareInput[];
  /** --by stack: the stack every other is compared against. */
  readonly against?: string;
  readonly alpha: number;
  readonly threshold: number;
  readonly replication: Replication;
  /** How far the timing verdicts go (timingNotes). */
  readonly notes: readonly string[];
  readonly diffs: readonly ReportDiff[];
}

/** Two sweeps: correctness at every point, then the complexity classes (no timing test). */
export interface SweepsCompare {
  readonly format: typeof COMPARE_FORMAT;
  readonly kind: 'sweeps';
  readonly inputs: readonly CompareInput[];
  readonly notes: readonly string[];
  readonly diffs: readonly ReportClassDiff[];
}

export type CompareReport = RunsCompare | SweepsCompare;

function fromSet(set: ResultSet): Pick<CompareInput, 'commit' | 'branch' | 'dirty' | 'suite' | 'created' | 'runs'> {
  const git = set.env.git;
  return { commit: git.commit, branch: git.branch, dirty: git.dirty, suite: set.suite, created: set.created, runs: set.runs.length };
}

export function fileInput(role: CompareInput['role'], path: string, set: ResultSet): CompareInput {
  return { role, source: 'file', name: path, ...fromSet(set) };
}

/** A revision checked out at `sha` (its full id, resolved before the run). */
export function revisionInput(role: CompareInput['role'], rev: string, sha: string, set: ResultSet): CompareInput {
  return { role, source: 'revision', name: rev, ...fromSet(set), commit: sha };
}

export function workingTreeInput(role: CompareInput['role'], dir: string, set: ResultSet): CompareInput {
  return { role, source: 'working tree', name: dir, ...fromSet(set) };
}

export function runsCompare(kind: RunsCompare['kind'], inputs: readonly CompareInput[], diffs: readonly MetricDiff[], rule: TimingRule, replication: Replication, against?: string): RunsCompare {
  return {
    format: COMPARE_FORMAT,
    kind,
    inputs,
    ...(against !== undefined ? { against } : {}),
    alpha: rule.alpha,
    threshold: rule.threshold,
    replication,
    notes: timingNotes(diffs, rule, replication),
    diffs: diffs.map((d) => ({ ...d, direction: changeDirection(d) })),
  };
}

/** The direction of a class diff: worse / better by complexity; a regression or an invalid change is worse. */
export function classDirection(d: ClassDiff): ChangeDirection | null {
  if (d.status === 'regressed' || d.status === 'worse' || d.status === 'invalid') return 'worse';
  if (d.status === 'fixed' || d.status === 'better') return 'better';
  return null;
}

export function sweepsCompare(inputs: readonly CompareInput[], diffs: readonly ClassDiff[]): SweepsCompare {
  return { format: COMPARE_FORMAT, kind: 'sweeps', inputs, notes: [], diffs: diffs.map((d) => ({ ...d, direction: classDirection(d) })) };
}

// ─── what the presentations share ───────────────────────────────────────────────────────────

/** A commit id as shown: its first 12 hex digits. */
export function shortCommit(c: string): string {
  return /^[0-9a-f]{13,}$/.test(c) ? c.slice(0, 12) : c;
}

/** One input in a line: "HEAD~1 = 0123456789ab", "the working tree at 0123456789ab (dirty: …)", "a.json (suite …)". */
export function inputText(i: CompareInput): string {
  const at = shortCommit(i.commit);
  if (i.source === 'revision') return `${i.name} = ${at}${i.dirty ? ' (dirty)' : ''}`;
  if (i.source === 'working tree') return `the working tree at ${at} (${i.dirty ? 'dirty: its uncommitted changes were run' : 'clean'})`;
  return `${i.name} (suite ${i.suite}, ${fmtInt(i.runs)} run${i.runs === 1 ? '' : 's'}, commit ${at}${i.dirty ? ', dirty working tree' : ''})`;
}

/** For a compare of git revisions: which commits were compared, in one line; null for files. */
export function comparedLine(r: CompareReport): string | null {
  const old = r.inputs.find((i) => i.role === 'old');
  const now = r.inputs.find((i) => i.role === 'new');
  if (!old || !now || (old.source === 'file' && now.source === 'file')) return null;
  return `compared: base ${inputText(old)} → head ${inputText(now)}`;
}

export function replicationText(r: Replication): string {
  return r.kind === 'rounds' ? `the per-round medians of ${r.rounds} rounds, base and head alternately (the process is the unit of replication)` : 'one process per side (its samples are not independent replications)';
}

/** Verdict changes first: regressed (the verdict's before the counters'), then fixed. */
function rank(d: MetricDiff): number {
  const verdict = d.metric === 'correct' || d.metric === 'problems';
  if (d.status === 'regressed') return verdict ? 0 : 1;
  if (d.status === 'fixed') return verdict ? 2 : 3;
  return 4;
}

/** A diff of a run's verdict or correctness counters (regressed or fixed). */
export function isVerdictChange(d: MetricDiff): boolean {
  return (d.status === 'regressed' || d.status === 'fixed') && isCorrectnessMetric(d.metric);
}

/** The diffs a presentation shows, verdict changes first: with `all`, every one; otherwise the changes. */
export function shownDiffs(diffs: readonly ReportDiff[], all: boolean): ReportDiff[] {
  return (all ? diffs : diffs.filter((d) => d.status !== 'same' && d.status !== 'untested')).slice().sort((x, y) => rank(x) - rank(y));
}

/** "44 same, 2 changed": the count of each status, in order of first appearance. */
export function statusSummary(diffs: readonly { readonly status: string }[]): string {
  const counts = new Map<string, number>();
  for (const d of diffs) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
}

export function fmtValue(v: number | null): string {
  if (v === null) return '-';
  return Number.isInteger(v) ? fmtInt(v) : v.toPrecision(6);
}

/** A timing's spread in one cell: "263.6 µs [250.1 µs–280.0 µs] (240.0 µs–1.2 ms, n=10)". */
export function spreadText(s: Spread): string {
  return `${fmtNs(Math.round(s.median))} [${fmtNs(Math.round(s.p25))}–${fmtNs(Math.round(s.p75))}] (${fmtNs(s.min)}–${fmtNs(s.max)}, n=${s.samples})`;
}

export function statusText(d: MetricDiff): string {
  return d.status + (d.p !== undefined ? ` (p=${d.p.toPrecision(2)})` : '');
}

export function classStatusText(d: ClassDiff): string {
  if (d.status === 'same') return 'same';
  if (d.status === 'regressed') return `REGRESSED at ${d.points} point${d.points === 1 ? '' : 's'}`;
  if (d.status === 'fixed') return `fixed at ${d.points} point${d.points === 1 ? '' : 's'}`;
  if (d.status === 'invalid') return 'CLASS CHANGED (invalid: the new side fails the oracle)';
  if (d.status === 'inconclusive') return 'not compared (a fit is inconclusive)';
  if (d.status === 'untested') return 'not compared (a timing: its classes are not exact)';
  return `CLASS CHANGED (${d.status})`;
}

const HEADER = ['scenario', 'params', 'stack', 'vs', 'metric', 'old', 'new', 'delta', 'ratio', 'status', 'direction'];

function diffRow(d: ReportDiff): string[] {
  return [d.scenario, d.params, d.stack, d.against === d.stack ? '' : d.against, d.metric, fmtValue(d.old), fmtValue(d.new), fmtValue(d.delta), d.ratio === null ? '-' : d.ratio.toFixed(4), statusText(d), d.direction ?? ''];
}

/** The class diffs of two sweeps a report lists after the verdict changes: with `all` every one, otherwise those not "same". */
export function sweepClasses(diffs: readonly ReportClassDiff[], all: boolean): ReportClassDiff[] {
  return diffs.filter((d) => d.status !== 'regressed' && d.status !== 'fixed' && (all || d.status !== 'same'));
}

const CLASS_HEADER = ['stack', 'metric', 'old class', 'new class', 'status'];

function classRow(d: ClassDiff): string[] {
  return [d.stack, d.metric, d.old, d.new, classStatusText(d)];
}

// ─── table, CSV, JSON ───────────────────────────────────────────────────────────────────────

export type CompareFormat = 'table' | 'csv' | 'json' | 'markdown' | 'html';
export const COMPARE_FORMATS: readonly CompareFormat[] = ['table', 'csv', 'json', 'markdown', 'html'];

export function compareJson(r: CompareReport): string {
  return `${JSON.stringify(r, null, 1)}\n`;
}

/** The terminal table: the shown diffs, the summary, which commits (for --base), the notes. */
export function compareTable(r: CompareReport, all: boolean): string {
  const compared = comparedLine(r);
  const tail = [...(compared ? [compared] : []), ...r.notes].map((n) => `${n}\n`).join('');
  if (r.kind === 'sweeps') return `${renderTable(CLASS_HEADER, r.diffs.map(classRow))}\n${tail}`;
  const rows = shownDiffs(r.diffs, all).map(diffRow);
  return `${rows.length ? renderTable(HEADER, rows, (c) => c >= 5 && c <= 8) : 'no metric changed'}\n${statusSummary(r.diffs)}\n${tail}`;
}

export function compareCsv(r: CompareReport, csv: (rows: readonly (readonly (string | number)[])[]) => string): string {
  if (r.kind === 'sweeps') return csv([CLASS_HEADER, ...r.diffs.map(classRow)]);
  const columns = ['scenario', 'params', 'stack', 'against', 'metric', 'old', 'new', 'delta', 'ratio', 'status', 'p', 'direction'] as const;
  return csv([columns, ...r.diffs.map((d) => [d.scenario, d.params, d.stack, d.against, d.metric, d.old ?? '', d.new ?? '', d.delta ?? '', d.ratio ?? '', d.status, d.p ?? '', d.direction ?? ''])]);
}

// ─── Markdown ───────────────────────────────────────────────────────────────────────────────

/** Escape what Markdown would read as markup or inline HTML. */
function md(s: string): string {
  return s.replace(/[\\`*<>]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

function inputMarkdown(i: CompareInput): string {
  const what = i.source === 'file' ? `\`${i.name}\`` : i.source === 'revision' ? `revision \`${i.name}\`` : 'the working tree';
  const git = `commit \`${shortCommit(i.commit)}\`${i.branch && i.branch !== 'HEAD' ? ` (${md(i.branch)})` : ''}, ${i.dirty ? '**dirty** (uncommitted changes)' : 'clean'}`;
  return `- ${i.role}: ${what} — ${git}; suite ${md(i.suite)}, ${fmtInt(i.runs)} run${i.runs === 1 ? '' : 's'}${i.created ? `, created ${md(i.created)}` : ''}`;
}

function titleOf(r: CompareReport): string {
  if (r.kind === 'by-stack') return `stacks of ${r.inputs[0]?.name ?? ''} against ${r.against ?? ''}`;
  const name = (i: CompareInput | undefined) => (i === undefined ? '?' : i.source === 'working tree' ? 'working tree' : i.name);
  return `${name(r.inputs.find((i) => i.role === 'old'))} → ${name(r.inputs.find((i) => i.role === 'new'))}`;
}

export function compareTitle(r: CompareReport): string {
  return `ksmbench compare — ${titleOf(r)}`;
}

/** A Markdown document: inputs, how timings were judged, verdict changes first, then the changed metrics with their direction, then the notes. */
export function compareMarkdown(r: CompareReport, all: boolean): string {
  const out: string[] = [`# ${md(compareTitle(r))}`, ''];
  out.push(...r.inputs.map(inputMarkdown));
  if (r.kind !== 'sweeps') {
    out.push(`- timing test: one-sided Mann-Whitney U at alpha ${r.alpha}, noise threshold ${r.threshold} (relative), on ${replicationText(r.replication)}`);
    if (r.against !== undefined) out.push(`- reference stack: ${md(r.against)}`);
  } else out.push('- two sweeps: correctness at every point, then the complexity class of each fit');
  const compared = comparedLine(r);
  if (compared) out.push(`- ${md(compared)}`);
  out.push('');
  if (r.kind === 'sweeps') {
    const verdicts = r.diffs.filter((d) => d.status === 'regressed' || d.status === 'fixed');
    const classes = sweepClasses(r.diffs, all);
    const head = [...CLASS_HEADER, 'direction'];
    const row = (d: ReportClassDiff) => [...classRow(d), d.direction ?? ''].map(md);
    out.push('## Verdict changes', '', verdicts.length ? renderMarkdown(head, verdicts.map(row)) : 'None: every point has the verdict and correctness counters it had.', '');
    out.push(all ? '## Complexity classes' : '## Changed complexity classes', '', classes.length ? renderMarkdown(head, classes.map(row)) : 'No class changed.', '', statusSummary(r.diffs), '');
    return `${out.join('\n').trimEnd()}\n`;
  }
  const shown = shownDiffs(r.diffs, all);
  const verdicts = shown.filter(isVerdictChange);
  const runs = shown.filter((d) => d.status === 'added' || d.status === 'removed');
  const rest = shown.filter((d) => !isVerdictChange(d) && d.status !== 'added' && d.status !== 'removed');
  const table = (ds: readonly ReportDiff[]) => renderMarkdown(HEADER, ds.map((d) => diffRow(d).map(md)));
  out.push('## Verdict changes', '', verdicts.length ? table(verdicts) : 'None: every run compared has the verdict and correctness counters it had.', '');
  out.push(all ? '## Every metric' : '## Changed metrics', '', rest.length ? table(rest) : 'No other metric changed.', '');
  const tested = shown.filter((d) => d.spread !== undefined);
  if (tested.length) {
    out.push('## Timings', '', 'Each tested timing: the median [p25–p75] (min–max, samples) of each side.', '');
    out.push(renderMarkdown(['scenario', 'params', 'stack', 'metric', 'old', 'new', 'status', 'direction'], tested.map((d) => [d.scenario, d.params, d.stack, d.metric, spreadText(d.spread![0]), spreadText(d.spread![1]), statusText(d), d.direction ?? ''].map(md))), '');
  }
  if (runs.length) out.push('## Runs in one input only', '', table(runs), '');
  out.push(statusSummary(r.diffs), '');
  if (r.notes.length) out.push('## Notes', '', ...r.notes.map((n) => `- ${md(n)}`), '');
  return `${out.join('\n').trimEnd()}\n`;
}

// ─── reading a compare back (report compare.json) ───────────────────────────────────────────

function must(cond: unknown, path: string, msg: string): asserts cond {
  if (!cond) throw new ResultFileError(`"${path}" is not a ksmbench compare file: ${msg}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether parsed JSON is a compare document (by its format field). */
export function isCompareJson(raw: unknown): boolean {
  return isObject(raw) && raw.format === COMPARE_FORMAT;
}

/** A compare document from parsed JSON, checked enough to render (errors name the file). */
export function parseCompare(path: string, raw: unknown): CompareReport {
  must(isObject(raw) && raw.format === COMPARE_FORMAT, path, `format is not "${COMPARE_FORMAT}"`);
  const { kind, inputs, diffs, notes } = raw;
  must(kind === 'runs' || kind === 'by-stack' || kind === 'sweeps', path, `kind ${JSON.stringify(kind)} is not runs, by-stack or sweeps`);
  must(Array.isArray(inputs), path, '"inputs" is not an array');
  inputs.forEach((i: unknown, n) =>
    must(isObject(i) && typeof i.name === 'string' && typeof i.commit === 'string' && typeof i.dirty === 'boolean' && typeof i.role === 'string' && ['file', 'revision', 'working tree'].includes(String(i.source)), path, `inputs[${n}] lacks role, source, name, commit or dirty`),
  );
  must(Array.isArray(notes) && notes.every((x: unknown) => typeof x === 'string'), path, '"notes" is not a list of lines');
  must(Array.isArray(diffs), path, '"diffs" is not an array');
  diffs.forEach((d: unknown, n) => must(isObject(d) && typeof d.metric === 'string' && typeof d.status === 'string' && typeof d.stack === 'string', path, `diffs[${n}] lacks stack, metric or status`));
  if (kind !== 'sweeps') {
    must(Number.isFinite(raw.alpha) && Number.isFinite(raw.threshold), path, 'alpha or threshold is not a number');
    const rep = raw.replication;
    must(isObject(rep) && (rep.kind === 'one-process' || (rep.kind === 'rounds' && Number.isSafeInteger(rep.rounds))), path, '"replication" is neither one-process nor rounds');
  }
  return raw as unknown as CompareReport;
}

/** The compare document in `path`, or null when the file is not one (a result file, or not JSON). */
export function readCompareFile(path: string): CompareReport | null {
  if (!path.endsWith('.json')) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null; // the result file reader names what is wrong with it
  }
  return isCompareJson(raw) ? parseCompare(path, raw) : null;
}
