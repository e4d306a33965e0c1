// gate --update: the CSV holds values only (provenance is in the JSON), so re-making a baseline
// at another commit changes exactly the rows whose values moved; --update lists what it
// accepted; the gate says when a baseline records a dirty working tree.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ksmbench } from '../support/cli.ts';
import { probeVariant } from '../support/probe-variant.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-gate-update-'));
const repo = join(tmp, 'repo');
mkdirSync(repo);
const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: repo, encoding: 'utf8' });
const variant = probeVariant(tmp);
const writeProbe = variant.writeQuery;
const env = variant.env;
const baseline = join(repo, 'results', 'baseline.csv');
const suite = ['--scenario', 'vma-split', '--param', 'pages=400', '--param', 'pieces=40', '--variant', 'rmap=probe,full-range', '--no-timing'];

function commitAll(msg: string): void {
  git('add', '-A');
  git('commit', '-qm', msg);
}

describe('ksmbench gate --update: provenance', () => {
  after(() => rmSync(tmp, { recursive: true, force: true }));
  it('the CSV diff of an update is exactly the values that moved, and --update lists them', () => {
    git('init', '-q');
    writeFileSync(join(repo, 'README'), 'one\n');
    commitAll('one');
    writeProbe('[0, Number.MAX_SAFE_INTEGER] as const');
    const first = ksmbench(['gate', '--update', '--baseline', baseline, ...suite], { cwd: repo, env });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /no previous baseline: every value is new/);
    assert.equal(first.stderr, '', 'a clean tree: no warning');
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
    const up = ksmbench(['gate', '--update', '--baseline', baseline], { cwd: repo, env });
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stderr, /^ksmbench: warning: the working tree has uncommitted changes: the baseline records a dirty tree/);
    const r = ksmbench(['gate', '--baseline', baseline], { cwd: repo, env });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Note: the baseline records a dirty working tree \(commit `[0-9a-f]{12}` with uncommitted changes\)/);
    git('checkout', '-q', 'README');
    git('checkout', '-q', 'results');
    const clean = ksmbench(['gate', '--baseline', baseline], { cwd: repo, env });
    assert.equal(clean.status, 0, clean.stdout);
    assert.doesNotMatch(clean.stdout, /dirty/);
  });
});
