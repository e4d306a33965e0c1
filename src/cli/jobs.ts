// Running a suite on several cores: N child processes each run one shard (--shard k/N) of
// the same command and print JSON; the shards are merged (like ksmbench merge).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { recordKey, type ResultSet } from '../harness/results.ts';
import { parseResultJson } from '../report/files.ts';
import { UsageError } from './errors.ts';
import { WATCH_FD_ENV } from '../harness/watch.ts';
import { mergeSets } from './merge.ts';
import { isWatched } from './watchdog.ts';
import { type Progress, PROGRESS_ENV, takeProgressLines } from './progress.ts';

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

/** `command args` split over `jobs` processes (each prints its shard as JSON), merged in `order` (record keys). */
export async function runJobs(
  command: 'run',
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
      Array.from({ length: jobs }, (_, i) => runChild([command, ...args, '--shard', `${i + 1}/${jobs}`, '--format', 'json', '--no-save'], cwd, progress)),
    );
  } catch (e) {
    for (const w of workers) w.kill('SIGTERM'); // one job failed: the others stop too
    throw e;
  } finally {
    for (const sig of SIGNALS) process.off(sig, onSignal);
  }
  const sets = texts.map((t, i) => parseResultJson(`${command} shard ${i + 1}/${jobs}`, t));
  const merged = mergeSets(sets, name);
  const rank = new Map(order.map((k, i) => [k, i]));
  const runs = [...merged.runs].sort((a, b) => (rank.get(recordKey(a)) ?? 0) - (rank.get(recordKey(b)) ?? 0));
  return { ...merged, runs };
}
