import type { Op } from '../format.ts';
import { num } from '../params.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';

export const thpMixed: BuiltinScenario = {
  name: 'thp-mixed',
  summary: 'THP-backed regions beside small pages, with duplicate content inside the THPs',
  situation:
    'A process with MADV_HUGEPAGE memory (PMD-mapped THPs) and ordinary memory holding the same data: KSM scans each 4 KiB subpage of a THP and splits the THP to merge one.',
  illuminates:
    'seed 004\'s THP branch of ksm_next_page_pmd_entry (the exact subpage at the current address) against folio_walk\'s subpage: the scanners must return the same pages; try_to_merge_one_page splits the THP.',
  params: {
    thps: { kind: 'int', default: 4, min: 1, max: 4096, description: '2 MiB THPs' },
    small: { kind: 'int', default: 1024, min: 1, max: 1 << 22, description: 'small pages beside them' },
    distinct: { kind: 'int', default: 128, min: 1, max: 1 << 20, description: 'distinct contents (page i has content i mod distinct)' },
  },
  build(p) {
    const d = { mod: num(p, 'distinct') };
    const ops: Op[] = [
      { op: 'mmap', proc: 'p0', region: 'huge', size: num(p, 'thps') * 512, thp: true },
      { op: 'fill', proc: 'p0', region: 'huge', content: d },
      { op: 'mmap', proc: 'p0', region: 'small', size: num(p, 'small') },
      { op: 'fill', proc: 'p0', region: 'small', content: d },
      { op: 'madvise', proc: 'p0', region: 'huge', advice: 'mergeable' },
      { op: 'madvise', proc: 'p0', region: 'small', advice: 'mergeable' },
      { op: 'ksmd', full_scans: 3 },
      { op: 'rmap_walk', what: 'all-ksm' },
    ];
    return { thp: THP_MADVISE, ops };
  },
};
