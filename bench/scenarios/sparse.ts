import type { Op } from '../format.ts';
import { num } from '../params.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';

export const sparse: BuiltinScenario = {
  name: 'sparse',
  summary: 'a huge MAP_NORESERVE mapping with one populated page (seed 004 reproducer)',
  situation:
    'The seed 004 report: a process maps 32 TiB with MAP_NORESERVE, touches one page so the VMA gets an anon_vma, madvises it MERGEABLE; ksmd then spent over an hour per pass at 100% CPU.',
  illuminates: 'seed 004 (scanner): folio-walk pays per virtual page, walk-page-range per populated table — compare pt_reads per full scan.',
  params: {
    size: { kind: 'size', default: '32TiB', description: 'size of the mapping' },
    paging: { kind: 'enum', default: '4', values: ['4', '5'], description: 'page-table levels' },
    full_scans: { kind: 'int', default: 2, min: 1, max: 1000, description: 'ksmd full scans to run' },
  },
  build(p) {
    const ops: Op[] = [
      { op: 'mmap', proc: 'p0', region: 'area', size: num(p, 'size'), noreserve: true },
      { op: 'write', proc: 'p0', region: 'area', from: 0, pages: 1, content: 'zero' }, // *area = 0
      { op: 'madvise', proc: 'p0', region: 'area', advice: 'mergeable' },
      { op: 'ksmd', full_scans: num(p, 'full_scans') },
    ];
    return { thp: THP_MADVISE, paging: p.paging === '5' ? 5 : 4, ops };
  },
};
