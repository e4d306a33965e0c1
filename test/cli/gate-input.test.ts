// ksmbench gate must never pass while checking nothing: empty, duplicated or malformed
// baselines, bad gate configs and suite flags it would ignore are bad input (exit 2, one line).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ksmbench } from '../support/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-gate-input-'));
const baseline = join(tmp, 'baseline.csv');
const json = join(tmp, 'baseline.json');

function expectBad(args: string[], re: RegExp, env: Record<string, string> = {}): void {
  const r = ksmbench(args, { cwd: tmp, env });
  assert.equal(r.status, 2, `exit code (stdout: ${r.stdout} stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0]!, /^ksmbench: /);
  assert.match(lines[0]!, re);
  assert.equal(r.stdout, '', 'no summary: nothing was gated');
}

interface Json {
  runs: Record<string, unknown>[];
}
function variantJson(name: string, edit: (j: Json) => void): string {
  const j = JSON.parse(readFileSync(json, 'utf8')) as Json;
  edit(j);
  const f = join(tmp, `${name}.json`);
  writeFileSync(f, JSON.stringify(j));
  return f;
}

describe('ksmbench gate: a baseline or config that would check nothing', () => {
  after(() => rmSync(tmp, { recursive: true, force: true }));
  before(() => {
    const up = ksmbench(['gate', '--update', '--baseline', baseline, '--scenario', 'split-after-merge', '--stack', 'v6.18', '--stack', 'rmap-v4', '--no-timing'], { cwd: tmp });
    assert.equal(up.status, 0, up.stderr);
  });

  it('passes on the baseline as made', () => {
    const r = ksmbench(['gate', '--baseline', baseline], { cwd: tmp });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Compared 2 runs/);
  });

  it('no runs', () => expectBad(['gate', '--baseline', variantJson('empty', (j) => (j.runs = []))], /baseline ".*empty.json" has no runs: the gate would check nothing/));
  it('a run twice', () =>
    expectBad(['gate', '--baseline', variantJson('dup', (j) => (j.runs = [j.runs[0]!, ...j.runs]))], /".*dup.json" is not a ksmbench result file: runs\[1\] repeats runs\[0\] \(split-after-merge, params "", v6.18\)/));
  it('a run without its seed (JSON)', () => expectBad(['gate', '--baseline', variantJson('noseed', (j) => delete j.runs[1]!.seed)], /runs\[1\] \(split-after-merge × rmap-v4\) has no seed/));
  it('a run without its seed (CSV)', () => {
    const f = join(tmp, 'noseed.csv');
    const lines = readFileSync(baseline, 'utf8').trim().split('\n');
    const col = lines[0]!.split(',').indexOf('seed');
    writeFileSync(f, `${lines.map((l) => l.split(',').filter((_, i) => i !== col).join(',')).join('\n')}\n`);
    expectBad(['gate', '--baseline', f], /".*noseed.csv" is not a ksmbench result file: no "seed" column/);
  });
  it('a metric twice (CSV)', () => {
    const f = join(tmp, 'duprow.csv');
    const lines = readFileSync(baseline, 'utf8').trim().split('\n');
    writeFileSync(f, `${[...lines, lines[1]!].join('\n')}\n`);
    expectBad(['gate', '--baseline', f], new RegExp(`line ${lines.length + 1}: a second pt_reads row of split-after-merge × v6.18`));
  });
  it('an unknown variant id', () =>
    expectBad(['gate', '--baseline', variantJson('badvariant', (j) => ((j.runs[0]!.variants as Record<string, string>).rmap = 'vm-pgof'))], /run split-after-merge × v6.18 records rmap=vm-pgof, which is not a variant; stack "v6.18" runs rmap=full-range/));
  it('variants its stack does not run', () =>
    expectBad(['gate', '--baseline', variantJson('othervariant', (j) => ((j.runs[0]!.variants as Record<string, string>).rmap = 'vm-pgoff'))], /records rmap=vm-pgoff; stack "v6.18" runs rmap=full-range/));

  it('a gate config with an unknown key', () => {
    const cfg = join(tmp, 'cfg-key.json');
    writeFileSync(cfg, JSON.stringify({ rule: { pt_reads: 'ignore' } }));
    expectBad(['gate', '--baseline', baseline, '--config', cfg], /gate config ".*cfg-key.json": unknown key "rule" \(accepted: rules, timing\)/);
  });
  it('a gate config with an unknown timing key', () => {
    const cfg = join(tmp, 'cfg-tkey.json');
    writeFileSync(cfg, JSON.stringify({ timing: { alfa: 0.5 } }));
    expectBad(['gate', '--baseline', baseline, '--config', cfg], /unknown key "timing.alfa" \(accepted: alpha, threshold\)/);
  });
  it('a negative max_increase_pct', () => {
    const cfg = join(tmp, 'cfg-neg.json');
    writeFileSync(cfg, JSON.stringify({ rules: { pt_reads: { max_increase_pct: -5 } } }));
    expectBad(['gate', '--baseline', baseline, '--config', cfg], /rule \{"max_increase_pct":-5\} of "pt_reads" is not one of .* with N ≥ 0/);
  });
  it('--scenario and --stack without --update', () => {
    expectBad(['gate', '--baseline', baseline, '--scenario', 'sparse'], /gate re-runs the suite recorded in the baseline: --scenario applies only with --update/);
    expectBad(['gate', '--baseline', baseline, '--stack', 'v6.1'], /--stack applies only with --update/);
    expectBad(['gate', '--baseline', baseline, '--shard', '1/2'], /--shard applies only with --update/);
  });

  it('an unwritable $GITHUB_STEP_SUMMARY is a warning: the gate keeps its own exit code', () => {
    writeFileSync(join(tmp, 'afile'), 'x');
    // --quiet: the progress lines aside, the warning is all of stderr
    const r = ksmbench(['gate', '--baseline', baseline, '--quiet'], { cwd: tmp, env: { GITHUB_STEP_SUMMARY: join(tmp, 'afile', 'summary.md') } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^## ksmbench gate: PASS/);
    assert.match(r.stderr, /^ksmbench: warning: cannot append the summary to \$GITHUB_STEP_SUMMARY ".*summary.md" \(ENOTDIR\)\n$/);
  });
});
