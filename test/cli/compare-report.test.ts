// A compare report (issue 9 item 10): the JSON is one document with its metadata (inputs,
// commits, alpha, threshold, replication) and the diffs with their direction; the Markdown
// and the table put verdict changes first and say which way each metric moved.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ResultSet } from '../../src/harness/results.ts';
import { ksmbench } from '../support/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-cmprep-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let oldFile = '';
let newFile = '';

/** Two files of split-after-merge on v6.18: as run, and as if a patch missed two mappings (FAIL) but read fewer page tables. */
before(() => {
  const dir = join(tmp, 'run');
  const r = ksmbench(['run', '--scenario', 'split-after-merge', '--stack', 'v6.18', '--no-timing', '--quiet', '--out', dir]);
  assert.equal(r.status, 0, r.stderr);
  oldFile = join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!);
  const set = JSON.parse(readFileSync(oldFile, 'utf8')) as ResultSet;
  const worse: ResultSet = {
    ...set,
    env: { ...set.env, git: { commit: 'feedfacecafe', branch: 'patch', dirty: true } },
    runs: set.runs.map((run) => ({
      ...run,
      counters: { ...run.counters, rmap_mappings_missed: 2, pt_reads: run.counters.pt_reads - 8, pages_sharing: run.counters.pages_sharing + 1 },
      verdict: { ...run.verdict, ok: false, problems: ['2 mappings missed'] },
    })),
  };
  newFile = join(tmp, 'new.json');
  writeFileSync(newFile, JSON.stringify(worse));
});

interface Doc {
  format: string;
  kind: string;
  inputs: { role: string; source: string; name: string; commit: string; branch: string; dirty: boolean; suite: string; runs: number }[];
  alpha: number;
  threshold: number;
  replication: { kind: string };
  notes: string[];
  diffs: { metric: string; status: string; direction: string | null }[];
}

describe('compare report', () => {
  it('--format json: one document with the inputs (paths, commits, dirty), alpha, threshold, replication and each diff\'s direction', () => {
    const r = ksmbench(['compare', oldFile, newFile, '--format', 'json', '--alpha', '0.02', '--threshold', '0.1']);
    assert.equal(r.status, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as Doc;
    assert.equal(doc.format, 'ksmbench-compare/1');
    assert.equal(doc.kind, 'runs');
    const old = JSON.parse(readFileSync(oldFile, 'utf8')) as ResultSet;
    assert.deepEqual(
      doc.inputs.map((i) => [i.role, i.source, i.name, i.commit, i.dirty, i.suite, i.runs]),
      [
        ['old', 'file', oldFile, old.env.git.commit, old.env.git.dirty, 'split-after-merge', 1],
        ['new', 'file', newFile, 'feedfacecafe', true, 'split-after-merge', 1],
      ],
    );
    assert.equal(doc.alpha, 0.02);
    assert.equal(doc.threshold, 0.1);
    assert.deepEqual(doc.replication, { kind: 'one-process' });
    assert.deepEqual(doc.notes, [], 'untimed: no timing note');
    const of = (m: string) => doc.diffs.find((d) => d.metric === m)!;
    assert.deepEqual([of('correct').status, of('correct').direction], ['regressed', 'worse']);
    assert.deepEqual([of('rmap_mappings_missed').status, of('rmap_mappings_missed').direction], ['regressed', 'worse']);
    assert.deepEqual([of('pt_reads').status, of('pt_reads').direction], ['changed', 'better']);
    assert.deepEqual([of('pages_sharing').status, of('pages_sharing').direction], ['changed', 'neither']);
    assert.deepEqual([of('checksums').status, of('checksums').direction], ['same', null]);
  });

  it('--format markdown: the inputs, then the verdict changes, then the changed metrics with their direction', () => {
    const r = ksmbench(['compare', oldFile, newFile, '--format', 'markdown']);
    assert.equal(r.status, 1, r.stderr);
    const md = r.stdout;
    assert.match(md, /^# ksmbench compare — \S+\.json → \S+new\.json\n/);
    assert.match(md, /\n- old: `[^`]+\.json` — commit `[0-9a-f]{12}`/);
    assert.match(md, /\n- new: `[^`]+new\.json` — commit `feedfacecafe` \(patch\), \*\*dirty\*\* \(uncommitted changes\); suite split-after-merge, 1 run/);
    assert.match(md, /\n- timing test: one-sided Mann-Whitney U at alpha 0\.01, noise threshold 0\.05/);
    const verdicts = md.indexOf('## Verdict changes');
    const changed = md.indexOf('## Changed metrics');
    assert.ok(verdicts > 0 && changed > verdicts, 'verdict changes first');
    const section = md.slice(verdicts, changed);
    assert.match(section, /\| split-after-merge \|  \| v6\.18 \|  \| correct \| 1 \| 0 \| -1 \| 0\.0000 \| regressed \| worse \|/);
    assert.match(section, /\| rmap_mappings_missed \| 0 \| 2 \| 2 \| - \| regressed \| worse \|/);
    assert.doesNotMatch(section, /pt_reads/);
    const rest = md.slice(changed);
    assert.match(rest, /\| pt_reads \| [0-9,]+ \| [0-9,]+ \| -8 \| [0-9.]+ \| changed \| better \|/);
    assert.match(rest, /\| pages_sharing \| [0-9,]+ \| [0-9,]+ \| 1 \| [0-9.]+ \| changed \| neither \|/);
    assert.doesNotMatch(rest, /\| correct \|/);
  });

  it('--format html: a self-contained page, verdict changes first; report of the compare JSON renders the same page', () => {
    const r = ksmbench(['compare', oldFile, newFile, '--format', 'html']);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stdout.startsWith('<!doctype html>'), r.stdout.slice(0, 80));
    assert.equal(r.stderr, '', 'nothing on stderr: the notes are in the page');
    assert.ok(r.stdout.indexOf('<section id="verdicts">') > 0, 'a verdicts section');
    assert.ok(r.stdout.indexOf('<section id="verdicts">') < r.stdout.indexOf('<section id="changed">'));
    assert.match(r.stdout, /<code>pt_reads<\/code>.*<td class="better">better<\/td>/);
    const json = join(tmp, 'cmp.json');
    const j = ksmbench(['compare', oldFile, newFile, '--format', 'json']);
    writeFileSync(json, j.stdout);
    const rep = ksmbench(['report', json, '--out', '-']);
    assert.equal(rep.status, 0, rep.stderr);
    assert.equal(rep.stdout, r.stdout, 'report compare.json is the page compare --format html writes');
    const md = ksmbench(['report', json, '--format', 'markdown', '--out', '-']);
    assert.equal(md.stdout, ksmbench(['compare', oldFile, newFile, '--format', 'markdown']).stdout);
    writeFileSync(join(tmp, 'broken.json'), JSON.stringify({ ...JSON.parse(j.stdout), diffs: 3 }));
    const bad = ksmbench(['report', join(tmp, 'broken.json')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^ksmbench: "[^"]+broken\.json" is not a ksmbench compare file: "diffs" is not an array\n$/);
  });

  it('two inputs with no run in common: one line naming both and what they hold, exit 2, no table', () => {
    const dir = join(tmp, 'other');
    const o = ksmbench(['run', '--scenario', 'mremap-remerge', '--scenario', 'split-after-merge', '--stack', 'rmap-v3', '--no-timing', '--quiet', '--out', dir]);
    assert.equal(o.status, 0, o.stderr);
    const other = join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!);
    for (const format of ['table', 'json', 'html']) {
      const r = ksmbench(['compare', oldFile, other, '--format', format]);
      assert.equal(r.status, 2, `${format}: ${r.stdout}`);
      assert.equal(r.stdout, '', 'nothing on stdout');
      assert.equal(
        r.stderr,
        `ksmbench: nothing to compare: ${oldFile} (1 run: scenario split-after-merge on stack v6.18) and ${other} (2 runs: scenarios mremap-remerge, split-after-merge on stack rmap-v3) have no run in common (a run is matched by scenario, params and stack)\n`,
      );
    }
    const one = ksmbench(['compare', oldFile, '--by', 'stack']);
    assert.equal(one.status, 2);
    assert.match(one.stderr, /^ksmbench: nothing to compare: \S+ \(1 run: scenario split-after-merge on stack v6\.18\) has one stack: --by stack compares the stacks of one result against one of them\n$/);
  });

  it('the table: regressions first and a direction column', () => {
    const r = ksmbench(['compare', oldFile, newFile]);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /\sstatus\s+direction$/);
    assert.match(lines[2]!, /\scorrect\s.*\sregressed\s+worse$/);
    assert.ok(lines.some((l) => /\spt_reads\s.*\schanged\s+better$/.test(l)));
  });
});
