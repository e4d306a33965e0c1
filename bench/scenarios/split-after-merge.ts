import type { Op } from '../format.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';

export const splitAfterMerge: BuiltinScenario = {
  name: 'split-after-merge',
  summary: 'a VMA split below merged pages after they merged (vm-pgoff goes wrong)',
  situation:
    'Any mprotect, partial munmap, mlock or madvise on the head of an anon VMA after KSM merged pages further up: __split_vma gives the upper piece a higher vm_pgoff.',
  illuminates:
    'seed 002 (v4, vm-pgoff): the stored merge-time vm_pgoff no longer lies in the interval of the piece that maps the page, so the walk misses it (kernel/rmap.md §3.4); address >> PAGE_SHIFT and the linear index still find it.',
  params: {},
  build() {
    const ops: Op[] = [
      { op: 'mmap', proc: 'p0', region: 'a', size: 4 },
      { op: 'fill', proc: 'p0', region: 'a', content: 'unique' },
      { op: 'fill', proc: 'p0', region: 'a', from: 2, pages: 2, content: 7 },
      { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
      { op: 'ksmd', full_scans: 2 },
      { op: 'expect', sysfs: { pages_shared: 1, pages_sharing: 1 } },
      { op: 'mprotect', proc: 'p0', region: 'a', from: 0, pages: 2, prot: 'r' },
      { op: 'rmap_walk', what: 'all-ksm' },
      { op: 'memory_failure', what: 'all-ksm' },
    ];
    return { thp: THP_MADVISE, ops };
  },
};
