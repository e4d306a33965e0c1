// The live matrix's parts that need no kernel: which kernel stands for each stack, the stack
// named for a release, the cells as text, the report of a matrix file, and bad input.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stackForRelease } from '../../src/live/kernel-stack.ts';
import { kernelOf, kernelStacks, LIVE_MATRIX_FORMAT, type LiveMatrix } from '../../src/live/matrix.ts';
import { cellText, matrixMarkdown } from '../../src/report/live-matrix.ts';
import { ksmbench } from '../support/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-matrix-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('the kernel of each stack', () => {
  it('the kernel stacks, each on Debian\'s image of its version unless this host runs it', () => {
    assert.deepEqual(kernelStacks(), ['v6.1', 'v6.12', 'v6.17', 'v6.18', 'v6.19', 'v7.3']);
    assert.deepEqual(kernelStacks().map((s) => kernelOf(s, null)), ['6.1', '6.12', '6.17', '6.18', '6.19', '7.3'].map((v) => ({ spec: `debian:${v}` })));
    assert.deepEqual(kernelOf('v6.12', '6.18.44-fc-v857'), { spec: 'debian:6.12' });
  });

  it('the stack named for a release: the one whose covers hold it, else the nearest, with a note', () => {
    assert.deepEqual(stackForRelease('6.18.44-fc-v857'), { stack: 'v6.18' });
    assert.deepEqual(stackForRelease('7.0.13+deb13-cloud-amd64'), { stack: 'v6.19' }, '6.19.x–7.2.x');
    assert.deepEqual(stackForRelease('7.3.4+deb13-cloud-amd64'), { stack: 'v7.3' });
    assert.deepEqual(stackForRelease('6.12.118+deb13-cloud-amd64'), { stack: 'v6.12' });
    assert.deepEqual(stackForRelease('6.1.192-3'), { stack: 'v6.1', note: '6.1.192-3 is outside what v6.1 covers (6.1.0–6.1.160): its nearest kernel stack' });
    assert.deepEqual(stackForRelease('6.16.12+deb13-cloud-amd64')?.stack, 'v6.12');
    assert.equal(stackForRelease('5.10.0'), null);
    assert.equal(stackForRelease('not-a-release'), null);
  });
});

describe('the matrix as a report', () => {
  const m: LiveMatrix = {
    format: LIVE_MATRIX_FORMAT,
    created: '2026-12-02T00:00:00.000Z',
    stacks: ['v6.12', 'v6.18'],
    scenarios: ['split-after-merge'],
    cells: [
      { stack: 'v6.12', scenario: 'split-after-merge', status: 'equal', equal: 33, compared: 33, checkpoints: 2, kernel: '6.12.118+deb13-cloud-amd64', where: 'debian:6.12 (QEMU)' },
      { stack: 'v6.18', scenario: 'split-after-merge', status: 'cannot run', equal: 0, compared: 0, checkpoints: 0, why: 'KSM is in use here' },
    ],
  };

  it('cells read equal / compared, DIFFERS, or "-"', () => {
    assert.equal(cellText(m.cells[0]), '33/33');
    assert.equal(cellText({ ...m.cells[0]!, status: 'differs', equal: 30 }), 'DIFFERS 30/33');
    assert.equal(cellText(m.cells[1]), '-');
    assert.equal(cellText(undefined), '-');
  });

  it('ksmbench report renders a matrix file (markdown and html)', () => {
    const file = join(tmp, 'matrix.json');
    writeFileSync(file, JSON.stringify(m));
    const md = ksmbench(['report', file, '--format', 'markdown', '--out', '-']);
    assert.equal(md.status, 0, md.stderr);
    assert.equal(md.stdout, matrixMarkdown(m));
    assert.match(md.stdout, /\| split-after-merge \| 33\/33 \| - \|/);
    assert.match(md.stdout, /- split-after-merge × v6\.18: KSM is in use here/);
    const html = ksmbench(['report', file, '--out', '-']);
    assert.equal(html.status, 0, html.stderr);
    assert.match(html.stdout, /^<!doctype html>.*<td>33\/33<\/td>/s);
  });
});

describe('live --matrix: bad input', () => {
  for (const [args, msg] of [
    [['--kernel', 'debian:6.12'], /--matrix takes its kernels from the stacks/],
    [['--stack', 'rmap-v8'], /--stack "rmap-v8" is not a kernel stack \(accepted: v6\.1, v6\.12, v6\.17, v6\.18, v6\.19, v7\.3; series states have no released kernel\)/],
    [['--scenario', 'guests'], /--scenario "guests" is not a matrix scenario \(accepted: split-after-merge, /],
    [['--out', 'x.json', '--no-save'], /--out and --no-save together/],
  ] as const) {
    it(`${args.join(' ')}: one line, exit 2`, () => {
      const r = ksmbench(['live', '--matrix', ...args]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });
  }
  it('--out without --matrix is refused', () => {
    const r = ksmbench(['live', '--scenario', 'split-after-merge', '--out', 'x.json']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--out and --no-save go with --matrix/);
  });
});
