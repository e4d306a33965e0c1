// Running ksmbench at another git revision without touching the user's checkout: a detached
// worktree in a temporary directory (no branch, no stash, no index change), dependencies
// installed there (or linked when the lockfile is the same), removed afterwards — also when
// the process is interrupted.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { UsageError } from './errors.ts';

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

/** Run `fn` in a temporary worktree of `sha`; the worktree is removed whatever happens. */
export async function withWorktree<T>(cwd: string, sha: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const parent = mkdtempSync(join(tmpdir(), 'ksmbench-wt-'));
  const dir = join(parent, 'tree');
  const git = simpleGit({ baseDir: cwd });
  let removed = false;
  const cleanup = (): void => {
    if (removed) return;
    removed = true;
    spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd, stdio: 'ignore' });
    rmSync(parent, { recursive: true, force: true });
    spawnSync('git', ['worktree', 'prune'], { cwd, stdio: 'ignore' });
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    cleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await git.raw(['worktree', 'add', '--detach', '--quiet', dir, sha]);
    if (sameFile(join(cwd, 'package-lock.json'), join(dir, 'package-lock.json')) && existsSync(join(cwd, 'node_modules'))) {
      symlinkSync(join(cwd, 'node_modules'), join(dir, 'node_modules'), 'dir');
    } else {
      const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) throw new UsageError(`npm ci failed in the worktree of ${sha.slice(0, 12)}`);
    }
    return await fn(dir);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanup();
  }
}

/** Run `ksmbench run … --format json --no-save` in `dir` (another revision's own code) and parse it. */
export function runJsonIn(dir: string, args: readonly string[], label: string): string {
  const bin = join(dir, 'bin', 'ksmbench.mjs');
  if (!existsSync(bin) || !existsSync(join(dir, 'src', 'cli.ts'))) throw new UsageError(`revision ${label} has no ksmbench command (bin/ksmbench.mjs, src/cli.ts): it predates the tool`);
  const r = spawnSync(process.execPath, [bin, 'run', ...args, '--format', 'json', '--no-save'], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, CI: process.env.CI ?? '1' },
  });
  if (r.status !== 0) throw new UsageError(`ksmbench run failed at ${label}: ${(r.stderr || '').trim().split('\n').at(-1) ?? ''}`);
  return r.stdout;
}
