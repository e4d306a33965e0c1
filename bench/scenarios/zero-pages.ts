import type { Op } from '../format.ts';
import { num } from '../params.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';

export const zeroPages: BuiltinScenario = {
  name: 'zero-pages',
  summary: 'zero-filled pages merged into the zero page, then MADV_UNMERGEABLE (seed 001)',
  situation:
    'use_zero_pages=1 (as on hosts with many freshly booted guests): KSM maps zero-filled pages to the shared zero page; later the application asks for them back with MADV_UNMERGEABLE (test_unmerge_zero_pages).',
  illuminates:
    'seed 001 (zero-pages): legacy leaves KSM-placed zero pages mapped and cannot count them; marked unshares them and ksm_zero_pages returns to 0.',
  params: {
    pages: { kind: 'int', default: 512, min: 1, max: 1 << 22, description: 'zero-filled pages' },
  },
  build(p) {
    const ops: Op[] = [
      { op: 'mmap', proc: 'p0', region: 'a', size: num(p, 'pages') },
      { op: 'fill', proc: 'p0', region: 'a', content: 'zero' },
      { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
      { op: 'ksmd', full_scans: 2 },
      { op: 'expect', sysfs: { pages_shared: 0, pages_sharing: 0 } },
      // The oracle checks that the unmerge left no KSM-placed zero page, and the invariant checker
      // that ksm_zero_pages counts exactly those: no expectation of ksm_zero_pages, a file 6.1
      // does not have (~6.5), so the scenario runs on every stack.
      { op: 'madvise', proc: 'p0', region: 'a', advice: 'unmergeable' },
    ];
    return { thp: THP_MADVISE, sysfs: { use_zero_pages: 1 }, ops };
  },
};
