// struct ksm_stable_node (mm/ksm.c): a node of the stable tree — a regular node, a chain
// (rmap_hlist_len == STABLE_NODE_CHAIN) whose dups each point to one KSM page of the same
// content, or a dup hanging off a chain — and the chain/dup helpers.
import type { Folio, Folios, KsmStableNodeKey } from '../mm/folio.ts';
import { RB_BLACK, type RbColor, type RbNode, type RbRoot, rbErase, rbReplaceNode } from '../mm/rbtree.ts';
import { type KsmRmapItem, NULL_ITEM, type RmapItemHlist } from './rmap-item.ts';

export const STABLE_NODE_CHAIN = -1024;

export class KsmStableNode implements RbNode<KsmStableNode>, KsmStableNodeKey, RmapItemHlist {
  readonly isStableNode = true as const;
  readonly id: number;
  // rb_node: when a node (regular or chain) of the stable tree
  parent: KsmStableNode | null = null;
  left: KsmStableNode | null = null;
  right: KsmStableNode | null = null;
  color: RbColor = RB_BLACK;
  /** ->head: 'dup' is STABLE_NODE_DUP_HEAD (linked in a chain), 'migrate' is &migrate_nodes. */
  head: 'tree' | 'dup' | 'migrate' = 'tree';
  /**
   * hlist of rmap_items using this KSM page, newest first (regular nodes and dups): the first
   * item (NULL_ITEM: empty), linked through each item's hlist_node (RmapItemCache.hlist_next).
   */
  hlist: KsmRmapItem = NULL_ITEM;
  /** A chain's hlist of dups, newest first. */
  readonly dups: KsmStableNode[] = [];
  /** The chain a dup is linked into. */
  chain: KsmStableNode | null = null;
  /** kpfn: the KSM page (regular nodes and dups). */
  kpfn: Folio | null = null;
  /** chain_prune_time (chains), in the model's milliseconds. */
  chain_prune_time = 0;
  #rmap_hlist_len = 0;
  /** The stable-ref variant that pins pages holds a reference on kpfn while this is set. */
  pinned = false;
  freed = false;

  // ---- model-only: the chain summary (see chain_summary_no_candidate) ----
  /** Regular nodes and dups: kpfn was freed or no longer points here (ksm_get_folio finds the node stale). */
  kpfn_gone = false;
  /** Chains: the dups whose kpfn_gone is set. */
  summary_stale = 0;
  /** Chains: the max_page_sharing summary_candidates counts for (0: not counted yet). */
  summary_max_page_sharing = 0;
  /** Chains: the dups that are page-sharing candidates at summary_max_page_sharing. */
  summary_candidates = 0;

  constructor(id: number) {
    this.id = id;
  }

  /** rmap_hlist_len: an accessor only so that every change keeps the chain summary of a dup's chain exact. */
  get rmap_hlist_len(): number {
    return this.#rmap_hlist_len;
  }
  set rmap_hlist_len(len: number) {
    const chain = this.chain;
    if (chain !== null && chain.summary_max_page_sharing !== 0) {
      const mps = chain.summary_max_page_sharing;
      chain.summary_candidates += Number(sharing_candidate_len(len, mps)) - Number(sharing_candidate_len(this.#rmap_hlist_len, mps));
    }
    this.#rmap_hlist_len = len;
  }
}

/** __is_page_sharing_candidate(dup, 0) for a dup of this rmap_hlist_len at this max_page_sharing. */
function sharing_candidate_len(len: number, max_page_sharing: number): boolean {
  return len !== 0 && len < max_page_sharing;
}

/** mm/ksm.c: is_stable_node_chain */
export function is_stable_node_chain(chain: KsmStableNode): boolean {
  return chain.rmap_hlist_len === STABLE_NODE_CHAIN;
}

/** mm/ksm.c: is_stable_node_dup */
export function is_stable_node_dup(dup: KsmStableNode): boolean {
  return dup.head === 'dup';
}

/** Counters the chain helpers keep (ksm_stable_node_chains / ksm_stable_node_dups). */
export interface ChainCounters {
  stable_node_chains: number;
  stable_node_dups: number;
}

/** mm/ksm.c: stable_node_chain_add_dup — hlist_add_head(&dup->hlist_dup, &chain->hlist). */
export function stable_node_chain_add_dup(c: ChainCounters, dup: KsmStableNode, chain: KsmStableNode): void {
  if (is_stable_node_dup(dup)) throw new Error('stable_node_chain_add_dup: already a dup');
  dup.head = 'dup';
  if (!is_stable_node_chain(chain)) throw new Error('stable_node_chain_add_dup: not a chain');
  chain.dups.unshift(dup);
  dup.chain = chain;
  c.stable_node_dups++;
  chain_summary_add(chain, dup, 1);
}

/** mm/ksm.c: __stable_node_dup_del */
export function __stable_node_dup_del(c: ChainCounters, dup: KsmStableNode): void {
  if (!is_stable_node_dup(dup) || !dup.chain) throw new Error('__stable_node_dup_del: not a dup');
  const i = dup.chain.dups.indexOf(dup);
  dup.chain.dups.splice(i, 1);
  chain_summary_add(dup.chain, dup, -1);
  dup.chain = null;
  c.stable_node_dups--;
}

/** mm/ksm.c: stable_node_dup_del — leave the chain, or the rb tree for a regular node. */
export function stable_node_dup_del(c: ChainCounters, dup: KsmStableNode, root: RbRoot<KsmStableNode>): void {
  if (is_stable_node_chain(dup)) throw new Error('stable_node_dup_del: a chain');
  if (is_stable_node_dup(dup)) __stable_node_dup_del(c, dup);
  else rbErase(dup, root);
}

/**
 * mm/ksm.c: alloc_stable_node_chain — the chain takes the regular node's place in the tree
 * and the node becomes its first dup.
 */
export function alloc_stable_node_chain(
  c: ChainCounters,
  chain: KsmStableNode,
  dup: KsmStableNode,
  root: RbRoot<KsmStableNode>,
  now: number,
): KsmStableNode {
  if (is_stable_node_chain(dup)) throw new Error('alloc_stable_node_chain: already a chain');
  chain.chain_prune_time = now;
  chain.rmap_hlist_len = STABLE_NODE_CHAIN;
  c.stable_node_chains++;
  rbReplaceNode(dup, chain, root);
  stable_node_chain_add_dup(c, dup, chain);
  return chain;
}

/** mm/ksm.c: free_stable_node_chain */
export function free_stable_node_chain(c: ChainCounters, chain: KsmStableNode, root: RbRoot<KsmStableNode>): void {
  rbErase(chain, root);
  chain.freed = true;
  c.stable_node_chains--;
}

// ---- The chain summary (model-only; no kernel counterpart) ----
// stable_node_dup walks every dup of a chain when none can take another mapping. A chain keeps
// two counts so that the model can give that walk's result without taking it: the dups whose
// page is gone (ksm_get_folio would remove them on the way) and the dups that are page-sharing
// candidates. Both are kept by the places that change them: chain add/del of a dup (above), the
// rmap_hlist_len accessor, and stable_node_kpfn_gone (a KSM page freed or remapped).

/** Count `dup` into (sign 1) or out of (sign -1) its chain's summary. */
function chain_summary_add(chain: KsmStableNode, dup: KsmStableNode, sign: 1 | -1): void {
  if (dup.kpfn_gone) chain.summary_stale += sign;
  if (chain.summary_max_page_sharing !== 0 && sharing_candidate_len(dup.rmap_hlist_len, chain.summary_max_page_sharing)) {
    chain.summary_candidates += sign;
  }
}

/** The node's KSM page was freed or now points elsewhere: ksm_get_folio will find the node stale. */
export function stable_node_kpfn_gone(node: KsmStableNode): void {
  if (node.kpfn_gone) return;
  node.kpfn_gone = true;
  if (node.chain) node.chain.summary_stale++;
}

/**
 * True when the summary proves that the literal dup walk of stable_node_dup would find every
 * dup live (no stale one to remove) and none a page-sharing candidate at `max_page_sharing`:
 * then it keeps the first dup in list order and visits them all. A chain without dups, or one
 * with a stale dup, answers false (the literal walk decides). The candidate count is (re)made
 * by one walk whenever it was counted for another max_page_sharing.
 */
export function chain_summary_no_candidate(chain: KsmStableNode, max_page_sharing: number): boolean {
  if (chain.dups.length === 0 || chain.summary_stale !== 0) return false;
  if (chain.summary_max_page_sharing !== max_page_sharing) {
    chain.summary_max_page_sharing = max_page_sharing;
    chain.summary_candidates = 0;
    for (const dup of chain.dups) if (sharing_candidate_len(dup.rmap_hlist_len, max_page_sharing)) chain.summary_candidates++;
  }
  return chain.summary_candidates === 0;
}

/** For tests: where the chain summary differs from a recount of its dups (empty: exact). */
export function chain_summary_problems(folios: Folios, chain: KsmStableNode): string[] {
  const bad: string[] = [];
  let stale = 0;
  let candidates = 0;
  for (const dup of chain.dups) {
    const f = dup.kpfn;
    const live = f !== null && !folios.freed(f) && folios.ksm(f) && folios.mapping[f] === dup && folios.refcount[f]! > 0;
    if (live === dup.kpfn_gone) bad.push(`chain ${chain.id}: dup ${dup.id} kpfn_gone ${dup.kpfn_gone} but its page is ${live ? 'live' : 'gone'}`);
    if (dup.kpfn_gone) stale++;
    if (chain.summary_max_page_sharing !== 0 && sharing_candidate_len(dup.rmap_hlist_len, chain.summary_max_page_sharing)) candidates++;
  }
  if (stale !== chain.summary_stale) bad.push(`chain ${chain.id}: summary_stale ${chain.summary_stale} != ${stale}`);
  if (candidates !== chain.summary_candidates) bad.push(`chain ${chain.id}: summary_candidates ${chain.summary_candidates} != ${candidates}`);
  return bad;
}
