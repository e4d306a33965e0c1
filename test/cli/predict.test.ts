// ksmbench run --calibration FILE: every run priced (predicted_ksmd_ns, per scan), the same in
// every run and on every path (--jobs N), a bad FILE refused before anything is written; compare
// and gate on predictions of the same calibration and of different ones.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ResultSet } from '../../src/harness/results.ts';
import { writeCalibration } from '../support/calibration.ts';
import { ksmbench } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'ksmbench-predict-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeCalibration(dir, 'a.json', 7);
writeCalibration(dir, 'b.json', 11);

const SUITE = ['--scenario', 'mremap-remerge', '--scenario', 'split-after-merge', '--stack', 'v6.18', '--stack', 'rmap-v8', '--no-timing', '--quiet'];

function runJson(extra: readonly string[]): ResultSet {
  const r = ksmbench(['run', ...SUITE, '--format', 'json', '--no-save', ...extra], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ResultSet;
}

const predictions = (s: ResultSet) => s.runs.map((r) => [r.scenario, r.stack, r.predicted_ksmd_ns, r.predicted_ksmd_ns_per_scan]);

describe('run --calibration', () => {
  const first = runJson(['--calibration', 'a.json']);

  it('prices every run, the same in two runs and with --jobs 2, and names the file as given', () => {
    assert.equal(first.calibration?.path, 'a.json');
    assert.match(first.calibration?.sha256 ?? '', /^[0-9a-f]{64}$/);
    for (const r of first.runs) assert.ok(Number.isInteger(r.predicted_ksmd_ns) && r.predicted_ksmd_ns! > 0 && Number.isInteger(r.predicted_ksmd_ns_per_scan), `${r.scenario} × ${r.stack}`);
    assert.deepEqual(predictions(runJson(['--calibration', 'a.json'])), predictions(first), 'deterministic');
    const jobs = runJson(['--calibration', 'a.json', '--jobs', '2']);
    assert.deepEqual(predictions(jobs), predictions(first), 'the shard workers price as one process does');
    assert.deepEqual(jobs.calibration, first.calibration);
  });

  it('shows the predicted column and names the calibration under the table; --no-calibration prices nothing', () => {
    const r = ksmbench(['run', ...SUITE, '--no-save', '--calibration', 'a.json'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const [head, , row] = r.stdout.split('\n');
    assert.match(head!, /ksmd time {2}predicted$/);
    assert.match(row!, / [0-9.]+ (ns|µs|ms|s)$/);
    assert.match(r.stdout, /\npredicted: ksmd CPU time priced by calibration a\.json \(6\.18-synthetic-x7, created 2026-12-02T00:00:00\.000Z, sha256:[0-9a-f]{12}\)\n/);
    const none = ksmbench(['run', ...SUITE, '--no-save', '--no-calibration'], { cwd: dir });
    assert.equal(none.status, 0, none.stderr);
    assert.ok(!none.stdout.includes('predicted'), none.stdout);
    assert.equal(runJson(['--no-calibration']).calibration, undefined);
  });

  it('refuses a FILE that is not a calibration: one line naming it and what is accepted, exit 2, no file written', () => {
    const out = join(dir, 'out');
    for (const [file, why] of [['missing.json', /cannot be read as JSON \(ENOENT\)/], ['not-one.json', /is not a calibration file/]] as const) {
      if (file === 'not-one.json') writeFileSync(join(dir, file), '{"format": "ksmbench-results/1"}');
      const r = ksmbench(['run', ...SUITE, '--calibration', file, '--out', out], { cwd: dir });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.ok(r.stderr.includes(`"${file}"`), r.stderr);
      assert.match(r.stderr, why);
      assert.match(r.stderr, /--calibration takes a ksmbench-calibration\/1 file/);
    }
    assert.throws(() => readdirSync(out), /ENOENT/, 'nothing written (not even the directory)');
    const both = ksmbench(['run', ...SUITE, '--calibration', 'a.json', '--no-calibration', '--no-save'], { cwd: dir });
    assert.equal(both.status, 2);
    assert.match(both.stderr, /give --calibration FILE or --no-calibration, not both/);
  });

  it('compare of results priced by different calibrations does not compare the predictions, and says so in one line', () => {
    writeFileSync(join(dir, 'a-set.json'), JSON.stringify(first));
    writeFileSync(join(dir, 'b-set.json'), JSON.stringify(runJson(['--calibration', 'b.json'])));
    const r = ksmbench(['compare', 'a-set.json', 'b-set.json', '--all'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.includes('predicted_ksmd_ns'));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^predicted_ksmd_ns and predicted_ksmd_ns_per_scan not compared: a-set\.json was priced by calibration a\.json \(sha256:[0-9a-f]{12}, 6\.18-synthetic-x7\), b-set\.json was priced by calibration b\.json/);
    const same = ksmbench(['compare', 'a-set.json', 'a-set.json', '--all'], { cwd: dir });
    assert.equal(same.status, 0, same.stderr);
    assert.equal(same.stdout.split('\n').filter((l) => / predicted_ksmd_ns +[0-9,]+ +[0-9,]+ .* same/.test(l)).length, first.runs.length, same.stdout);
    assert.ok(!same.stdout.includes('not compared'));
  });

  it('gate: a changed prediction under the same calibration fails; another calibration, or none, is a note', () => {
    const base = join(dir, 'base.csv');
    const made = ksmbench(['gate', '--update', '--baseline', base, ...SUITE, '--calibration', 'a.json'], { cwd: dir });
    assert.equal(made.status, 0, made.stderr);
    const pass = ksmbench(['gate', '--baseline', base, '--calibration', 'a.json', '--quiet'], { cwd: dir });
    assert.equal(pass.status, 0, pass.stdout);
    assert.ok(!pass.stdout.includes('not compared'));
    const json = base.replace(/\.csv$/, '.json');
    const set = JSON.parse(readFileSync(json, 'utf8')) as ResultSet;
    writeFileSync(json, JSON.stringify({ ...set, runs: set.runs.map((r, i) => (i === 0 ? { ...r, predicted_ksmd_ns: r.predicted_ksmd_ns! + 5 } : r)) }));
    const fail = ksmbench(['gate', '--baseline', base, '--calibration', 'a.json', '--quiet'], { cwd: dir });
    assert.equal(fail.status, 1, fail.stdout);
    assert.match(fail.stdout, /FAIL \(1 regression\)/);
    assert.match(fail.stdout, /\| predicted_ksmd_ns \| [0-9]+ \| [0-9]+ \| equal \| predicted_ksmd_ns changed from /);
    for (const flag of [['--calibration', 'b.json'], ['--no-calibration']]) {
      const other = ksmbench(['gate', '--baseline', base, ...flag, '--quiet'], { cwd: dir });
      assert.equal(other.status, 0, other.stdout);
      assert.match(other.stdout, /PASS/);
      assert.equal(other.stdout.split('\n').filter((l) => l.includes('not compared')).length, 1);
      assert.match(other.stdout, /Note: predicted_ksmd_ns and predicted_ksmd_ns_per_scan not compared: the baseline was priced by calibration a\.json .*, this run (was priced by calibration b\.json|was not priced)/);
    }
  });
});
