// struct ksm_stable_node (mm/ksm.c): a node of the stable tree — a regular node, a chain
// (rmap_hlist_len == STABLE_NODE_CHAIN) whose dups each point to one KSM page of the same
// content, or a dup hanging off a chain — and the chain/dup helpers.
import type { Folio, KsmStableNodeKey } from '../mm/folio.ts';
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
  rmap_hlist_len = 0;
  /** The stable-ref variant that pins pages holds a reference on kpfn while this is set. */
  pinned = false;
  freed = false;

  constructor(id: number) {
    this.id = id;
  }
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
}

/** mm/ksm.c: __stable_node_dup_del */
export function __stable_node_dup_del(c: ChainCounters, dup: KsmStableNode): void {
  if (!is_stable_node_dup(dup) || !dup.chain) throw new Error('__stable_node_dup_del: not a dup');
  const i = dup.chain.dups.indexOf(dup);
  dup.chain.dups.splice(i, 1);
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
