import type { Op } from '../format.ts';
import { num, ParamError } from '../params.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';

export const guests: BuiltinScenario = {
  name: 'guests',
  summary: 'several VM guests with shared, unique, zero and volatile pages (dense)',
  situation:
    'A KVM host running similar guests: much of each guest image is identical across guests (kernel, libraries), some is unique, some zero-filled, and a part keeps changing between scans.',
  illuminates:
    'the dense case of seed 004: walk-page-range costs about what folio-walk costs when memory is populated; also merging, smart scan and volatility at realistic mixes.',
  weight: 12,
  params: {
    guests: { kind: 'int', default: 4, min: 1, max: 64, description: 'guest processes' },
    size: { kind: 'size', default: '16MiB', description: 'memory of each guest' },
    dup_pct: { kind: 'int', default: 60, min: 0, max: 100, description: 'percent of pages from the shared pool' },
    zero_pct: { kind: 'int', default: 15, min: 0, max: 100, description: 'percent of zero-filled pages' },
    pool: { kind: 'int', default: 2048, min: 1, max: 1 << 24, description: 'distinct contents in the shared pool' },
    volatile_pct: { kind: 'int', default: 5, min: 0, max: 100, description: 'percent of each guest rewritten between scans' },
    full_scans: { kind: 'int', default: 4, min: 1, max: 1000, description: 'full scans (volatile pages rewritten after each)' },
  },
  build(p) {
    const n = num(p, 'guests');
    const pages = num(p, 'size');
    const dup = num(p, 'dup_pct') / 100;
    if (num(p, 'dup_pct') + num(p, 'zero_pct') > 100) throw new ParamError(`guests: dup_pct=${num(p, 'dup_pct')} and zero_pct=${num(p, 'zero_pct')} add up to more than 100 (accepted: dup_pct + zero_pct ≤ 100)`);
    const zero = num(p, 'zero_pct') / 100;
    const vol = Math.floor((pages * num(p, 'volatile_pct')) / 100);
    const ops: Op[] = [];
    for (let g = 0; g < n; g++) {
      ops.push({ op: 'mmap', proc: `guest${g}`, region: 'ram', size: pages });
      ops.push({ op: 'fill', proc: `guest${g}`, region: 'ram', content: { mix: { dup, zero, pool: num(p, 'pool') } } });
      ops.push({ op: 'madvise', proc: `guest${g}`, region: 'ram', advice: 'mergeable' });
    }
    for (let s = 0; s < num(p, 'full_scans'); s++) {
      ops.push({ op: 'ksmd', full_scans: 1 });
      if (vol > 0) for (let g = 0; g < n; g++) ops.push({ op: 'write', proc: `guest${g}`, region: 'ram', from: pages - vol, pages: vol, content: 'unique' });
    }
    return { thp: THP_MADVISE, ops };
  },
};
