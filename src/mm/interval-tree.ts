/**
 * Generic interval tree: include/linux/interval_tree_generic.h (INTERVAL_TREE_DEFINE) on
 * top of the augmented, leftmost-cached red-black tree in ./rbtree.ts. A node holds
 * `value`, the closed interval [start, last] (ITSTART / ITLAST) and `subtreeLast`
 * (ITSUBTREE: the largest `last` in the node's subtree). Keys are non-negative integers
 * (page offsets) compared only with < / <=, never with bitwise operators;
 * `Number.MAX_SAFE_INTEGER` stands for ULONG_MAX.
 *
 * ## What counts as a node visit (the `NodeVisitCounter` cost measure)
 *
 * `visits.visit()` is called once per *node load*: each time a search follows a link to a
 * node and reads that node's key fields to decide something. Exactly these events count:
 *
 *  iterFirst (ITPREFIX_iter_first)
 *   F1. the root, when its subtreeLast is compared with `start`   (1 visit, if non-empty)
 *   F2. the cached leftmost node, when its start is compared with `last` (1 visit, even
 *       if the leftmost node is the root), only reached if F1 did not return.
 *   The root is then handed to subtree_search *without* a new visit (already counted).
 *  subtreeSearch (ITPREFIX_subtree_search), `node` being the current node
 *   S1. each left child whose subtreeLast is compared with `start` (counted when compared,
 *       whether or not the search then descends into it; descending into it is not
 *       counted again).
 *   S2. each right child whose subtreeLast is compared with `start` (same rule).
 *   The Cond1/Cond2 tests on the current node cost nothing extra: it was counted when it
 *   was reached (F1, S1, S2 or N1).
 *  iterNext (ITPREFIX_iter_next), starting from the node returned last time (not counted)
 *   N1. the right child whose subtreeLast is compared with `start`; if the search goes on
 *       into it, subtree_search starts from it without a new visit.
 *   N2. each parent climbed to (rb_parent() returned a node); reaching the root's NULL
 *       parent is not a visit.
 *
 * Consequences: an empty tree costs 0; a full query [0, MAX] on n >= 1 nodes costs exactly
 * 2n (root + leftmost + one load per non-root node on the way down + one per edge climbed
 * back up); a query on a balanced tree costs O(log n + k) for k results.
 */
import {
  RB_BLACK,
  RB_RED,
  type RbAugmentCallbacks,
  type RbColor,
  type RbNode,
  type RbRootCached,
  rbClearNode,
  rbEmptyNode,
  rbEraseAugmentedCached,
  rbFirst,
  rbInsertAugmentedCached,
  rbLinkNode,
  rbNext,
} from './rbtree.ts';

/** Receives one visit() per node load, as defined at the top of this file. */
export interface NodeVisitCounter {
  visit(): void;
}

/** A NodeVisitCounter that just counts. */
export class VisitCount implements NodeVisitCounter {
  count = 0;
  visit(): void {
    this.count++;
  }
}

/** ITSTRUCT: one interval in the tree (the struct rb_node fields are embedded). */
export class IntervalTreeNode<T> implements RbNode<IntervalTreeNode<T>> {
  parent: IntervalTreeNode<T> | null;
  left: IntervalTreeNode<T> | null;
  right: IntervalTreeNode<T> | null;
  color: RbColor;
  /** ITSUBTREE: max `last` over this node's subtree. */
  subtreeLast: number;
  /** ITSTART (inclusive) */
  readonly start: number;
  /** ITLAST (inclusive) */
  readonly last: number;
  readonly value: T;

  constructor(value: T, start: number, last: number) {
    this.parent = null;
    this.left = null;
    this.right = null;
    this.color = RB_RED;
    this.subtreeLast = last;
    this.start = start;
    this.last = last;
    this.value = value;
  }
}

type AnyNode = IntervalTreeNode<unknown>;

// include/linux/interval_tree_generic.h: ITPREFIX_compute_subtree_last
function computeSubtreeLast(node: AnyNode): number {
  let max = node.last;
  const left = node.left;
  if (left !== null && max < left.subtreeLast) max = left.subtreeLast;
  const right = node.right;
  if (right !== null && max < right.subtreeLast) max = right.subtreeLast;
  return max;
}

// include/linux/rbtree_augmented.h: RB_DECLARE_CALLBACKS -> rbname_propagate
function augmentPropagate(rb: AnyNode | null, stop: AnyNode | null): void {
  while (rb !== stop) {
    const node = rb!; // rb == NULL only when stop == NULL, which ends the loop
    const augmented = computeSubtreeLast(node);
    if (node.subtreeLast === augmented) break;
    node.subtreeLast = augmented;
    rb = node.parent;
  }
}

// include/linux/rbtree_augmented.h: RB_DECLARE_CALLBACKS -> rbname_copy
function augmentCopy(oldNode: AnyNode, newNode: AnyNode): void {
  newNode.subtreeLast = oldNode.subtreeLast;
}

// include/linux/rbtree_augmented.h: RB_DECLARE_CALLBACKS -> rbname_rotate
function augmentRotate(oldNode: AnyNode, newNode: AnyNode): void {
  newNode.subtreeLast = oldNode.subtreeLast;
  oldNode.subtreeLast = computeSubtreeLast(oldNode);
}

// include/linux/interval_tree_generic.h: ITPREFIX_augment (RB_DECLARE_CALLBACKS instance)
const intervalTreeAugment: RbAugmentCallbacks<AnyNode> = {
  propagate: augmentPropagate,
  copy: augmentCopy,
  rotate: augmentRotate,
};

// include/linux/interval_tree_generic.h: ITPREFIX_subtree_search
// A node's interval intersects [start; last] iff Cond1: node.start <= last and
// Cond2: start <= node.last. `node` was already counted by the caller.
function subtreeSearch<T>(
  node: IntervalTreeNode<T>,
  start: number,
  last: number,
  visits: NodeVisitCounter | undefined,
): IntervalTreeNode<T> | null {
  while (true) {
    // Loop invariant: start <= node.subtreeLast (Cond2 holds somewhere in the subtree).
    const left = node.left;
    if (left !== null) {
      if (visits !== undefined) visits.visit(); // S1
      if (start <= left.subtreeLast) {
        // The leftmost node satisfying Cond2 is in the left subtree: if it fails Cond1,
        // so does everything to its right.
        node = left;
        continue;
      }
    }
    if (node.start <= last) {
      // Cond1
      if (start <= node.last) return node; // Cond2: node is the leftmost match
      const right = node.right;
      if (right !== null) {
        node = right;
        if (visits !== undefined) visits.visit(); // S2
        if (start <= node.subtreeLast) continue;
      }
    }
    return null; // No match
  }
}

export class IntervalTree<T> {
  /** struct rb_root_cached: the root and the cached leftmost node. */
  readonly root: RbRootCached<IntervalTreeNode<T>> = { rbNode: null, rbLeftmost: null };
  private count = 0;

  /** Number of intervals in the tree. */
  get size(): number {
    return this.count;
  }

  /** rb_first_cached: the node with the smallest start (first inserted among ties). */
  get leftmost(): IntervalTreeNode<T> | null {
    return this.root.rbLeftmost;
  }

  // include/linux/interval_tree_generic.h: ITPREFIX_insert
  /** Adds [start, last] (inclusive); equal starts go right, i.e. after existing ones. */
  insert(value: T, start: number, last: number): IntervalTreeNode<T> {
    if (!Number.isInteger(start) || !Number.isInteger(last) || start < 0 || last < start) {
      throw new RangeError(`IntervalTree.insert: bad interval [${start}, ${last}]`);
    }
    const root = this.root;
    const node = new IntervalTreeNode(value, start, last);
    let link = root.rbNode;
    let parent: IntervalTreeNode<T> | null = null;
    let toLeft = false;
    let leftmost = true;

    while (link !== null) {
      parent = link;
      if (parent.subtreeLast < last) parent.subtreeLast = last;
      if (start < parent.start) {
        link = parent.left;
        toLeft = true;
      } else {
        link = parent.right;
        toLeft = false;
        leftmost = false;
      }
    }

    node.subtreeLast = last;
    rbLinkNode(node, parent, toLeft, root);
    rbInsertAugmentedCached(node, root, leftmost, intervalTreeAugment);
    this.count++;
    return node;
  }

  // include/linux/interval_tree_generic.h: ITPREFIX_remove
  /** Removes a node returned by insert(). Removing it twice throws (RB_CLEAR_NODE guard). */
  remove(node: IntervalTreeNode<T>): void {
    if (rbEmptyNode(node)) throw new Error('IntervalTree.remove: node is not in a tree');
    rbEraseAugmentedCached(node, this.root, intervalTreeAugment);
    rbClearNode(node); // simulator guard, as callers of rb_erase do with RB_CLEAR_NODE
    node.left = null;
    node.right = null;
    this.count--;
  }

  // include/linux/interval_tree_generic.h: ITPREFIX_iter_first
  /** The first (smallest start) node intersecting [start, last], or null. */
  iterFirst(start: number, last: number, visits?: NodeVisitCounter): IntervalTreeNode<T> | null {
    const node = this.root.rbNode;
    if (node === null) return null;

    // Fast path: [start, last] misses [smallest start, largest last] of the whole tree.
    if (visits !== undefined) visits.visit(); // F1
    if (node.subtreeLast < start) return null;

    const leftmost = this.root.rbLeftmost!; // non-NULL whenever the tree is not empty
    if (visits !== undefined) visits.visit(); // F2
    if (leftmost.start > last) return null;

    return subtreeSearch(node, start, last, visits);
  }

  // include/linux/interval_tree_generic.h: ITPREFIX_iter_next
  /** The next node after `node` (in start order) intersecting [start, last], or null. */
  iterNext(
    node: IntervalTreeNode<T>,
    start: number,
    last: number,
    visits?: NodeVisitCounter,
  ): IntervalTreeNode<T> | null {
    if (rbEmptyNode(node)) throw new Error('IntervalTree.iterNext: node was removed');
    let rb = node.right;
    let prev: IntervalTreeNode<T>;

    while (true) {
      // Loop invariants: Cond1: node.start <= last; rb == node.right.
      // First, search the right subtree if suitable.
      if (rb !== null) {
        if (visits !== undefined) visits.visit(); // N1
        if (start <= rb.subtreeLast) return subtreeSearch(rb, start, last, visits);
      }

      // Move up the tree until we come from a node's left child.
      do {
        const up: IntervalTreeNode<T> | null = node.parent;
        if (up === null) return null;
        prev = node;
        node = up;
        if (visits !== undefined) visits.visit(); // N2
        rb = node.right;
      } while (prev === rb);

      // Check if the node intersects [start; last].
      if (last < node.start) return null; // !Cond1
      else if (start <= node.last) return node; // Cond2
    }
  }

  /**
   * anon_vma_interval_tree_foreach / vma_interval_tree_foreach: every node intersecting
   * [start, last], ascending start (ties in insertion order). Do not insert or remove
   * nodes while iterating.
   */
  *query(start: number, last: number, visits?: NodeVisitCounter): Generator<IntervalTreeNode<T>, void, undefined> {
    for (
      let n = this.iterFirst(start, last, visits);
      n !== null;
      n = this.iterNext(n, start, last, visits)
    ) {
      yield n;
    }
  }

  /** All nodes in order (rb_first / rb_next), for tests and debugging. */
  *inorder(): Generator<IntervalTreeNode<T>, void, undefined> {
    for (let n = rbFirst(this.root); n !== null; n = rbNext(n)) yield n;
  }
}

function describe(node: AnyNode): string {
  return `[${node.start}, ${node.last}]`;
}

/**
 * Checks every invariant of `tree` and throws an Error naming the first violation:
 * red-black rules (black root, no red node with a red child, equal black height on all
 * paths), parent pointers, BST order by start (in-order starts never decrease),
 * start <= last, every subtreeLast, the cached leftmost node and the size.
 */
export function validateIntervalTree<T>(tree: IntervalTree<T>): void {
  const root = tree.root.rbNode;
  const order: AnyNode[] = [];
  const limit = tree.size;

  function walk(node: AnyNode, parent: AnyNode | null, depth: number): number {
    if (depth > limit) throw new Error(`interval tree: a path is longer than size ${limit} (cycle?)`);
    if (node.parent !== parent) {
      throw new Error(`interval tree: node ${describe(node)} has a wrong parent pointer`);
    }
    if (!(node.start <= node.last)) throw new Error(`interval tree: node ${describe(node)} has start > last`);
    if (node.color !== RB_RED && node.color !== RB_BLACK) {
      throw new Error(`interval tree: node ${describe(node)} has no valid colour`);
    }
    const { left, right } = node;
    if (node.color === RB_RED) {
      const redChild = left !== null && left.color === RB_RED ? left : right !== null && right.color === RB_RED ? right : null;
      if (redChild !== null) {
        throw new Error(`interval tree: red node ${describe(node)} has a red child ${describe(redChild)}`);
      }
    }
    const leftHeight = left === null ? 1 : walk(left, node, depth + 1);
    order.push(node);
    const rightHeight = right === null ? 1 : walk(right, node, depth + 1);
    if (leftHeight !== rightHeight) {
      throw new Error(
        `interval tree: black heights differ under ${describe(node)} (left ${leftHeight}, right ${rightHeight})`,
      );
    }
    const expected = computeSubtreeLast(node);
    if (node.subtreeLast !== expected) {
      throw new Error(`interval tree: node ${describe(node)} has subtreeLast ${node.subtreeLast}, expected ${expected}`);
    }
    return leftHeight + (node.color === RB_BLACK ? 1 : 0);
  }

  if (root !== null) {
    if (root.parent !== null) throw new Error(`interval tree: root ${describe(root)} has a parent`);
    if (root.color !== RB_BLACK) throw new Error(`interval tree: root ${describe(root)} is red`);
    walk(root, null, 1);
  }
  for (let i = 1; i < order.length; i++) {
    const prev = order[i - 1]!;
    const cur = order[i]!;
    if (cur.start < prev.start) {
      throw new Error(`interval tree: BST order broken, ${describe(cur)} follows ${describe(prev)}`);
    }
  }
  if (order.length !== tree.size) {
    throw new Error(`interval tree: size is ${tree.size} but ${order.length} nodes are reachable`);
  }
  const first = order[0] ?? null;
  if (tree.root.rbLeftmost !== first) {
    const got = tree.root.rbLeftmost;
    throw new Error(
      `interval tree: cached leftmost is ${got === null ? 'null' : describe(got)}, expected ${first === null ? 'null' : describe(first)}`,
    );
  }
}
