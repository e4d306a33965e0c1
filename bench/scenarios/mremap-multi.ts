import type { Op } from '../format.ts';
import { num } from '../params.ts';
import { mergedRegion } from './merged-region.ts';
import type { BuiltinScenario } from './types.ts';

export const mremapMulti: BuiltinScenario = {
  name: 'mremap-multi',
  summary: 'a move-only mremap over three VMAs holding KSM pages: EFAULT before 6.17, moved VMA by VMA (each unmerged) after',
  situation:
    'A region of identical pages, merged, split into three VMAs by an mprotect(PROT_READ) of its middle third, then mremap(MREMAP_MAYMOVE | MREMAP_FIXED) of the whole region elsewhere; ksmd then scans again and an rmap walk visits every KSM folio.',
  illuminates:
    'mm by version: before 6.17 vma_to_resize refuses the range (-EFAULT, an op error) and the pages stay merged where they are; from 6.17 remap_move moves each VMA through prep_move_vma, which unmerges it (unmerge_breaks, pt_reads_unmerge), and ksmd merges the pages again at their new addresses.',
  params: {
    pages: { kind: 'int', default: 30, min: 3, max: 1 << 20, description: 'pages of the region (a third of them read-only in the middle)' },
  },
  build(p) {
    const pages = num(p, 'pages');
    const third = Math.floor(pages / 3);
    const ops: Op[] = [
      ...mergedRegion(pages, 0x5a),
      { op: 'mprotect', proc: 'p0', region: 'a', from: third, pages: third, prot: 'r' },
      { op: 'mremap', proc: 'p0', region: 'a', to: { at: '1TiB' } },
      { op: 'ksmd', full_scans: 2 },
      { op: 'rmap_walk', what: 'all-ksm' },
    ];
    return { ops };
  },
};
