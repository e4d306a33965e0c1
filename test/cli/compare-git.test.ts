// compare --base: from a clean clone, at another revision in a temporary worktree, leaving the
// user's git status, stash list and worktree list exactly as they were — also when interrupted.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ksmbench, ROOT } from '../support/cli.ts';

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return `${r.status}:${r.stdout}`;
}
function state(cwd: string): string[] {
  return [git(cwd, 'status', '--porcelain'), git(cwd, 'stash', 'list'), git(cwd, 'worktree', 'list', '--porcelain'), git(cwd, 'branch', '--list')];
}

const clone = join(mkdtempSync(join(tmpdir(), 'ksmbench-clone-')), 'repo');
after(() => rmSync(dirname(clone), { recursive: true, force: true }));
spawnSync('git', ['clone', '-q', ROOT, clone]);
// The interrupted commands' own temporary files (their worktrees' parents): a SIGINT that lands
// while `git worktree add` is still writing can leave one behind, so they stay in this test's
// directory, removed with it.
const childTmp = join(dirname(clone), 'tmp');
mkdirSync(childTmp);
const hasParent = git(clone, 'rev-parse', '--verify', '--quiet', 'HEAD~1').startsWith('0:');
if (existsSync(join(ROOT, 'node_modules')) && existsSync(clone)) symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');

/** Start `compare REVS` on guests in the clone, SIGINT it once `n` worktrees exist; its exit code. */
async function interruptOnceWorktrees(revs: readonly string[], n: number): Promise<number | null> {
  const child = spawn(process.execPath, [join(clone, 'bin', 'ksmbench.mjs'), 'compare', ...revs, '--scenario', 'guests', '--stack', 'v6.18', '--no-timing'], {
    cwd: clone,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CI: '1', TMPDIR: childTmp },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let seen = false;
  for (let i = 0; i < 200 && !seen; i++) {
    await new Promise((r) => setTimeout(r, 50));
    seen = (git(clone, 'worktree', 'list').match(/\n/g) ?? []).length >= n + 1;
  }
  assert.ok(seen, `${n} worktree(s) created (stderr: ${stderr})`);
  child.kill('SIGINT');
  return exited;
}

describe('compare --base (git)', { skip: hasParent ? false : 'the clone has no HEAD~1 (shallow history)' }, () => {
  it('compares HEAD~1 with the working tree of a clean clone and leaves git as it was', () => {
    const before = state(clone);
    const r = ksmbench(['compare', '--base', 'HEAD~1', '--scenario', 'split-after-merge', '--stack', 'v6.18', '--no-timing'], { cwd: clone });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\d+ same/);
    assert.deepEqual(state(clone), before);
  });

  it('says which commits it compared: the base\'s, and the working tree\'s with its dirty flag (table and JSON)', () => {
    const baseSha = spawnSync('git', ['rev-parse', 'HEAD~1'], { cwd: clone, encoding: 'utf8' }).stdout.trim();
    const headSha = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: clone, encoding: 'utf8' }).stdout.trim();
    // the working tree side runs this checkout's own code (ROOT), so its git state is ROOT's
    const rootCommit = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
    const rootDirty = spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
    const suite = ['--scenario', 'split-after-merge', '--stack', 'v6.18', '--no-timing'];
    const r = ksmbench(['compare', '--base', 'HEAD~1', ...suite], { cwd: clone });
    assert.equal(r.status, 0, r.stderr);
    const m = /\ncompared: base HEAD~1 = ([0-9a-f]{12}) → head the working tree at ([0-9a-f]{12}) \((clean|dirty: its uncommitted changes were run)\)\n/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.deepEqual([m[1], m[2], m[3] !== 'clean'], [baseSha.slice(0, 12), rootCommit, rootDirty]);
    const j = ksmbench(['compare', '--base', 'HEAD~1', '--head', 'HEAD', ...suite, '--format', 'json'], { cwd: clone });
    assert.equal(j.status, 0, j.stderr);
    const doc = JSON.parse(j.stdout) as { inputs: { role: string; source: string; name: string; commit: string; dirty: boolean }[] };
    assert.deepEqual(doc.inputs.map((i) => [i.role, i.source, i.name, i.commit, i.dirty]), [
      ['old', 'revision', 'HEAD~1', baseSha, false],
      ['new', 'revision', 'HEAD', headSha, false],
    ]);
    assert.match(j.stderr, new RegExp(`^ksmbench: compared: base HEAD~1 = ${baseSha.slice(0, 12)} → head HEAD = ${headSha.slice(0, 12)}$`, 'm'), 'on stderr with --format json');
  });

  it('prints progress on stderr, one line per finished run of either side with an ETA; --quiet: none, the same stdout', () => {
    const suite = ['--scenario', 'split-after-merge', '--scenario', 'mremap-remerge', '--stack', 'v6.18', '--no-timing'];
    const loud = ksmbench(['compare', '--base', 'HEAD~1', '--rounds', '2', ...suite], { cwd: clone });
    assert.equal(loud.status, 0, loud.stderr);
    const lines = loud.stderr.trimEnd().split('\n').filter((l) => l.startsWith('['));
    const what = lines.map((l) => /^\[(\d+)\/8\] (.*?) \d+(\.\d)? s(, ETA \d+(\.\d)? s)?$/.exec(l));
    assert.equal(lines.length, 8, loud.stderr);
    what.forEach((m, i) => {
      assert.ok(m, lines[i]);
      assert.equal(Number(m[1]), i + 1);
      assert.equal(m[4] !== undefined, i < 7, `an ETA on every line but the last: ${lines[i]}`);
    });
    assert.deepEqual(
      what.map((m) => m![2]),
      [1, 2].flatMap((r) => ['base HEAD~1', 'head (working tree)'].flatMap((side) => ['split-after-merge', 'mremap-remerge'].map((sc) => `round ${r}/2, ${side}: ${sc} × v6.18`))),
    );
    const quiet = ksmbench(['compare', '--base', 'HEAD~1', '--rounds', '2', ...suite, '--quiet'], { cwd: clone });
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /^\[/m);
    assert.equal(quiet.stdout, loud.stdout);
  });

  it('--jobs 2 splits each side over two processes: the same comparison as one process', () => {
    const suite = ['--scenario', 'split-after-merge', '--scenario', 'mremap-remerge', '--stack', 'v6.18', '--stack', 'v6.12', '--no-timing', '--format', 'csv', '--quiet'];
    const one = ksmbench(['compare', '--base', 'HEAD', ...suite], { cwd: clone });
    assert.equal(one.status, 0, one.stderr);
    const two = ksmbench(['compare', '--base', 'HEAD', ...suite, '--jobs', '2'], { cwd: clone });
    assert.equal(two.status, 0, two.stderr);
    assert.equal(two.stdout, one.stdout);
    // every metric of the four runs on both sides, each compared
    const runs = new Set(one.stdout.trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 3).join(',')));
    assert.equal(runs.size, 4, one.stdout.slice(0, 400));
    const without = ksmbench(['compare', 'a.json', 'b.json', '--jobs', '2']);
    assert.equal(without.status, 2);
    assert.equal(without.stderr.trim(), 'ksmbench: --jobs splits the runs of --base REV over processes: without --base nothing is run');
  });

  it('a revision that reports no progress per run has its suite counted at once when it ends', () => {
    // a commit like HEAD whose `run` writes no progress lines for a parent (as before progress
    // existed), made without moving any ref, index or working tree file
    const source = readFileSync(join(clone, 'src', 'cli', 'progress.ts'), 'utf8');
    const silent = source.replace(/if \(mode === 'lines'\) return \([^\n]*\n/, "if (mode === 'lines') return undefined;\n");
    assert.notEqual(silent, source);
    const gitIn = (args: string[], input?: string, env: Record<string, string> = {}) => {
      const r = spawnSync('git', args, { cwd: clone, encoding: 'utf8', input, env: { ...process.env, ...env } });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    const index = { GIT_INDEX_FILE: join(dirname(clone), 'old.index') };
    gitIn(['read-tree', 'HEAD'], undefined, index);
    const blob = gitIn(['hash-object', '-w', '--stdin'], silent);
    gitIn(['update-index', '--cacheinfo', `100644,${blob},src/cli/progress.ts`], undefined, index);
    const tree = gitIn(['write-tree'], undefined, index);
    const who = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
    const old = gitIn(['commit-tree', tree, '-p', 'HEAD', '-m', 'no progress lines'], undefined, who);
    const before = state(clone);
    const r = ksmbench(['compare', '--base', old, '--scenario', 'split-after-merge', '--scenario', 'mremap-remerge', '--stack', 'v6.18', '--no-timing'], { cwd: clone });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.trimEnd().split('\n').filter((l) => l.startsWith('['));
    assert.equal(lines.length, 3, r.stderr);
    assert.match(lines[0]!, new RegExp(`^\\[2/4\\] base ${old}: the suite, 2 runs counted at its end \\(this revision reports no progress per run\\) \\d+(\\.\\d)? s, ETA `));
    assert.match(lines[1]!, /^\[3\/4\] head \(working tree\): split-after-merge × v6\.18 /);
    assert.match(lines[2]!, /^\[4\/4\] head \(working tree\): mremap-remerge × v6\.18 \d+(\.\d)? s$/);
    assert.deepEqual(state(clone), before);
  });

  it('removes its worktree when interrupted', async () => {
    const before = state(clone);
    assert.equal(await interruptOnceWorktrees(['--base', 'HEAD'], 1), 130);
    assert.deepEqual(state(clone), before);
  });

  it('--base and --head: each checked out once for all rounds, and both worktrees removed when interrupted', async () => {
    const before = state(clone);
    const r = ksmbench(['compare', '--base', 'HEAD~1', '--head', 'HEAD', '--rounds', '2', '--scenario', 'split-after-merge', '--stack', 'v6.18', '--time', '1', '--iterations', '2'], { cwd: clone });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\d+ same/);
    assert.deepEqual(state(clone), before);

    assert.equal(await interruptOnceWorktrees(['--base', 'HEAD', '--head', 'HEAD~1'], 2), 130);
    assert.deepEqual(state(clone), before);
  });
});
