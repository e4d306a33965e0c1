// --timeout SECONDS on run, gate, sweep and compare: a variant stuck in a tight synchronous
// loop is stopped, with one line naming the scenario and configuration, exit 2, no file written.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ksmbench, ROOT } from '../support/cli.ts';
import { probeVariant } from '../support/probe-variant.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-timeout-'));
const variant = probeVariant(tmp);
const writeProbe = variant.writeQueryBody;
const LOOP = 'for (;;) { if (item < -1) break; } return [0, 0] as const;';
const FULL = 'return [0, Number.MAX_SAFE_INTEGER] as const;';
// A run stopped by SIGKILL cannot clean up after itself (e.g. compare --base's worktree
// parent): the commands' temporary files stay in this test's directory, removed with it.
const childTmp = join(tmp, 'tmp');
mkdirSync(childTmp);
const env = { ...variant.env, TMPDIR: childTmp };
const suite = ['--scenario', 'split-after-merge', '--variant', 'rmap=full-range,probe', '--no-timing'];

function expectTimeout(args: string[], what: RegExp, cwd?: string): void {
  const out = join(tmp, `out-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  const started = Date.now();
  const r = ksmbench([...args, '--timeout', '1'], { env, cwd: cwd ?? out });
  const took = Date.now() - started;
  assert.equal(r.status, 2, `exit code (stdout: ${r.stdout} stderr: ${r.stderr})`);
  // the progress lines of the runs that finished before it ("[1/2] … 0.0 s, ETA …") aside
  const lines = r.stderr.trim().split('\n').filter((l) => !/^\[\d+\/\d+\] /.test(l));
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0]!, /^ksmbench: timeout: .* ran longer than 1 s \(--timeout 1\)/);
  assert.match(lines[0]!, what);
  assert.ok(took < 30_000, `stopped in time (${took} ms)`);
  assert.deepEqual(readdirSync(out), [], 'no file written');
}

describe('--timeout', () => {
  after(() => rmSync(tmp, { recursive: true, force: true }));
  it('a run that finishes in time is not affected', () => {
    writeProbe(FULL);
    const r = ksmbench(['run', ...suite, '--timeout', '60', '--no-save'], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /split-after-merge\s+v6\.18\+rmap=probe\s+ok/);
  });

  it('run (one process and --jobs 2), sweep: a looping variant is stopped', () => {
    writeProbe(LOOP);
    expectTimeout(['run', ...suite, '--out', '.'], /split-after-merge × v6\.18\+rmap=probe ran longer/);
    expectTimeout(['run', ...suite, '--jobs', '2', '--out', '.'], /split-after-merge × v6\.18\+rmap=probe ran longer/);
    expectTimeout(['sweep', '--scenario', 'vma-split', '--param', 'pieces=2..8:x2', '--variant', 'rmap=probe', '--no-timing', '--out', '.'], /vma-split \[ksm_pages=32;pages=\d+;pieces=2\] × v6\.18\+rmap=probe ran longer/);
  });

  it('gate: a patch that now loops is stopped', () => {
    writeProbe(FULL);
    const dir = join(tmp, 'gate');
    const baseline = join(dir, 'baseline.csv');
    const up = ksmbench(['gate', '--update', '--baseline', baseline, ...suite], { env });
    assert.equal(up.status, 0, up.stderr);
    writeProbe(LOOP);
    expectTimeout(['gate', '--baseline', baseline], /split-after-merge × v6\.18\+rmap=probe ran longer/);
  });

  it('compare --base: the suite at the base revision is stopped, and its worktree removed', () => {
    writeProbe(LOOP);
    // a clone of its own: the worktree list of this checkout is shared with other checkouts
    const clone = join(tmp, 'clone');
    execFileSync('git', ['clone', '-q', ROOT, clone]);
    if (existsSync(join(ROOT, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
    const worktrees = () => execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: clone, encoding: 'utf8' });
    const before = worktrees();
    expectTimeout(['compare', '--base', 'HEAD', ...suite], /the suite at HEAD \(2 runs: .*split-after-merge.*\) ran longer/, clone);
    assert.equal(worktrees(), before, 'no worktree left behind');
  });

  it('a bad value', () => {
    const r = ksmbench(['run', ...suite, '--timeout', '-1']);
    assert.equal(r.status, 2);
    assert.match(r.stderr.trim(), /^ksmbench: --timeout "-1" is not a number of seconds > 0$/);
  });
});
