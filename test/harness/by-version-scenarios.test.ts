// The built-in scenarios that differ by kernel version (issue 10 item 4), on every stack: what
// each kernel's source implies, asserted per stack.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { runScenario } from '../../src/harness/run.ts';
import { STACKS } from '../../variants/stacks.ts';

function run(name: string, stack: string) {
  return runScenario(buildScenario(name, {}), configOfStack(stack));
}

describe('scenarios by kernel version', () => {
  it('mremap-multi: EFAULT and nothing unmerged before 6.17 (v6.1, v6.12); each VMA unmerged and merged again from 6.17', () => {
    for (const s of STACKS) {
      const r = run('mremap-multi', s.name);
      const before617 = s.name === 'v6.1' || s.name === 'v6.12';
      assert.equal(r.counters.syscalls_failed, before617 ? 1 : 0, s.name);
      assert.equal(r.counters.unmerge_breaks, before617 ? 0 : 30, s.name); // the 30 mappings of the one KSM page
      assert.deepEqual([r.counters.pages_shared, r.counters.pages_sharing], [1, 29], s.name);
    }
  });

  it('dontneed-reclaim: 6.14+ scans read 512 fewer PTE entries per emptied table per full scan (4 tables, 2 scans), and the unmerge 512 fewer once', () => {
    const diff = (before: string, after: string) => {
      const [a, b] = [run('dontneed-reclaim', before).counters, run('dontneed-reclaim', after).counters];
      return { scan: a.pt_reads_scan - b.pt_reads_scan, unmerge: a.pt_reads_unmerge - b.pt_reads_unmerge, lookup: a.pt_reads_lookup - b.pt_reads_lookup, merge: a.pt_reads_merge - b.pt_reads_merge, scanLocks: a.ptl_locks_scan - b.ptl_locks_scan };
    };
    // same scanner, before and after PT_RECLAIM: v6.12 (6.12.59) and v6.18 both walk ranges; the
    // range walk took pte_offset_map_lock on each emptied table, once per table and scan
    assert.deepEqual(diff('v6.12', 'v6.18'), { scan: 4 * 512 * 2, unmerge: 4 * 512, lookup: 0, merge: 0, scanLocks: 4 * 2 });
    // the per-address scanner stops a level higher: v6.1 vs v6.17; each of its lookups into an
    // emptied table took the PTE lock, so 512 locks per table and scan go too
    assert.deepEqual(diff('v6.1', 'v6.17'), { scan: 4 * 512 * 2, unmerge: 4 * 512, lookup: 0, merge: 0, scanLocks: 4 * 512 * 2 });
  });

  it('fork-after-munmap: the child scans the copied skeleton; the verdict holds on every stack but the known-wrong vm-pgoff', () => {
    for (const s of STACKS) {
      const r = run('fork-after-munmap', s.name);
      assert.equal(r.verdict.ok, s.name !== 'rmap-v4', `${s.name}: ${r.verdict.problems[0] ?? ''}`);
      assert.equal(r.counters.pages_shared, 4, s.name);
    }
  });
});
