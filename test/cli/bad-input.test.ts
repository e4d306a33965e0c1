// Bad input: a one-line error naming the value and what is accepted, exit 2, no file written.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COUNTER_NAMES } from '../../src/mm/counters.ts';
import { ksmbench } from '../support/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-bad-'));

function expectUsageError(args: string[], re: RegExp): void {
  const out = join(tmp, `out-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  // gate writes only its baseline (with --update): check its directory instead
  const r = args[0] === 'gate' ? ksmbench(args, { cwd: out }) : ksmbench([...args, '--out', out]);
  assert.equal(r.status, 2, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0]!, /^ksmbench: /);
  assert.match(lines[0]!, re);
  assert.deepEqual(readdirSync(out), [], 'no file written');
}

describe('ksmbench run: bad input', () => {
  it('unknown scenario', () => expectUsageError(['run', '--scenario', 'sprase'], /unknown scenario "sprase" \(accepted: sparse, guests/));
  it('unknown variant', () => expectUsageError(['run', '--scenario', 'sparse', '--variant', 'rmap=vm-pgof'], /unknown rmap variant "vm-pgof" \(accepted: .*vm-pgoff/));
  it('unknown axis', () => expectUsageError(['run', '--variant', 'rmapp=full-range'], /unknown axis "rmapp" \(accepted: scanner, rmap/));
  it('empty variant list', () => expectUsageError(['run', '--variant', 'scanner=,'], /--variant "scanner=," names no variant/));
  it('unknown stack', () => expectUsageError(['run', '--scenario', 'sparse', '--stack', 'v6.99'], /unknown stack "v6.99" \(accepted: v6.1, v6.17/));
  it('malformed size', () => expectUsageError(['run', '--scenario', 'sparse', '--param', 'size=32XB'], /size=32XB.*is not a size \(accepted: a page count or 4K/));
  it('negative size', () => expectUsageError(['run', '--scenario', 'sparse', '--param', 'size=-1G'], /size=-1G.*is not a size/));
  it('non-integer count', () => expectUsageError(['run', '--scenario', 'sparse', '--param', 'full_scans=2.5'], /full_scans=2.5 .*not an integer \(accepted: 1..1000\)/));
  it('unknown parameter', () => expectUsageError(['run', '--scenario', 'sparse', '--param', 'sise=1G'], /unknown parameter "sise" for scenario sparse/));
  it('missing scenario file', () => expectUsageError(['run', '--scenario-file', join(tmp, 'nope.json')], /scenario file ".*nope.json" cannot be read \(ENOENT\)/));
  it('malformed scenario file', () => {
    const f = join(tmp, 'bad.json');
    writeFileSync(f, '{"name": "x", "ops": [{"op": "fill", "proc": "p", "region": "a", "content": "same"}]}');
    expectUsageError(['run', '--scenario-file', f], /ops\[0\] \(fill\): "content" "same" is not a content \(accepted:/);
  });
  it('--param with a scenario file', () => {
    const f = join(tmp, 'ok.json');
    writeFileSync(f, '{"name": "x", "ops": [{"op": "mmap", "proc": "p", "region": "a", "size": 4}]}');
    expectUsageError(['run', '--scenario-file', f, '--param', 'size=1G'], /--param size=… applies to built-in scenarios, not to --scenario-file/);
  });
  it('bad seed in a scenario file', () => {
    const f = join(tmp, 'seed.json');
    writeFileSync(f, '{"name": "x", "seed": -1, "ops": [{"op": "mmap", "proc": "p", "region": "a", "size": 4}]}');
    expectUsageError(['run', '--scenario-file', f], /"seed" -1 is not a non-negative integer/);
  });
  it('bad --format', () => expectUsageError(['run', '--scenario', 'sparse', '--format', 'xml'], /--format "xml" is not one of table, csv, json, markdown/));
  it('bad --shard', () => expectUsageError(['run', '--scenario', 'sparse', '--shard', '3/2'], /--shard "3\/2" is not k\/n with 1 ≤ k ≤ n/));
  it('unknown option', () => expectUsageError(['run', '--scenarios', 'sparse'], /Unknown option '--scenarios'/));
  it('unwritable results directory', () => {
    const ro = join(tmp, 'readonly');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    const isRoot = process.getuid?.() === 0;
    // root ignores permission bits: use a path under a regular file instead
    const target = isRoot ? join(tmp, 'afile', 'results') : ro;
    if (isRoot) writeFileSync(join(tmp, 'afile'), 'x');
    const r = ksmbench(['run', '--scenario', 'split-after-merge', '--no-timing', '--out', target]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr.trim(), /^ksmbench: results directory ".*" is not writable \((ENOTDIR|EACCES|EEXIST)\)$/);
    assert.equal(r.stdout, '', 'nothing ran');
  });
});

describe('ksmbench sweep / compare / gate: bad input', () => {
  it('unknown metric', () => expectUsageError(['sweep', '--scenario', 'sparse', '--param', 'size=1G..4G:x2', '--metric', 'pt_read', '--no-timing'], /--metric "pt_read" is not a metric/));
  it('malformed sweep range', () => expectUsageError(['sweep', '--scenario', 'sparse', '--param', 'size=1G..4G:x1', '--no-timing'], /step x1 does not advance/));
  it('sweep range from 0', () =>
    expectUsageError(['sweep', '--scenario', 'merge-failure', '--param', 'second_merge=0..2:+1', '--no-timing'], /--param "second_merge=0..2:\+1": sweep values must be ≥ 1 .*not 0/));
  it('corrupt baseline CSV', () => {
    const f = join(tmp, 'corrupt.csv');
    writeFileSync(f, 'scenario,params,stack,metric,value,seed\nsparse,,v6.18,pt_reads,12abc,1\n');
    expectUsageError(['gate', '--baseline', f], /"[^"]*corrupt.csv" is not a ksmbench result file: line 2: value "12abc" is not a number/);
  });
  it('corrupt baseline JSON', () => {
    const f = join(tmp, 'corrupt.json');
    writeFileSync(f, '{"format": "ksmbench-results/1", "runs": [{"scenario": 1}]}');
    expectUsageError(['gate', '--baseline', f], /"[^"]*corrupt.json" is not a ksmbench result file: runs\[0\] lacks scenario\/params\/stack/);
  });
  it('result file without verdicts', () => {
    const f = join(tmp, 'no-verdict.json');
    const counters = Object.fromEntries(COUNTER_NAMES.map((c) => [c, 0]));
    writeFileSync(f, JSON.stringify({ format: 'ksmbench-results/1', runs: [{ scenario: 'sparse', params: '', stack: 'v6.18', variants: {}, counters }] }));
    for (const cmd of [['merge', f, f], ['report', f], ['compare', f, f]]) {
      expectUsageError(cmd, /"[^"]*no-verdict.json" is not a ksmbench result file: runs\[0\].verdict lacks ok\/problems\/knownWrong/);
    }
  });
  it('missing baseline', () => expectUsageError(['gate', '--baseline', join(tmp, 'none.csv')], /result file ".*none.csv" cannot be read \(ENOENT\)/));
  it('unknown git revision', () => expectUsageError(['compare', '--base', 'no-such-rev-xyz', '--scenario', 'sparse', '--no-timing'], /unknown git revision "no-such-rev-xyz"/));
  it('unknown command', () => {
    const r = ksmbench(['runn']);
    assert.equal(r.status, 2);
    assert.match(r.stderr.trim(), /^ksmbench: unknown command "runn" \(accepted: list, run, compare/);
  });
});
