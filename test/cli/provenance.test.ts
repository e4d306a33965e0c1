// Where a result's numbers came from (issue 9 item 12): a --scenario-file run records the
// file's path, the sha256 of its bytes and its ops; a run of an out-of-tree variant records its
// module's path and hash, and list variants marks it; compare and gate warn when the same name
// came from different sources; the CSV stays values only, and result files written before these
// fields existed still read.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CSV_COLUMNS, type ResultSet } from '../../src/harness/results.ts';
import { readResultFile, RENAMED_COUNTERS, ResultFileError, toCsv, writeResultFiles } from '../../src/report/files.ts';
import { ksmbench, ROOT } from '../support/cli.ts';
import { probeVariant } from '../support/probe-variant.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-provenance-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('a --scenario-file run records its file', () => {
  const example = join(ROOT, 'examples', 'ten-identical.json');
  const file = join(tmp, 'ten.json');
  copyFileSync(example, file);
  // the example names stack v6.18: the copy without it runs on two stacks
  const two = join(tmp, 'ten-two-stacks.json');
  const { stack: _stack, ...rest } = JSON.parse(readFileSync(example, 'utf8')) as Record<string, unknown>;
  writeFileSync(two, JSON.stringify(rest));

  it('the path as given, the absolute path, the sha256 of the bytes, the ops and sysfs as run', () => {
    const r = ksmbench(['run', '--scenario-file', 'ten.json', '--no-timing', '--no-save', '--format', 'json'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const set = JSON.parse(r.stdout) as ResultSet;
    assert.equal(set.runs.length, 1);
    const f = set.runs[0]!.scenario_file;
    assert.ok(f, 'the run records scenario_file');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { ops: unknown[]; sysfs: Record<string, number> };
    assert.deepEqual(f, { path: 'ten.json', resolved: file, sha256: sha256(file), ops: json.ops, sysfs: json.sysfs });
  });

  it('every run of the file carries it, also split over --jobs; built-in scenarios carry none', () => {
    for (const jobs of ['1', '2']) {
      const r = ksmbench(['run', '--scenario-file', two, '--stack', 'v6.17', '--stack', 'v6.18', '--jobs', jobs, '--no-timing', '--no-save', '--format', 'json', '--quiet']);
      assert.equal(r.status, 0, r.stderr);
      const runs = (JSON.parse(r.stdout) as ResultSet).runs;
      assert.equal(runs.length, 2);
      for (const run of runs) assert.equal(run.scenario_file?.sha256, sha256(two), `--jobs ${jobs}: ${run.stack}`);
    }
    const b = ksmbench(['run', '--scenario', 'split-after-merge', '--stack', 'v6.18', '--no-timing', '--no-save', '--format', 'json']);
    assert.equal(b.status, 0, b.stderr);
    assert.ok(!('scenario_file' in (JSON.parse(b.stdout) as ResultSet).runs[0]!));
  });

  it('the CSV keeps its columns; the JSON beside it holds the provenance and reads back', () => {
    const out = join(tmp, 'out');
    const r = ksmbench(['run', '--scenario-file', file, '--no-timing', '--out', out], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const csv = /^wrote (\S+\.csv) and (\S+\.json)$/m.exec(r.stdout)?.[1];
    assert.ok(csv !== undefined, r.stdout);
    assert.equal(readFileSync(csv, 'utf8').split('\n')[0], CSV_COLUMNS.join(','));
    assert.equal(readResultFile(csv).runs[0]!.scenario_file?.sha256, sha256(file), 'the .csv is read with its .json');
  });

  it('result files without the new fields (the committed baseline) still read; a malformed one is refused', () => {
    const baseline = readResultFile(join(ROOT, 'results', 'baseline.csv'));
    assert.ok(baseline.runs.length > 0);
    assert.ok(baseline.runs.every((r) => r.scenario_file === undefined));
    // Written back, every value of the old file is kept (the columns and counters added since,
    // split_zeropage, thp and the split/abort/batch counters, come out empty or 0).
    // (a counter renamed since, e.g. unmerge_pt_reads, is written under its new name)
    const key = (cols: string[], row: string[]) =>
      ['scenario', 'params', 'stack', 'metric', 'value'].map((c) => row[cols.indexOf(c)]).map((v, i) => (i === 3 ? (RENAMED_COUNTERS[v ?? ''] ?? v) : v)).join('|');
    const rowsOf = (text: string) => {
      const [head, ...rows] = text.trim().split('\n').map((l) => l.split(','));
      return new Set(rows.map((r) => key(head!, r)));
    };
    const now = rowsOf(toCsv(baseline));
    for (const k of rowsOf(readFileSync(join(ROOT, 'results', 'baseline.csv'), 'utf8'))) assert.ok(now.has(k), `the CSV of an old result keeps ${k}`);
    const run = baseline.runs[0]!;
    const bad: ResultSet = { ...baseline, runs: [{ ...run, scenario_file: { path: 'x.json', resolved: '/x.json', sha256: 'abc', ops: [] } }] };
    const files = writeResultFiles(join(tmp, 'bad'), bad);
    assert.throws(() => readResultFile(files.json), (e: unknown) => e instanceof ResultFileError && /runs\[0\]\.scenario_file lacks path\/resolved\/sha256/.test(e.message));
    const badVariant: ResultSet = { ...baseline, runs: [{ ...run, out_of_tree_variants: { 'rmap=x': { path: 'x.ts', resolved: '/x.ts', sha256: '' } } }] };
    const files2 = writeResultFiles(join(tmp, 'bad-variant'), badVariant);
    assert.throws(() => readResultFile(files2.json), (e: unknown) => e instanceof ResultFileError && /runs\[0\]\.out_of_tree_variants\["rmap=x"\] lacks path\/resolved\/sha256/.test(e.message));
  });
});

describe('an out-of-tree variant is recorded with its source and marked by list', () => {
  const probe = probeVariant(tmp);
  probe.writeQuery('[0, Number.MAX_SAFE_INTEGER] as const');
  // KSMBENCH_EXTRA_VARIANTS relative to the command's directory: recorded as loaded and absolute
  const env = { KSMBENCH_EXTRA_VARIANTS: 'variants' };

  it('each run that uses one records its path as loaded, absolute, and its sha256; the others none', () => {
    const r = ksmbench(['run', '--scenario', 'split-after-merge', '--variant', 'rmap=probe,full-range', '--jobs', '2', '--no-timing', '--no-save', '--format', 'json', '--quiet'], { env, cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const runs = (JSON.parse(r.stdout) as ResultSet).runs;
    const mine = runs.find((x) => x.variants.rmap === 'probe');
    const other = runs.find((x) => x.variants.rmap === 'full-range');
    assert.deepEqual(mine?.out_of_tree_variants, { 'rmap=probe': { path: join('variants', 'rmap', 'probe.ts'), resolved: probe.path, sha256: sha256(probe.path) } });
    assert.ok(other && !('out_of_tree_variants' in other), 'a run of in-tree variants only records none');
  });

  it("an out-of-tree scanner's out-of-tree reference is recorded too (the oracle ran it)", () => {
    const dir = join(tmp, 'scanners');
    mkdirSync(join(dir, 'scanner'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
    const text = readFileSync(join(ROOT, 'variants', 'scanner', 'folio-walk.ts'), 'utf8')
      .replace("'../../src/ksm/variant-api.ts'", `'${join(ROOT, 'src', 'ksm', 'variant-api.ts')}'`)
      .replace("'../types.ts'", `'${join(ROOT, 'variants', 'types.ts')}'`);
    writeFileSync(join(dir, 'scanner', 'my-ref.ts'), text.replace("id: 'folio-walk'", "id: 'my-ref'"));
    writeFileSync(join(dir, 'scanner', 'my-scan.ts'), text.replace("id: 'folio-walk'", "id: 'my-scan'").replace('reference: null', "reference: 'my-ref'"));
    const r = ksmbench(['run', '--scenario', 'split-after-merge', '--variant', 'scanner=my-scan', '--no-timing', '--no-save', '--format', 'json'], { env: { KSMBENCH_EXTRA_VARIANTS: dir } });
    assert.equal(r.status, 0, r.stderr);
    const run = (JSON.parse(r.stdout) as ResultSet).runs[0]!;
    assert.ok(run.verdict.ok, run.verdict.problems.join('\n'));
    assert.deepEqual(Object.keys(run.out_of_tree_variants ?? {}).sort(), ['scanner=my-ref', 'scanner=my-scan']);
    assert.equal(run.out_of_tree_variants?.['scanner=my-ref']?.sha256, sha256(join(dir, 'scanner', 'my-ref.ts')));
  });

  it('list variants marks it with its path and hash; list variants AXIS gives the absolute path and whole hash', () => {
    const hash = sha256(probe.path);
    const list = ksmbench(['list', 'variants'], { env, cwd: tmp });
    assert.equal(list.status, 0, list.stderr);
    const row = list.stdout.split('\n').find((l) => /^rmap\s+probe\s/.test(l));
    assert.ok(row, list.stdout);
    assert.ok(row.endsWith(`probe [out-of-tree: ${join('variants', 'rmap', 'probe.ts')} sha256:${hash.slice(0, 12)}]`), row);
    assert.equal(list.stdout.split('\n').filter((l) => l.includes('out-of-tree')).length, 1, 'only the out-of-tree variant is marked');
    const axis = ksmbench(['list', 'variants', 'rmap'], { env, cwd: tmp });
    assert.equal(axis.status, 0, axis.stderr);
    const block = axis.stdout.split('\n\n').find((b) => b.startsWith('rmap=probe: '));
    assert.ok(block, axis.stdout);
    assert.match(block, new RegExp(`\\n {2}source: {6}out-of-tree \\(KSMBENCH_EXTRA_VARIANTS\\): ${probe.path.replace(/[.]/g, '\\.')}\\n {2}sha256: {6}${hash}\\n?$`));
    assert.match(axis.stdout, /\nrmap=vm-pgoff: [^\n]+\n(.+\n)+ {2}source: {6}variants\/rmap\/vm-pgoff\.ts(\n|$)/);
  });
});

/** Run `args` with results in `out`; the JSON file written. */
function runTo(out: string, args: readonly string[], opts: { env?: Record<string, string>; cwd?: string } = {}): string {
  const r = ksmbench(['run', ...args, '--no-timing', '--out', out, '--quiet'], opts);
  assert.equal(r.status, 0, r.stderr);
  const json = /and (\S+\.json)$/m.exec(r.stdout)?.[1];
  assert.ok(json !== undefined, r.stdout);
  return json;
}

describe('compare and gate warn when the same name came from different sources', () => {
  it('compare: a scenario file edited between the two results (stdout and exit as without the warning)', () => {
    const dir = join(tmp, 'edited');
    mkdirSync(dir);
    const f = join(dir, 's.json');
    const ops = [
      { op: 'mmap', proc: 'p0', region: 'a', size: 8 },
      { op: 'fill', proc: 'p0', region: 'a', content: 7 },
      { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
      { op: 'ksmd', full_scans: 2 },
    ];
    writeFileSync(f, JSON.stringify({ name: 's', stack: 'v6.18', ops }));
    const a = runTo(join(dir, 'a'), ['--scenario-file', f]);
    const first = sha256(f);
    writeFileSync(f, JSON.stringify({ name: 's', stack: 'v6.18', ops }, null, 2));
    const b = runTo(join(dir, 'b'), ['--scenario-file', f]);
    const same = ksmbench(['compare', a, a]);
    assert.equal(same.status, 0, same.stderr);
    assert.doesNotMatch(same.stderr, /warning/);
    const r = ksmbench(['compare', a, b]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, same.stdout, 'the same ops: the same numbers');
    const line = `ksmbench: warning: scenario "s" comes from different scenario files: old ${f} (sha256:${first.slice(0, 12)}), new ${f} (sha256:${sha256(f).slice(0, 12)}); the ops as run are the same\n`;
    assert.equal(r.stderr, line);
  });

  it('compare and gate: an out-of-tree variant whose source changed', () => {
    const dir = join(tmp, 'changed');
    const p = probeVariant(dir);
    p.writeQuery('[0, Number.MAX_SAFE_INTEGER] as const');
    const before = sha256(p.path);
    const suite = ['--scenario', 'vma-split', '--param', 'pages=400', '--param', 'pieces=40', '--variant', 'rmap=probe,full-range'];
    const a = runTo(join(dir, 'a'), suite, { env: p.env });
    const baseline = join(dir, 'baseline.csv');
    const up = ksmbench(['gate', '--update', '--baseline', baseline, ...suite, '--no-timing', '--quiet'], { env: p.env });
    assert.equal(up.status, 0, up.stderr);
    // the same query, written differently: another source, the same numbers
    p.writeQuery('[0, Number.MAX_SAFE_INTEGER] as const /* reviewed */');
    const b = runTo(join(dir, 'b'), suite, { env: p.env });
    const line = `ksmbench: warning: out-of-tree variant rmap=probe has different sources: old ${p.path} (sha256:${before.slice(0, 12)}), new ${p.path} (sha256:${sha256(p.path).slice(0, 12)}); the same id ran different code\n`;
    const r = ksmbench(['compare', a, b]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, line, 'one line, for the probe only');
    const g = ksmbench(['gate', '--baseline', baseline, '--quiet'], { env: p.env });
    assert.equal(g.status, 0, g.stdout + g.stderr);
    assert.equal(g.stderr, line.replace('old ', 'the baseline ').replace('new ', 'this run '));
  });
});
