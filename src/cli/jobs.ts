// Running a suite on several cores: N child processes each run one shard (--shard k/N) of
// the same command and print JSON; the shards are merged (like ksmbench merge).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { recordKey, type ResultSet } from '../harness/results.ts';
import { parseResultJson } from '../report/files.ts';
import { UsageError } from './errors.ts';
import { WATCH_FD_ENV } from '../harness/watch.ts';
import { mergeSets } from './merge.ts';

const BIN = fileURLToPath(new URL('../../bin/ksmbench.mjs', import.meta.url));

function runChild(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // under a --timeout watchdog, each job reports its runs on the watchdog's pipe (fd 3) too
    const watchFd = process.env[WATCH_FD_ENV];
    const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'pipe', 'pipe', ...(watchFd === '3' ? [3] : [])];
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: '1' }, stdio });
    if (!child.stdout || !child.stderr) throw new Error('a job has no stdout/stderr pipe');
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new UsageError(err.trim().split('\n').at(-1) ?? `a job exited with ${code}`))));
  });
}

/** `command args` split over `jobs` processes (each prints its shard as JSON), merged in `order` (record keys). */
export async function runJobs(command: 'run', args: readonly string[], jobs: number, cwd: string, name: string, order: readonly string[]): Promise<ResultSet> {
  const texts = await Promise.all(
    Array.from({ length: jobs }, (_, i) => runChild([command, ...args, '--shard', `${i + 1}/${jobs}`, '--format', 'json', '--no-save'], cwd)),
  );
  const sets = texts.map((t, i) => parseResultJson(`${command} shard ${i + 1}/${jobs}`, t));
  const merged = mergeSets(sets, name);
  const rank = new Map(order.map((k, i) => [k, i]));
  const runs = [...merged.runs].sort((a, b) => (rank.get(recordKey(a)) ?? 0) - (rank.get(recordKey(b)) ?? 0));
  return { ...merged, runs };
}
