import { ABIS, type Abi } from '../../src/ksm/rmap-item.ts';
import type { Op } from '../format.ts';
import { num, text } from '../params.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';

export const mergeFailure: BuiltinScenario = {
  name: 'merge-failure',
  summary: 'injected failures of the second merge and of stable_tree_insert (both break_cow paths)',
  situation:
    'try_to_merge_two_pages can fail on its second merge (the tree page is locked, pinned or changed) and stable_tree_insert can fail to allocate: both undo the merge with break_cow.',
  illuminates:
    'seed 000\'s break_cow reset: without it (linear-page-index-no-cow-reset) the index stays over the smart-scan bytes — stale_overlay_reads and pages_wrongly_skipped on 64-bit, only oldchecksum on ilp32.',
  params: {
    pairs: { kind: 'int', default: 8, min: 1, max: 4096, description: 'pairs of identical pages' },
    second_merge: { kind: 'int', default: 2, min: 0, max: 4096, description: 'second merges to fail' },
    stable_insert: { kind: 'int', default: 2, min: 0, max: 4096, description: 'stable_tree_insert calls to fail' },
    full_scans: { kind: 'int', default: 16, min: 2, max: 1000, description: 'full scans after the failures' },
    abi: { kind: 'enum', default: 'lp64-le', values: ABIS, description: 'rmap_item layout' },
  },
  build(p) {
    const pairs = num(p, 'pairs');
    const ops: Op[] = [
      { op: 'mmap', proc: 'p0', region: 'a', size: 2 * pairs },
      { op: 'fill', proc: 'p0', region: 'a', content: { mod: pairs } },
      { op: 'write', proc: 'p0', region: 'a', from: 0, pages: 1, content: pairs }, // no all-zero page
      { op: 'write', proc: 'p0', region: 'a', from: pairs, pages: 1, content: pairs },
      { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
      { op: 'ksmd', full_scans: 1 },
    ];
    if (num(p, 'second_merge') > 0) ops.push({ op: 'inject', fail: 'second-merge', count: num(p, 'second_merge') });
    if (num(p, 'stable_insert') > 0) ops.push({ op: 'inject', fail: 'stable-insert', count: num(p, 'stable_insert') });
    ops.push({ op: 'ksmd', full_scans: num(p, 'full_scans') });
    ops.push({ op: 'rmap_walk', what: 'all-ksm' });
    const abi = text(p, 'abi') as Abi;
    return { thp: THP_MADVISE, abi, ops };
  },
};
