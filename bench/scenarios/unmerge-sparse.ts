import type { Op } from '../format.ts';
import { num, ParamError } from '../params.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';

export const unmergeSparse: BuiltinScenario = {
  name: 'unmerge-sparse',
  summary: 'MADV_UNMERGEABLE over a huge sparse mapping holding a few KSM pages',
  situation:
    'The follow-up to seed 004 (David Hildenbrand, Oct 2025): unmerging a 32 TiB sparse area with one populated page took 9 minutes, because break_ksm looked up every address.',
  illuminates: 'the unmerge axis: per-address pt_reads_unmerge grow with the virtual size, range-walk with the populated tables.',
  params: {
    size: { kind: 'size', default: '32TiB', description: 'size of the mapping' },
    ksm_pages: { kind: 'int', default: 4, min: 1, max: 4096, description: 'KSM pages, each shared by two pages spread over the area' },
  },
  build(p) {
    const pages = num(p, 'size');
    const k = num(p, 'ksm_pages');
    if (k > Math.floor(pages / 2)) throw new ParamError(`unmerge-sparse: ksm_pages=${k} needs ${2 * k} pages, more than size=${pages} pages (accepted: ksm_pages 1..${Math.floor(pages / 2)})`);
    const ops: Op[] = [{ op: 'mmap', proc: 'p0', region: 'area', size: pages, noreserve: true }];
    const stride = Math.floor(pages / (2 * k));
    for (let j = 0; j < 2 * k; j++) ops.push({ op: 'write', proc: 'p0', region: 'area', from: j * stride, pages: 1, content: 100 + (j % k) });
    ops.push({ op: 'madvise', proc: 'p0', region: 'area', advice: 'mergeable' });
    ops.push({ op: 'ksmd', full_scans: 2 });
    ops.push({ op: 'madvise', proc: 'p0', region: 'area', advice: 'unmergeable' });
    return { thp: THP_MADVISE, ops };
  },
};
