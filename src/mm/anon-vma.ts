// struct anon_vma and struct anon_vma_chain (include/linux/rmap.h) and their life cycle
// (mm/rmap.c): prepare, clone, fork, unlink; and the interval tree keyed by page offset
// (mm/interval_tree.c: avc_start_pgoff / avc_last_pgoff).
import type { Counters } from './counters.ts';
import { IntervalTree, type IntervalTreeNode, type NodeVisitCounter } from './interval-tree.ts';
import type { Machine } from './machine.ts';
import type { VmAreaStruct } from './vma.ts';
import { vma_pages } from './vma.ts';

export interface AnonVma {
  readonly id: number;
  /** Root of the anon_vma hierarchy: its lock serialises the whole fork family. */
  root: AnonVma;
  parent: AnonVma;
  /** get_anon_vma / put_anon_vma (KSM rmap_items hold references too). */
  refcount: number;
  num_children: number;
  num_active_vmas: number;
  /** rb_root: interval tree of avcs by [vm_pgoff, vm_pgoff + pages - 1]. */
  readonly rb_root: IntervalTree<AnonVmaChain>;
  freed: boolean;
}

export interface AnonVmaChain {
  readonly vma: VmAreaStruct;
  readonly anon_vma: AnonVma;
  /** The avc's node in anon_vma.rb_root while it is linked. */
  node: IntervalTreeNode<AnonVmaChain> | null;
}

/** mm/interval_tree.c: avc_start_pgoff */
export function avc_start_pgoff(avc: AnonVmaChain): number {
  return avc.vma.vm_pgoff;
}

/** mm/interval_tree.c: avc_last_pgoff */
export function avc_last_pgoff(avc: AnonVmaChain): number {
  return avc.vma.vm_pgoff + vma_pages(avc.vma) - 1;
}

/** mm/interval_tree.c: anon_vma_interval_tree_insert */
export function anon_vma_interval_tree_insert(avc: AnonVmaChain, root: AnonVma): void {
  avc.node = root.rb_root.insert(avc, avc_start_pgoff(avc), avc_last_pgoff(avc));
}

/** mm/interval_tree.c: anon_vma_interval_tree_remove */
export function anon_vma_interval_tree_remove(avc: AnonVmaChain, root: AnonVma): void {
  if (avc.node === null) throw new Error('anon_vma_interval_tree_remove: avc not in a tree');
  root.rb_root.remove(avc.node);
  avc.node = null;
}

/** Counts interval-tree nodes examined into `rmap_tree_nodes` (KSM walks) or `rmap_anon_tree_nodes`. */
export function treeNodeCounter(counters: Counters, name: 'rmap_tree_nodes' | 'rmap_anon_tree_nodes' = 'rmap_tree_nodes'): NodeVisitCounter {
  return {
    visit(): void {
      counters[name]++;
    },
  };
}

/**
 * include/linux/rmap.h: anon_vma_interval_tree_foreach(avc, root, first, last) — every avc
 * whose pgoff interval overlaps [first, last], ascending start. Nodes examined are counted.
 */
export function* anon_vma_interval_tree_foreach(
  anon_vma: AnonVma,
  first: number,
  last: number,
  visits?: NodeVisitCounter,
): Generator<AnonVmaChain> {
  for (const node of anon_vma.rb_root.query(first, last, visits)) yield node.value;
}

/** mm/rmap.c: anon_vma_alloc — refcount 1, its own root and parent. */
export function anon_vma_alloc(machine: Machine): AnonVma {
  const av = {
    id: machine.newAnonVmaId(),
    refcount: 1,
    num_children: 0,
    num_active_vmas: 0,
    rb_root: new IntervalTree<AnonVmaChain>(),
    freed: false,
  } as Omit<AnonVma, 'root' | 'parent'> as AnonVma;
  av.root = av;
  av.parent = av;
  machine.anonVmas.set(av.id, av);
  return av;
}

/** include/linux/rmap.h: get_anon_vma */
export function get_anon_vma(anon_vma: AnonVma): void {
  if (anon_vma.freed) throw new Error(`get_anon_vma: anon_vma ${anon_vma.id} already freed`);
  anon_vma.refcount++;
}

/** include/linux/rmap.h: put_anon_vma (mm/rmap.c: __put_anon_vma drops the root when it goes). */
export function put_anon_vma(machine: Machine, anon_vma: AnonVma): void {
  if (anon_vma.refcount <= 0) throw new Error(`put_anon_vma: anon_vma ${anon_vma.id} refcount ${anon_vma.refcount}`);
  anon_vma.refcount--;
  if (anon_vma.refcount === 0) {
    anon_vma.freed = true;
    machine.anonVmas.delete(anon_vma.id);
    const root = anon_vma.root;
    if (root !== anon_vma) put_anon_vma(machine, root);
  }
}

/** mm/rmap.c: anon_vma_chain_link — list_add at the head of vma->anon_vma_chain, insert into the tree. */
export function anon_vma_chain_link(vma: VmAreaStruct, anon_vma: AnonVma): AnonVmaChain {
  const avc: AnonVmaChain = { vma, anon_vma, node: null };
  vma.anon_vma_chain.unshift(avc);
  anon_vma_interval_tree_insert(avc, anon_vma);
  return avc;
}

/**
 * mm/rmap.c: find_mergeable_anon_vma (via mm/vma.c: reusable_anon_vma / anon_vma_compatible):
 * a neighbour that could be merged with vma but for its flags may donate its anon_vma.
 */
function find_mergeable_anon_vma(vma: VmAreaStruct, prev: VmAreaStruct | null, next: VmAreaStruct | null): AnonVma | null {
  if (next) {
    const reuse = reusable_anon_vma(next, vma, next);
    if (reuse) return reuse;
  }
  if (prev) return reusable_anon_vma(prev, prev, vma);
  return null;
}

/** mm/vma.c: anon_vma_compatible */
function anon_vma_compatible(a: VmAreaStruct, b: VmAreaStruct): boolean {
  const ignore = VM_ACCESS_FLAGS_MASK;
  return (
    a.vm_end === b.vm_start &&
    ((a.vm_flags ^ b.vm_flags) & ~ignore) === 0 &&
    b.vm_pgoff === a.vm_pgoff + (b.vm_start - a.vm_start)
  );
}

/** mm/vma.c: reusable_anon_vma — only an anon_vma on a singular chain (never a forked one). */
function reusable_anon_vma(old: VmAreaStruct, a: VmAreaStruct, b: VmAreaStruct): AnonVma | null {
  if (anon_vma_compatible(a, b)) {
    const anon_vma = old.anon_vma;
    if (anon_vma && old.anon_vma_chain.length === 1) return anon_vma;
  }
  return null;
}

/** VM_READ | VM_WRITE | VM_EXEC | VM_SOFTDIRTY: flags anon_vma_compatible ignores. */
const VM_ACCESS_FLAGS_MASK = 0x1 | 0x2 | 0x4 | 0x08000000;

/** mm/rmap.c: __anon_vma_prepare — first anon fault in a VMA: reuse a neighbour's or allocate. */
export function anon_vma_prepare(
  machine: Machine,
  vma: VmAreaStruct,
  prev: VmAreaStruct | null,
  next: VmAreaStruct | null,
): AnonVma {
  if (vma.anon_vma) return vma.anon_vma;
  let anon_vma = find_mergeable_anon_vma(vma, prev, next);
  if (!anon_vma) {
    anon_vma = anon_vma_alloc(machine);
    anon_vma.num_children++; // self-parent link for new root
  }
  vma.anon_vma = anon_vma;
  anon_vma_chain_link(vma, anon_vma);
  anon_vma.num_active_vmas++;
  return anon_vma;
}

/** mm/rmap.c: anon_vma_clone — link dst into every anon_vma of src's chain (oldest first). */
export function anon_vma_clone(dst: VmAreaStruct, src: VmAreaStruct): void {
  const chain = src.anon_vma_chain;
  for (let i = chain.length - 1; i >= 0; i--) {
    const anon_vma = chain[i]!.anon_vma;
    anon_vma_chain_link(dst, anon_vma);
    // Reuse an existing anon_vma with no VMA and at most one child (never the root).
    if (!dst.anon_vma && src.anon_vma && anon_vma.num_children < 2 && anon_vma.num_active_vmas === 0) {
      dst.anon_vma = anon_vma;
    }
  }
  if (dst.anon_vma) dst.anon_vma.num_active_vmas++;
}

/** mm/rmap.c: anon_vma_fork — the child VMA joins every ancestor tree and gets its own anon_vma. */
export function anon_vma_fork(machine: Machine, vma: VmAreaStruct, pvma: VmAreaStruct): void {
  if (!pvma.anon_vma) return;
  vma.anon_vma = null;
  anon_vma_clone(vma, pvma);
  if (vma.anon_vma) return;
  const anon_vma = anon_vma_alloc(machine);
  anon_vma.num_active_vmas++;
  anon_vma.root = pvma.anon_vma.root;
  anon_vma.parent = pvma.anon_vma;
  get_anon_vma(anon_vma.root);
  vma.anon_vma = anon_vma;
  anon_vma_chain_link(vma, anon_vma);
  anon_vma.parent.num_children++;
}

/** mm/rmap.c: unlink_anon_vmas — leave every tree; drop the references. */
export function unlink_anon_vmas(vma: VmAreaStruct): void {
  const chain = vma.anon_vma_chain.splice(0);
  for (const avc of chain) {
    const anon_vma = avc.anon_vma;
    anon_vma_interval_tree_remove(avc, anon_vma);
    // Leave empty anon_vmas on the list: their references are dropped below.
    if (anon_vma.rb_root.size === 0) anon_vma.parent.num_children--;
  }
  if (vma.anon_vma) {
    vma.anon_vma.num_active_vmas--;
    vma.anon_vma = null;
  }
  for (const avc of chain) {
    if (avc.anon_vma.rb_root.size === 0) put_anon_vma(vma.mm.machine, avc.anon_vma);
  }
}

/** mm/vma.c: anon_vma_interval_tree_pre_update_vma */
export function anon_vma_interval_tree_pre_update_vma(vma: VmAreaStruct): void {
  for (const avc of vma.anon_vma_chain) anon_vma_interval_tree_remove(avc, avc.anon_vma);
}

/** mm/vma.c: anon_vma_interval_tree_post_update_vma */
export function anon_vma_interval_tree_post_update_vma(vma: VmAreaStruct): void {
  for (const avc of vma.anon_vma_chain) anon_vma_interval_tree_insert(avc, avc.anon_vma);
}
