// ksm_fork by kernel version (issue 10 item 4): dup_mm copies the parent's ksm_merging_pages and
// ksm_rmap_items; kernels with 4d6fc29f3634 (6.18, 6.12.54, 6.17.y) reset them in ksm_fork,
// 6.1's ksm_fork (6.1.192 include/linux/ksm.h:24-29) and 6.12.0–6.12.53's do not, so the child's
// counts carry the parent's for life (the bug the fix's commit message describes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { do_fork } from '../../src/mm/mmap.ts';
import { world } from '../support/ksm-world.ts';

/** [child merging, child rmap_items] right after the fork and after two more full scans. */
function childCounts(kernel: string): number[][] {
  const w = world({ kernel, knobs: { pages_to_scan: 1000 } });
  const parent = w.proc('p0');
  w.region(parent, 10, () => 42);
  w.fullScans(2);
  assert.deepEqual([w.stat(parent).ksm_merging_pages, w.stat(parent).ksm_rmap_items], [10, 10]);
  const child = do_fork(parent, 'c0');
  const after = [w.stat(child).ksm_merging_pages, w.stat(child).ksm_rmap_items];
  w.fullScans(2);
  return [after, [w.stat(child).ksm_merging_pages, w.stat(child).ksm_rmap_items]];
}

describe('ksm_fork and the child counters', () => {
  for (const kernel of ['6.18', '6.12.54', '7.3']) {
    it(`${kernel}: the child starts at 0 and counts its own 10 pages`, () => {
      assert.deepEqual(childCounts(kernel), [[0, 0], [10, 10]]);
    });
  }
  for (const kernel of ['6.1.0', '6.1.192', '6.12.53']) {
    it(`${kernel}: the child keeps the parent's 10 and 10 and adds its own`, () => {
      assert.deepEqual(childCounts(kernel), [[10, 10], [20, 20]]);
    });
  }
});
