// Augmented red-black trees, following the Linux kernel's lib/rbtree.c,
// include/linux/rbtree.h and include/linux/rbtree_augmented.h function by function.
//
// The kernel packs the parent pointer and the colour into one word (__rb_parent_color);
// here they are two fields, `parent` and `color`, and "pc" (a saved parent+colour word)
// becomes a saved (parent, color) pair. The kernel's `struct rb_node **link` (where
// rb_link_node stores the new node) becomes (parent, which child).
//
// One implementation serves two storages. The algorithms (the `…Of` functions) reach a
// node's rb_node through an `RbLinks<P>` accessor, as the kernel reaches it through
// container_of: P is the caller's pointer type and `links.nil` its NULL.
// - Objects (`RbNode` fields embedded in the node, P = N | null): the accessor is
//   OBJECT_LINKS, and the functions without the suffix (rbErase, rbInsertColor, …) are the
//   same algorithms bound to it, with the signatures object users always had.
// - Integer handles into struct-of-arrays storage (rmap_items in the unstable tree: P = a
//   handle, nil = 0): the storage supplies its own accessor over typed arrays.
// The colours are the kernel's RB_RED 0 and RB_BLACK 1.

export const RB_RED = 0;
export const RB_BLACK = 1;
export type RbColor = typeof RB_RED | typeof RB_BLACK;

/** struct rb_node: the caller's node type N carries these four fields. */
export interface RbNode<N extends RbNode<N>> {
  parent: N | null;
  left: N | null;
  right: N | null;
  color: RbColor;
}

/**
 * How the algorithms reach a node's rb_node (the kernel's container_of): read and write the
 * four links of node `n`. P is the pointer type; `nil` is NULL. Never called with nil.
 */
export interface RbLinks<P> {
  readonly nil: P;
  parent(n: P): P;
  left(n: P): P;
  right(n: P): P;
  color(n: P): RbColor;
  setParent(n: P, p: P): void;
  setLeft(n: P, c: P): void;
  setRight(n: P, c: P): void;
  setColor(n: P, color: RbColor): void;
  /** rb_set_parent_color: both halves of __rb_parent_color at once. */
  setParentColor(n: P, p: P, color: RbColor): void;
}

/** struct rb_root over pointers P (N | null for objects). */
export interface RbRootOf<P> {
  rbNode: P;
}

/** struct rb_root */
export type RbRoot<N> = RbRootOf<N | null>;

/** struct rb_root_cached: an rb_root plus the cached leftmost (smallest) node. */
export interface RbRootCachedOf<P> extends RbRootOf<P> {
  rbLeftmost: P;
}

/** struct rb_root_cached over objects. */
export type RbRootCached<N> = RbRootCachedOf<N | null>;

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

/** The same callbacks over pointers P (NULL included in P). */
interface AugmentOf<P> {
  readonly propagate: (node: P, stop: P) => void;
  readonly copy: (oldNode: P, newNode: P) => void;
  readonly rotate: (oldNode: P, newNode: P) => void;
}

/** The accessor of nodes that embed their rb_node fields (RbNode). */
class ObjectRbLinks<N extends RbNode<N>> implements RbLinks<N | null> {
  readonly nil = null;
  parent(n: N | null): N | null {
    return n!.parent;
  }
  left(n: N | null): N | null {
    return n!.left;
  }
  right(n: N | null): N | null {
    return n!.right;
  }
  color(n: N | null): RbColor {
    return n!.color;
  }
  setParent(n: N | null, p: N | null): void {
    n!.parent = p;
  }
  setLeft(n: N | null, c: N | null): void {
    n!.left = c;
  }
  setRight(n: N | null, c: N | null): void {
    n!.right = c;
  }
  setColor(n: N | null, color: RbColor): void {
    n!.color = color;
  }
  setParentColor(n: N | null, p: N | null, color: RbColor): void {
    n!.parent = p;
    n!.color = color;
  }
}

interface AnyRbNode extends RbNode<AnyRbNode> {}
const OBJECT_LINKS = new ObjectRbLinks<AnyRbNode>();

/** OBJECT_LINKS at the caller's node type (one instance: every object call site sees one accessor class). */
export function objectRbLinks<N extends RbNode<N>>(): RbLinks<N | null> {
  return OBJECT_LINKS as unknown as RbLinks<N | null>;
}

// lib/rbtree.c: dummy_propagate / dummy_copy / dummy_rotate / dummy_callbacks
function dummyPropagate(): void {}
function dummyCopy(): void {}
function dummyRotate(): void {}
const dummyCallbacks: AugmentOf<unknown> = {
  propagate: dummyPropagate,
  copy: dummyCopy,
  rotate: dummyRotate,
};

// include/linux/rbtree.h: RB_EMPTY_NODE (a node whose parent is itself is not in a tree)
export function rbEmptyNodeOf<P>(L: RbLinks<P>, node: P): boolean {
  return L.parent(node) === node;
}

// include/linux/rbtree.h: RB_CLEAR_NODE
export function rbClearNodeOf<P>(L: RbLinks<P>, node: P): void {
  L.setParent(node, node);
}

// include/linux/rbtree.h: rb_link_node (the C `link` is: root if parent is NULL, else
// parent->rb_left if `toLeft`, else parent->rb_right). The new node is red with no children.
export function rbLinkNodeOf<P>(L: RbLinks<P>, node: P, parent: P, toLeft: boolean, root: RbRootOf<P>): void {
  const nil = L.nil;
  L.setParentColor(node, parent, RB_RED);
  L.setLeft(node, nil);
  L.setRight(node, nil);
  if (parent === nil) root.rbNode = node;
  else if (toLeft) L.setLeft(parent, node);
  else L.setRight(parent, node);
}

// include/linux/rbtree_augmented.h: __rb_change_child
function rbChangeChild<P>(L: RbLinks<P>, old: P, newNode: P, parent: P, root: RbRootOf<P>): void {
  if (parent !== L.nil) {
    if (L.left(parent) === old) L.setLeft(parent, newNode);
    else L.setRight(parent, newNode);
  } else {
    root.rbNode = newNode;
  }
}

// lib/rbtree.c: __rb_rotate_set_parents
// old's parent and colour go to newNode; old gets newNode as parent and `color`.
function rbRotateSetParents<P>(L: RbLinks<P>, old: P, newNode: P, root: RbRootOf<P>, color: RbColor): void {
  const parent = L.parent(old);
  L.setParentColor(newNode, parent, L.color(old));
  L.setParentColor(old, newNode, color);
  rbChangeChild(L, old, newNode, parent, root);
}

// lib/rbtree.c: __rb_insert
function rbInsert<P>(L: RbLinks<P>, node: P, root: RbRootOf<P>, augmentRotate: (oldNode: P, newNode: P) => void): void {
  const nil = L.nil;
  let parent = L.parent(node); // rb_red_parent(node)
  let gparent: P;
  let tmp: P;

  while (true) {
    // Loop invariant: node is red.
    if (parent === nil) {
      // node is the root: the first node, or Case 1 recursed up to the root.
      L.setParentColor(node, nil, RB_BLACK);
      break;
    }
    // A black parent: done. Otherwise fix the red-red violation.
    if (L.color(parent) === RB_BLACK) break;

    gparent = L.parent(parent); // rb_red_parent(parent): a red node is never the root

    tmp = L.right(gparent);
    if (parent !== tmp) {
      // parent == gparent->rb_left
      if (tmp !== nil && L.color(tmp) === RB_RED) {
        // Case 1 - node's uncle is red (color flips), then recurse at gparent.
        L.setParentColor(tmp, gparent, RB_BLACK);
        L.setParentColor(parent, gparent, RB_BLACK);
        node = gparent;
        parent = L.parent(node);
        L.setParentColor(node, parent, RB_RED);
        continue;
      }

      tmp = L.right(parent);
      if (node === tmp) {
        // Case 2 - uncle black, node is parent's right child (left rotate at parent).
        tmp = L.left(node);
        L.setRight(parent, tmp);
        L.setLeft(node, parent);
        if (tmp !== nil) L.setParentColor(tmp, parent, RB_BLACK);
        L.setParentColor(parent, node, RB_RED);
        augmentRotate(parent, node);
        parent = node;
        tmp = L.right(node);
      }

      // Case 3 - uncle black, node is parent's left child (right rotate at gparent).
      L.setLeft(gparent, tmp); // == parent->rb_right
      L.setRight(parent, gparent);
      if (tmp !== nil) L.setParentColor(tmp, gparent, RB_BLACK);
      rbRotateSetParents(L, gparent, parent, root, RB_RED);
      augmentRotate(gparent, parent);
      break;
    } else {
      tmp = L.left(gparent);
      if (tmp !== nil && L.color(tmp) === RB_RED) {
        // Case 1 - color flips
        L.setParentColor(tmp, gparent, RB_BLACK);
        L.setParentColor(parent, gparent, RB_BLACK);
        node = gparent;
        parent = L.parent(node);
        L.setParentColor(node, parent, RB_RED);
        continue;
      }

      tmp = L.left(parent);
      if (node === tmp) {
        // Case 2 - right rotate at parent
        tmp = L.right(node);
        L.setLeft(parent, tmp);
        L.setRight(node, parent);
        if (tmp !== nil) L.setParentColor(tmp, parent, RB_BLACK);
        L.setParentColor(parent, node, RB_RED);
        augmentRotate(parent, node);
        parent = node;
        tmp = L.left(node);
      }

      // Case 3 - left rotate at gparent
      L.setRight(gparent, tmp); // == parent->rb_left
      L.setLeft(parent, gparent);
      if (tmp !== nil) L.setParentColor(tmp, gparent, RB_BLACK);
      rbRotateSetParents(L, gparent, parent, root, RB_RED);
      augmentRotate(gparent, parent);
      break;
    }
  }
}

// lib/rbtree.c: ____rb_erase_color
function rbEraseColor<P>(L: RbLinks<P>, parent: P, root: RbRootOf<P>, augmentRotate: (oldNode: P, newNode: P) => void): void {
  const nil = L.nil;
  let node: P = nil;
  let sibling: P;
  let tmp1: P;
  let tmp2: P;

  while (true) {
    // Loop invariants:
    // - node is black (or NULL on first iteration)
    // - node is not the root (parent is not NULL)
    // - All leaf paths going through parent and node have a black node count that is
    //   1 lower than other leaf paths (so node's sibling is not NULL).
    sibling = L.right(parent);
    if (node !== sibling) {
      // node == parent->rb_left
      if (L.color(sibling) === RB_RED) {
        // Case 1 - left rotate at parent
        tmp1 = L.left(sibling);
        L.setRight(parent, tmp1);
        L.setLeft(sibling, parent);
        L.setParentColor(tmp1, parent, RB_BLACK);
        rbRotateSetParents(L, parent, sibling, root, RB_RED);
        augmentRotate(parent, sibling);
        sibling = tmp1;
      }
      tmp1 = L.right(sibling);
      if (tmp1 === nil || L.color(tmp1) === RB_BLACK) {
        tmp2 = L.left(sibling);
        if (tmp2 === nil || L.color(tmp2) === RB_BLACK) {
          // Case 2 - sibling color flip (p could be either color here)
          L.setParentColor(sibling, parent, RB_RED);
          if (L.color(parent) === RB_RED) {
            L.setColor(parent, RB_BLACK); // rb_set_black
          } else {
            node = parent;
            const up = L.parent(node);
            if (up !== nil) {
              parent = up;
              continue;
            }
          }
          break;
        }
        // Case 3 - right rotate at sibling (p could be either color here)
        tmp1 = L.right(tmp2);
        L.setLeft(sibling, tmp1);
        L.setRight(tmp2, sibling);
        L.setRight(parent, tmp2);
        if (tmp1 !== nil) L.setParentColor(tmp1, sibling, RB_BLACK);
        augmentRotate(sibling, tmp2);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Case 4 - left rotate at parent + color flips
      // (p and sl could be either color here. After rotation, p becomes black,
      //  s acquires p's color, and sl keeps its color)
      tmp2 = L.left(sibling);
      L.setRight(parent, tmp2);
      L.setLeft(sibling, parent);
      L.setParentColor(tmp1, sibling, RB_BLACK);
      if (tmp2 !== nil) L.setParent(tmp2, parent); // rb_set_parent
      rbRotateSetParents(L, parent, sibling, root, RB_BLACK);
      augmentRotate(parent, sibling);
      break;
    } else {
      sibling = L.left(parent);
      if (L.color(sibling) === RB_RED) {
        // Case 1 - right rotate at parent
        tmp1 = L.right(sibling);
        L.setLeft(parent, tmp1);
        L.setRight(sibling, parent);
        L.setParentColor(tmp1, parent, RB_BLACK);
        rbRotateSetParents(L, parent, sibling, root, RB_RED);
        augmentRotate(parent, sibling);
        sibling = tmp1;
      }
      tmp1 = L.left(sibling);
      if (tmp1 === nil || L.color(tmp1) === RB_BLACK) {
        tmp2 = L.right(sibling);
        if (tmp2 === nil || L.color(tmp2) === RB_BLACK) {
          // Case 2 - sibling color flip
          L.setParentColor(sibling, parent, RB_RED);
          if (L.color(parent) === RB_RED) {
            L.setColor(parent, RB_BLACK); // rb_set_black
          } else {
            node = parent;
            const up = L.parent(node);
            if (up !== nil) {
              parent = up;
              continue;
            }
          }
          break;
        }
        // Case 3 - left rotate at sibling
        tmp1 = L.left(tmp2);
        L.setRight(sibling, tmp1);
        L.setLeft(tmp2, sibling);
        L.setLeft(parent, tmp2);
        if (tmp1 !== nil) L.setParentColor(tmp1, sibling, RB_BLACK);
        augmentRotate(sibling, tmp2);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Case 4 - right rotate at parent + color flips
      tmp2 = L.right(sibling);
      L.setLeft(parent, tmp2);
      L.setRight(sibling, parent);
      L.setParentColor(tmp1, sibling, RB_BLACK);
      if (tmp2 !== nil) L.setParent(tmp2, parent); // rb_set_parent
      rbRotateSetParents(L, parent, sibling, root, RB_BLACK);
      augmentRotate(parent, sibling);
      break;
    }
  }
}

// include/linux/rbtree_augmented.h: __rb_erase_augmented
// Unlinks node, returns the node to start colour fix-up from (or nil).
function rbEraseAugmentedUnlink<P>(L: RbLinks<P>, node: P, root: RbRootOf<P>, augment: AugmentOf<P>): P {
  const nil = L.nil;
  const child = L.right(node);
  let tmp = L.left(node);
  let parent: P;
  let rebalance: P;

  if (tmp === nil) {
    // Case 1: node to erase has no more than 1 child (easy!). If there is one child it
    // must be red due to 5) and node must be black due to 4): adjust colours locally.
    const pcParent = L.parent(node);
    const pcColor = L.color(node);
    parent = pcParent;
    rbChangeChild(L, node, child, parent, root);
    if (child !== nil) {
      L.setParentColor(child, pcParent, pcColor);
      rebalance = nil;
    } else {
      rebalance = pcColor === RB_BLACK ? parent : nil;
    }
    tmp = parent;
  } else if (child === nil) {
    // Still case 1, but this time the child is node->rb_left
    parent = L.parent(node);
    L.setParentColor(tmp, parent, L.color(node));
    rbChangeChild(L, node, tmp, parent, root);
    rebalance = nil;
    tmp = parent;
  } else {
    let successor: P = child;
    let child2: P;
    let succParent: P;

    tmp = L.left(child);
    if (tmp === nil) {
      // Case 2: node's successor is its right child
      succParent = successor;
      child2 = L.right(successor);
      augment.copy(node, successor);
    } else {
      // Case 3: node's successor is leftmost under node's right child subtree
      do {
        succParent = successor;
        successor = tmp;
        tmp = L.left(tmp);
      } while (tmp !== nil);
      child2 = L.right(successor);
      L.setLeft(succParent, child2);
      L.setRight(successor, child);
      L.setParent(child, successor); // rb_set_parent
      augment.copy(node, successor);
      augment.propagate(succParent, successor);
    }

    const nodeLeft = L.left(node); // tmp = node->rb_left (non-NULL in this branch)
    L.setLeft(successor, nodeLeft);
    L.setParent(nodeLeft, successor); // rb_set_parent

    const pcParent = L.parent(node);
    const pcColor = L.color(node);
    tmp = pcParent;
    rbChangeChild(L, node, successor, tmp, root);

    if (child2 !== nil) {
      L.setParentColor(child2, succParent, RB_BLACK);
      rebalance = nil;
    } else {
      rebalance = L.color(successor) === RB_BLACK ? succParent : nil;
    }
    L.setParentColor(successor, pcParent, pcColor);
    tmp = successor;
  }

  augment.propagate(tmp, nil);
  return rebalance;
}

// lib/rbtree.c: rb_insert_color
export function rbInsertColorOf<P>(L: RbLinks<P>, node: P, root: RbRootOf<P>): void {
  rbInsert(L, node, root, dummyRotate);
}

// lib/rbtree.c: rb_erase
export function rbEraseOf<P>(L: RbLinks<P>, node: P, root: RbRootOf<P>): void {
  const rebalance = rbEraseAugmentedUnlink(L, node, root, dummyCallbacks);
  if (rebalance !== L.nil) rbEraseColor(L, rebalance, root, dummyRotate);
}

// lib/rbtree.c: rb_first
export function rbFirstOf<P>(L: RbLinks<P>, root: RbRootOf<P>): P {
  const nil = L.nil;
  let n = root.rbNode;
  if (n === nil) return nil;
  for (let l = L.left(n); l !== nil; l = L.left(n)) n = l;
  return n;
}

// lib/rbtree.c: rb_last
export function rbLastOf<P>(L: RbLinks<P>, root: RbRootOf<P>): P {
  const nil = L.nil;
  let n = root.rbNode;
  if (n === nil) return nil;
  for (let r = L.right(n); r !== nil; r = L.right(n)) n = r;
  return n;
}

// lib/rbtree.c: rb_next
export function rbNextOf<P>(L: RbLinks<P>, node: P): P {
  const nil = L.nil;
  if (rbEmptyNodeOf(L, node)) return nil;

  // A right-hand child: go down and then left as far as we can.
  let n = L.right(node);
  if (n !== nil) {
    for (let l = L.left(n); l !== nil; l = L.left(n)) n = l;
    return n;
  }

  // No right-hand child: go up while we are a right-hand child; the first parent of
  // which we are a left-hand child is the next node.
  n = node;
  let parent = L.parent(n);
  while (parent !== nil && n === L.right(parent)) {
    n = parent;
    parent = L.parent(n);
  }
  return parent;
}

// lib/rbtree.c: rb_prev
export function rbPrevOf<P>(L: RbLinks<P>, node: P): P {
  const nil = L.nil;
  if (rbEmptyNodeOf(L, node)) return nil;

  // A left-hand child: go down and then right as far as we can.
  let n = L.left(node);
  if (n !== nil) {
    for (let r = L.right(n); r !== nil; r = L.right(n)) n = r;
    return n;
  }

  // No left-hand child: go up till we find an ancestor which is a right-hand child.
  n = node;
  let parent = L.parent(n);
  while (parent !== nil && n === L.left(parent)) {
    n = parent;
    parent = L.parent(n);
  }
  return parent;
}

// lib/rbtree.c: rb_replace_node — `newNode` takes `victim`'s place (colour, parent, children).
export function rbReplaceNodeOf<P>(L: RbLinks<P>, victim: P, newNode: P, root: RbRootOf<P>): void {
  const nil = L.nil;
  const parent = L.parent(victim);
  const left = L.left(victim);
  const right = L.right(victim);
  L.setParentColor(newNode, parent, L.color(victim));
  L.setLeft(newNode, left);
  L.setRight(newNode, right);
  if (left !== nil) L.setParent(left, newNode);
  if (right !== nil) L.setParent(right, newNode);
  rbChangeChild(L, victim, newNode, parent, root);
}

// ---- The same functions over objects (OBJECT_LINKS) ----

// include/linux/rbtree.h: RB_EMPTY_NODE
export function rbEmptyNode<N extends RbNode<N>>(node: N): boolean {
  return rbEmptyNodeOf(objectRbLinks<N>(), node);
}

// include/linux/rbtree.h: RB_CLEAR_NODE
export function rbClearNode<N extends RbNode<N>>(node: N): void {
  rbClearNodeOf(objectRbLinks<N>(), node);
}

// include/linux/rbtree.h: rb_link_node
export function rbLinkNode<N extends RbNode<N>>(node: N, parent: N | null, toLeft: boolean, root: RbRoot<N>): void {
  rbLinkNodeOf(objectRbLinks<N>(), node, parent, toLeft, root);
}

// lib/rbtree.c: __rb_erase_color (the non-inline entry used by rb_erase_augmented)
export function rbEraseColorAugmented<N extends RbNode<N>>(
  parent: N,
  root: RbRoot<N>,
  augmentRotate: (oldNode: N, newNode: N) => void,
): void {
  rbEraseColor(objectRbLinks<N>(), parent, root, augmentRotate as (oldNode: N | null, newNode: N | null) => void);
}

// include/linux/rbtree_augmented.h: rb_insert_augmented (-> lib/rbtree.c: __rb_insert_augmented)
export function rbInsertAugmented<N extends RbNode<N>>(node: N, root: RbRoot<N>, augment: RbAugmentCallbacks<N>): void {
  rbInsert(objectRbLinks<N>(), node, root, augment.rotate as (oldNode: N | null, newNode: N | null) => void);
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
export function rbEraseAugmented<N extends RbNode<N>>(node: N, root: RbRoot<N>, augment: RbAugmentCallbacks<N>): void {
  const L = objectRbLinks<N>();
  // copy and rotate are only ever handed nodes; NULL reaches only propagate, which takes it.
  const callbacks = augment as unknown as AugmentOf<N | null>;
  const rebalance = rbEraseAugmentedUnlink(L, node, root, callbacks);
  if (rebalance !== null) rbEraseColor(L, rebalance, root, callbacks.rotate);
}

// include/linux/rbtree_augmented.h: rb_erase_augmented_cached
export function rbEraseAugmentedCached<N extends RbNode<N>>(node: N, root: RbRootCached<N>, augment: RbAugmentCallbacks<N>): void {
  if (root.rbLeftmost === node) root.rbLeftmost = rbNext(node);
  rbEraseAugmented(node, root, augment);
}

// lib/rbtree.c: rb_insert_color
export function rbInsertColor<N extends RbNode<N>>(node: N, root: RbRoot<N>): void {
  rbInsertColorOf(objectRbLinks<N>(), node, root);
}

// include/linux/rbtree.h: rb_insert_color_cached
export function rbInsertColorCached<N extends RbNode<N>>(node: N, root: RbRootCached<N>, leftmost: boolean): void {
  if (leftmost) root.rbLeftmost = node;
  rbInsertColor(node, root);
}

// lib/rbtree.c: rb_erase
export function rbErase<N extends RbNode<N>>(node: N, root: RbRoot<N>): void {
  rbEraseOf(objectRbLinks<N>(), node, root);
}

// include/linux/rbtree.h: rb_erase_cached
export function rbEraseCached<N extends RbNode<N>>(node: N, root: RbRootCached<N>): void {
  if (root.rbLeftmost === node) root.rbLeftmost = rbNext(node);
  rbErase(node, root);
}

// lib/rbtree.c: rb_first
export function rbFirst<N extends RbNode<N>>(root: RbRoot<N>): N | null {
  return rbFirstOf(objectRbLinks<N>(), root);
}

// include/linux/rbtree.h: rb_first_cached
export function rbFirstCached<N extends RbNode<N>>(root: RbRootCached<N>): N | null {
  return root.rbLeftmost;
}

// lib/rbtree.c: rb_last
export function rbLast<N extends RbNode<N>>(root: RbRoot<N>): N | null {
  return rbLastOf(objectRbLinks<N>(), root);
}

// lib/rbtree.c: rb_next
export function rbNext<N extends RbNode<N>>(node: N): N | null {
  return rbNextOf(objectRbLinks<N>(), node);
}

// lib/rbtree.c: rb_prev
export function rbPrev<N extends RbNode<N>>(node: N): N | null {
  return rbPrevOf(objectRbLinks<N>(), node);
}

// lib/rbtree.c: rb_replace_node
export function rbReplaceNode<N extends RbNode<N>>(victim: N, newNode: N, root: RbRoot<N>): void {
  rbReplaceNodeOf(objectRbLinks<N>(), victim, newNode, root);
}
