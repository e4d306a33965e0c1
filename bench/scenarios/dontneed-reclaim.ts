import type { Op } from '../format.ts';
import { num } from '../params.ts';
import { HPAGE_PMD_NR } from '../../src/mm/units.ts';
import { mergedRegion } from './merged-region.ts';
import type { BuiltinScenario } from './types.ts';

export const dontneedReclaim: BuiltinScenario = {
  name: 'dontneed-reclaim',
  summary: 'MADV_DONTNEED of whole 2 MiB ranges of a merged region, then more scans: empty PTE tables stay before 6.14, are freed from 6.14',
  situation:
    'A mergeable region of identical pages, merged; then MADV_DONTNEED of every other 2 MiB of it (a guest returning memory); ksmd keeps scanning the region.',
  illuminates:
    'PT_RECLAIM (6375e95f381e, 6.14): from 6.14 the zap frees each emptied PTE table, so later scans and unmerges read one PMD entry where 6.1–6.13 read a PTE table of none entries — pt_reads and pt_reads_unmerge by stack.',
  params: {
    chunks: { kind: 'int', default: 8, min: 2, max: 4096, description: '2 MiB chunks of the region (every other one is DONTNEED-ed)' },
  },
  build(p) {
    const chunks = num(p, 'chunks');
    const ops: Op[] = mergedRegion(chunks * HPAGE_PMD_NR, 0x33);
    for (let c = 1; c < chunks; c += 2) ops.push({ op: 'madvise', proc: 'p0', region: 'a', from: c * HPAGE_PMD_NR, pages: HPAGE_PMD_NR, advice: 'dontneed' });
    ops.push({ op: 'ksmd', full_scans: 2 });
    ops.push({ op: 'madvise', proc: 'p0', region: 'a', advice: 'unmergeable' });
    return { ops };
  },
};
