// ksmbench calibrate without a kernel: the check of the committed measurements prints what the
// README shows, a check against a calibration's own fit says it is not a check, and bad input
// is one line, exit 2, no file written.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ksmbench } from '../support/cli.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-calibrate-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('ksmbench calibrate --check --measured', () => {
  it('prints the README’s validation block from the committed measurements', () => {
    const r = ksmbench(['calibrate', '--check', 'calibration/default.json', '--measured', 'calibration/default-check.json'], { cwd: ROOT });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^calibration calibration\/default\.json \(6\.18[^)]*\) checked on 6\.18[^,]*, scenarios not in its fit\n/);
    assert.ok(readFileSync(join(ROOT, 'README.md'), 'utf8').includes(r.stdout.trimEnd()), 'the README shows this output');
  });

  it('says so when the ops are the calibration’s own fit', () => {
    const r = ksmbench(['calibrate', '--check', 'calibration/default.json', '--measured', 'calibration/default.json'], { cwd: ROOT });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /checked on .*, 17 of the scenarios in its fit \(guests dup_pct=0,.*\): not a check of what it was not fitted on$/);
  });
});

describe('ksmbench calibrate: bad input', () => {
  // each --out points into tmp, which must stay empty
  const bad = (args: string[], re: RegExp) => {
    const r = ksmbench(['calibrate', ...args], { cwd: ROOT });
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, re);
  };
  it('an unknown case set', () => bad(['--cases', 'foo', '--out', join(tmp, 'x.json')], /--cases "foo" is not a set of calibration cases \(accepted: fit, check, scanner, smoke\)/));
  it('--stack without --kernel', () => bad(['--stack', 'v6.18'], /--stack goes with --kernel/));
  it('an unknown stack', () => bad(['--kernel', 'debian:6.16', '--stack', 'v9.9'], /--stack "v9.9" is not a stack \(accepted: v6.1, /));
  it('--transfer alone', () => bad(['--transfer', 'a.json'], /--transfer VMFILE and --onto FILE go together/));
  it('a transfer from a calibration not made under QEMU', () => bad(['--transfer', 'calibration/default.json', '--onto', 'calibration/default.json', '--out', join(tmp, 't.json')], /"calibration\/default\.json" was not made under QEMU/));
  it('a missing file to refit', () => bad(['--refit', join(tmp, 'none.json'), '--out', join(tmp, 'r.json')], /calibration file ".*none\.json" cannot be read as JSON \(ENOENT\)/));
  it('a check file without measured ops', () => bad(['--check', 'calibration/default.json', '--measured', 'package.json'], /check file "package\.json" has no measured ops/));
  it('no file written by any of them', () => assert.deepEqual(readdirSync(tmp), []));
});
