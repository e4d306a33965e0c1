// Series v8 1/3 + 2/3 (June 2026, seed 000; in next-20260720): "ksm: add linear_page_index into
// ksm_rmap_item" — linear_page_index(vma, address) stored at merge in the union with
// {oldchecksum, age, remaining_skips}, reset on every path leaving the stable tree, and
// rmap_walk_ksm queries [idx, idx].
import { type IndexResetSite, type Ksm, type KsmRmapItem, linear_page_index } from '../../src/ksm/variant-api.ts';
import { defineVariant } from '../types.ts';

export default defineVariant({
  id: 'linear-page-index',
  axis: 'rmap',
  title: 'stored linear_page_index',
  subject: 'ksm: add linear_page_index into ksm_rmap_item',
  version: 'v8 1/3 + 2/3',
  date: '2026-06-09',
  link: 'seeds/ksm-rmap-item-linear-page-index-v8.txt (seed 000); lkml.iu.edu/2606.1/03138.html',
  reference: 'full-range',
  policy: {
    // try_to_merge_with_ksm_page: rmap_item->linear_page_index = linear_page_index(vma, rmap_item->address)
    store_index(ksm: Ksm, item: KsmRmapItem, vma) {
      ksm.items.setOverlayWord(item, linear_page_index(vma, ksm.items.vpn(item)));
    },
    // "Reset linear_page_index that might overlay age-related information." Seed 000 resets at
    // every site: break_cow, remove_rmap_item_from_tree, remove_node_from_stable_tree.
    reset_index(ksm: Ksm, item: KsmRmapItem, _site: IndexResetSite) {
      ksm.items.setOverlayWord(item, 0);
    },
    // should_skip_rmap_item: if (rmap_item->address & STABLE_FLAG) return false;
    skip_stable_in_smart_scan: true,
    // v8 2/3: pgoff = rmap_item->linear_page_index; query [pgoff, pgoff]
    query(ksm, item) {
      const idx = ksm.items.overlayWord(item);
      return [idx, idx];
    },
    // "ksm: use precise linear_page_index instead of the whole address space" (with "mm/ksm:
    // initialize the addr only once in collect_procs_ksm"; in next-20260720, merged for 7.3):
    // collect_procs_ksm's anon_rmap_tree_foreach(vmac, av, index, index) (7.3.4 mm/ksm.c:3288-3293)
    collect_procs_query(ksm, item) {
      const idx = ksm.items.overlayWord(item);
      return [idx, idx];
    },
  },
});
