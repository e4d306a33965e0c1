// gate --update: the CSV holds values only (provenance is in the JSON), so re-making a baseline
// at another commit changes exactly the rows whose values moved; --update lists what it
// accepted; the gate says when a baseline records a dirty working tree.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type CliResult, ROOT } from '../support/cli.ts';
import { probeVariant } from '../support/probe-variant.ts';

// A result records the git state of the ksmbench checkout that made it: the test works in a
// clone of this one, run with the clone's own bin/ksmbench.mjs.
const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-gate-update-'));
const repo = join(tmp, 'repo');
const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: repo, encoding: 'utf8' });
execFileSync('git', ['clone', '-q', ROOT, repo]);
if (existsSync(join(ROOT, 'node_modules'))) {
  symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  appendFileSync(join(repo, '.git', 'info', 'exclude'), 'node_modules\n'); // the link is not a change of the tree
}
function ksmbench(args: readonly string[], opts: { cwd: string; env: Record<string, string> }): CliResult {
  const r = spawnSync(process.execPath, [join(repo, 'bin', 'ksmbench.mjs'), ...args], { cwd: opts.cwd, encoding: 'utf8', env: { ...process.env, CI: '1', ...opts.env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const variant = probeVariant(tmp);
const writeProbe = variant.writeQuery;
const env = variant.env;
const baseline = join(repo, 'gated', 'baseline.csv');
const suite = ['--scenario', 'vma-split', '--param', 'pages=400', '--param', 'pieces=40', '--variant', 'rmap=probe,full-range', '--no-timing'];

function commitAll(msg: string): void {
  git('add', '-A');
  git('commit', '-qm', msg);
}

describe('ksmbench gate --update: provenance', () => {
  after(() => rmSync(tmp, { recursive: true, force: true }));
  it('the CSV diff of an update is exactly the values that moved, and --update lists them', () => {
    writeFileSync(join(repo, 'README'), 'one\n');
    commitAll('one');
    writeProbe('[0, Number.MAX_SAFE_INTEGER] as const');
    const first = ksmbench(['gate', '--update', '--baseline', baseline, ...suite], { cwd: repo, env });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /no previous baseline: every value is new/);
    assert.doesNotMatch(first.stderr, /warning/, 'a clean tree: no warning');
    const before = readFileSync(baseline, 'utf8');
    assert.doesNotMatch(before.split('\n')[0]!, /commit/, 'no commit column');
    commitAll('baseline');
    const json = JSON.parse(readFileSync(baseline.replace(/csv$/, 'json'), 'utf8')) as { env: { git: { commit: string; dirty: boolean } } };
    assert.equal(json.env.git.dirty, false);
    assert.equal(json.env.git.commit, git('rev-parse', '--short=12', 'HEAD~1').trim(), 'the provenance is in the JSON');

    // the next commit changes the "patch": it queries one index
    writeFileSync(join(repo, 'README'), 'two\n');
    commitAll('two');
    writeProbe('[item.vpn, item.vpn] as const');
    const again = ksmbench(['gate', '--update', '--baseline', baseline], { cwd: repo, env });
    assert.equal(again.status, 0, again.stderr);
    const accepted = again.stdout.split('\n').filter((l) => l.startsWith('  '));
    assert.match(again.stdout, new RegExp(`accepted ${accepted.length} changes:`));
    assert.ok(accepted.some((l) => /^ {2}vma-split \[ksm_pages=32;pages=400;pieces=40\] × v6\.18\+rmap=probe: rmap_avc_visits 1895 → \d+$/.test(l)), again.stdout);
    const updated = readFileSync(baseline, 'utf8');
    const oldLines = before.split('\n');
    const newLines = updated.split('\n');
    assert.equal(newLines.length, oldLines.length);
    const changed = newLines.filter((l, i) => l !== oldLines[i]);
    assert.equal(changed.length, accepted.length, `only the moved values differ:\n${changed.join('\n')}`);
    assert.ok(changed.every((l) => l.includes('v6.18+rmap=probe')));

    // nothing moved: the update says so and the CSV is byte for byte the same
    writeFileSync(join(repo, 'README'), 'three\n');
    commitAll('three');
    const same = ksmbench(['gate', '--update', '--baseline', baseline], { cwd: repo, env });
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stdout, /accepted no change: no counter or verdict moved/);
    assert.equal(readFileSync(baseline, 'utf8'), updated);
  });

  it('the gate says when the baseline records a dirty working tree', () => {
    writeFileSync(join(repo, 'README'), 'uncommitted\n');
    const up = ksmbench(['gate', '--update', '--baseline', baseline, '--quiet'], { cwd: repo, env });
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stderr, /^ksmbench: warning: the working tree has uncommitted changes: the baseline records a dirty tree/);
    const r = ksmbench(['gate', '--baseline', baseline], { cwd: repo, env });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Note: the baseline records a dirty working tree \(commit `[0-9a-f]{12}` with uncommitted changes\)/);
    git('checkout', '-q', 'README');
    git('checkout', '-q', 'gated');
    const clean = ksmbench(['gate', '--baseline', baseline], { cwd: repo, env });
    assert.equal(clean.status, 0, clean.stdout);
    assert.doesNotMatch(clean.stdout, /dirty/);
  });
});
