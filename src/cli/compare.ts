// ksmbench compare: two result files, two git revisions, or the stacks within one result.
import { stringify } from 'csv-stringify/sync';
import { recordKey, type ResultSet } from '../harness/results.ts';
import { CHECKOUT } from '../harness/environment.ts';
import { compareByStack, compareSets, compareSweeps, DEFAULT_TIMING_RULE, hasRegression, type MetricDiff, type Replication, roundsWarning, type TimingRule } from '../report/compare.ts';
import { compareHtml } from '../report/compare-html.ts';
import {
  compareCsv,
  type CompareFormat,
  COMPARE_FORMATS,
  compareJson,
  compareMarkdown,
  type CompareReport,
  compareTable,
  comparedLine,
  fileInput,
  revisionInput,
  runsCompare,
  sweepsCompare,
  workingTreeInput,
} from '../report/compare-report.ts';
import { parseResultJson, readResultFile } from '../report/files.ts';
import { type Sides, warnProvenance } from '../report/provenance.ts';
import { pricingNote } from '../report/pricing.ts';
import { isSweepSet } from '../report/sweep.ts';
import { median } from '../report/stats.ts';
import { UsageError } from './errors.ts';
import { type Progress, progressReporter } from './progress.ts';
import { jobsFlag, runPlanned, RUNNING_FLAGS } from './jobs.ts';
import { isWatched } from './watchdog.ts';
import { watchEnd, watchStart } from '../harness/watch.ts';
import { argvWithout } from './argv.ts';
import { planRun } from './run.ts';
import type { Plan } from './plan.ts';
import { intFlag, OUTPUT_FLAGS, parse, SUITE_FLAGS, refuseTimingWithNoTiming } from './options.ts';
import { resolveRev, runJsonIn, withWorktree } from './worktree.ts';

export const COMPARE_HELP = `ksmbench compare OLD NEW [options]
ksmbench compare --base REV [--head REV] [suite options]
ksmbench compare RESULT --by stack [--against STACK]

Compare per metric: old, new, delta, ratio. Counters compare exactly; the median timings
(time_ns_median, ksmd_time_ns_median, when both sides have samples) each with its own
one-sided Mann-Whitney U test and a noise threshold on the ratio of medians; the other timing
metrics (means, rme, sample counts) have no test and are "untested"; two sweeps by complexity
class (timings, and fits too poor to trust, are not compared as if exact). --base/--head run the same suite at git revisions, each in a temporary
worktree (your working tree, index, stash and branches are left alone); without --head the
new side is the current working tree.

  --by stack           compare the stacks of one result against one of them
  --against STACK      the reference stack for --by stack (default: the first; only with --by)
  --all                show unchanged metrics too (table/markdown)
  --alpha A            significance level of the timing test (default 0.01)
  --threshold T        relative slowdown below which a timing is noise (default 0.05)
  --format F           table | csv | json | markdown | html. json is one document: format
                       "ksmbench-compare/1", kind, inputs (file path or revision, commit,
                       branch, dirty, suite, runs), alpha, threshold, replication, notes and
                       the diffs, each with its direction; markdown: the inputs, the verdict
                       changes first, then the changed metrics, then the notes; html: the
                       same as one self-contained page, with the tested timings charted
                       (median, p25–p75 box, min–max whiskers of each side's samples);
                       ksmbench report FILE renders a compare JSON the same way
  --rounds R           with --base: run base and head alternately R times; timings are then
                       compared on the per-round medians (the process is the unit of
                       replication, interleaved in time), which holds on a noisy machine where
                       one process's samples do not (default 1; only with --base)
  compare writes no file: --out is refused
  --no-timing / --time MS / --iterations N and the suite options of run, with --base
  --quiet              with --base: no progress on stderr. By default one line per finished
                       run, over both sides and every round, with an ETA ("[3/8] base HEAD~1:
                       split-after-merge × v6.18 0.3 s, ETA 2 s"; a live line on a terminal);
                       a revision whose ksmbench reports no progress per run has its whole
                       suite counted at once when it ends. stdout is the same either way
  --jobs N             with --base: split each side's suite over N processes (the other
                       revision's own run --jobs N), as run --jobs does; timings of concurrent
                       jobs share the machine, on both sides alike
  --timeout SECONDS    with --base: stop when one run takes longer (exit 2, one line naming
                       it); the suite at another revision is one unit of SECONDS × its runs

Each change has a direction: better or worse by the metric's declared direction (ksmbench
list metrics; a correctness counter that rises is worse, a regression is never better), or
neither for a state (pages_sharing …). With --base the table ends with the commits compared
(the base's, and the head's or "the working tree" with whether it was dirty).

A change of the verdict (ok → FAIL, problems 0 → N) or of a correctness counter
(rmap_mappings_missed, rmap_folios_stuck, rmap_anon_mappings_missed, stale_overlay_reads,
pages_wrongly_skipped) is "regressed" (listed
first) unless the new run passes the oracle where the old one failed ("fixed"). For two
sweeps it is checked at every point, and a class change of a stack that now fails the oracle
is "invalid", never "better".
Under the table: the number of timing tests and the false positives expected at --alpha
when nothing changed; a warning when the sample sizes (or --rounds) cannot reach --alpha at
all (3 vs 3 can never reach 0.01; --rounds 5 can); and, unless --rounds R ≥ 2, that the
timing verdicts rest on one process per side, whose samples are not independent
replications (use --base REV --rounds 9). With --format csv|json these lines (and, for
--base, the commits compared) go to stderr; markdown and html hold them in the document.
Two inputs with no run in common (runs are matched by scenario, params and stack), or a
--by stack result with one stack, compare nothing: one line naming the inputs and what they
hold, exit 2.
The predictions (predicted_ksmd_ns, predicted_ksmd_ns_per_scan) are exact for a calibration
and compare like counters, but only when both sides were priced by the same calibration file
(the same sha256); otherwise they are left out and one line under the table says why.
Exit 0, 1 when something regressed, 2 bad usage or input.
`;

function floatFlag(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!/^[0-9.]+$/.test(v) || !Number.isFinite(x) || x <= 0 || x >= 1) throw new UsageError(`--${name} "${v}" is not a number between 0 and 1`);
  return x;
}

function compareFormat(v: string | undefined): CompareFormat {
  if (v === undefined) return 'table';
  if (!(COMPARE_FORMATS as readonly string[]).includes(v)) throw new UsageError(`--format "${v}" is not one of ${COMPARE_FORMATS.join(', ')}`);
  return v as CompareFormat;
}

/**
 * A compare on stdout. The notes (how far the timing verdicts can be believed: timingNotes) and,
 * for --base, which commits were compared follow the summary of a table; Markdown and HTML are
 * whole documents with both; csv and json stay data only (compare puts the lines on stderr).
 */
export function presentCompare(report: CompareReport, format: CompareFormat, all: boolean): string {
  if (format === 'json') return compareJson(report);
  if (format === 'csv') return compareCsv(report, (rows) => stringify(rows.map((r) => [...r])));
  if (format === 'markdown') return compareMarkdown(report, all);
  if (format === 'html') return compareHtml(report, all);
  return compareTable(report, all);
}

/** "3 runs: scenarios a, b on stacks v6.18, rmap-v8" (long lists shortened). */
export function runsText(set: ResultSet): string {
  const list = (xs: readonly string[]) => (xs.length > 4 ? `${xs.slice(0, 4).join(', ')} and ${xs.length - 4} more` : xs.join(', '));
  const scenarios = [...new Set(set.runs.map((r) => (r.params ? `${r.scenario} [${r.params}]` : r.scenario)))];
  const stacks = [...new Set(set.runs.map((r) => r.stack))];
  if (set.runs.length === 0) return 'no run';
  return `${set.runs.length} run${set.runs.length === 1 ? '' : 's'}: ${scenarios.length === 1 ? 'scenario' : 'scenarios'} ${list(scenarios)} on ${stacks.length === 1 ? 'stack' : 'stacks'} ${list(stacks)}`;
}

/**
 * Two inputs with no run in common (matched by scenario, params and stack) compare nothing:
 * every run would be "added" or "removed" and no metric tested. That is bad input (exit 2),
 * said in one line naming both and what they hold, never a table with nothing in it.
 */
export function refuseNothingInCommon(oldName: string, a: ResultSet, newName: string, b: ResultSet): void {
  const keys = new Set(a.runs.map(recordKey));
  if (b.runs.some((r) => keys.has(recordKey(r)))) return;
  throw new UsageError(`nothing to compare: ${oldName} (${runsText(a)}) and ${newName} (${runsText(b)}) have no run in common (a run is matched by scenario, params and stack)`);
}

/**
 * Several rounds of the same suite as one result: counters from the first round (they are
 * exact, so every round has the same), timings whose samples are the per-round medians.
 */
export function roundsOf(sets: readonly ResultSet[]): ResultSet {
  const first = sets[0]!;
  if (sets.length === 1) return first;
  const runs = first.runs.map((r) => {
    const timings = sets.map((s) => s.runs.find((x) => recordKey(x) === recordKey(r))?.timing);
    const medians = timings.map((t) => t?.median_ns).filter((m): m is number => m !== undefined);
    if (!r.timing || medians.length !== sets.length) return r;
    const ksmdMedians = timings.map((t) => t?.ksmd?.median_ns).filter((m): m is number => m !== undefined);
    const { ksmd, ...whole } = r.timing;
    const ksmdRounds = ksmd && ksmdMedians.length === sets.length ? { ksmd: { ...ksmd, median_ns: median(ksmdMedians), samples: ksmdMedians.length, sample_ns: ksmdMedians } } : {};
    return { ...r, timing: { ...whole, median_ns: median(medians), samples: medians.length, sample_ns: medians, ...ksmdRounds } };
  });
  return { ...first, runs };
}

/** The report with the line saying why the predictions were not compared, when they were not. */
function withPricingNote(report: CompareReport, a: ResultSet, b: ResultSet, sides: Sides): CompareReport {
  const note = pricingNote(a, b, sides);
  return note ? { ...report, notes: [note, ...report.notes] } : report;
}

/** The plan of `run argv` here, or null when this version cannot select that suite (another revision may). */
function planHere(argv: readonly string[]): Plan | null {
  try {
    return planRun([...argv]);
  } catch {
    return null;
  }
}

/**
 * Progress of one side's suite: `label` leads each line ("base HEAD~1"); `runs` is the suite's
 * size, each finished run one unit, or null: the whole suite is one unit.
 */
interface SideProgress {
  readonly label: string;
  readonly runs: number | null;
  readonly report: Progress;
}

/** One run of the suite: in a worktree's checkout (a child process), or in this tree and process. */
async function runOnce(cwd: string, checkout: { dir: string; rev: string } | null, argv: readonly string[], plan: Plan | null, jobs: number, side?: SideProgress): Promise<ResultSet> {
  const started = performance.now();
  if (checkout) {
    // another revision's ksmbench reports no runs to a --timeout watchdog: its whole suite is
    // one unit, with a budget of one timeout per run (of the runs this version counts in it)
    const n = isWatched() ? (plan?.suite.runs.length ?? 1) : 1;
    watchStart(`the suite at ${checkout.rev} (${n} run${n === 1 ? '' : 's'}: ${argv.join(' ')})`, Math.max(1, n));
    // the child reports each finished run, if its revision can; the rest of the suite is
    // counted at once when it ends
    let seen = 0;
    const perRun = side && side.runs !== null ? (what: string, ms: number) => void (seen < side.runs! && (seen++, side.report(`${side.label}: ${what}`, ms))) : undefined;
    const text = await runJsonIn(checkout.dir, jobs > 1 ? [...argv, '--jobs', String(jobs)] : argv, checkout.rev, perRun);
    watchEnd();
    if (side) {
      const ms = performance.now() - started;
      if (side.runs === null) side.report(`${side.label}: the suite`, ms);
      else if (seen < side.runs) side.report(`${side.label}: the suite, ${side.runs - seen} run${side.runs - seen === 1 ? '' : 's'} counted at its end (this revision reports no progress per run)`, ms, side.runs - seen);
    }
    return parseResultJson(`the run at ${checkout.rev}`, text);
  }
  const progress = side && side.runs !== null ? (what: string, ms: number) => side.report(`${side.label}: ${what}`, ms) : undefined;
  // the working tree runs this version's plan (planRun again when it could not: its error is the answer)
  const set = await runPlanned('run', argv, plan ?? planRun([...argv]), jobs, cwd, progress);
  if (side && side.runs === null) side.report(`${side.label}: the suite`, performance.now() - started);
  return set;
}

/** `fn` with a checkout of `rev` (a temporary worktree), or of the working tree when rev is undefined. */
async function withCheckout<T>(cwd: string, rev: string | undefined, fn: (checkout: { dir: string; rev: string } | null) => Promise<T>): Promise<T> {
  if (rev === undefined) return fn(null);
  const sha = await resolveRev(cwd, rev);
  return withWorktree(cwd, sha, (dir) => fn({ dir, rev }));
}

export async function compareCommand(argv: string[], cwd: string): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...SUITE_FLAGS,
      ...OUTPUT_FLAGS,
      by: { type: 'string' },
      against: { type: 'string' },
      all: { type: 'boolean' },
      alpha: { type: 'string' },
      threshold: { type: 'string' },
      head: { type: 'string' },
      rounds: { type: 'string' },
      ...RUNNING_FLAGS,
    },
    true,
  );
  if (values.help) {
    process.stdout.write(COMPARE_HELP);
    return 0;
  }
  refuseTimingWithNoTiming(values);
  // flags that would do nothing in this combination
  if (values.out !== undefined) throw new UsageError('compare writes no result file: --out does nothing (redirect its output, e.g. --format csv > FILE)');
  if (values.against !== undefined && values.by === undefined) throw new UsageError('--against names the reference stack of --by stack: give --by stack too');
  if (values.rounds !== undefined && values.base === undefined) throw new UsageError('--rounds repeats the runs of --base REV: without --base nothing is run');
  if (values.quiet && values.base === undefined) throw new UsageError('--quiet silences the progress of --base REV: without --base nothing is run');
  if (values.jobs !== undefined && values.base === undefined) throw new UsageError('--jobs splits the runs of --base REV over processes: without --base nothing is run');
  const format = compareFormat(values.format);
  const rule: TimingRule = { alpha: floatFlag('alpha', values.alpha, DEFAULT_TIMING_RULE.alpha), threshold: floatFlag('threshold', values.threshold, DEFAULT_TIMING_RULE.threshold) };
  let report: CompareReport;
  if (values.by !== undefined) {
    if (values.by !== 'stack') throw new UsageError(`--by "${values.by}" is not supported (accepted: stack)`);
    if (positionals.length !== 1) throw new UsageError('--by stack takes one result file');
    const path = positionals[0]!;
    const set = readResultFile(path);
    let diffs: MetricDiff[];
    try {
      diffs = compareByStack(set, values.against, rule);
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(e.message);
      throw e;
    }
    const against = values.against ?? set.runs[0]?.stack;
    if (diffs.length === 0) {
      const stacks = [...new Set(set.runs.map((r) => r.stack))];
      throw new UsageError(
        stacks.length < 2
          ? `nothing to compare: ${path} (${runsText(set)}) has one stack: --by stack compares the stacks of one result against one of them`
          : `nothing to compare: no scenario of ${path} (${runsText(set)}) ran on ${against} and on another stack`,
      );
    }
    report = runsCompare('by-stack', [fileInput('result', path, set)], diffs, rule, { kind: 'one-process' }, against);
  } else if (values.base !== undefined || values.head !== undefined) {
    if (positionals.length) throw new UsageError('give result files or --base/--head, not both');
    if (values.base === undefined) throw new UsageError('--head needs --base');
    // The suite options go to both sides as they are; --base names a revision here.
    const pass = argvWithout(argv, ['--base', '--head', '--format', '--by', '--against', '--alpha', '--threshold', '--out', '--rounds', '--timeout', '--jobs'], ['--all', '-h', '--help', '--quiet']);
    const timed = !values['no-timing'];
    const rounds = intFlag('rounds', values.rounds, 1, 1);
    const tooFew = timed ? roundsWarning(rounds, rule.alpha) : null;
    if (tooFew) process.stderr.write(`ksmbench: ${tooFew}\n`);
    const replication: Replication = rounds > 1 ? { kind: 'rounds', rounds } : { kind: 'one-process' };
    const base = values.base;
    const head = values.head;
    // Both revisions resolved before any checkout (an unknown one fails fast); each checked
    // out once, then the rounds alternate base and head.
    const baseSha = await resolveRev(cwd, base);
    const headSha = head !== undefined ? await resolveRev(cwd, head) : null;
    // progress on stderr: per finished run over both sides and every round (per suite when
    // this version cannot count the suite's runs)
    const plan = planHere(pass);
    const size = plan?.suite.runs.length ?? null;
    // --jobs N: each side's suite split over N processes (a revision's own run --jobs N)
    const jobs = jobsFlag(values.jobs, size ?? Number.MAX_SAFE_INTEGER, values.shard);
    const progress = progressReporter(rounds * 2 * (size ?? 1), values.quiet === true);
    const olds: ResultSet[] = [];
    const news: ResultSet[] = [];
    await withCheckout(cwd, base, (baseCheckout) =>
      withCheckout(cwd, head, async (headCheckout) => {
        for (let r = 0; r < rounds; r++) {
          const round = rounds > 1 ? `round ${r + 1}/${rounds}, ` : '';
          const side = (label: string) => (progress ? { label: `${round}${label}`, runs: size, report: progress } : undefined);
          olds.push(await runOnce(cwd, baseCheckout, pass, plan, jobs, side(`base ${base}`)));
          news.push(await runOnce(cwd, headCheckout, pass, plan, jobs, side(head !== undefined ? `head ${head}` : 'head (working tree)')));
        }
      }),
    );
    const oldSet = roundsOf(olds);
    const newSet = roundsOf(news);
    refuseNothingInCommon(`the base ${base}`, oldSet, head !== undefined ? `the head ${head}` : 'the working tree', newSet);
    warnProvenance(olds[0]!, news[0]!);
    const inputs = [revisionInput('old', base, baseSha, oldSet), head !== undefined && headSha !== null ? revisionInput('new', head, headSha, newSet) : workingTreeInput('new', CHECKOUT.replace(/\/$/, ''), newSet)];
    report = runsCompare('runs', inputs, compareSets(oldSet, newSet, rule), rule, replication);
    report = withPricingNote(report, oldSet, newSet, { old: `the base ${base}`, new: head !== undefined ? `the head ${head}` : 'the working tree' });
  } else {
    if (positionals.length !== 2) throw new UsageError('compare takes two result files (OLD NEW), or --base REV, or one file with --by stack');
    const a = readResultFile(positionals[0]!);
    const b = readResultFile(positionals[1]!);
    refuseNothingInCommon(positionals[0]!, a, positionals[1]!, b);
    warnProvenance(a, b);
    const inputs = [fileInput('old', positionals[0]!, a), fileInput('new', positionals[1]!, b)];
    report = isSweepSet(a) && isSweepSet(b) ? sweepsCompare(inputs, compareSweeps(a, b)) : runsCompare('runs', inputs, compareSets(a, b, rule), rule, { kind: 'one-process' });
    report = withPricingNote(report, a, b, { old: positionals[0]!, new: positionals[1]! });
  }
  if (format === 'csv' || format === 'json') {
    const compared = comparedLine(report);
    for (const n of [...(compared ? [compared] : []), ...report.notes]) process.stderr.write(`ksmbench: ${n}\n`);
  }
  process.stdout.write(presentCompare(report, format, values.all ?? false));
  return hasRegression(report.diffs) ? 1 : 0;
}
