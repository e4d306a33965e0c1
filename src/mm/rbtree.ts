// Augmented red-black trees, following the Linux kernel's lib/rbtree.c,
// include/linux/rbtree.h and include/linux/rbtree_augmented.h function by function.
//
// The kernel packs the parent pointer and the colour into one word (__rb_parent_color);
// here they are two fields, `parent` and `color`, and "pc" (a saved parent+colour word)
// becomes a saved (parent, color) pair. The kernel's `struct rb_node **link` (where
// rb_link_node stores the new node) becomes (parent, which child). Nodes are embedded the
// way the kernel embeds struct rb_node: the caller's node type N *is* the rb node, so no
// container_of is needed. Null-pointer assertions (`!`) mark the places where the C code
// dereferences a pointer that the red-black invariants guarantee to be non-NULL.

export type RbColor = 'red' | 'black';
export const RB_RED = 'red';
export const RB_BLACK = 'black';

/** struct rb_node: the caller's node type N carries these four fields. */
export interface RbNode<N extends RbNode<N>> {
  parent: N | null;
  left: N | null;
  right: N | null;
  color: RbColor;
}

/** struct rb_root */
export interface RbRoot<N> {
  rbNode: N | null;
}

/** struct rb_root_cached: an rb_root plus the cached leftmost (smallest) node. */
export interface RbRootCached<N> extends RbRoot<N> {
  rbLeftmost: N | null;
}

/**
 * struct rb_augment_callbacks. Plain function properties (they are called detached,
 * like the C function pointers, so they must not rely on `this`).
 * - propagate(node, stop): recompute the augmented value of node and its ancestors,
 *   stopping at `stop` (NULL: the root) or as soon as a value does not change.
 * - copy(old, new): new takes old's augmented value (new replaces old in the tree).
 * - rotate(old, new): new takes old's augmented value and old's value is recomputed
 *   (old has just become new's child).
 */
export interface RbAugmentCallbacks<N> {
  readonly propagate: (node: N | null, stop: N | null) => void;
  readonly copy: (oldNode: N, newNode: N) => void;
  readonly rotate: (oldNode: N, newNode: N) => void;
}

// lib/rbtree.c: dummy_propagate / dummy_copy / dummy_rotate / dummy_callbacks
function dummyPropagate(): void {}
function dummyCopy(): void {}
function dummyRotate(): void {}
const dummyCallbacks: RbAugmentCallbacks<unknown> = {
  propagate: dummyPropagate,
  copy: dummyCopy,
  rotate: dummyRotate,
};

// include/linux/rbtree.h: RB_EMPTY_NODE (a node whose parent is itself is not in a tree)
export function rbEmptyNode<N extends RbNode<N>>(node: N): boolean {
  return node.parent === node;
}

// include/linux/rbtree.h: RB_CLEAR_NODE
export function rbClearNode<N extends RbNode<N>>(node: N): void {
  node.parent = node;
}

// include/linux/rbtree.h: rb_link_node (the C `link` is: root if parent is NULL, else
// parent->rb_left if `toLeft`, else parent->rb_right). The new node is red with no children.
export function rbLinkNode<N extends RbNode<N>>(
  node: N,
  parent: N | null,
  toLeft: boolean,
  root: RbRoot<N>,
): void {
  node.parent = parent;
  node.color = RB_RED;
  node.left = null;
  node.right = null;
  if (parent === null) root.rbNode = node;
  else if (toLeft) parent.left = node;
  else parent.right = node;
}

// include/linux/rbtree_augmented.h: rb_set_parent
function rbSetParent<N extends RbNode<N>>(rb: N, p: N | null): void {
  rb.parent = p;
}

// include/linux/rbtree_augmented.h: rb_set_parent_color
function rbSetParentColor<N extends RbNode<N>>(rb: N, p: N | null, color: RbColor): void {
  rb.parent = p;
  rb.color = color;
}

// lib/rbtree.c: rb_set_black
function rbSetBlack<N extends RbNode<N>>(rb: N): void {
  rb.color = RB_BLACK;
}

// include/linux/rbtree_augmented.h: __rb_change_child
function rbChangeChild<N extends RbNode<N>>(
  old: N,
  newNode: N | null,
  parent: N | null,
  root: RbRoot<N>,
): void {
  if (parent !== null) {
    if (parent.left === old) parent.left = newNode;
    else parent.right = newNode;
  } else {
    root.rbNode = newNode;
  }
}

// lib/rbtree.c: __rb_rotate_set_parents
// old's parent and colour go to newNode; old gets newNode as parent and `color`.
function rbRotateSetParents<N extends RbNode<N>>(
  old: N,
  newNode: N,
  root: RbRoot<N>,
  color: RbColor,
): void {
  const parent = old.parent;
  newNode.parent = old.parent;
  newNode.color = old.color;
  rbSetParentColor(old, newNode, color);
  rbChangeChild(old, newNode, parent, root);
}

// lib/rbtree.c: __rb_insert
function rbInsert<N extends RbNode<N>>(
  node: N,
  root: RbRoot<N>,
  augmentRotate: (oldNode: N, newNode: N) => void,
): void {
  let parent = node.parent; // rb_red_parent(node)
  let gparent: N;
  let tmp: N | null;

  while (true) {
    // Loop invariant: node is red.
    if (parent === null) {
      // node is the root: the first node, or Case 1 recursed up to the root.
      rbSetParentColor(node, null, RB_BLACK);
      break;
    }
    // A black parent: done. Otherwise fix the red-red violation.
    if (parent.color === RB_BLACK) break;

    gparent = parent.parent!; // rb_red_parent(parent): a red node is never the root

    tmp = gparent.right;
    if (parent !== tmp) {
      // parent == gparent->rb_left
      if (tmp !== null && tmp.color === RB_RED) {
        // Case 1 - node's uncle is red (color flips), then recurse at gparent.
        rbSetParentColor(tmp, gparent, RB_BLACK);
        rbSetParentColor(parent, gparent, RB_BLACK);
        node = gparent;
        parent = node.parent;
        rbSetParentColor(node, parent, RB_RED);
        continue;
      }

      tmp = parent.right;
      if (node === tmp) {
        // Case 2 - uncle black, node is parent's right child (left rotate at parent).
        tmp = node.left;
        parent.right = tmp;
        node.left = parent;
        if (tmp !== null) rbSetParentColor(tmp, parent, RB_BLACK);
        rbSetParentColor(parent, node, RB_RED);
        augmentRotate(parent, node);
        parent = node;
        tmp = node.right;
      }

      // Case 3 - uncle black, node is parent's left child (right rotate at gparent).
      gparent.left = tmp; // == parent->rb_right
      parent.right = gparent;
      if (tmp !== null) rbSetParentColor(tmp, gparent, RB_BLACK);
      rbRotateSetParents(gparent, parent, root, RB_RED);
      augmentRotate(gparent, parent);
      break;
    } else {
      tmp = gparent.left;
      if (tmp !== null && tmp.color === RB_RED) {
        // Case 1 - color flips
        rbSetParentColor(tmp, gparent, RB_BLACK);
        rbSetParentColor(parent, gparent, RB_BLACK);
        node = gparent;
        parent = node.parent;
        rbSetParentColor(node, parent, RB_RED);
        continue;
      }

      tmp = parent.left;
      if (node === tmp) {
        // Case 2 - right rotate at parent
        tmp = node.right;
        parent.left = tmp;
        node.right = parent;
        if (tmp !== null) rbSetParentColor(tmp, parent, RB_BLACK);
        rbSetParentColor(parent, node, RB_RED);
        augmentRotate(parent, node);
        parent = node;
        tmp = node.left;
      }

      // Case 3 - left rotate at gparent
      gparent.right = tmp; // == parent->rb_left
      parent.left = gparent;
      if (tmp !== null) rbSetParentColor(tmp, gparent, RB_BLACK);
      rbRotateSetParents(gparent, parent, root, RB_RED);
      augmentRotate(gparent, parent);
      break;
    }
  }
}

// lib/rbtree.c: ____rb_erase_color
function rbEraseColor<N extends RbNode<N>>(
  parent: N,
  root: RbRoot<N>,
  augmentRotate: (oldNode: N, newNode: N) => void,
): void {
  let node: N | null = null;
  let sibling: N;
  let tmp1: N | null;
  let tmp2: N | null;

  while (true) {
    // Loop invariants:
    // - node is black (or NULL on first iteration)
    // - node is not the root (parent is not NULL)
    // - All leaf paths going through parent and node have a black node count that is
    //   1 lower than other leaf paths (so node's sibling is not NULL).
    sibling = parent.right!;
    if (node !== sibling) {
      // node == parent->rb_left
      if (sibling.color === RB_RED) {
        // Case 1 - left rotate at parent
        tmp1 = sibling.left!;
        parent.right = tmp1;
        sibling.left = parent;
        rbSetParentColor(tmp1, parent, RB_BLACK);
        rbRotateSetParents(parent, sibling, root, RB_RED);
        augmentRotate(parent, sibling);
        sibling = tmp1;
      }
      tmp1 = sibling.right;
      if (tmp1 === null || tmp1.color === RB_BLACK) {
        tmp2 = sibling.left;
        if (tmp2 === null || tmp2.color === RB_BLACK) {
          // Case 2 - sibling color flip (p could be either color here)
          rbSetParentColor(sibling, parent, RB_RED);
          if (parent.color === RB_RED) {
            rbSetBlack(parent);
          } else {
            node = parent;
            const up: N | null = node.parent;
            if (up !== null) {
              parent = up;
              continue;
            }
          }
          break;
        }
        // Case 3 - right rotate at sibling (p could be either color here)
        tmp1 = tmp2.right;
        sibling.left = tmp1;
        tmp2.right = sibling;
        parent.right = tmp2;
        if (tmp1 !== null) rbSetParentColor(tmp1, sibling, RB_BLACK);
        augmentRotate(sibling, tmp2);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Case 4 - left rotate at parent + color flips
      // (p and sl could be either color here. After rotation, p becomes black,
      //  s acquires p's color, and sl keeps its color)
      tmp2 = sibling.left;
      parent.right = tmp2;
      sibling.left = parent;
      rbSetParentColor(tmp1, sibling, RB_BLACK);
      if (tmp2 !== null) rbSetParent(tmp2, parent);
      rbRotateSetParents(parent, sibling, root, RB_BLACK);
      augmentRotate(parent, sibling);
      break;
    } else {
      sibling = parent.left!;
      if (sibling.color === RB_RED) {
        // Case 1 - right rotate at parent
        tmp1 = sibling.right!;
        parent.left = tmp1;
        sibling.right = parent;
        rbSetParentColor(tmp1, parent, RB_BLACK);
        rbRotateSetParents(parent, sibling, root, RB_RED);
        augmentRotate(parent, sibling);
        sibling = tmp1;
      }
      tmp1 = sibling.left;
      if (tmp1 === null || tmp1.color === RB_BLACK) {
        tmp2 = sibling.right;
        if (tmp2 === null || tmp2.color === RB_BLACK) {
          // Case 2 - sibling color flip
          rbSetParentColor(sibling, parent, RB_RED);
          if (parent.color === RB_RED) {
            rbSetBlack(parent);
          } else {
            node = parent;
            const up: N | null = node.parent;
            if (up !== null) {
              parent = up;
              continue;
            }
          }
          break;
        }
        // Case 3 - left rotate at sibling
        tmp1 = tmp2.left;
        sibling.right = tmp1;
        tmp2.left = sibling;
        parent.left = tmp2;
        if (tmp1 !== null) rbSetParentColor(tmp1, sibling, RB_BLACK);
        augmentRotate(sibling, tmp2);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Case 4 - right rotate at parent + color flips
      tmp2 = sibling.right;
      parent.left = tmp2;
      sibling.right = parent;
      rbSetParentColor(tmp1, sibling, RB_BLACK);
      if (tmp2 !== null) rbSetParent(tmp2, parent);
      rbRotateSetParents(parent, sibling, root, RB_BLACK);
      augmentRotate(parent, sibling);
      break;
    }
  }
}

// lib/rbtree.c: __rb_erase_color (the non-inline entry used by rb_erase_augmented)
export function rbEraseColorAugmented<N extends RbNode<N>>(
  parent: N,
  root: RbRoot<N>,
  augmentRotate: (oldNode: N, newNode: N) => void,
): void {
  rbEraseColor(parent, root, augmentRotate);
}

// include/linux/rbtree_augmented.h: __rb_erase_augmented
// Unlinks node, returns the node to start colour fix-up from (or null).
function rbEraseAugmentedUnlink<N extends RbNode<N>>(
  node: N,
  root: RbRoot<N>,
  augment: RbAugmentCallbacks<N>,
): N | null {
  const child = node.right;
  let tmp = node.left;
  let parent: N | null;
  let rebalance: N | null;

  if (tmp === null) {
    // Case 1: node to erase has no more than 1 child (easy!). If there is one child it
    // must be red due to 5) and node must be black due to 4): adjust colours locally.
    const pcParent = node.parent;
    const pcColor = node.color;
    parent = pcParent;
    rbChangeChild(node, child, parent, root);
    if (child !== null) {
      child.parent = pcParent;
      child.color = pcColor;
      rebalance = null;
    } else {
      rebalance = pcColor === RB_BLACK ? parent : null;
    }
    tmp = parent;
  } else if (child === null) {
    // Still case 1, but this time the child is node->rb_left
    tmp.parent = node.parent;
    tmp.color = node.color;
    parent = node.parent;
    rbChangeChild(node, tmp, parent, root);
    rebalance = null;
    tmp = parent;
  } else {
    let successor: N = child;
    let child2: N | null;
    let succParent: N;

    tmp = child.left;
    if (tmp === null) {
      // Case 2: node's successor is its right child
      succParent = successor;
      child2 = successor.right;
      augment.copy(node, successor);
    } else {
      // Case 3: node's successor is leftmost under node's right child subtree
      do {
        succParent = successor;
        successor = tmp;
        tmp = tmp.left;
      } while (tmp !== null);
      child2 = successor.right;
      succParent.left = child2;
      successor.right = child;
      rbSetParent(child, successor);
      augment.copy(node, successor);
      augment.propagate(succParent, successor);
    }

    const nodeLeft = node.left!; // tmp = node->rb_left (non-NULL in this branch)
    successor.left = nodeLeft;
    rbSetParent(nodeLeft, successor);

    const pcParent = node.parent;
    const pcColor = node.color;
    tmp = pcParent;
    rbChangeChild(node, successor, tmp, root);

    if (child2 !== null) {
      rbSetParentColor(child2, succParent, RB_BLACK);
      rebalance = null;
    } else {
      rebalance = successor.color === RB_BLACK ? succParent : null;
    }
    successor.parent = pcParent;
    successor.color = pcColor;
    tmp = successor;
  }

  augment.propagate(tmp, null);
  return rebalance;
}

// include/linux/rbtree_augmented.h: rb_insert_augmented (-> lib/rbtree.c: __rb_insert_augmented)
export function rbInsertAugmented<N extends RbNode<N>>(
  node: N,
  root: RbRoot<N>,
  augment: RbAugmentCallbacks<N>,
): void {
  rbInsert(node, root, augment.rotate);
}

// include/linux/rbtree_augmented.h: rb_insert_augmented_cached
export function rbInsertAugmentedCached<N extends RbNode<N>>(
  node: N,
  root: RbRootCached<N>,
  newleft: boolean,
  augment: RbAugmentCallbacks<N>,
): void {
  if (newleft) root.rbLeftmost = node;
  rbInsertAugmented(node, root, augment);
}

// include/linux/rbtree_augmented.h: rb_erase_augmented
export function rbEraseAugmented<N extends RbNode<N>>(
  node: N,
  root: RbRoot<N>,
  augment: RbAugmentCallbacks<N>,
): void {
  const rebalance = rbEraseAugmentedUnlink(node, root, augment);
  if (rebalance !== null) rbEraseColorAugmented(rebalance, root, augment.rotate);
}

// include/linux/rbtree_augmented.h: rb_erase_augmented_cached
export function rbEraseAugmentedCached<N extends RbNode<N>>(
  node: N,
  root: RbRootCached<N>,
  augment: RbAugmentCallbacks<N>,
): void {
  if (root.rbLeftmost === node) root.rbLeftmost = rbNext(node);
  rbEraseAugmented(node, root, augment);
}

// lib/rbtree.c: rb_insert_color
export function rbInsertColor<N extends RbNode<N>>(node: N, root: RbRoot<N>): void {
  rbInsert(node, root, dummyRotate);
}

// include/linux/rbtree.h: rb_insert_color_cached
export function rbInsertColorCached<N extends RbNode<N>>(
  node: N,
  root: RbRootCached<N>,
  leftmost: boolean,
): void {
  if (leftmost) root.rbLeftmost = node;
  rbInsertColor(node, root);
}

// lib/rbtree.c: rb_erase
export function rbErase<N extends RbNode<N>>(node: N, root: RbRoot<N>): void {
  const rebalance = rbEraseAugmentedUnlink(node, root, dummyCallbacks);
  if (rebalance !== null) rbEraseColor(rebalance, root, dummyRotate);
}

// include/linux/rbtree.h: rb_erase_cached
export function rbEraseCached<N extends RbNode<N>>(node: N, root: RbRootCached<N>): void {
  if (root.rbLeftmost === node) root.rbLeftmost = rbNext(node);
  rbErase(node, root);
}

// lib/rbtree.c: rb_first
export function rbFirst<N extends RbNode<N>>(root: RbRoot<N>): N | null {
  let n = root.rbNode;
  if (n === null) return null;
  while (n.left !== null) n = n.left;
  return n;
}

// include/linux/rbtree.h: rb_first_cached
export function rbFirstCached<N extends RbNode<N>>(root: RbRootCached<N>): N | null {
  return root.rbLeftmost;
}

// lib/rbtree.c: rb_last
export function rbLast<N extends RbNode<N>>(root: RbRoot<N>): N | null {
  let n = root.rbNode;
  if (n === null) return null;
  while (n.right !== null) n = n.right;
  return n;
}

// lib/rbtree.c: rb_next
export function rbNext<N extends RbNode<N>>(node: N): N | null {
  if (rbEmptyNode(node)) return null;

  // A right-hand child: go down and then left as far as we can.
  if (node.right !== null) {
    let n = node.right;
    while (n.left !== null) n = n.left;
    return n;
  }

  // No right-hand child: go up while we are a right-hand child; the first parent of
  // which we are a left-hand child is the next node.
  let n = node;
  let parent = n.parent;
  while (parent !== null && n === parent.right) {
    n = parent;
    parent = n.parent;
  }
  return parent;
}

// lib/rbtree.c: rb_prev
export function rbPrev<N extends RbNode<N>>(node: N): N | null {
  if (rbEmptyNode(node)) return null;

  // A left-hand child: go down and then right as far as we can.
  if (node.left !== null) {
    let n = node.left;
    while (n.right !== null) n = n.right;
    return n;
  }

  // No left-hand child: go up till we find an ancestor which is a right-hand child.
  let n = node;
  let parent = n.parent;
  while (parent !== null && n === parent.left) {
    n = parent;
    parent = n.parent;
  }
  return parent;
}

// lib/rbtree.c: rb_replace_node — `newNode` takes `victim`'s place (colour, parent, children).
export function rbReplaceNode<N extends RbNode<N>>(victim: N, newNode: N, root: RbRoot<N>): void {
  const parent = victim.parent;
  newNode.parent = victim.parent;
  newNode.left = victim.left;
  newNode.right = victim.right;
  newNode.color = victim.color;
  if (victim.left) rbSetParent(victim.left, newNode);
  if (victim.right) rbSetParent(victim.right, newNode);
  rbChangeChild(victim, newNode, parent, root);
}
