import type { Op } from '../format.ts';
import { num, ParamError } from '../params.ts';
import { type BuiltinScenario, THP_MADVISE } from './types.ts';
import { DEFAULT_MAX_MAP_COUNT } from '../../src/mm/vma.ts';

export const vmaSplit: BuiltinScenario = {
  name: 'vma-split',
  summary: 'one region split into thousands of VMAs on one anon_vma, then one rmap walk per KSM folio and a memory failure on one',
  situation:
    'The rmap-index series\' own benchmark (v4 2/5 rmap_bench): a 20,000-page region with every other page mprotect(PROT_READ), ~20,000 VMAs sharing one anon_vma, KSM pages in it, and rmap walks triggered as migration (move_pages) would do.',
  illuminates:
    'seeds 000/002 and v1–v3 (rmap): full-range visits every VMA of the tree for each rmap_item, an index query visits O(log n + k) — compare rmap_avc_visits and rmap_tree_nodes as pieces grow; collect_procs_ksm likewise (mf_avc_visits, mf_tree_nodes: the whole tree per rmap_item and task up to 7.2, the index from 7.3).',
  weight: 14,
  params: {
    pages: { kind: 'int', default: 20000, min: 4, max: 1 << 22, description: 'pages in the region' },
    pieces: { kind: 'int', default: 20000, min: 1, max: DEFAULT_MAX_MAP_COUNT, description: 'VMAs the region is split into (every other piece mprotected; at most max_map_count, 65530)' },
    ksm_pages: { kind: 'int', default: 32, min: 1, max: 4096, description: 'KSM pages (each content on two pages of the region)' },
  },
  build(p) {
    const pages = num(p, 'pages');
    // the recorded parameters must describe the run that happens: no silent clamping
    const pieces = num(p, 'pieces');
    const k = num(p, 'ksm_pages');
    if (pieces > pages) throw new ParamError(`vma-split: pieces=${pieces} is more than pages=${pages} (accepted: pieces 1..pages, one page per VMA at most)`);
    if (k > Math.floor(pages / 2)) throw new ParamError(`vma-split: ksm_pages=${k} needs ${2 * k} pages, more than pages=${pages} (accepted: ksm_pages 1..${Math.floor(pages / 2)})`);
    const ops: Op[] = [
      { op: 'mmap', proc: 'bench', region: 'heap', size: pages },
      { op: 'fill', proc: 'bench', region: 'heap', content: 'unique' },
    ];
    const stride = Math.floor(pages / k);
    for (let j = 0; j < k; j++) {
      const a = j * stride;
      ops.push({ op: 'fill', proc: 'bench', region: 'heap', from: a, pages: 1, content: 1000 + j });
      ops.push({ op: 'fill', proc: 'bench', region: 'heap', from: a + Math.floor(stride / 2), pages: 1, content: 1000 + j });
    }
    ops.push({ op: 'madvise', proc: 'bench', region: 'heap', advice: 'mergeable' });
    if (pieces === pages) {
      ops.push({ op: 'mprotect', proc: 'bench', region: 'heap', from: 1, prot: 'r', every: 2 });
    } else if (pieces > 1) {
      // piece i covers [floor(i*pages/pieces), floor((i+1)*pages/pieces)); odd pieces read-only
      for (let i = 1; i < pieces; i += 2) {
        const from = Math.floor((i * pages) / pieces);
        const to = Math.floor(((i + 1) * pages) / pieces);
        ops.push({ op: 'mprotect', proc: 'bench', region: 'heap', from, pages: to - from, prot: 'r' });
      }
    }
    ops.push({ op: 'ksmd', full_scans: 2 });
    ops.push({ op: 'rmap_walk', what: 'all-ksm' });
    // one uncorrected error, on the first KSM page (page 0): memory failure is a per-page event
    ops.push({ op: 'memory_failure', what: 'range', proc: 'bench', region: 'heap', from: 0, pages: 1 });
    return { thp: THP_MADVISE, ops };
  },
};
