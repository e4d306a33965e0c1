// Progress on long work (issue 9 item 9): run, run --jobs N, gate and sweep print one line per
// finished run on stderr ("[k/n] what time, ETA …") when it is not a terminal, a live line when
// it is; --quiet turns it off; stdout is the same either way.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { progressLine, progressReporter } from '../../src/cli/progress.ts';
import { ksmbench } from '../support/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-progress-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const LINE = /^\[(\d+)\/(\d+)\] \S+( \[\S+\])? × \S+ \d+(\.\d)? s(, ETA \d+(\.\d)? s)?$/;

/** stderr's progress lines: every line of it, each of the form LINE, counting 1..n. */
function progressLines(stderr: string, n: number, what: RegExp[]): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, n, stderr);
  lines.forEach((l, i) => {
    const m = LINE.exec(l);
    assert.ok(m, `a progress line: ${l}`);
    assert.equal(Number(m[1]), i + 1, l);
    assert.equal(Number(m[2]), n, l);
    assert.equal(m[5] !== undefined, i + 1 < n, `an ETA on every line but the last: ${l}`);
  });
  for (const w of what) assert.ok(lines.some((l) => w.test(l)), `a line names ${w}`);
}

const run = ['run', '--scenario', 'split-after-merge', '--scenario', 'mremap-remerge', '--stack', 'v6.18', '--stack', 'rmap-v3', '--no-timing', '--no-save', '--format', 'csv'];

describe('progress on stderr', () => {
  it('run: one line per finished run, the same stdout, nothing with --quiet', () => {
    const loud = ksmbench(run);
    assert.equal(loud.status, 0, loud.stderr);
    progressLines(loud.stderr, 4, [/^\[1\/4\] split-after-merge × v6\.18 /, /^\[4\/4\] mremap-remerge × rmap-v3 /]);
    const quiet = ksmbench([...run, '--quiet']);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.equal(quiet.stderr, '');
    assert.equal(quiet.stdout, loud.stdout, 'stdout does not change');
  });

  it('run --jobs 2: the parent counts the runs of both jobs; --quiet silences them too', () => {
    const loud = ksmbench([...run, '--jobs', '2']);
    assert.equal(loud.status, 0, loud.stderr);
    progressLines(loud.stderr, 4, [/split-after-merge × v6\.18/, /split-after-merge × rmap-v3/, /mremap-remerge × v6\.18/, /mremap-remerge × rmap-v3/]);
    const quiet = ksmbench([...run, '--jobs', '2', '--quiet']);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.equal(quiet.stderr, '');
    assert.equal(quiet.stdout, loud.stdout);
  });

  it('sweep and gate: one line per finished run; --quiet: none', () => {
    const sweep = ['sweep', '--scenario', 'vma-split', '--param', 'pages=400', '--param', 'pieces=2..8:x2', '--stack', 'v6.18', '--no-timing', '--no-save'];
    const s = ksmbench(sweep);
    assert.equal(s.status, 0, s.stderr);
    progressLines(s.stderr, 3, [/^\[1\/3\] vma-split \[ksm_pages=32;pages=400;pieces=2\] × v6\.18 /]);
    const sq = ksmbench([...sweep, '--quiet']);
    assert.equal(sq.stderr, '');
    assert.equal(sq.stdout, s.stdout);

    const baseline = join(tmp, 'baseline.csv');
    const up = ksmbench(['gate', '--update', '--baseline', baseline, '--scenario', 'split-after-merge', '--stack', 'v6.18', '--stack', 'rmap-v3', '--no-timing', '--quiet']);
    assert.equal(up.status, 0, up.stderr);
    assert.doesNotMatch(up.stderr, /^\[/m);
    const g = ksmbench(['gate', '--baseline', baseline]);
    assert.equal(g.status, 0, g.stdout + g.stderr);
    progressLines(g.stderr, 2, [/^\[2\/2\] split-after-merge × rmap-v3 /]);
    const gq = ksmbench(['gate', '--baseline', baseline, '--quiet']);
    assert.equal(gq.stderr, '');
    assert.equal(gq.stdout, g.stdout);
  });

  it('on a terminal: one live line, rewritten per run and cleared at the end', () => {
    let text = '';
    const report = progressReporter(3, false, { isTTY: true, write: (s: string) => (text += s) });
    assert.ok(report);
    report('a × s', 800);
    report('b × s', 1200);
    assert.doesNotMatch(text, /\n/, 'no new line on a terminal');
    assert.match(text, /^\r\x1b\[K\[1\/3\] a × s 0\.8 s, ETA \d+(\.\d)? s\r\x1b\[K\[2\/3\] b × s 1\.2 s, ETA /);
    report('c × s', 100);
    assert.ok(text.endsWith('\r\x1b[K'), 'the line is cleared when the work is done');
    assert.equal(progressReporter(3, true), undefined, '--quiet');
    assert.equal(progressLine(3, 84, 'guests × v6.18', 800, 2400), '[3/84] guests × v6.18 0.8 s, ETA 65 s');
  });
});
