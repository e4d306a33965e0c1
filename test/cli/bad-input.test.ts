// Bad input: a one-line error naming the value and what is accepted, exit 2, no file written.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { COUNTER_NAMES } from '../../src/mm/counters.ts';
import { ksmbench } from '../support/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-bad-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function expectUsageError(args: string[], re: RegExp, env: Record<string, string> = {}): void {
  const out = join(tmp, `out-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  // gate writes only its baseline (with --update): check its directory instead; compare
  // writes no file at all (and refuses --out)
  const r = args[0] === 'gate' ? ksmbench(args, { cwd: out, env }) : args[0] === 'compare' ? ksmbench(args, { env }) : ksmbench([...args, '--out', out], { env });
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
  it('unknown stack', () => expectUsageError(['run', '--scenario', 'sparse', '--stack', 'v6.99'], /unknown stack "v6.99" \(accepted: v6.1, v6.12, v6.17, v6.18, v6.19, v7.3, /));
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

function scenarioFile(name: string, body: object): string {
  const f = join(tmp, `${name}.json`);
  writeFileSync(f, JSON.stringify(body));
  return f;
}

describe('scenario mistakes are bad input, not a variant\'s failure', () => {
  const mmap = { op: 'mmap', proc: 'p', region: 'a', size: 4 };
  it('an unknown op field', () =>
    expectUsageError(['run', '--scenario-file', scenarioFile('pagse', { name: 'x', ops: [mmap, { op: 'fill', proc: 'p', region: 'a', content: 1, pagse: 4 }] }), '--no-timing'], /ops\[1\] \(fill\): unknown field "pagse" \(accepted: proc, region, content, from, pages\)$/));
  it('an unknown scenario field', () =>
    expectUsageError(['run', '--scenario-file', scenarioFile('top', { name: 'x', sysfss: {}, ops: [mmap] }), '--no-timing'], /unknown field "sysfss" \(accepted: name, description, paging/));
  it('a fill after the process exited', () =>
    expectUsageError(['run', '--scenario-file', scenarioFile('exit', { name: 'x', ops: [mmap, { op: 'exit', proc: 'p' }, { op: 'fill', proc: 'p', region: 'a', content: 1 }] }), '--no-timing'], /ops\[2\] \(fill\): "proc" "p" has exited \(ops\[1\]\): no op may use it after its exit$/));
  it('a second mmap of a region name', () =>
    expectUsageError(['run', '--scenario-file', scenarioFile('twice', { name: 'x', ops: [mmap, mmap] }), '--no-timing'], /ops\[1\] \(mmap\): "region" "a" is already mapped in p \(a region name is mapped once; accepted: a new name\)$/));
  it('an mremap onto the pages it moves', () =>
    expectUsageError(['run', '--scenario-file', scenarioFile('mremap', { name: 'x', ops: [mmap, { op: 'mremap', proc: 'p', region: 'a', from: 0, pages: 2, to: 1 }] }), '--no-timing'], /ops\[1\] \(mremap\): "to" 1 overlaps the moved pages \[0, 2\) \(accepted: a page offset ≥ 2 from the region's start, or \{"at": address\}\)$/));
  it('an op past the region', () =>
    expectUsageError(['run', '--scenario-file', scenarioFile('past', { name: 'x', ops: [mmap, { op: 'fill', proc: 'p', region: 'a', from: 2, pages: 4, content: 1 }] }), '--no-timing'], /ops\[1\] \(fill\): pages \[2, 6\) are outside region "a" \(accepted: "from" \+ "pages" ≤ its 4 pages\)$/));
  it('a mapping that does not fit the address space', () =>
    expectUsageError(['run', '--scenario', 'sparse', '--param', 'size=1PiB', '--stack', 'v6.18', '--no-timing'], /ops\[0\] \(mmap\): "size" \d+ \(\d+ pages\) does not fit the address space \(4-level paging: at most 34359738367 pages/));
  it('parameters that describe a run that would not happen', () => {
    expectUsageError(['run', '--scenario', 'vma-split', '--param', 'pages=10', '--param', 'pieces=100', '--no-timing'], /vma-split: pieces=100 is more than pages=10 \(accepted: pieces 1..pages/);
    expectUsageError(['run', '--scenario', 'guests', '--param', 'dup_pct=90', '--param', 'zero_pct=20', '--no-timing'], /dup_pct=90 and zero_pct=20 add up to more than 100/);
  });
});

describe('flags that do nothing in combination are refused', () => {
  const f = join(tmp, 'stacked.json');
  writeFileSync(f, JSON.stringify({ name: 'x', stack: 'v6.18', ops: [{ op: 'mmap', proc: 'p', region: 'a', size: 4 }] }));
  it('a repeated --param', () => expectUsageError(['run', '--scenario', 'sparse', '--param', 'size=1G', '--param', 'size=2G', '--no-timing'], /--param size is given twice \(size=1G and size=2G\)/));
  it('--shard past the runs', () => expectUsageError(['run', '--scenario', 'sparse', '--stack', 'v6.18', '--shard', '2/2', '--no-timing'], /--shard 2\/2 selects no run: the suite has 1 run, fewer than 2 shards \(accepted: n ≤ 1\)/));
  it('--no-timing with --time', () => expectUsageError(['run', '--scenario', 'sparse', '--no-timing', '--time', '50'], /--time sets the timing budget, which --no-timing turns off/));
  it('--no-timing with --iterations (sweep)', () => expectUsageError(['sweep', '--scenario', 'sparse', '--param', 'size=1G..4G:x2', '--no-timing', '--iterations', '5'], /--iterations sets the timing budget/));
  it('run --base without --variant', () => expectUsageError(['run', '--scenario', 'sparse', '--base', 'v6.17', '--no-timing'], /--base "v6.17" is the stack a --variant matrix sits on: without --variant it does nothing/));
  it('a scenario file\'s stack overridden by --stack', () => expectUsageError(['run', '--scenario-file', f, '--stack', 'v6.1', '--no-timing'], /the scenario file names stack "v6.18": --stack v6.1 would override it/));
  it('compare --out', () => expectUsageError(['compare', '--base', 'HEAD', '--scenario', 'sparse', '--no-timing', '--out', tmp], /compare writes no result file: --out does nothing/));
  it('compare --against without --by', () => expectUsageError(['compare', f, f, '--against', 'v6.18'], /--against names the reference stack of --by stack: give --by stack too/));
  it('compare --rounds without --base', () => expectUsageError(['compare', f, f, '--rounds', '3'], /--rounds repeats the runs of --base REV: without --base nothing is run/));
  it('compare --quiet without --base', () => expectUsageError(['compare', f, f, '--quiet'], /--quiet silences the progress of --base REV: without --base nothing is run/));
  it('KSMBENCH_EXTRA_VARIANTS naming a missing directory', () => expectUsageError(['run', '--scenario', 'sparse', '--no-timing'], /KSMBENCH_EXTRA_VARIANTS ".*nowhere" is not a readable directory \(ENOENT\)/, { KSMBENCH_EXTRA_VARIANTS: join(tmp, 'nowhere') }));
  it('KSMBENCH_EXTRA_VARIANTS with an unknown axis directory', () => {
    const dir = join(tmp, 'extra-axes');
    mkdirSync(join(dir, 'rmapp'), { recursive: true });
    expectUsageError(['run', '--scenario', 'sparse', '--no-timing'], /KSMBENCH_EXTRA_VARIANTS ".*extra-axes" has a directory "rmapp", which is not an axis \(accepted: scanner, rmap/, { KSMBENCH_EXTRA_VARIANTS: dir });
  });
});
