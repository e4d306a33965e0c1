import type { Op } from '../format.ts';
import { num } from '../params.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';

export const fewVmas: BuiltinScenario = {
  name: 'few-vmas',
  summary: 'processes with a few unsplit mergeable VMAs, one per anon_vma, identical content: the rmap index where nothing is wrong',
  situation:
    'The common KSM user: a handful of processes (guests, containers), each with a few unsplit MADV_MERGEABLE regions never forked, split or moved, holding the same pages; every KSM page is mapped once per process, and each rmap_item\'s anon_vma tree holds one VMA. Then one rmap walk (migration) and one memory failure per KSM page.',
  illuminates:
    'Andrew Morton\'s question on the rmap index series (v4 0/5, May 2026): how much the change matters on real workloads. With one VMA per tree, full-range and the index queries yield the same VMAs and examine the same tree nodes (rmap_avc_visits, rmap_tree_nodes, rmap_one_calls and every mf_* count equal across rmap variants): the index neither saves nor costs anything the walks count; collect_procs_ksm stays items × tasks (mf_tasks_visited) whatever the query.',
  params: {
    procs: { kind: 'int', default: 4, min: 2, max: 64, description: 'processes (two at least: a KSM page needs two copies)' },
    regions: { kind: 'int', default: 3, min: 1, max: 64, description: 'mergeable regions (VMAs) per process, apart so they neither merge nor share an anon_vma' },
    pages: { kind: 'int', default: 8, min: 1, max: 4096, description: 'pages per region; page i of region r holds the same content in every process' },
  },
  build(p) {
    const procs = num(p, 'procs');
    const regions = num(p, 'regions');
    const pages = num(p, 'pages');
    const ops: Op[] = [];
    for (let k = 0; k < procs; k++) {
      const proc = `p${k}`;
      for (let r = 0; r < regions; r++) {
        const region = `r${r}`;
        // a gap of `pages` below each region: vma_merge and anon_vma reuse need adjacent VMAs
        ops.push({ op: 'mmap', proc, region, size: pages, at: 0x10000 + 2 * r * pages });
        for (let i = 0; i < pages; i++) ops.push({ op: 'fill', proc, region, from: i, pages: 1, content: 1000 + r * pages + i });
        ops.push({ op: 'madvise', proc, region, advice: 'mergeable' });
      }
    }
    ops.push({ op: 'ksmd', full_scans: 2 });
    ops.push({ op: 'expect', sysfs: { pages_shared: regions * pages, pages_sharing: regions * pages * (procs - 1) } });
    ops.push({ op: 'rmap_walk', what: 'all-ksm' });
    ops.push({ op: 'memory_failure', what: 'all-ksm' });
    return { thp: THP_MADVISE, ops };
  },
};
