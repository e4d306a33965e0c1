// ksmbench compare: two files, the stacks of one file, and two sweeps.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SweepSet } from '../../src/report/sweep.ts';
import { ksmbench } from '../support/cli.ts';
import { probeVariant } from '../support/probe-variant.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-cmp-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
function runTo(dir: string, args: string[], env?: Record<string, string>): string {
  const r = ksmbench(['run', ...args, '--no-timing', '--out', dir], env ? { env } : {});
  assert.equal(r.status, 0, r.stderr);
  return join(dir, readdirSync(dir).find((f) => f.endsWith('.csv'))!);
}

describe('ksmbench compare', () => {
  it('--by stack lists the metrics each stack changes against the reference', () => {
    const f = runTo(join(tmp, 'a'), ['--scenario', 'split-after-merge', '--stack', 'v6.18', '--stack', 'rmap-v4']);
    const r = ksmbench(['compare', f, '--by', 'stack', '--against', 'v6.18', '--format', 'json']);
    assert.equal(r.status, 1, `rmap-v4 fails the oracle where v6.18 does not: ${r.stderr}`);
    const diffs = (JSON.parse(r.stdout) as { diffs: { stack: string; against: string; metric: string; old: number; new: number; status: string }[] }).diffs;
    const missed = diffs.find((d) => d.metric === 'rmap_mappings_missed')!;
    assert.deepEqual([missed.stack, missed.against, missed.old, missed.new, missed.status], ['rmap-v4', 'v6.18', 0, 2, 'regressed']);
    assert.equal(diffs.find((d) => d.metric === 'pt_reads')!.status, 'same');
  });

  it('two result files: old, new, delta and ratio per metric; identical runs are "same"', () => {
    const a = runTo(join(tmp, 'b1'), ['--scenario', 'mremap-remerge', '--stack', 'rmap-v3']);
    const b = runTo(join(tmp, 'b2'), ['--scenario', 'mremap-remerge', '--stack', 'rmap-v3']);
    const r = ksmbench(['compare', a, b]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /no metric changed/);
    const md = ksmbench(['compare', a, b, '--all', '--format', 'markdown']);
    assert.match(md.stdout, /\| mremap-remerge \|  \| rmap-v3 \|  \| rmap_mappings_missed \| 1 \| 1 \| 0 \| 1.0000 \| same \|/);
  });

  it('two sweeps: a change of complexity class is flagged', () => {
    const dir = join(tmp, 's');
    const s = ksmbench(['sweep', '--scenario', 'sparse', '--param', 'size=1G..32T:x2', '--variant', 'scanner=folio-walk,walk-page-range', '--no-timing', '--out', dir]);
    assert.equal(s.status, 0, s.stderr);
    const json = join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!);
    const sweep = JSON.parse(readFileSync(json, 'utf8')) as SweepSet;
    const cls = (stack: string) => sweep.sweep.fits.find((f) => f.stack === stack && f.metric === 'pt_reads')!.cls;
    assert.equal(cls('v6.18+scanner=folio-walk'), 'O(n)');
    assert.ok(['O(1)', 'O(log n)'].includes(cls('v6.18')), cls('v6.18'));
    // the same sweep, as if the range walk had regressed to linear
    const worse = { ...sweep, sweep: { ...sweep.sweep, fits: sweep.sweep.fits.map((f) => (f.stack === 'v6.18' && f.metric === 'pt_reads' ? { ...f, cls: 'O(n)' } : f)) } };
    const other = join(tmp, 'worse.json');
    writeFileSync(other, JSON.stringify(worse));
    const r = ksmbench(['compare', json, other]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /v6\.18\s+pt_reads\s+O\((1|log n)\)\s+O\(n\)\s+CLASS CHANGED \(worse\)/);
    const csv = ksmbench(['compare', json, other, '--format', 'csv']);
    assert.equal(csv.status, 0, csv.stderr);
    assert.match(csv.stdout, /^stack,metric,old class,new class,status\n/);
    assert.match(csv.stdout, /\nv6\.18,pt_reads,O\((1|log n)\),O\(n\),CLASS CHANGED \(worse\)\n/);
    // the reports list the changed classes (with --all every one), each with its direction
    const md = ksmbench(['compare', json, other, '--format', 'markdown']);
    assert.equal(md.status, 0, md.stderr);
    const changed = md.stdout.slice(md.stdout.indexOf('## Changed complexity classes'));
    assert.match(changed, /\| v6\.18 \| pt_reads \| O\((1|log n)\) \| O\(n\) \| CLASS CHANGED \(worse\) \| worse \|/);
    assert.doesNotMatch(changed, /\| same \|/);
    assert.match(ksmbench(['compare', json, other, '--format', 'markdown', '--all']).stdout, /\| same \|  \|/);
    const html = ksmbench(['compare', json, other, '--format', 'html']);
    assert.match(html.stdout, /<td><code>pt_reads<\/code><\/td><td>O\((1|log n)\)<\/td><td>O\(n\)<\/td><td class="status">CLASS CHANGED \(worse\)<\/td><td class="worse">worse<\/td>/);
  });
});

describe('ksmbench compare: a broken variant is never hidden', () => {
  const variant = probeVariant(tmp);
  const writeProbe = variant.writeQuery;
  const env = variant.env;
  function sweepTo(dir: string): string {
    const s = ksmbench(['sweep', '--scenario', 'vma-split', '--param', 'pages=400', '--param', 'pieces=10..80:x2', '--variant', 'rmap=probe', '--no-timing', '--out', dir], { env });
    assert.equal(s.status, 0, s.stderr);
    return join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!);
  }

  it('two sweeps: a verdict that turns FAIL at the points of a sweep is a regression (exit 1), and its class change is not "better"', () => {
    writeProbe('[0, Number.MAX_SAFE_INTEGER] as const');
    const good = sweepTo(join(tmp, 'sw-good'));
    // the "patch" now queries index 0 only: it misses every mapping
    writeProbe('[0, 0] as const');
    const bad = sweepTo(join(tmp, 'sw-bad'));
    const r = ksmbench(['compare', good, bad], { env });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    const first = lines.findIndex((l) => /CLASS CHANGED|same/.test(l));
    assert.match(r.stdout, /v6\.18\+rmap=probe\s+correct\s+ok at 4 points\s+FAIL at 4 of 4 points\s+REGRESSED at 4 points/);
    assert.match(r.stdout, /v6\.18\+rmap=probe\s+rmap_mappings_missed\s+0\s+\d+(\.\.\d+)?\s+REGRESSED at 4 points/);
    assert.ok(lines.findIndex((l) => /REGRESSED/.test(l)) < first, 'regressions come first');
    assert.doesNotMatch(r.stdout, /better/);
    const json = ksmbench(['compare', good, bad, '--format', 'json'], { env });
    assert.equal(json.status, 1);
    const cd = (JSON.parse(json.stdout) as { kind: string; diffs: { metric: string; status: string }[] }).diffs;
    assert.ok(cd.some((d) => d.metric === 'rmap_avc_visits' && d.status === 'invalid'), 'the class change of a broken stack is invalid');
    // and the other way round it is a fix, not a regression
    const back = ksmbench(['compare', bad, good], { env });
    assert.equal(back.status, 0, back.stdout);
    assert.match(back.stdout, /correct\s+FAIL at 4 of 4 points\s+ok at 4 points\s+fixed at 4 points/);
  });

  it('two result files: ok → FAIL is "regressed", listed first, exit 1', () => {
    writeProbe('[0, Number.MAX_SAFE_INTEGER] as const');
    const a = runTo(join(tmp, 'r-good'), ['--scenario', 'vma-split', '--param', 'pages=400', '--param', 'pieces=40', '--variant', 'rmap=probe'], env);
    writeProbe('[0, 0] as const');
    const b = runTo(join(tmp, 'r-bad'), ['--scenario', 'vma-split', '--param', 'pages=400', '--param', 'pieces=40', '--variant', 'rmap=probe'], env);
    const r = ksmbench(['compare', a, b], { env });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('vma-split'));
    assert.match(rows[0]!, /\scorrect\s.*regressed/);
    assert.match(r.stdout, /rmap_mappings_missed\s+0\s+\d+.*regressed/);
  });
});
