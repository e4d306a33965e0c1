// Series v1–v3 (xu xin, Jan–Feb 2026): "ksm: Optimize rmap_walk_ksm by passing a suitable
// address range" — query pgoff = rmap_item->address >> PAGE_SHIFT, no stored state.
import { defineVariant } from '../types.ts';

export default defineVariant({
  id: 'addr-shift',
  axis: 'rmap',
  title: 'query address >> PAGE_SHIFT',
  subject: 'ksm: Optimize rmap_walk_ksm by passing a suitable address range',
  version: 'v3 2/2 (v1, v2 alike)',
  date: '2026-02-12',
  link: 'lore.kerneltesting.org/linux-mm/d659edad-863c-498b-b215-b9f98d15e0ce@kernel.org/T (kernel/rmap.md §3.2)',
  reference: 'full-range',
  knownWrong: 'misses the mappings of a page re-merged after mremap moved its VMA: pgoff != address >> PAGE_SHIFT there (Hugh Dickins, Apr 2026)',
  policy: {
    // rmap_walk_ksm: pgoff = rmap_item->address >> PAGE_SHIFT; query [pgoff, pgoff]
    query(ksm, item) {
      const pgoff = ksm.items.vpn(item);
      return [pgoff, pgoff];
    },
    // no collect_procs_query: collect_procs_ksm keeps [0, ULONG_MAX]. v1–v3 change rmap_walk_ksm
    // only (each version's titles, kernel/rmap.md §3.1); the collect_procs_ksm pair came after v8.
  },
});
