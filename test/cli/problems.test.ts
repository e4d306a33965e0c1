// The run table's problem list (issue 9 item 8): the first few problems of a failing run,
// "… and N more" with where all of them are, and locations in the scenario's own terms
// (p0/a + 12) beside the page number.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ResultSet } from '../../src/harness/results.ts';
import { present } from '../../src/cli/present.ts';
import { ksmbench } from '../support/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-problems-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// 16 KSM pages in the upper 32 pages of a 40-page region, each mapped twice; the mprotect of
// the first 8 pages then splits the VMA, and vm-pgoff misses all 32 mappings
const file = join(tmp, 'many-misses.json');
writeFileSync(
  file,
  JSON.stringify({
    name: 'many-misses',
    ops: [
      { op: 'mmap', proc: 'p0', region: 'a', size: 40 },
      { op: 'fill', proc: 'p0', region: 'a', content: 'unique' },
      { op: 'fill', proc: 'p0', region: 'a', from: 8, pages: 32, content: { mod: 16 } },
      { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
      { op: 'ksmd', full_scans: 2 },
      { op: 'mprotect', proc: 'p0', region: 'a', from: 0, pages: 8, prot: 'r' },
      { op: 'rmap_walk', what: 'all-ksm' },
    ],
  }),
);

describe('the problems under the run table', () => {
  it('shows five, then "… and N more" naming the result file that holds them all', () => {
    const out = join(tmp, 'out');
    const r = ksmbench(['run', '--scenario-file', file, '--stack', 'rmap-v4', '--no-timing', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const listed = r.stdout.split('\n').filter((l) => l.startsWith('  - '));
    assert.equal(listed.length, 5);
    const more = /\n {2}… and 27 more \(all 32 in (\S+\.json), runs\[\]\.verdict\.problems\)\n/.exec(r.stdout);
    assert.ok(more, r.stdout);
    assert.ok(existsSync(more[1]!), `${more[1]} was written`);
    const set = JSON.parse(readFileSync(more[1]!, 'utf8')) as ResultSet;
    assert.equal(set.runs[0]!.verdict.problems.length, 32);
    const none = ksmbench(['run', '--scenario-file', file, '--stack', 'rmap-v4', '--no-timing', '--no-save']);
    assert.match(none.stdout, /\n {2}… and 27 more \(all 32 with --format json, runs\[\]\.verdict\.problems\)\n/);
  });

  it('gives each missed mapping region-relative beside the page', () => {
    const r = ksmbench(['run', '--scenario-file', file, '--stack', 'rmap-v4', '--no-timing', '--no-save', '--format', 'json']);
    const problems = (JSON.parse(r.stdout) as ResultSet).runs[0]!.verdict.problems;
    for (const p of problems) assert.match(p, /^ops\[6\] \(rmap_walk\): rmap walk missed the mapping of p0 at page \d+ = p0\/a \+ (\d+) \(found 0 of 2\)$/);
    const offsets = problems.map((p) => Number(/p0\/a \+ (\d+)/.exec(p)![1]));
    assert.deepEqual([...offsets].sort((x, y) => x - y), Array.from({ length: 32 }, (_, i) => 8 + i), 'the 32 merged pages, 8..39 of the region');
    // the page number and the offset agree: the region starts at page − offset for every problem
    assert.equal(new Set(problems.map((p) => Number(/at page (\d+)/.exec(p)![1]) - Number(/p0\/a \+ (\d+)/.exec(p)![1]))).size, 1);
  });

  it('says "N+ more" when the engine stopped listing a run\'s problems', () => {
    const r = JSON.parse(ksmbench(['run', '--scenario-file', file, '--stack', 'rmap-v4', '--no-timing', '--no-save', '--format', 'json']).stdout) as ResultSet;
    const run = r.runs[0]!;
    const capped: ResultSet = { ...r, runs: [{ ...run, verdict: { ...run.verdict, problems: [...Array.from({ length: 50 }, (_, i) => `problem ${i}`), '… more problems not listed'] } }] };
    const text = present(capped, 'table', 'results/x.json');
    assert.match(text, /\n {2}- problem 4\n {2}… and 45\+ more \(the first 50 in results\/x\.json, runs\[\]\.verdict\.problems\)\n/);
    assert.doesNotMatch(text, /- … more problems not listed/);
  });
});
