// Mainline rmap_walk_ksm: every rmap_item's whole anon_vma tree, [0, ULONG_MAX] (kernel/rmap.md §1).
import { defineVariant } from '../types.ts';

export default defineVariant({
  id: 'full-range',
  axis: 'rmap',
  title: 'whole anon_vma interval tree',
  subject: 'mm/ksm.c rmap_walk_ksm: anon_vma_interval_tree_foreach(vmac, &anon_vma->rb_root, 0, ULONG_MAX)',
  version: 'mainline (since 2012, bf181b9f9d8d)',
  date: '2012-10',
  link: 'kernel/rmap.md §1.2, §1.5',
  reference: null,
  policy: {
    query() {
      return [0, Number.MAX_SAFE_INTEGER];
    },
  },
});
