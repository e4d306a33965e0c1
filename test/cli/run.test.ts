// ksmbench run: the CSV contract, the files it writes, shards, timings.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { CSV_COLUMNS, METRIC_NAMES, type ResultSet } from '../../src/harness/results.ts';
import { COUNTER_NAMES } from '../../src/mm/counters.ts';
import { SCENARIOS } from '../../bench/scenarios/index.ts';
import { median } from '../../src/report/stats.ts';
import { STACKS } from '../../variants/stacks.ts';
import { REGISTRY } from '../../variants/registry.ts';
import { ksmbench } from '../support/cli.ts';

const temps: string[] = [];
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

describe('ksmbench run', () => {
  it('prints the tidy CSV with exact integer counters (sparse 32 TiB, v6.17 vs v6.18)', () => {
    const r = ksmbench(['run', '--scenario', 'sparse', '--param', 'size=32TiB', '--stack', 'v6.17', '--stack', 'v6.18', '--no-timing', '--no-calibration', '--format', 'csv', '--no-save', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const header = r.stdout.split('\n')[0]!;
    assert.equal(header, CSV_COLUMNS.join(','));
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[];
    // counters + correct + problems, no timing rows (and no prediction rows: unpriced)
    assert.equal(rows.length, 2 * (COUNTER_NAMES.length + 2));
    for (const row of rows) {
      assert.match(row.value!, /^-?[0-9]+$/, `${row.metric} = ${row.value} is an exact integer`);
      assert.equal(row.scenario, 'sparse');
      assert.equal(row.params, 'full_scans=2;paging=4;size=32TiB');
    }
    const value = (stack: string, metric: string) => rows.find((x) => x.stack === stack && x.metric === metric)!.value;
    // two per-address passes over 2^33 pages, against two range walks
    assert.equal(value('v6.17', 'folio_walk_calls'), String(2 * 2 ** 33));
    assert.equal(value('v6.17', 'pt_reads'), '17180003328');
    assert.equal(value('v6.18', 'pt_reads'), '1292');
    assert.equal(rows.find((x) => x.stack === 'v6.18')!.scanner, 'walk-page-range');
  });

  it('writes <date>-<commit>-<suite>.csv and .json atomically, with the environment', () => {
    const out = tempDir('ksmbench-run-');
    const r = ksmbench(['run', '--scenario', 'split-after-merge', '--stack', 'rmap-v4', '--no-timing', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const files = readdirSync(out).sort();
    assert.equal(files.length, 2, files.join(' '));
    assert.match(files[0]!, /^\d{4}-\d{2}-\d{2}-\d{6}-[0-9a-f]+(-dirty)?-split-after-merge\.csv$/);
    assert.equal(files[1], files[0]!.replace(/\.csv$/, '.json'));
    const set = JSON.parse(readFileSync(join(out, files[1]!), 'utf8')) as ResultSet;
    assert.equal(set.format, 'ksmbench-results/1');
    assert.match(set.env.node, /^v\d+/);
    assert.ok(set.env.cpu.length > 0 && set.env.os.length > 0 && set.env.ksmbench.length > 0);
    assert.match(set.env.git.commit, /^[0-9a-f]{12}$/);
    assert.equal(typeof set.env.git.dirty, 'boolean');
    const run = set.runs[0]!;
    assert.deepEqual([run.verdict.ok, run.counters.rmap_mappings_missed], [false, 2]);
    assert.match(r.stdout, /FAIL\(2\)/);
    assert.match(r.stdout, /rmap walk missed the mapping of p0/);
  });

  it('two shards merged hold exactly the runs of the unsharded suite', () => {
    const out = tempDir('ksmbench-shard-');
    const args = ['run', '--scenario', 'split-after-merge', '--scenario', 'exit-free', '--no-timing', '--out', out];
    for (const s of ['1/2', '2/2']) assert.equal(ksmbench([...args, '--shard', s]).status, 0);
    const shards = readdirSync(out).filter((f) => f.endsWith('.json')).map((f) => join(out, f));
    assert.equal(shards.length, 2);
    const m = ksmbench(['merge', ...shards, '--out', join(out, 'merged')]);
    assert.equal(m.status, 0, m.stderr);
    const merged = JSON.parse(readFileSync(join(out, 'merged', readdirSync(join(out, 'merged')).find((f) => f.endsWith('.json'))!), 'utf8')) as ResultSet;
    const whole = JSON.parse(ksmbench([...args.filter((a) => a !== '--out' && a !== out), '--format', 'json', '--no-save']).stdout) as ResultSet;
    const key = (s: ResultSet) => s.runs.map((r) => `${r.scenario}|${r.stack}|${JSON.stringify(r.counters)}`).sort();
    assert.deepEqual(key(merged), key(whole));
    assert.equal(merged.suite, 'split-after-merge+exit-free');
    // the same shard twice is refused
    const twice = ksmbench(['merge', shards[0]!, shards[0]!, '--out', join(out, 'm2')]);
    assert.equal(twice.status, 2);
  });

  it('sweep shards merged hold exactly the runs of the unsharded sweep', () => {
    const out = tempDir('ksmbench-sweep-shard-');
    const args = ['sweep', '--scenario', 'zero-pages', '--param', 'pages=64..512:x2', '--stack', 'v6.1', '--stack', 'v6.18', '--no-timing', '--out', out];
    for (const s of ['1/2', '2/2']) assert.equal(ksmbench([...args, '--shard', s]).status, 0);
    const shards = readdirSync(out).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(out, f), 'utf8')) as ResultSet);
    assert.deepEqual(shards.map((s) => s.runs.length), [4, 4]);
    const key = (r: ResultSet['runs'][number]) => `${r.stack}|${r.params}`;
    const whole = JSON.parse(ksmbench([...args.slice(0, -2), '--format', 'json', '--no-save']).stdout) as ResultSet;
    assert.deepEqual(shards.flatMap((s) => s.runs.map(key)).sort(), whole.runs.map(key).sort());
  });

  it('sweep --format csv quotes stack labels that hold commas', () => {
    const r = ksmbench(['sweep', '--scenario', 'sparse', '--param', 'size=1G..4G:x2', '--variant', 'scanner=folio-walk', '--variant', 'rmap=addr-shift', '--no-timing', '--format', 'csv', '--no-save', '--metric', 'pt_reads']);
    assert.equal(r.status, 0, r.stderr);
    const rows = parse(r.stdout) as string[][];
    assert.deepEqual(rows[0], ['stack', 'metric', 'fitted class', 'fitted c', 'fit rms', 'fit note', 'measured at 1GiB', 'measured at 2GiB', 'measured at 4GiB']);
    assert.equal(rows.length, 2);
    // three swept values are too few for a class
    assert.deepEqual(rows[1]!.slice(0, 3), ['v6.18+scanner=folio-walk,rmap=addr-shift', 'pt_reads', 'inconclusive']);
  });

  it('times each run with tinybench: median, mean, rme and the samples', () => {
    const r = ksmbench(['run', '--scenario', 'split-after-merge', '--stack', 'v6.18', '--time', '1', '--iterations', '4', '--format', 'json', '--no-save']);
    assert.equal(r.status, 0, r.stderr);
    const t = (JSON.parse(r.stdout) as ResultSet).runs[0]!.timing!;
    assert.ok(t.samples >= 4 && t.sample_ns!.length === t.samples);
    assert.ok(t.median_ns > 0 && t.mean_ns > 0 && t.rme_pct >= 0);
    assert.ok(METRIC_NAMES.includes('time_ns_median'));
    // the summary is of the samples recorded (each rounded to 1 ns)
    const samples = t.sample_ns!;
    assert.ok(Math.abs(t.median_ns - median(samples)) <= 1, `median ${t.median_ns} vs ${median(samples)}`);
    assert.ok(Math.abs(t.mean_ns - samples.reduce((a, b) => a + b, 0) / samples.length) <= 1, `mean ${t.mean_ns}`);
  });

  it('list names every variant, stack, scenario and metric', () => {
    const r = ksmbench(['list']);
    assert.equal(r.status, 0);
    for (const w of ['linear-page-index-no-cow-reset', 'walk-page-range', 'next-20260720', 'vma-split', 'stale_overlay_reads']) assert.ok(r.stdout.includes(w), w);
    const names = [...REGISTRY.map((r) => r.variant.id), ...STACKS.map((s) => s.name), ...SCENARIOS.map((s) => s.name), ...METRIC_NAMES];
    for (const w of names) assert.ok(r.stdout.includes(w), w);
  });
});
