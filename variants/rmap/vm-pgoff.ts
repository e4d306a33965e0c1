// Series v4 3/5 (May 2026, seed 002): "ksm: add vm_pgoff into ksm_rmap_item" — the merge-time
// VMA's vm_pgoff, overlaid on {oldchecksum, age, remaining_skips}, queried as [pgoff, pgoff].
import type { IndexResetSite, Ksm, KsmRmapItem } from '../../src/ksm/variant-api.ts';
import { defineVariant } from '../types.ts';

export default defineVariant({
  id: 'vm-pgoff',
  axis: 'rmap',
  title: "stored merge-time vma->vm_pgoff",
  subject: 'ksm: add vm_pgoff into ksm_rmap_item',
  version: 'v4 3/5 + 4/5',
  date: '2026-05-03',
  link: 'lkml.iu.edu/2605.0/01823.html; review: seeds/ksm-rmap-item-vm-pgoff-v4-review.txt (seed 002)',
  reference: 'full-range',
  knownWrong: "misses a mapping once a split puts the page in a VMA whose vm_pgoff is above the stored one (mprotect, partial munmap, madvise …)",
  policy: {
    // try_to_merge_with_ksm_page: rmap_item->vm_pgoff = vma->vm_pgoff
    store_index(ksm: Ksm, item: KsmRmapItem, vma) {
      ksm.items.setOverlayWord(item, vma.vm_pgoff);
    },
    // break_cow / remove_rmap_item_from_tree / remove_node_from_stable_tree: rmap_item->vm_pgoff = 0
    reset_index(ksm: Ksm, item: KsmRmapItem, _site: IndexResetSite) {
      ksm.items.setOverlayWord(item, 0);
    },
    // should_skip_rmap_item "is adjusted" like v8's: no age information in stable-tree nodes
    skip_stable_in_smart_scan: true,
    query(ksm, item) {
      const pgoff = ksm.items.overlayWord(item);
      return [pgoff, pgoff];
    },
    // no collect_procs_query: collect_procs_ksm keeps [0, ULONG_MAX]. v4's 3/5 stores vm_pgoff and
    // 4/5 narrows rmap_walk_ksm (kernel/rmap.md §3.1); the collect_procs_ksm pair came after v8.
  },
});
