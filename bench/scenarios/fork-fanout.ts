import type { Op } from '../format.ts';
import { num } from '../params.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';

export const forkFanout: BuiltinScenario = {
  name: 'fork-fanout',
  summary: 'a merged parent forks many children; rmap walks before and after ksmd visits them',
  situation:
    'A pre-forking server (or Android zygote) merges its heap, then forks workers: every child shares the KSM pages and links its VMA into the parent anon_vma tree.',
  illuminates:
    'rmap_walk_ksm\'s two passes: the children are found in the second pass until ksmd gives them rmap_items; the full-range walk grows with every child in the tree, an index query does not (rmap variants).',
  params: {
    children: { kind: 'int', default: 16, min: 1, max: 4096, description: 'children forked' },
    pages: { kind: 'int', default: 256, min: 2, max: 1 << 20, description: 'pages in the parent region' },
    copies: { kind: 'int', default: 4, min: 2, max: 256, description: 'copies of each content in the region' },
  },
  build(p) {
    const pages = num(p, 'pages');
    const ops: Op[] = [
      { op: 'mmap', proc: 'parent', region: 'heap', size: pages },
      { op: 'fill', proc: 'parent', region: 'heap', content: { mod: Math.max(1, Math.floor(pages / num(p, 'copies'))) } },
      { op: 'madvise', proc: 'parent', region: 'heap', advice: 'mergeable' },
      { op: 'ksmd', full_scans: 2 },
    ];
    for (let c = 0; c < num(p, 'children'); c++) ops.push({ op: 'fork', proc: 'parent', child: `child${c}` });
    ops.push({ op: 'rmap_walk', what: 'all-ksm' });
    ops.push({ op: 'ksmd', full_scans: 1 });
    ops.push({ op: 'rmap_walk', what: 'all-ksm' });
    return { thp: THP_MADVISE, ops };
  },
};
