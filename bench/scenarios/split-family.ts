import type { Op } from '../format.ts';
import { num } from '../params.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';
import { DEFAULT_MAX_MAP_COUNT } from '../../src/mm/vma.ts';

/**
 * The state behind the rmap-index series' own table (xu xin's v1 cover letter, Jan 2026): a
 * process that forked workers and then had its KSM VMA split into thousands of pieces, so the
 * root anon_vma's tree holds one avc per piece plus one per child (the children's VMAs are not
 * split), and every child's VMA covers every address of the parent's.
 *
 * Order of the tree (ascending start pgoff, equal keys to the right): fork links each child's
 * avc after the parent's (equal key pgoff0); the parent's first split then re-inserts its VMA
 * (anon_vma_interval_tree_pre/post_update_vma), which so moves after the children's. The tree
 * is therefore: child 1, …, child k, piece 0, piece 1, …, piece N-1.
 */
export const splitFamily: BuiltinScenario = {
  name: 'split-family',
  summary: 'a process that forked workers, then had its KSM VMA split into thousands of pieces: the series\' per-walk table',
  situation:
    'An embedded product\'s service (xu xin, v1 cover letter, Jan 2026: 22,169 loop iterations in one rmap_walk_ksm): it forks workers that rewrite their copy of its heap, then its heap is split into one VMA per page (mprotect on every other page) and KSM merges two of its pages (the first and the last); migration or reclaim then walks the KSM folio. The root anon_vma\'s tree holds pieces + children avcs; each child\'s whole VMA holds every address, mapped to the child\'s own page. rmap_walk "all" also walks every anonymous page (rmap_walk_anon at the page\'s index).',
  illuminates:
    'the series\' before/after table (rmap_avc_visits_max, rmap_skip_addr_max, rmap_skip_mm_max): full-range iterates the whole tree for the last page (pieces + children, addr skips = that − the children − 1), an index query only the VMAs covering the index (children + 1, the children skipped by the first pass). pieces=22167 gives the published 22,169 iterations (test/ksm/rmap-table.test.ts derives every number).',
  params: {
    pieces: { kind: 'int', default: 400, min: 2, max: DEFAULT_MAX_MAP_COUNT, description: 'pages of the heap, one VMA each after the splits (at most max_map_count, 65530)' },
    children: { kind: 'int', default: 2, min: 0, max: 64, description: 'workers forked before the split (each rewrites its copy)' },
  },
  build(p) {
    const pieces = num(p, 'pieces');
    const children = num(p, 'children');
    const ops: Op[] = [
      { op: 'mmap', proc: 'service', region: 'heap', size: pieces },
      { op: 'fill', proc: 'service', region: 'heap', content: 'unique' },
      // the one duplicate: the first and the last page (the last piece is the last of the tree)
      { op: 'fill', proc: 'service', region: 'heap', from: 0, pages: 1, content: 4242 },
      { op: 'fill', proc: 'service', region: 'heap', from: pieces - 1, pages: 1, content: 4242 },
      { op: 'madvise', proc: 'service', region: 'heap', advice: 'mergeable' },
    ];
    for (let i = 1; i <= children; i++) ops.push({ op: 'fork', proc: 'service', child: `worker${i}` });
    for (let i = 1; i <= children; i++) ops.push({ op: 'fill', proc: `worker${i}`, region: 'heap', content: 'unique' });
    ops.push({ op: 'mprotect', proc: 'service', region: 'heap', from: 1, prot: 'r', every: 2 });
    ops.push({ op: 'ksmd', full_scans: 2 });
    ops.push({ op: 'rmap_walk', what: 'all' });
    return { thp: THP_MADVISE, ops };
  },
};
