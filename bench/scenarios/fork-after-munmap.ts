import type { Op } from '../format.ts';
import { num } from '../params.ts';
import { HPAGE_PMD_NR } from '../../src/mm/units.ts';
import { mergedRegion } from './merged-region.ts';
import type { BuiltinScenario } from './types.ts';

export const forkAfterMunmap: BuiltinScenario = {
  name: 'fork-after-munmap',
  summary: 'a merged region partly munmapped, then forked: the child copies the parent\'s page-table skeleton, empty tables included',
  situation:
    'A mergeable region of identical pages, merged; the first page of every 2 MiB is munmapped (the PTE tables stay: other pages of their span are mapped) and the back half of each 2 MiB is DONTNEED-ed; then the process forks, the child is registered with KSM and ksmd scans both.',
  illuminates:
    'fork (copy_pmd_range / copy_pte_range) allocates a child table for every present parent table, and ksm_fork resets the child\'s counts from 6.18 (6.12.54, 6.17.y) but not on 6.1: the child\'s scans read the copied tables, its ksm_merging_pages differs by stack.',
  params: {
    chunks: { kind: 'int', default: 4, min: 1, max: 4096, description: '2 MiB chunks of the region' },
  },
  build(p) {
    const chunks = num(p, 'chunks');
    const ops: Op[] = mergedRegion(chunks * HPAGE_PMD_NR, 0x44);
    for (let c = 0; c < chunks; c++) {
      ops.push({ op: 'munmap', proc: 'p0', region: 'a', from: c * HPAGE_PMD_NR, pages: 1 });
      ops.push({ op: 'madvise', proc: 'p0', region: 'a', from: c * HPAGE_PMD_NR + HPAGE_PMD_NR / 2, pages: HPAGE_PMD_NR / 2, advice: 'dontneed' });
    }
    ops.push({ op: 'fork', proc: 'p0', child: 'c0' });
    ops.push({ op: 'ksmd', full_scans: 2 });
    ops.push({ op: 'rmap_walk', what: 'all-ksm' });
    return { ops };
  },
};
