// ksmbench run --trace rmap: one JSON line per rmap walk of each run's counting execution, in the
// shape of the series' rmap_walk tracepoint; where the lines go; the flags it refuses.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ResultSet } from '../../src/harness/results.ts';
import { ksmbench } from '../support/cli.ts';

const temps: string[] = [];
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ksmbench-trace-'));
  temps.push(d);
  return d;
}

const BASE = ['run', '--scenario', 'split-family', '--param', 'pieces=8', '--stack', 'v6.18', '--stack', 'rmap-v8', '--quiet'];

describe('ksmbench run --trace rmap', () => {
  it('writes one line per walk beside the results, only of the counting execution (timed too)', () => {
    const out = tempDir();
    const r = ksmbench([...BASE, '--out', out, '--iterations', '2', '--time', '1']);
    assert.equal(r.status, 0, r.stderr);
    const noTrace = readdirSync(out).filter((f) => f.endsWith('.jsonl'));
    assert.deepEqual(noTrace, [], 'no trace without --trace');
    const t = ksmbench([...BASE, '--out', out, '--iterations', '2', '--time', '1', '--trace', 'rmap']);
    assert.equal(t.status, 0, t.stderr);
    const file = readdirSync(out).find((f) => f.endsWith('.rmap.jsonl'))!;
    const json = file.replace(/\.rmap\.jsonl$/, '.json');
    assert.ok(existsSync(join(out, json)), 'the trace is beside the result it belongs to');
    assert.match(t.stdout, new RegExp(`wrote ${join(out, file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(46 rmap walks\\)\\n$`));
    const lines = readFileSync(join(out, file), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // per run: 1 KSM walk (pages 0 and 7 merged) and 6 + 2 × 8 anonymous ones (the service's other
    // pages, the workers' copies): 23 lines a run, never repeated by the timed executions
    assert.equal(lines.length, 46);
    const set = JSON.parse(readFileSync(join(out, json), 'utf8')) as ResultSet;
    for (const [i, run] of set.runs.entries()) {
      const mine = lines.filter((l) => l.run === i);
      assert.equal(mine.length, run.counters.rmap_walks + run.counters.rmap_anon_walks);
      assert.equal(mine.reduce((s, l) => s + (l.iterations as number), 0), run.counters.rmap_avc_visits + run.counters.rmap_anon_avc_visits);
      assert.equal(mine.reduce((s, l) => s + (l.anon_vma_locks as number), 0), run.counters.anon_vma_locks);
    }
    const ksm = lines.filter((l) => l.page_type === 'ksm');
    const folio = ksm[0]!.folio;
    // full-range: the last page's item iterates the whole tree (8 pieces + 2 workers: 7 addr
    // skips, 2 mm skips), the first page's stops at its piece after the 2 workers (done)
    assert.deepEqual(ksm, [
      { event: 'rmap_walk', run: 0, scenario: 'split-family', params: 'children=2;pieces=8', stack: 'v6.18', op: 11, folio, page_type: 'ksm', locked: false, anon_vma_locks: 2, iterations: 13, skip_addr: 7, skip_mm: 4, rmap_one: 2, expected: 2, found: 2, missed: 0, could_unmap: true },
      { event: 'rmap_walk', run: 1, scenario: 'split-family', params: 'children=2;pieces=8', stack: 'rmap-v8', op: 11, folio, page_type: 'ksm', locked: false, anon_vma_locks: 2, iterations: 6, skip_addr: 0, skip_mm: 4, rmap_one: 2, expected: 2, found: 2, missed: 0, could_unmap: true },
    ]);
    assert.ok(lines.filter((l) => l.page_type === 'anon').every((l) => l.skip_addr === 0 && l.skip_mm === 0 && l.missed === 0 && l.could_unmap === true && l.anon_vma_locks === 1));
  });

  it('says where a walk missed a mapping: could_unmap false (mremap-remerge on rmap-v3)', () => {
    const dir = tempDir();
    const file = join(dir, 'walks.jsonl');
    const r = ksmbench(['run', '--scenario', 'mremap-remerge', '--stack', 'rmap-v3', '--no-timing', '--no-save', '--quiet', '--format', 'json', '--trace', 'rmap', '--trace-file', file]);
    assert.equal(r.status, 0, r.stderr);
    const set = JSON.parse(r.stdout) as ResultSet;
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l.page_type, l.expected, l.found, l.missed, l.could_unmap]),
      [['ksm', 2, 1, 1, false]],
    );
    assert.deepEqual([set.runs[0]!.counters.rmap_folios_stuck, set.runs[0]!.counters.rmap_folios_unmappable], [1, 0]);
  });

  for (const [args, line] of [
    [['--trace', 'foo'], 'ksmbench: --trace "foo" is not one of rmap'],
    [['--trace-file', 'x.jsonl'], 'ksmbench: --trace-file says where --trace writes: give --trace rmap too'],
    [['--trace', 'rmap', '--jobs', '2'], 'ksmbench: --trace traces the runs of one process: give --jobs 1 (not 2), or trace a --shard k/n run'],
    [['--trace', 'rmap', '--no-save'], 'ksmbench: --trace with --no-save writes no result file to put the trace beside: give --trace-file PATH'],
  ] as const) {
    it(`refuses ${args.join(' ')} with one line, exit 2, no file written`, () => {
      const out = tempDir();
      const r = ksmbench([...BASE, '--no-timing', '--out', out, ...args]);
      assert.deepEqual([r.status, r.stderr, r.stdout], [2, `${line}\n`, '']);
      assert.deepEqual(readdirSync(out), []);
    });
  }
});
