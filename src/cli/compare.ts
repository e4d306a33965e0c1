// ksmbench compare: two result files, two git revisions, or the stacks within one result.
import { stringify } from 'csv-stringify/sync';
import { recordKey, type ResultSet } from '../harness/results.ts';
import { runSuite } from '../harness/run-suite.ts';
import { selectSuite } from '../harness/suite.ts';
import { type ClassDiff, compareByStack, compareSets, compareSweeps, DEFAULT_TIMING_RULE, hasRegression, type MetricDiff, type Replication, roundsWarning, timingNotes, type TimingRule } from '../report/compare.ts';
import { parseResultJson, readResultFile } from '../report/files.ts';
import { warnProvenance } from '../report/provenance.ts';
import { isSweepSet } from '../report/sweep.ts';
import { median } from '../report/stats.ts';
import { fmtInt, renderMarkdown, renderTable } from '../report/table.ts';
import { UsageError } from './errors.ts';
import { isWatched, TIMEOUT_FLAG } from './watchdog.ts';
import { watchEnd, watchStart } from '../harness/watch.ts';
import { argvWithout } from './run.ts';
import { formatFlag, intFlag, OUTPUT_FLAGS, parse, SUITE_FLAGS, suiteOptions, refuseTimingWithNoTiming, timingFlags } from './options.ts';
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
  --format F           table | csv | json | markdown
  --rounds R           with --base: run base and head alternately R times; timings are then
                       compared on the per-round medians (the process is the unit of
                       replication, interleaved in time), which holds on a noisy machine where
                       one process's samples do not (default 1; only with --base)
  compare writes no file: --out is refused
  --no-timing / --time MS / --iterations N and the suite options of run, with --base
  --timeout SECONDS    with --base: stop when one run takes longer (exit 2, one line naming
                       it); the suite at another revision is one unit of SECONDS × its runs

A change of the verdict (ok → FAIL, problems 0 → N) or of a correctness counter
(rmap_mappings_missed, stale_overlay_reads, pages_wrongly_skipped) is "regressed" (listed
first) unless the new run passes the oracle where the old one failed ("fixed"). For two
sweeps it is checked at every point, and a class change of a stack that now fails the oracle
is "invalid", never "better".
Under the table: the number of timing tests and the false positives expected at --alpha
when nothing changed; a warning when the sample sizes (or --rounds) cannot reach --alpha at
all (3 vs 3 can never reach 0.01; --rounds 5 can); and, unless --rounds R ≥ 2, that the
timing verdicts rest on one process per side, whose samples are not independent
replications (use --base REV --rounds 9). With --format csv|json these lines go to stderr.
Exit 0, 1 when something regressed, 2 bad usage or input.
`;

function floatFlag(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!/^[0-9.]+$/.test(v) || !Number.isFinite(x) || x <= 0 || x >= 1) throw new UsageError(`--${name} "${v}" is not a number between 0 and 1`);
  return x;
}

function fmt(v: number | null): string {
  if (v === null) return '-';
  return Number.isInteger(v) ? fmtInt(v) : v.toPrecision(6);
}

/**
 * The diffs on stdout. `notes` (how far the timing verdicts can be believed: timingNotes) follow
 * the summary of a table or Markdown; csv and json stay data only (compare puts them on stderr).
 */
export function presentDiffs(diffs: readonly MetricDiff[], format: 'table' | 'csv' | 'json' | 'markdown', all: boolean, notes: readonly string[] = []): string {
  if (format === 'json') return `${JSON.stringify(diffs, null, 1)}\n`;
  if (format === 'csv') return stringify(diffs.map((d) => ({ ...d, p: d.p ?? '' })), { header: true, columns: ['scenario', 'params', 'stack', 'against', 'metric', 'old', 'new', 'delta', 'ratio', 'status', 'p'] });
  // regressions first, the verdict's before the counters' (a stable sort keeps the rest in order)
  const rank = (d: MetricDiff) => (d.status !== 'regressed' ? 2 : d.metric === 'correct' || d.metric === 'problems' ? 0 : 1);
  const shown = (all ? diffs : diffs.filter((d) => d.status !== 'same' && d.status !== 'untested')).slice().sort((x, y) => rank(x) - rank(y));
  const header = ['scenario', 'params', 'stack', 'vs', 'metric', 'old', 'new', 'delta', 'ratio', 'status'];
  const rows = shown.map((d) => [d.scenario, d.params, d.stack, d.against === d.stack ? '' : d.against, d.metric, fmt(d.old), fmt(d.new), fmt(d.delta), d.ratio === null ? '-' : d.ratio.toFixed(4), d.status + (d.p !== undefined ? ` (p=${d.p.toPrecision(2)})` : '')]);
  const counts = new Map<string, number>();
  for (const d of diffs) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
  const summary = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
  const after = notes.map((n) => `${n}\n`).join('');
  if (format === 'markdown') return `${renderMarkdown(header, rows)}\n\n${summary}\n${after ? `\n${notes.map((n) => `${n}\n`).join('\n')}` : ''}`;
  return `${rows.length ? renderTable(header, rows, (c) => c >= 5 && c <= 8) : 'no metric changed'}\n${summary}\n${after}`;
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

/** One run of the suite: in a worktree's checkout (a child process), or in this tree and process. */
async function runOnce(cwd: string, checkout: { dir: string; rev: string } | null, argv: readonly string[], timed: boolean): Promise<ResultSet> {
  const { values } = parse([...argv], { ...SUITE_FLAGS, 'no-timing': { type: 'boolean' }, time: { type: 'string' }, iterations: { type: 'string' } });
  if (checkout) {
    // another revision's ksmbench reports no runs to a --timeout watchdog: its whole suite is
    // one unit, with a budget of one timeout per run
    const n = isWatched() ? selectSuite(suiteOptions(values)).runs.length : 1;
    watchStart(`the suite at ${checkout.rev} (${n} run${n === 1 ? '' : 's'}: ${argv.join(' ')})`, Math.max(1, n));
    const text = await runJsonIn(checkout.dir, argv, checkout.rev);
    watchEnd();
    return parseResultJson(`the run at ${checkout.rev}`, text);
  }
  const timing = timed ? timingFlags(values) : null;
  return runSuite(selectSuite(suiteOptions(values)), { timing, dir: cwd });
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
      'no-timing': { type: 'boolean' },
      time: { type: 'string' },
      iterations: { type: 'string' },
    ...TIMEOUT_FLAG,
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
  const format = formatFlag(values.format) ?? 'table';
  const rule: TimingRule = { alpha: floatFlag('alpha', values.alpha, DEFAULT_TIMING_RULE.alpha), threshold: floatFlag('threshold', values.threshold, DEFAULT_TIMING_RULE.threshold) };
  let diffs: MetricDiff[];
  let replication: Replication = { kind: 'one-process' };
  if (values.by !== undefined) {
    if (values.by !== 'stack') throw new UsageError(`--by "${values.by}" is not supported (accepted: stack)`);
    if (positionals.length !== 1) throw new UsageError('--by stack takes one result file');
    try {
      diffs = compareByStack(readResultFile(positionals[0]!), values.against, rule);
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(e.message);
      throw e;
    }
  } else if (values.base !== undefined || values.head !== undefined) {
    if (positionals.length) throw new UsageError('give result files or --base/--head, not both');
    if (values.base === undefined) throw new UsageError('--head needs --base');
    // The suite options go to both sides as they are; --base names a revision here.
    const pass = argvWithout(argv, ['--base', '--head', '--format', '--by', '--against', '--alpha', '--threshold', '--out', '--rounds', '--timeout'], ['--all', '-h', '--help']);
    const timed = !values['no-timing'];
    const rounds = intFlag('rounds', values.rounds, 1, 1);
    const tooFew = timed ? roundsWarning(rounds, rule.alpha) : null;
    if (tooFew) process.stderr.write(`ksmbench: ${tooFew}\n`);
    if (rounds > 1) replication = { kind: 'rounds', rounds };
    const base = values.base;
    // Both revisions resolved before any checkout (an unknown one fails fast); each checked
    // out once, then the rounds alternate base and head.
    await resolveRev(cwd, base);
    if (values.head !== undefined) await resolveRev(cwd, values.head);
    const olds: ResultSet[] = [];
    const news: ResultSet[] = [];
    await withCheckout(cwd, base, (baseCheckout) =>
      withCheckout(cwd, values.head, async (headCheckout) => {
        for (let r = 0; r < rounds; r++) {
          olds.push(await runOnce(cwd, baseCheckout, pass, timed));
          news.push(await runOnce(cwd, headCheckout, pass, timed));
        }
      }),
    );
    warnProvenance(olds[0]!, news[0]!);
    diffs = compareSets(roundsOf(olds), roundsOf(news), rule);
  } else {
    if (positionals.length !== 2) throw new UsageError('compare takes two result files (OLD NEW), or --base REV, or one file with --by stack');
    const a = readResultFile(positionals[0]!);
    const b = readResultFile(positionals[1]!);
    warnProvenance(a, b);
    if (isSweepSet(a) && isSweepSet(b)) {
      const cd = compareSweeps(a, b);
      const rows = cd.map((d) => [d.stack, d.metric, d.old, d.new, classStatusText(d)]);
      const header = ['stack', 'metric', 'old class', 'new class', 'status'];
      if (format === 'json') process.stdout.write(`${JSON.stringify(cd, null, 1)}\n`);
      else if (format === 'csv') process.stdout.write(stringify([header, ...rows]));
      else if (format === 'markdown') process.stdout.write(`${renderMarkdown(header, rows)}\n`);
      else process.stdout.write(`${renderTable(header, rows)}\n`);
      return hasRegression(cd) ? 1 : 0;
    }
    diffs = compareSets(a, b, rule);
  }
  const notes = timingNotes(diffs, rule, replication);
  if (format === 'csv' || format === 'json') for (const n of notes) process.stderr.write(`ksmbench: ${n}\n`);
  process.stdout.write(presentDiffs(diffs, format, values.all ?? false, format === 'csv' || format === 'json' ? [] : notes));
  return hasRegression(diffs) ? 1 : 0;
}

function classStatusText(d: ClassDiff): string {
  if (d.status === 'same') return 'same';
  if (d.status === 'regressed') return `REGRESSED at ${d.points} point${d.points === 1 ? '' : 's'}`;
  if (d.status === 'fixed') return `fixed at ${d.points} point${d.points === 1 ? '' : 's'}`;
  if (d.status === 'invalid') return 'CLASS CHANGED (invalid: the new side fails the oracle)';
  if (d.status === 'inconclusive') return 'not compared (a fit is inconclusive)';
  if (d.status === 'untested') return 'not compared (a timing: its classes are not exact)';
  return `CLASS CHANGED (${d.status})`;
}
