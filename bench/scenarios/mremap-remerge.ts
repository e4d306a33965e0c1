import type { Op } from '../format.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';

export const mremapRemerge: BuiltinScenario = {
  name: 'mremap-remerge',
  summary: "Hugh Dickins' case: a merged page mremap-moved, then merged again (addr-shift goes wrong)",
  situation:
    'Hugh Dickins\' test (Apr 2026): 3 pages MADV_MERGEABLE, the first 2 filled with 0x77, then mremap(base+1p → base+2p, 1 page, MAYMOVE|FIXED); ksmd re-merges the moved page because VM_MERGEABLE stays set.',
  illuminates:
    'series v1–v3 (addr-shift): the moved VMA keeps its pgoff, so address >> PAGE_SHIFT is no longer its index and the walk cannot find the PTE (kernel/rmap.md §3.2); vm-pgoff and the linear index are right here.',
  params: {},
  build() {
    const ops: Op[] = [
      { op: 'mmap', proc: 'p0', region: 'a', size: 3 },
      { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
      { op: 'fill', proc: 'p0', region: 'a', from: 0, pages: 2, content: 0x77 },
      { op: 'ksmd', full_scans: 2 },
      { op: 'expect', sysfs: { pages_shared: 1, pages_sharing: 1 } },
      { op: 'mremap', proc: 'p0', region: 'a', from: 1, pages: 1, to: 2 },
      { op: 'ksmd', full_scans: 3 },
      { op: 'expect', sysfs: { pages_shared: 1, pages_sharing: 1 } },
      { op: 'rmap_walk', what: 'all-ksm' },
      { op: 'memory_failure', what: 'all-ksm' },
    ];
    return { thp: THP_MADVISE, ops };
  },
};
