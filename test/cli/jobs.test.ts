// sweep --jobs N and gate --jobs N (issue 9 item 9): the runs split over N processes give the
// same output as one process, with one progress line per run counted over the jobs; --jobs
// with --shard is refused; _shard (the job) refuses what it cannot split.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { ksmbench, ROOT } from '../support/cli.ts';
import { childrenOf } from '../support/procs.ts';

const BIN = join(ROOT, 'bin', 'ksmbench.mjs');

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-jobs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const progress = (stderr: string) => stderr.split('\n').filter((l) => /^\[\d+\/\d+\] /.test(l));

describe('--jobs on sweep and gate', () => {
  it('sweep --jobs 2: the same fits and result runs as one process, progress over both jobs', () => {
    const sweep = ['sweep', '--scenario', 'vma-split', '--param', 'pages=400', '--param', 'pieces=2..16:x2', '--stack', 'v6.18', '--stack', 'rmap-v8', '--no-timing', '--format', 'json'];
    const one = ksmbench([...sweep, '--quiet', '--no-save']);
    assert.equal(one.status, 0, one.stderr);
    const out = join(tmp, 'sweep');
    const two = ksmbench([...sweep, '--jobs', '2', '--out', out]);
    assert.equal(two.status, 0, two.stderr);
    type Sweep = { runs: { scenario: string; params: string; stack: string; counters: unknown }[]; sweep: { fits: unknown } };
    const a = JSON.parse(one.stdout) as Sweep;
    const b = JSON.parse(two.stdout) as Sweep;
    assert.deepEqual(b.sweep.fits, a.sweep.fits);
    assert.deepEqual(b.runs.map((r) => [r.params, r.stack, r.counters]), a.runs.map((r) => [r.params, r.stack, r.counters]), 'the same runs in the same order');
    assert.equal(progress(two.stderr).length, 8, two.stderr);
    assert.match(two.stderr, /^\[8\/8\] /m);
    const files = readdirSync(out).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 1, 'the parent writes the one result file');
    assert.equal((JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as Sweep).runs.length, 8);
  });

  it('gate --jobs 2: the same verdict and summary as one process', () => {
    const baseline = join(tmp, 'baseline.csv');
    const up = ksmbench(['gate', '--update', '--baseline', baseline, '--scenario', 'split-after-merge', '--scenario', 'mremap-remerge', '--stack', 'v6.18', '--stack', 'rmap-v3', '--no-timing', '--quiet', '--jobs', '2']);
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, /\(4 runs\)/);
    const one = ksmbench(['gate', '--baseline', baseline, '--quiet']);
    assert.equal(one.status, 0, one.stdout + one.stderr);
    const two = ksmbench(['gate', '--baseline', baseline, '--jobs', '2']);
    assert.equal(two.status, 0, two.stdout + two.stderr);
    assert.equal(two.stdout, one.stdout);
    assert.match(one.stdout, /Compared 4 runs/);
    assert.equal(progress(two.stderr).length, 4, two.stderr);
  });

  it('sweep and gate --jobs 2 really start two _shard workers', async () => {
    const baseline = join(tmp, 'baseline.csv'); // made by the gate test above
    for (const cmd of [
      ['sweep', '--scenario', 'vma-split', '--param', 'pages=400', '--param', 'pieces=2..16:x2', '--stack', 'v6.18', '--stack', 'rmap-v8', '--no-save', '--time', '200', '--iterations', '1'],
      ['gate', '--baseline', baseline, '--time', '300', '--iterations', '1'],
    ]) {
      const parent = spawn(process.execPath, [BIN, ...cmd, '--jobs', '2', '--quiet'], { cwd: tmp, env: { ...process.env, CI: '1' }, stdio: 'ignore' });
      const closed = new Promise<number | null>((r) => parent.on('close', (code) => r(code)));
      let most = 0;
      let done = false;
      void closed.then(() => (done = true));
      while (!done) {
        most = Math.max(most, childrenOf(parent.pid!, '_shard').length);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(await closed, 0, cmd[0]);
      assert.equal(most, 2, `${cmd[0]}: two _shard workers at once`);
    }
  });

  it('--jobs with --shard is refused on sweep and run', () => {
    for (const cmd of [
      ['sweep', '--scenario', 'vma-split', '--param', 'pieces=2..8:x2', '--stack', 'v6.18'],
      ['run', '--scenario', 'sparse', '--stack', 'v6.18', '--stack', 'v6.17'],
    ]) {
      const r = ksmbench([...cmd, '--no-timing', '--no-save', '--jobs', '2', '--shard', '1/2']);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trim(), 'ksmbench: give --jobs or --shard, not both');
    }
  });

  it('_shard refuses a command it cannot split, and a bad slice', () => {
    const r = ksmbench(['_shard', '1/2', 'compare', 'a.json', 'b.json']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), 'ksmbench: _shard: command "compare" cannot be split (accepted: run, sweep, gate)');
    const s = ksmbench(['_shard', '3/2', 'run', '--scenario', 'sparse']);
    assert.equal(s.status, 2);
    assert.match(s.stderr, /--shard "3\/2" is not k\/n/);
  });
});
