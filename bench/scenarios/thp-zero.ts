import type { Op } from '../format.ts';
import { num, text } from '../params.ts';
import type { BuiltinScenario } from './types.ts';

export const thpZero: BuiltinScenario = {
  name: 'thp-zero',
  summary: 'zero-filled and partly zero-filled THPs that KSM splits (the split zero-page remap, 6.12+)',
  situation:
    'A process under THP=always (the kernel default) whose 2 MiB THPs are mostly untouched zeroes, some with a few duplicate pages written (a guest\'s or a JVM heap\'s reserve), made mergeable: KSM merges a subpage by splitting its THP, and since b1f202060afe (6.12) the split itself remaps every zero-filled subpage to the shared zero page and frees it.',
  illuminates:
    'split-zeropage (none / remap / Nico Pache\'s v1 2/3 skip-ksm-mergeable and 3/3 underused-gated): split_zero_remapped and its per-batch peak (memory freed outside pages_to_scan and use_zero_pages), the zero pages that then never merge (pages_sharing, ksm_zero_pages), unstable_search_aborts (tree items whose page the remap freed) and ksmd_batches_no_merge; with thp=madvise the same run needs MADV_HUGEPAGE.',
  params: {
    thps: { kind: 'int', default: 4, min: 1, max: 4096, description: '2 MiB THPs (zero-filled by the first touch)' },
    written: { kind: 'int', default: 64, min: 0, max: 512, description: 'subpages of each THP written with duplicate (non-zero) content; the rest stay zero-filled' },
    distinct: { kind: 'int', default: 8, min: 1, max: 512, description: 'distinct contents among the written subpages (page i of a THP gets content 1 + i mod distinct)' },
    thp: { kind: 'enum', default: 'always', values: ['always', 'madvise'], description: 'THP enabled setting (madvise: the region asks MADV_HUGEPAGE)' },
    use_zero_pages: { kind: 'int', default: 0, min: 0, max: 1, description: 'KSM use_zero_pages' },
    shrink_underused: { kind: 'int', default: 1, min: 0, max: 1, description: 'THP shrink_underused (read by the underused-gated variant)' },
    pages_to_scan: { kind: 'int', default: 100, min: 1, max: 1 << 20, description: 'KSM pages_to_scan (a batch)' },
    full_scans: { kind: 'int', default: 3, min: 1, max: 100, description: 'full scans' },
  },
  build(p) {
    const thps = num(p, 'thps');
    const written = num(p, 'written');
    const distinct = num(p, 'distinct');
    const madvise = text(p, 'thp') === 'madvise';
    const ops: Op[] = [
      // a multiple of 2 MiB: get_unmapped_area aligns it (thp_get_unmapped_area), so every 2 MiB is a THP
      { op: 'mmap', proc: 'p0', region: 'heap', size: thps * 512, ...(madvise ? { thp: true } : {}) },
      // the first touch of each 2 MiB faults in a THP (do_huge_pmd_anonymous_page), zero-filled
      { op: 'fill', proc: 'p0', region: 'heap', content: 'zero' },
    ];
    if (written > 0) {
      for (let t = 0; t < thps; t++) {
        for (let c = 0; c < Math.min(distinct, written); c++) {
          // the pages c, c + distinct, … of THP t share content 1 + c
          for (let i = c; i < written; i += distinct) ops.push({ op: 'fill', proc: 'p0', region: 'heap', from: t * 512 + i, pages: 1, content: 1 + c });
        }
      }
    }
    ops.push(
      { op: 'madvise', proc: 'p0', region: 'heap', advice: 'mergeable' },
      { op: 'ksmd', full_scans: num(p, 'full_scans') },
    );
    return {
      thp: { enabled: madvise ? 'madvise' : 'always', shrink_underused: num(p, 'shrink_underused') === 1 ? 1 : 0 },
      sysfs: { pages_to_scan: num(p, 'pages_to_scan'), use_zero_pages: num(p, 'use_zero_pages') },
      ops,
    };
  },
};
