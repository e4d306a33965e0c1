import type { Op } from '../format.ts';
import { num } from '../params.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';

export const exitFree: BuiltinScenario = {
  name: 'exit-free',
  summary: 'every process mapping the KSM pages exits; when are the pages freed?',
  situation:
    'Short-lived processes sharing merged pages exit (or reclaim unmaps every PTE of a KSM page): the pages should go back to the allocator at once.',
  illuminates:
    'seed 003 (stable-ref): with page-ref the stable node pins each page until ksmd reaches its node (freed_pages_pinned > 0, scans_until_freed ≥ 1); the keyhole lets them go at once.',
  params: {
    procs: { kind: 'int', default: 2, min: 1, max: 256, description: 'processes that share the pages' },
    pages: { kind: 'int', default: 64, min: 1, max: 1 << 20, description: 'pages per process (content i mod 16)' },
  },
  build(p) {
    // A long-lived process keeps ksmd scanning (with no mm registered, full_scans stops).
    const ops: Op[] = [
      { op: 'mmap', proc: 'keeper', region: 'a', size: 16 },
      { op: 'fill', proc: 'keeper', region: 'a', content: 'unique' },
      { op: 'madvise', proc: 'keeper', region: 'a', advice: 'mergeable' },
    ];
    const n = num(p, 'procs');
    for (let i = 0; i < n; i++) {
      ops.push({ op: 'mmap', proc: `p${i}`, region: 'a', size: num(p, 'pages') });
      ops.push({ op: 'fill', proc: `p${i}`, region: 'a', content: { mod: 16 } });
      ops.push({ op: 'madvise', proc: `p${i}`, region: 'a', advice: 'mergeable' });
    }
    ops.push({ op: 'ksmd', full_scans: 2 });
    for (let i = 0; i < n; i++) ops.push({ op: 'exit', proc: `p${i}` });
    ops.push({ op: 'ksmd', full_scans: 2 });
    ops.push({ op: 'expect', sysfs: { pages_shared: 0, pages_sharing: 0 } });
    return { thp: THP_MADVISE, ops };
  },
};
