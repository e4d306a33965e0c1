// Running a suite on several cores (run, sweep and gate --jobs N): N child processes, each
// `ksmbench _shard k/N COMMAND ARGS` (shard-worker.ts), plan the same suite from the same
// arguments, run their slice and print it as JSON; the slices are merged (like ksmbench merge).
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { recordKey, type ResultSet } from '../harness/results.ts';
import { parseResultJson } from '../report/files.ts';
import { UsageError } from './errors.ts';
import { WATCH_FD_ENV } from '../harness/watch.ts';
import { mergeSets } from './merge.ts';
import { isWatched } from './watchdog.ts';
import { type Progress, PROGRESS_ENV, QUIET_FLAG, takeProgressLines } from './progress.ts';
import { TIMEOUT_FLAG } from './watchdog.ts';
import { runSuite } from '../harness/run-suite.ts';
import { suiteKey } from '../harness/suite.ts';
import type { RmapTraceLine } from '../harness/trace.ts';
import { intFlag } from './options.ts';
import type { Plan, PlannedCommand } from './plan.ts';
import { argvWithout } from './argv.ts';

/** --jobs N (run, sweep, gate, compare --base). */
export const JOBS_FLAG = { jobs: { type: 'string' } } as const;

/** The flags of a command that runs a suite (run, sweep, gate): timing, a watchdog, jobs and progress. */
export const RUNNING_FLAGS = {
  'no-timing': { type: 'boolean' },
  time: { type: 'string' },
  iterations: { type: 'string' },
  ...TIMEOUT_FLAG,
  ...JOBS_FLAG,
  ...QUIET_FLAG,
} as const;

/**
 * A planned suite run: split over `jobs` processes (each a `_shard` of `command argv`, merged in
 * the suite's order), or in this process; `progress` is told of each finished run.
 */
export function runPlanned(
  command: PlannedCommand,
  argv: readonly string[],
  plan: Plan,
  jobs: number,
  cwd: string,
  progress: Progress | undefined,
  rmapTrace?: (line: RmapTraceLine) => void,
): Promise<ResultSet> {
  const { suite, timing, calibration } = plan;
  if (jobs > 1 && rmapTrace) throw new Error('runPlanned: a trace is taken in one process (run refuses --trace with --jobs)');
  return jobs > 1 ? runJobs(command, jobArgv(argv), jobs, cwd, suite.name, suite.runs.map(suiteKey), progress) : runSuite(suite, { timing, dir: cwd, progress, rmapTrace, calibration });
}

/**
 * The number of jobs of --jobs `value` over `runs` runs: an integer ≥ 1 (one line otherwise),
 * not with --shard, at most one job a run; a warning when it is more than the cores.
 */
export function jobsFlag(value: string | undefined, runs: number, shard: string | undefined): number {
  const requested = intFlag('jobs', value, 1, 1);
  if (requested > 1 && shard !== undefined) throw new UsageError('give --jobs or --shard, not both');
  // more jobs than runs would leave slices with nothing to run
  const jobs = Math.max(1, Math.min(requested, runs));
  const cores = availableParallelism();
  if (jobs > cores) process.stderr.write(`ksmbench: warning: --jobs ${jobs} is more than this machine's ${cores} core${cores === 1 ? '' : 's'}: the jobs share them (and their timings)\n`);
  return jobs;
}

/** The arguments a job gets: the command's own, without what only the parent does (files, format, progress, jobs). */
function jobArgv(argv: readonly string[]): string[] {
  return argvWithout(argv, ['--jobs', '--out', '--format'], ['--no-save', '--quiet']);
}

const BIN = fileURLToPath(new URL('../../bin/ksmbench.mjs', import.meta.url));

/** The workers running now: ended with this process when it is interrupted. */
const workers = new Set<ChildProcess>();
let interrupted = false;

/** SIGINT, SIGTERM or SIGHUP to the parent: end every worker, one line, exit 128 + signal. */
function onSignal(sig: NodeJS.Signals): void {
  if (interrupted) return;
  interrupted = true;
  const n = workers.size;
  for (const w of workers) w.kill('SIGTERM');
  // under a --timeout watchdog, the watchdog ended the group and prints the one line
  if (!isWatched()) process.stderr.write(`ksmbench: interrupted (${sig}): ended ${n} job${n === 1 ? '' : 's'}; nothing was written\n`);
  const code = sig === 'SIGINT' ? 130 : sig === 'SIGHUP' ? 129 : 143;
  // the workers end on SIGTERM; what is left a moment later is killed
  const left = [...workers];
  if (left.length === 0) process.exit(code);
  const timer = setTimeout(() => {
    for (const w of left) w.kill('SIGKILL');
    process.exit(code);
  }, 1000);
  let open = left.length;
  for (const w of left) {
    w.once('close', () => {
      if (--open === 0) {
        clearTimeout(timer);
        process.exit(code);
      }
    });
  }
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function runChild(args: readonly string[], cwd: string, progress: Progress | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    // under a --timeout watchdog, each job reports its runs on the watchdog's pipe (fd 3) too
    const watchFd = process.env[WATCH_FD_ENV];
    const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'pipe', 'pipe', ...(watchFd === '3' ? [3] : [])];
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: '1', [PROGRESS_ENV]: progress ? 'lines' : 'off' }, stdio });
    if (!child.stdout || !child.stderr) throw new Error('a job has no stdout/stderr pipe');
    workers.add(child);
    let out = '';
    let err = '';
    // each run the job finishes is one progress line on its stderr: counted here, not kept
    const carry = { rest: '' };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += takeProgressLines(d, carry, progress)));
    child.on('error', reject);
    child.on('close', (code) => {
      workers.delete(child);
      err += carry.rest;
      if (interrupted) return; // the signal handler ends the command
      if (code === 0) resolve(out);
      else reject(new UsageError(err.trim().split('\n').at(-1) ?? `a job exited with ${code}`));
    });
  });
}

/** `command args` split over `jobs` processes (each prints its slice as JSON), merged in `order` (record keys). */
export async function runJobs(
  command: PlannedCommand,
  args: readonly string[],
  jobs: number,
  cwd: string,
  name: string,
  order: readonly string[],
  progress?: Progress,
): Promise<ResultSet> {
  for (const sig of SIGNALS) process.on(sig, onSignal);
  let texts: string[];
  try {
    texts = await Promise.all(
      Array.from({ length: jobs }, (_, i) => runChild(['_shard', `${i + 1}/${jobs}`, command, ...args], cwd, progress)),
    );
  } catch (e) {
    for (const w of workers) w.kill('SIGTERM'); // one job failed: the others stop too
    throw e;
  } finally {
    for (const sig of SIGNALS) process.off(sig, onSignal);
  }
  const sets = texts.map((t, i) => parseResultJson(`${command} job ${i + 1}/${jobs}`, t));
  const merged = mergeSets(sets, name);
  const rank = new Map(order.map((k, i) => [k, i]));
  const runs = [...merged.runs].sort((a, b) => (rank.get(recordKey(a)) ?? 0) - (rank.get(recordKey(b)) ?? 0));
  return { ...merged, runs };
}
