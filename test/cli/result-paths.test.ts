// Where results go and come from: two results of one suite in the same second keep both
// files; the gate finds the baseline from any directory below the one that holds it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ResultSet } from '../../src/harness/results.ts';
import { resultBase } from '../../src/cli/run.ts';
import { writeResultFiles } from '../../src/report/files.ts';
import { ksmbench } from '../support/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-paths-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const set: ResultSet = {
  format: 'ksmbench-results/1',
  suite: 'same-second',
  created: '2026-12-01T10:00:00.000Z',
  env: { node: 'v20', os: 'Linux', cpu: 'cpu', cpus: 1, ksmbench: '0.1.0', git: { commit: '0123456789abcdef', branch: 'main', dirty: false } },
  runs: [],
};

describe('result file names', () => {
  it('two results of one suite written in the same second do not overwrite each other', () => {
    const dir = join(tmp, 'same-second');
    mkdirSync(dir);
    const a = resultBase(dir, set);
    const b = resultBase(dir, set);
    assert.notEqual(a, b);
    assert.equal(b, `${a}-2`);
    writeResultFiles(a, set);
    writeResultFiles(b, set);
    assert.equal(resultBase(dir, set), `${a}-3`);
    assert.deepEqual(readdirSync(dir).filter((f) => !f.endsWith('-3.json')).sort(), [
      '2026-12-01-100000-0123456789ab-same-second-2.csv',
      '2026-12-01-100000-0123456789ab-same-second-2.json',
      '2026-12-01-100000-0123456789ab-same-second.csv',
      '2026-12-01-100000-0123456789ab-same-second.json',
    ]);
  });
});

describe('gate', () => {
  it('finds results/baseline.csv from any directory below the one that holds it', () => {
    const proj = join(tmp, 'proj');
    const deep = join(proj, 'src', 'deeper');
    mkdirSync(deep, { recursive: true });
    const up = ksmbench(['gate', '--update', '--baseline', join(proj, 'results', 'baseline.csv'), '--scenario', 'split-after-merge', '--stack', 'v6.18', '--no-timing'], { cwd: proj });
    assert.equal(up.status, 0, up.stderr);
    const r = ksmbench(['gate'], { cwd: deep });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^## ksmbench gate: PASS/);
    assert.match(r.stdout, /Compared 1 runs? with `\.\.\/\.\.\/results\/baseline\.csv`/);
  });
});

describe('provenance', () => {
  it('a result records the git state of the ksmbench checkout, not of the directory it ran in', async () => {
    const { execFileSync } = await import('node:child_process');
    const { ROOT } = await import('../support/cli.ts');
    const outside = join(tmp, 'not-a-repo');
    mkdirSync(outside);
    const r = ksmbench(['run', '--scenario', 'split-after-merge', '--stack', 'v6.18', '--no-timing', '--no-save', '--format', 'json'], { cwd: outside });
    assert.equal(r.status, 0, r.stderr);
    const env = (JSON.parse(r.stdout) as ResultSet).env;
    assert.equal(env.git.commit, execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim());
    assert.notEqual(env.git.commit, 'nogit');
  });
});
