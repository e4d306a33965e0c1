// Running ksmbench at another git revision without touching the user's checkout: a detached
// worktree in a temporary directory (no branch, no stash, no index change), dependencies
// installed there (or linked when the lockfile is the same), removed afterwards — also when
// the process is interrupted.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { WATCH_FD_ENV } from '../harness/watch.ts';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { UsageError } from './errors.ts';
import { PROGRESS_ENV, takeProgressLines } from './progress.ts';

/** The full commit id of `rev` in the repository at `cwd`, or a UsageError naming it. */
export async function resolveRev(cwd: string, rev: string): Promise<string> {
  const git = simpleGit({ baseDir: cwd });
  if (!(await git.checkIsRepo().catch(() => false))) throw new UsageError(`"${cwd}" is not a git repository (needed for --base/--head)`);
  let sha = '';
  try {
    sha = (await git.raw(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])).trim();
  } catch {
    sha = '';
  }
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new UsageError(`unknown git revision "${rev}"`);
  return sha;
}

function sameFile(a: string, b: string): boolean {
  return existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
}

/** Children running in a worktree: killed first when the user interrupts. */
const children = new Set<ChildProcess>();

/** Wait for a tracked child (killed on interrupt); reject unless it exits 0. */
function tracked(child: ChildProcess, what: string): Promise<void> {
  children.add(child);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      if (code === 0) resolve();
      else reject(new UsageError(`${what} failed (exit ${code})`));
    });
  });
}

/** Cleanups of the worktrees open now (they nest: compare --base --head): all run on interrupt. */
const cleanups = new Set<() => void>();

function onSignal(sig: NodeJS.Signals): void {
  for (const c of children) c.kill('SIGKILL');
  for (const cleanup of cleanups) cleanup();
  process.exit(sig === 'SIGINT' ? 130 : 143);
}

function openCleanup(cleanup: () => void): void {
  if (cleanups.size === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  cleanups.add(cleanup);
}

function closeCleanup(cleanup: () => void): void {
  cleanups.delete(cleanup);
  if (cleanups.size === 0) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Remove `path` and check it stays gone: on an interrupt, a `git worktree add` just sent
 * SIGKILL may still be writing into it, so removal is retried for up to a second.
 */
function removeDirectory(path: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      rmSync(path, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    } catch {
      // best effort: the directory is under the system temp dir
    }
    Atomics.wait(pause, 0, 0, 50);
    if (!existsSync(path)) return;
  }
}

/** Run `fn` in a temporary worktree of `sha`; the worktree is removed whatever happens. */
export async function withWorktree<T>(cwd: string, sha: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const parent = mkdtempSync(join(tmpdir(), 'ksmbench-wt-'));
  const dir = join(parent, 'tree');
  let removed = false;
  const cleanup = (): void => {
    if (removed) return;
    removed = true;
    // An interrupted `git worktree add` leaves its entry "locked initializing": unlock it, and
    // force twice (removes locked worktrees) before deleting and pruning.
    spawnSync('git', ['worktree', 'unlock', dir], { cwd, stdio: 'ignore' });
    spawnSync('git', ['worktree', 'remove', '--force', '--force', dir], { cwd, stdio: 'ignore' });
    removeDirectory(parent);
    spawnSync('git', ['worktree', 'prune'], { cwd, stdio: 'ignore' });
  };
  openCleanup(cleanup);
  try {
    await tracked(spawn('git', ['worktree', 'add', '--detach', '--quiet', dir, sha], { cwd, stdio: 'ignore' }), 'git worktree add');
    if (sameFile(join(cwd, 'package-lock.json'), join(dir, 'package-lock.json')) && existsSync(join(cwd, 'node_modules'))) {
      // beside the worktree, not in it: Node finds packages in the parent directories too, and
      // a node_modules symlink in the tree would be an untracked file (`node_modules/` ignores
      // directories only), so the run at a clean commit would record a dirty working tree
      symlinkSync(join(cwd, 'node_modules'), join(parent, 'node_modules'), 'dir');
    } else {
      const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) throw new UsageError(`npm ci failed in the worktree of ${sha.slice(0, 12)}`);
    }
    return await fn(dir);
  } finally {
    cleanup();
    closeCleanup(cleanup);
  }
}

/**
 * Run `ksmbench run … --format json --no-save` in `dir` (another revision's own code); its
 * stdout. With `progress`, the child reports each finished run (KSMBENCH_PROGRESS=lines) and
 * `progress` gets each; a revision older than that reports none.
 */
export function runJsonIn(dir: string, args: readonly string[], label: string, progress?: (what: string, ms: number) => void): Promise<string> {
  const bin = join(dir, 'bin', 'ksmbench.mjs');
  if (!existsSync(bin) || !existsSync(join(dir, 'src', 'cli.ts'))) {
    return Promise.reject(new UsageError(`revision ${label} has no ksmbench command (bin/ksmbench.mjs, src/cli.ts): it predates the tool`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'run', ...args, '--format', 'json', '--no-save'], {
      cwd: dir,
      // without KSMBENCH_WATCH_FD: fd 3 is not the watchdog's pipe there
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== WATCH_FD_ENV)), CI: process.env.CI ?? '1', [PROGRESS_ENV]: progress ? 'lines' : 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const carry = { rest: '' };
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += takeProgressLines(d, carry, progress)));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      err += carry.rest;
      if (code === 0) resolve(out);
      else reject(new UsageError(`ksmbench run failed at ${label}: ${err.trim().split('\n').at(-1) ?? `exit ${code}`}`));
    });
  });
}
