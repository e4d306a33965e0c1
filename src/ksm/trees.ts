// The stable and unstable trees of mm/ksm.c: the keyhole lookup of a stable node's page,
// removing items and nodes, chains and dups, stable_tree_search / insert / append and
// unstable_tree_search_insert. Each function names the kernel function it follows.
import { put_anon_vma } from '../mm/anon-vma.ts';
import { folio_walk_start, newFolioWalk } from '../mm/folio-walk.ts';
import { FOLIO_KSM, type Folio, type PageRef } from '../mm/folio.ts';
import { folio_get, folio_put } from '../mm/machine.ts';
import { ksm_test_exit, type MmStruct } from '../mm/mm.ts';
import { ACCOUNT_LOOKUP } from '../mm/pgtable.ts';
import { rbEraseOf, rbInsertColor, rbInsertColorOf, rbLinkNode, rbLinkNodeOf, rbReplaceNode } from '../mm/rbtree.ts';
import { VM_MERGEABLE, type VmAreaStruct, vma_lookup } from '../mm/vma.ts';
import { shadow_reset } from './lifetime.ts';
import { memcmp_pages } from './pages.ts';
import { type KsmRmapItem, NULL_ITEM, SEQNR_MASK, STABLE_FLAG, UNSTABLE_FLAG } from './rmap-item.ts';
import { type Ksm, type RmapLink, rmap_link_get, rmap_link_set } from './state.ts';
import {
  alloc_stable_node_chain,
  chain_summary_no_candidate,
  free_stable_node_chain,
  is_stable_node_chain,
  type KsmStableNode,
  stable_node_chain_add_dup,
  stable_node_dup_del,
  stable_node_kpfn_gone,
} from './stable-node.ts';

export type GetFolioFlags = 'nolock' | 'lock' | 'trylock';
export const EBUSY = 'EBUSY';


/** mm/ksm.c: folio_stable_node */
export function folio_stable_node(ksm: Ksm, folio: Folio): KsmStableNode | null {
  const folios = ksm.machine.folios;
  if (!folios.ksm(folio)) return null;
  return (folios.mapping[folio] ?? null) as KsmStableNode | null;
}

/** mm/ksm.c: folio_set_stable_node — mark the folio KSM with this node (or a NULL node). */
export function folio_set_stable_node(ksm: Ksm, folio: Folio, node: KsmStableNode | null): void {
  const old = folio_stable_node(ksm, folio);
  if (old && old !== node && old.kpfn === folio) stable_node_kpfn_gone(old); // model-only: the chain summary
  const folios = ksm.machine.folios;
  folios.setFlag(folio, FOLIO_KSM, true);
  folios.mapping[folio] = node;
}

/**
 * The page allocator freed a KSM folio (model-only, no kernel counterpart: Machine.freeFolio's
 * hook). Its stable node is stale from now on; the chain summary of stable_node_dup counts it.
 */
export function ksm_folio_freed(ksm: Ksm, folio: Folio): void {
  const node = folio_stable_node(ksm, folio);
  if (node && node.kpfn === folio) stable_node_kpfn_gone(node);
}

/** mm/ksm.c: find_mergeable_vma */
export function find_mergeable_vma(mm: MmStruct, vpn: number): VmAreaStruct | null {
  if (ksm_test_exit(mm)) return null;
  const vma = vma_lookup(mm, vpn);
  if (!vma || (vma.vm_flags & VM_MERGEABLE) === 0 || !vma.anon_vma) return null;
  return vma;
}

/**
 * mm/ksm.c: ksm_get_folio — peek through the keyhole: the node's page is still its KSM page
 * only if page->mapping still points back to the node and a reference can still be taken.
 * Otherwise the node is stale and is removed. Returns the folio with a reference held.
 * (Nothing contends for folio locks in the model, so LOCK and TRYLOCK always succeed.)
 */
export function ksm_get_folio(ksm: Ksm, node: KsmStableNode, _flags: GetFolioFlags): Folio | null {
  const folio = node.kpfn;
  const folios = ksm.machine.folios;
  if (folio !== null && !folios.freed(folio) && folios.ksm(folio) && folios.mapping[folio] === node && folios.refcount[folio]! > 0) {
    folio_get(ksm.machine, folio); // folio_try_get
    return folio;
  }
  // stale: (node->kpfn unchanged: no migration in the model)
  remove_node_from_stable_tree(ksm, node);
  return null;
}

/** get_page(kpage) for the stable node: the node pins its page (before seed 003). */
export function pin_node_page(ksm: Ksm, node: KsmStableNode): void {
  if (node.kpfn === null || node.pinned) return;
  folio_get(ksm.machine, node.kpfn);
  node.pinned = true;
}

/** Drop the reference a pinning stable node holds on its page. */
function unpin_node_page(ksm: Ksm, node: KsmStableNode): void {
  if (!node.pinned || node.kpfn === null) return;
  node.pinned = false;
  folio_put(ksm.machine, node.kpfn);
}

/**
 * The pre-keyhole end of a node (mm/ksm.c before 4035c07a8959, remove_rmap_item_from_tree):
 * set_page_stable_node(page, NULL), put_page(page), rb_erase, free_stable_node.
 */
export function free_node_with_last_item(ksm: Ksm, node: KsmStableNode, folio: Folio): void {
  folio_set_stable_node(ksm, folio, null);
  stable_node_dup_del(ksm.counters, node, ksm.root_stable_tree);
  unpin_node_page(ksm, node);
  ksm.freeStableNode(node);
}

/** mm/ksm.c: remove_node_from_stable_tree — every item of the node leaves at once. */
export function remove_node_from_stable_tree(ksm: Ksm, node: KsmStableNode): void {
  if (node.rmap_hlist_len < 0) throw new Error('remove_node_from_stable_tree: a chain');
  const c = ksm.counters;
  const items = ksm.items;
  for (let item = node.hlist; item; item = items.hlist_next(item)) {
    if (items.hlist_next(item)) c.pages_sharing--;
    else c.pages_shared--;
    items.mm(item).ksm_merging_pages--;
    node.rmap_hlist_len--;
    put_anon_vma(ksm.machine, items.anon_vma(item)!);
    ksm.policy.rmap.reset_index?.(ksm, item, 'remove_node_from_stable_tree');
    shadow_reset(ksm, item);
    items.maskAddress(item);
  }
  node.hlist = NULL_ITEM;
  if (node.head === 'migrate') throw new Error('migrate_nodes are not modelled (merge_across_nodes = 1)');
  stable_node_dup_del(c, node, ksm.root_stable_tree);
  unpin_node_page(ksm, node);
  ksm.freeStableNode(node);
}

/** mm/ksm.c: remove_rmap_item_from_tree */
export function remove_rmap_item_from_tree(ksm: Ksm, item: KsmRmapItem): void {
  const c = ksm.counters;
  const items = ksm.items;
  const flags = items.addressFlags(item);
  if ((flags & STABLE_FLAG) !== 0) {
    const node = items.head(item)!;
    const folio = ksm_get_folio(ksm, node, 'lock');
    if (folio === null) return;
    items.hlist_del(item, node);
    folio_put(ksm.machine, folio);
    if (node.hlist) c.pages_sharing--; // !hlist_empty(&stable_node->hlist)
    else c.pages_shared--;
    items.mm(item).ksm_merging_pages--;
    node.rmap_hlist_len--;
    put_anon_vma(ksm.machine, items.anon_vma(item)!);
    ksm.policy.rmap.reset_index?.(ksm, item, 'remove_rmap_item_from_tree');
    shadow_reset(ksm, item);
    items.set_head(item, null);
    items.maskAddress(item);
    if (!node.hlist) ksm.policy.stableRef.on_hlist_empty?.(ksm, node, folio);
  } else if ((flags & UNSTABLE_FLAG) !== 0) {
    // Usually the unstable root was already reset; erase only an item inserted by this scan.
    const age = (ksm.ksm_scan.seqnr - (flags & SEQNR_MASK)) & 0xff;
    if (age > 1) throw new Error(`remove_rmap_item_from_tree: unstable age ${age} > 1`);
    if (age === 0) rbEraseOf(items.rb, item, ksm.root_unstable_tree);
    c.pages_unshared--;
    items.maskAddress(item);
  }
}

/** mm/ksm.c: remove_trailing_rmap_items — free every item from the link on. */
export function remove_trailing_rmap_items(ksm: Ksm, rmap_list: RmapLink): void {
  const items = ksm.items;
  for (let item = rmap_link_get(items, rmap_list); item; item = rmap_link_get(items, rmap_list)) {
    rmap_link_set(items, rmap_list, items.rmap_list(item));
    remove_rmap_item_from_tree(ksm, item);
    ksm.freeRmapItem(item);
  }
}

/** mm/ksm.c: __is_page_sharing_candidate */
export function __is_page_sharing_candidate(ksm: Ksm, node: KsmStableNode, offset: number): boolean {
  if (node.rmap_hlist_len < 0) throw new Error('__is_page_sharing_candidate: a chain');
  return node.rmap_hlist_len !== 0 && node.rmap_hlist_len + offset < ksm.knobs.max_page_sharing;
}

/** mm/ksm.c: is_page_sharing_candidate */
export function is_page_sharing_candidate(ksm: Ksm, node: KsmStableNode): boolean {
  return __is_page_sharing_candidate(ksm, node, 0);
}

/** The outputs of stable_node_dup / __stable_node_chain: the folio, and the two out-parameters. */
interface ChainLookup {
  folio: Folio | null;
  /** *_stable_node_dup */
  dup: KsmStableNode | null;
  /** *_stable_node: the chain, or the found dup if the chain collapsed */
  node: KsmStableNode | null;
}

/**
 * The out-parameters of __stable_node_chain (on its callers' stacks in C), filled in by each
 * call: a caller reads them before its next lookup (the model is single-threaded).
 */
const chain_lookup: ChainLookup = { folio: null, dup: null, node: null };

function chain_lookup_result(folio: Folio | null, dup: KsmStableNode | null, node: KsmStableNode): ChainLookup {
  chain_lookup.folio = folio;
  chain_lookup.dup = dup;
  chain_lookup.node = node;
  return chain_lookup;
}

/**
 * mm/ksm.c: stable_node_dup — pick the best live dup of a chain (pruning stale ones when it
 * is time), move it to the head, or collapse a chain left with a single dup.
 */
function stable_node_dup(ksm: Ksm, chain: KsmStableNode, prune: boolean): ChainLookup {
  const c = ksm.counters;
  let node: KsmStableNode = chain;
  if (!prune || ksm.jiffies < chain.chain_prune_time + ksm.knobs.stable_node_chains_prune_millisecs) prune = false;
  else chain.chain_prune_time = ksm.jiffies;

  let found: KsmStableNode | null = null;
  let found_len = 0;
  let tree_folio: Folio | null = null;
  if (ksm.chainSummary && chain_summary_no_candidate(chain, ksm.knobs.max_page_sharing)) {
    // Model-only shortcut, the walk below in O(1): every dup is live and none is a candidate,
    // so the walk keeps the first dup (its reference held), puts every other, removes nothing.
    found = chain.dups[0]!;
    tree_folio = found.kpfn!;
    if (ksm.machine.folios.freed(tree_folio) || folio_stable_node(ksm, tree_folio) !== found) throw new Error(`stable_node_dup: chain ${chain.id} summary is wrong`);
    folio_get(ksm.machine, tree_folio); // folio_try_get
    ksm.dupVisits += chain.dups.length;
    ksm.dupWalksSummarised++;
  } else {
    // hlist_for_each_entry_safe: a stale dup unlinks itself (and only itself) in ksm_get_folio
    const dups = chain.dups;
    for (let i = 0; i < dups.length; ) {
      const dup = dups[i]!;
      ksm.dupVisits++;
      const folio = ksm_get_folio(ksm, dup, 'nolock');
      if (dups[i] === dup) i++; // else the next dup has moved into slot i
      if (folio === null) continue;
      if (!found || (is_page_sharing_candidate(ksm, dup) && (!is_page_sharing_candidate(ksm, found) || dup.rmap_hlist_len > found_len))) {
        if (found) folio_put(ksm.machine, tree_folio!);
        found = dup;
        found_len = found.rmap_hlist_len;
        tree_folio = folio;
        if (!prune && is_page_sharing_candidate(ksm, found)) break;
        continue;
      }
      folio_put(ksm.machine, folio);
    }
  }

  if (found) {
    if (chain.dups.length === 1 && chain.dups[0] === found) {
      // Just one dup left below the limit: drop the chain, the dup takes its place.
      replace_chain_with_dup(ksm, chain, found);
      c.stable_node_chains--;
      c.stable_node_dups--;
      node = found;
    } else if (chain.dups[0] !== found && __is_page_sharing_candidate(ksm, found, 1)) {
      chain.dups.splice(chain.dups.indexOf(found), 1);
      chain.dups.unshift(found);
    }
  } else {
    free_stable_node_chain(c, chain, ksm.root_stable_tree);
    ksm.freeStableNode(chain);
  }
  return chain_lookup_result(tree_folio, found, node);
}

/** rb_replace_node(&chain->node, &found->node): the dup becomes a regular tree node. */
function replace_chain_with_dup(ksm: Ksm, chain: KsmStableNode, found: KsmStableNode): void {
  chain.dups.length = 0;
  found.chain = null;
  found.head = 'tree'; // found->node overlays found->head
  rbReplaceNode(chain, found, ksm.root_stable_tree);
  ksm.freeStableNode(chain);
}

/** mm/ksm.c: __stable_node_chain (chain_prune with prune = true, chain without) */
function __stable_node_chain(ksm: Ksm, node: KsmStableNode, prune: boolean): ChainLookup {
  if (!is_stable_node_chain(node)) return chain_lookup_result(ksm_get_folio(ksm, node, 'nolock'), node, node);
  return stable_node_dup(ksm, node, prune);
}

/**
 * mm/ksm.c: stable_tree_search — the KSM folio with the same content as `page` that can take
 * one more mapping, or null (none, or every dup full), or EBUSY. A KSM page that got here by
 * fork returns its own folio. The returned folio carries a reference.
 */
export function stable_tree_search(ksm: Ksm, page: PageRef): Folio | null | typeof EBUSY {
  const folio = page.folio;
  const page_node = folio_stable_node(ksm, folio);
  if (page_node && page_node.head !== 'migrate') {
    folio_get(ksm.machine, folio); // ksm page forked
    return folio;
  }
  for (;;) {
    // again:
    let cur = ksm.root_stable_tree.rbNode;
    let restart = false;
    while (cur) {
      const look = __stable_node_chain(ksm, cur, true);
      if (look.folio === null) {
        restart = true; // a stale node was erased: the tree may have been rebalanced
        break;
      }
      const ret = memcmp_pages(ksm.machine, page.folio, page.index, look.folio, 0);
      folio_put(ksm.machine, look.folio);
      const stable_node = look.node!;
      if (ret < 0) cur = stable_node.left;
      else if (ret > 0) cur = stable_node.right;
      else {
        const dup = look.dup!;
        if (!is_page_sharing_candidate(ksm, dup)) return null; // every dup is full
        const tree_folio = ksm_get_folio(ksm, dup, 'trylock');
        if (tree_folio === null) {
          restart = true;
          break;
        }
        return tree_folio;
      }
    }
    if (!restart) return null; // (a page_node on migrate_nodes is not modelled)
  }
}

/**
 * mm/ksm.c: stable_tree_insert — a new node for a freshly merged KSM folio; equal content
 * already in the tree turns that node into a chain (or joins its chain) as another dup.
 */
export function stable_tree_insert(ksm: Ksm, kfolio: Folio): KsmStableNode | null {
  const c = ksm.counters;
  const root = ksm.root_stable_tree;
  let parent: KsmStableNode | null = null;
  let toLeft = false;
  let need_chain = false;
  let stable_node: KsmStableNode | null = null;
  for (;;) {
    // again:
    parent = null;
    need_chain = false;
    let cur = root.rbNode;
    let restart = false;
    while (cur) {
      const look = __stable_node_chain(ksm, cur, false);
      if (look.folio === null) {
        restart = true;
        break;
      }
      const ret = memcmp_pages(ksm.machine, kfolio, 0, look.folio, 0);
      folio_put(ksm.machine, look.folio);
      stable_node = look.node!;
      parent = stable_node;
      if (ret < 0) {
        toLeft = true;
        cur = stable_node.left;
      } else if (ret > 0) {
        toLeft = false;
        cur = stable_node.right;
      } else {
        need_chain = true;
        break;
      }
    }
    if (!restart) break;
  }

  if (ksm.inject.stableInsert > 0) {
    ksm.inject.stableInsert--; // alloc_stable_node() fails
    return null;
  }
  const dup = ksm.newStableNode();
  dup.kpfn = kfolio;
  dup.rmap_hlist_len = 0;
  if (!need_chain) {
    rbLinkNode(dup, parent, toLeft, root);
    rbInsertColor(dup, root);
  } else {
    let chain = stable_node!;
    if (!is_stable_node_chain(chain)) chain = alloc_stable_node_chain(c, ksm.newStableNode(), chain, root, ksm.jiffies);
    stable_node_chain_add_dup(c, dup, chain);
  }
  folio_set_stable_node(ksm, kfolio, dup);
  ksm.policy.stableRef.on_stable_insert?.(ksm, dup);
  return dup;
}

/** mm/ksm.c: stable_tree_append — another mapping of the node's KSM page. */
export function stable_tree_append(ksm: Ksm, item: KsmRmapItem, node: KsmStableNode, max_page_sharing_bypass: boolean): void {
  if (node.rmap_hlist_len < 0) throw new Error('stable_tree_append: a chain');
  node.rmap_hlist_len++;
  if (!max_page_sharing_bypass && node.rmap_hlist_len > ksm.knobs.max_page_sharing) {
    throw new Error(`stable_tree_append: ${node.rmap_hlist_len} > max_page_sharing`); // WARN_ON_ONCE
  }
  const items = ksm.items;
  items.set_head(item, node);
  items.orAddress(item, STABLE_FLAG);
  items.hlist_add_head(item, node);
  if (items.hlist_next(item)) ksm.counters.pages_sharing++;
  else ksm.counters.pages_shared++;
  items.mm(item).ksm_merging_pages++;
  ksm.merges++;
}

/**
 * mm/ksm.c: get_mergeable_page — the page now at an unstable item's address, if it is still
 * an anon page in a mergeable VMA (one folio_walk_start lookup, charged to the lookup account).
 */
export function get_mergeable_page(ksm: Ksm, item: KsmRmapItem): PageRef | null {
  const vpn = ksm.items.vpn(item);
  const vma = find_mergeable_vma(ksm.items.mm(item), vpn);
  if (!vma) return null;
  const fw = mergeable_fw;
  const machine = ksm.machine;
  const prev = machine.account;
  machine.account = ACCOUNT_LOOKUP;
  let folio: Folio | null;
  try {
    folio = folio_walk_start(fw, vma, vpn, 0);
  } finally {
    machine.account = prev;
  }
  if (folio !== null && ksm.machine.folios.anon(folio) && fw.page !== null) {
    folio_get(ksm.machine, folio);
    return { folio, index: fw.page };
  }
  return null;
}

/** get_mergeable_page's struct folio_walk (on its stack in C; the model is single-threaded). */
const mergeable_fw = newFolioWalk();

/**
 * mm/ksm.c: unstable_tree_search_insert — an identical page already in the unstable tree
 * (returned with its item, its page referenced), or insert this item and return null.
 */
export function unstable_tree_search_insert(
  ksm: Ksm,
  item: KsmRmapItem,
  page: PageRef,
): { tree_item: KsmRmapItem; tree_page: PageRef } | null {
  const root = ksm.root_unstable_tree;
  const items = ksm.items;
  const rb = items.rb;
  let parent = NULL_ITEM;
  let toLeft = false;
  let cur = root.rbNode;
  while (cur) {
    const tree_item = cur;
    const tree_page = get_mergeable_page(ksm, tree_item);
    if (!tree_page) {
      ksm.counters.unstable_search_aborts++; // the page at the tree item's address went away: the whole search gives up
      return null;
    }
    if (tree_page.folio === page.folio && tree_page.index === page.index) {
      folio_put(ksm.machine, tree_page.folio); // don't substitute a ksm page for a forked page
      return null;
    }
    const ret = memcmp_pages(ksm.machine, page.folio, page.index, tree_page.folio, tree_page.index);
    parent = cur;
    if (ret < 0) {
      folio_put(ksm.machine, tree_page.folio);
      toLeft = true;
      cur = rb.left(cur);
    } else if (ret > 0) {
      folio_put(ksm.machine, tree_page.folio);
      toLeft = false;
      cur = rb.right(cur);
    } else {
      return { tree_item, tree_page };
    }
  }
  items.orAddress(item, UNSTABLE_FLAG | (ksm.ksm_scan.seqnr & SEQNR_MASK));
  items.set_nid(item, 0); // DO_NUMA(rmap_item->nid = nid): the union's int over anon_vma
  rbLinkNodeOf(rb, item, parent, toLeft, root);
  rbInsertColorOf(rb, item, root);
  ksm.counters.pages_unshared++;
  return null;
}
