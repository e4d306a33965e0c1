import type { Op } from '../format.ts';
import { num } from '../params.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';

export const cowChurn: BuiltinScenario = {
  name: 'cow-churn',
  summary: 'merged pages keep being written (COW breaks) and re-merged',
  situation: 'A workload whose merged pages are written now and then: every write copies the KSM page; ksmd notices on its next visit and may merge again later.',
  illuminates: 'the stable-tree exits (remove_rmap_item_from_tree) every rmap variant must reset, smart scan after COW, and rescan costs.',
  params: {
    pages: { kind: 'int', default: 1024, min: 2, max: 1 << 22, description: 'pages in the region' },
    distinct: { kind: 'int', default: 64, min: 1, max: 1 << 22, description: 'distinct contents (page i has content i mod distinct)' },
    rounds: { kind: 'int', default: 5, min: 1, max: 1000, description: 'write-then-scan rounds' },
    write_pct: { kind: 'int', default: 10, min: 1, max: 100, description: 'percent of pages written per round' },
  },
  build(p) {
    const pages = num(p, 'pages');
    const w = Math.max(1, Math.floor((pages * num(p, 'write_pct')) / 100));
    const ops: Op[] = [
      { op: 'mmap', proc: 'p0', region: 'a', size: pages },
      { op: 'fill', proc: 'p0', region: 'a', content: { mod: num(p, 'distinct') } },
      { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
      { op: 'ksmd', full_scans: 2 },
    ];
    for (let r = 0; r < num(p, 'rounds'); r++) {
      const from = (r * w) % pages;
      const n = Math.min(w, pages - from);
      ops.push({ op: 'write', proc: 'p0', region: 'a', from, pages: n, content: { mod: num(p, 'distinct') } });
      ops.push({ op: 'ksmd', full_scans: 2 });
    }
    ops.push({ op: 'rmap_walk', what: 'all-ksm' });
    return { thp: THP_MADVISE, ops };
  },
};
