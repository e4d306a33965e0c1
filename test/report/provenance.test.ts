// Provenance differences between two compared results (issue 9 item 12): a scenario name made
// of different scenario files, an out-of-tree variant id from different sources — one line
// each, whatever the number of runs sharing it; nothing when both record the same or nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Op } from '../../bench/format.ts';
import { newCounters } from '../../src/mm/counters.ts';
import type { ResultSet, RunRecord, ScenarioFileRecord } from '../../src/harness/results.ts';
import { provenanceWarnings } from '../../src/report/provenance.ts';

const env = { node: '', os: '', cpu: '', cpus: 0, ksmbench: '', git: { commit: 'c0ffee', branch: '', dirty: false } };
const variants = { scanner: 'walk-page-range', rmap: 'full-range', unmerge: 'per-address', 'zero-pages': 'marked', 'stable-ref': 'keyhole', 'split-zeropage': 'remap' } as const;
const rec = (stack: string, extra: Partial<RunRecord> = {}): RunRecord => ({
  scenario: 'ten',
  params: '',
  seed: 1,
  stack,
  variants,
  mergeOrder: '6.11',
  paging: 4,
  abi: 'lp64-le',
  thp: '',
  counters: newCounters(),
  verdict: { ok: true, problems: [], knownWrong: [] },
  timing: null,
  ...extra,
});
const setOf = (...runs: RunRecord[]): ResultSet => ({ format: 'ksmbench-results/1', suite: 't', created: '', env, runs });
const ops: Op[] = [{ op: 'mmap', proc: 'p0', region: 'a', size: 4 }];
const file = (sha: string, o: readonly Op[] = ops): ScenarioFileRecord => ({ path: 'ten.json', resolved: '/w/ten.json', sha256: sha.repeat(64), ops: o });
const source = (sha: string) => ({ path: 'v/rmap/probe.ts', resolved: '/w/v/rmap/probe.ts', sha256: sha.repeat(64) });

describe('provenance warnings', () => {
  it('none when both sides record the same, or neither records anything', () => {
    assert.deepEqual(provenanceWarnings(setOf(rec('v6.18')), setOf(rec('v6.18'))), []);
    const same = rec('v6.18', { scenario_file: file('a'), out_of_tree_variants: { 'rmap=probe': source('b') } });
    assert.deepEqual(provenanceWarnings(setOf(same), setOf(same)), []);
  });

  it('a scenario file with another hash: one line for every stack, saying whether the ops differ', () => {
    const old = setOf(rec('v6.17', { scenario_file: file('a') }), rec('v6.18', { scenario_file: file('a') }));
    const reformatted = setOf(rec('v6.17', { scenario_file: file('c') }), rec('v6.18', { scenario_file: file('c') }));
    assert.deepEqual(provenanceWarnings(old, reformatted), [
      'scenario "ten" comes from different scenario files: old /w/ten.json (sha256:aaaaaaaaaaaa), new /w/ten.json (sha256:cccccccccccc); the ops as run are the same',
    ]);
    const edited = setOf(rec('v6.18', { scenario_file: file('c', [{ op: 'mmap', proc: 'p0', region: 'a', size: 8 }]) }));
    assert.match(provenanceWarnings(old, edited)[0]!, /; the ops as run differ$/);
    // keys only reordered: the same ops
    const reordered = setOf(rec('v6.18', { scenario_file: file('c', [{ size: 4, region: 'a', proc: 'p0', op: 'mmap' }]) }));
    assert.match(provenanceWarnings(old, reordered)[0]!, /; the ops as run are the same$/);
  });

  it('a scenario file on one side only, named by the sides given', () => {
    const w = provenanceWarnings(setOf(rec('v6.18')), setOf(rec('v6.18', { scenario_file: file('a') })), { old: 'the baseline', new: 'this run' });
    assert.deepEqual(w, ['scenario "ten": this run ran scenario file /w/ten.json (sha256:aaaaaaaaaaaa), the baseline records none (a built-in scenario, or a result written before scenario files were recorded)']);
  });

  it('an out-of-tree variant with another source, or recorded on one side only', () => {
    const a = setOf(rec('v6.18+rmap=probe', { out_of_tree_variants: { 'rmap=probe': source('a') } }));
    const b = setOf(rec('v6.18+rmap=probe', { out_of_tree_variants: { 'rmap=probe': source('b') } }));
    assert.deepEqual(provenanceWarnings(a, b), [
      'out-of-tree variant rmap=probe has different sources: old /w/v/rmap/probe.ts (sha256:aaaaaaaaaaaa), new /w/v/rmap/probe.ts (sha256:bbbbbbbbbbbb); the same id ran different code',
    ]);
    assert.deepEqual(provenanceWarnings(setOf(rec('v6.18+rmap=probe')), b), [
      'variant rmap=probe: new ran it out of tree from /w/v/rmap/probe.ts (sha256:bbbbbbbbbbbb), old records no source (an in-tree variant, or a result written before out-of-tree sources were recorded)',
    ]);
  });

  it('only runs that compare (same scenario, params and stack) are looked at', () => {
    const a = setOf(rec('v6.17', { scenario_file: file('a') }));
    const b = setOf(rec('v6.18', { scenario_file: file('b') }));
    assert.deepEqual(provenanceWarnings(a, b), []);
  });
});
