// Before seed 003: the stable node pins its KSM page (get_page in stable_tree_insert), and only
// the removal of its last rmap_item by ksmd frees the node and drops the page — so a KSM page
// whose mappings are all gone stays allocated until ksmd comes around ("may take minutes").
import { free_node_with_last_item, pin_node_page } from '../../src/ksm/variant-api.ts';
import { defineVariant } from '../types.ts';

export default defineVariant({
  id: 'page-ref',
  axis: 'stable-ref',
  title: 'stable node pins its page',
  subject: 'mm/ksm.c before "ksm: take keyhole reference to page": get_page(kpage) in stable_tree_insert',
  version: '≤ 2.6.32',
  date: '2009-09',
  link: 'seeds/ksm-keyhole-reference-2009.txt (the removed lines)',
  reference: null,
  knownWrong: 'a KSM page freed by its last user stays pinned until ksmd reaches its node',
  policy: {
    // stable_tree_insert: get_page(kpage); stable_node->page = kpage
    on_stable_insert(ksm, node) {
      pin_node_page(ksm, node);
    },
    // remove_rmap_item_from_tree: hlist now empty → set_page_stable_node(page, NULL);
    // put_page(page); rb_erase; free_stable_node
    on_hlist_empty(ksm, node, folio) {
      free_node_with_last_item(ksm, node, folio);
    },
  },
});
