// struct vm_area_struct, the per-mm sorted VMA list (the maple tree's role) and the VMA
// surgery of mm/vma.c: __split_vma, the merge predicates, vma_merge for new and existing ranges.
import { mmHas } from './kernel.ts';
import {
  anon_vma_clone,
  anon_vma_interval_tree_post_update_vma,
  anon_vma_interval_tree_pre_update_vma,
  type AnonVma,
  type AnonVmaChain,
  unlink_anon_vmas,
} from './anon-vma.ts';
import type { MmStruct } from './mm.ts';
import { split_huge_pmd_address } from './thp.ts';

export * from './vm-flags.ts';
import { VM_SOFTDIRTY } from './vm-flags.ts';

export interface VmAreaStruct {
  readonly mm: MmStruct;
  /** First page (vpn) of the VMA. */
  vm_start: number;
  /** One past its last page. */
  vm_end: number;
  /** Page offset of vm_start: for a private anon VMA, its original vm_start. */
  vm_pgoff: number;
  vm_flags: number;
  anon_vma: AnonVma | null;
  /** same_vma list, newest first (anon_vma_chain_link adds at the head). */
  readonly anon_vma_chain: AnonVmaChain[];
  /** Debug identity. */
  readonly id: number;
}

let nextVmaId = 1;

/** include/linux/mm.h: vma_pages */
export function vma_pages(vma: VmAreaStruct): number {
  return vma.vm_end - vma.vm_start;
}

/** include/linux/pagemap.h: linear_page_index — ((addr - vm_start) >> PAGE_SHIFT) + vm_pgoff */
export function linear_page_index(vma: VmAreaStruct, vpn: number): number {
  return vpn - vma.vm_start + vma.vm_pgoff;
}

/** mm/vma_init.c: vm_area_alloc */
export function vm_area_alloc(mm: MmStruct, start: number, end: number, pgoff: number, flags: number): VmAreaStruct {
  return { mm, vm_start: start, vm_end: end, vm_pgoff: pgoff, vm_flags: flags, anon_vma: null, anon_vma_chain: [], id: nextVmaId++ };
}

/** mm/vma_init.c: vm_area_dup — same range, pgoff, flags and anon_vma; an empty chain. */
export function vm_area_dup(vma: VmAreaStruct, mm: MmStruct = vma.mm): VmAreaStruct {
  const v = vm_area_alloc(mm, vma.vm_start, vma.vm_end, vma.vm_pgoff, vma.vm_flags);
  v.anon_vma = vma.anon_vma;
  return v;
}

// ---- the per-mm VMA index (the maple tree), sorted by vm_start ----

function lowerBound(vmas: readonly VmAreaStruct[], vpn: number): number {
  let lo = 0;
  let hi = vmas.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (vmas[mid]!.vm_end <= vpn) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** mm/mmap.c: find_vma — the first VMA with vm_end > addr. */
export function find_vma(mm: MmStruct, vpn: number): VmAreaStruct | null {
  return mm.vmas[lowerBound(mm.vmas, vpn)] ?? null;
}

/** include/linux/mm.h: vma_lookup — the VMA containing addr. */
export function vma_lookup(mm: MmStruct, vpn: number): VmAreaStruct | null {
  const vma = find_vma(mm, vpn);
  return vma && vma.vm_start <= vpn ? vma : null;
}

export function vma_prev(mm: MmStruct, vma: VmAreaStruct): VmAreaStruct | null {
  const i = mm.vmas.indexOf(vma);
  return i > 0 ? mm.vmas[i - 1]! : null;
}

export function vma_next(mm: MmStruct, vma: VmAreaStruct): VmAreaStruct | null {
  const i = mm.vmas.indexOf(vma);
  return i >= 0 ? (mm.vmas[i + 1] ?? null) : null;
}

/** vma_iter_store: put a VMA into the index at its sorted place. */
export function vma_link(mm: MmStruct, vma: VmAreaStruct): void {
  const i = lowerBound(mm.vmas, vma.vm_start);
  const at = mm.vmas[i];
  if (at && at.vm_start < vma.vm_end) {
    throw new Error(`vma_link: [${vma.vm_start}, ${vma.vm_end}) overlaps [${at.vm_start}, ${at.vm_end})`);
  }
  mm.vmas.splice(i, 0, vma);
}

/** Remove a VMA from the index (vma_iter_clear). */
export function vma_unlink(mm: MmStruct, vma: VmAreaStruct): void {
  const i = mm.vmas.indexOf(vma);
  if (i < 0) throw new Error('vma_unlink: VMA not in its mm');
  mm.vmas.splice(i, 1);
}

/**
 * mm/vma.c: __split_vma — split at `addr`; `new_below` gives the lower part to the new VMA.
 * The upper piece's pgoff rises by the pages below it, so every page keeps its linear index.
 * Returns the new VMA.
 */
/**
 * mm/util.c: sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT (USHRT_MAX - MAPCOUNT_ELF_CORE_MARGIN):
 * the VMAs a process may have (a process's map_count is its mm.vmas.length here).
 */
export const DEFAULT_MAX_MAP_COUNT = 65530;

/** A system call that fails with an errno (the kernel's -ENOMEM), the model's state as the kernel leaves it. */
export class MmErrno extends Error {
  readonly errno: 'ENOMEM' | 'EFAULT';
  constructor(errno: 'ENOMEM' | 'EFAULT', message: string) {
    super(`${errno}: ${message}`);
    this.errno = errno;
  }
}

/** The errno of a split past max_map_count (mm/vma.c: split_vma's check). */
export function mapCountExceeded(mm: MmStruct, what: string): MmErrno {
  return new MmErrno('ENOMEM', `${what}: ${mm.name} has ${mm.vmas.length} VMAs, max_map_count is ${DEFAULT_MAX_MAP_COUNT}`);
}

/** mm/vma.c: split_vma — __split_vma, refused when the process already has max_map_count VMAs. */
export function split_vma(vma: VmAreaStruct, addr: number, new_below: boolean): VmAreaStruct {
  if (vma.mm.vmas.length >= DEFAULT_MAX_MAP_COUNT) throw mapCountExceeded(vma.mm, 'split_vma');
  return __split_vma(vma, addr, new_below);
}

export function __split_vma(vma: VmAreaStruct, addr: number, new_below: boolean): VmAreaStruct {
  if (addr <= vma.vm_start || addr >= vma.vm_end) {
    throw new Error(`__split_vma: ${addr} not inside [${vma.vm_start}, ${vma.vm_end})`);
  }
  const mm = vma.mm;
  const n = vm_area_dup(vma);
  if (new_below) {
    n.vm_end = addr;
  } else {
    n.vm_start = addr;
    n.vm_pgoff += addr - vma.vm_start;
  }
  anon_vma_clone(n, vma);
  vma_adjust_trans_huge(vma, addr);
  // vma_prepare: take vma out of its anon_vma trees while its key changes.
  const hasAnon = vma.anon_vma !== null;
  if (hasAnon) anon_vma_interval_tree_pre_update_vma(vma);
  if (new_below) {
    vma.vm_start = addr;
    vma.vm_pgoff += addr - n.vm_start;
  } else {
    vma.vm_end = addr;
  }
  // vma_complete: store the new VMA, put vma back into the trees.
  vma_link(mm, n);
  if (hasAnon) anon_vma_interval_tree_post_update_vma(vma);
  return n;
}

/**
 * mm/huge_memory.c: vma_adjust_trans_huge — a PMD-mapped THP cannot straddle a VMA boundary:
 * split the mapping at each boundary that moves to a point that is not 2 MiB aligned.
 */
function vma_adjust_trans_huge(vma: VmAreaStruct, ...boundaries: number[]): void {
  for (const b of boundaries) split_huge_pmd_address(vma.mm, b);
}

/** Resize a VMA in place (vma_prepare / vma_set_range / vma_complete). */
export function vma_set_range(vma: VmAreaStruct, start: number, end: number, pgoff: number): void {
  if (start !== vma.vm_start) vma_adjust_trans_huge(vma, start);
  if (end !== vma.vm_end) vma_adjust_trans_huge(vma, end);
  anon_vma_interval_tree_pre_update_vma(vma);
  vma.vm_start = start;
  vma.vm_end = end;
  vma.vm_pgoff = pgoff;
  anon_vma_interval_tree_post_update_vma(vma);
}

/**
 * Resize two adjacent VMAs in one step, as vma_prepare/vma_complete do for vp->vma and
 * vp->adj_next: both leave their trees, both change, then both are reinserted in that order.
 */
function vma_set_ranges(
  vma: VmAreaStruct,
  range: readonly [number, number, number],
  adj: VmAreaStruct,
  adjRange: readonly [number, number, number],
): void {
  vma_adjust_trans_huge(vma, range[0], range[1]);
  vma_adjust_trans_huge(adj, adjRange[0], adjRange[1]);
  anon_vma_interval_tree_pre_update_vma(vma);
  anon_vma_interval_tree_pre_update_vma(adj);
  [vma.vm_start, vma.vm_end, vma.vm_pgoff] = range;
  [adj.vm_start, adj.vm_end, adj.vm_pgoff] = adjRange;
  anon_vma_interval_tree_post_update_vma(vma);
  anon_vma_interval_tree_post_update_vma(adj);
}

// ---- merging (mm/vma.c) ----

/** mm/vma.c: vma_is_fork_child — was this VMA forked from a parent (maybe holds CoW mappings)? */
function vma_is_fork_child(vma: VmAreaStruct | null | undefined): boolean {
  return !!vma && vma.anon_vma !== null && vma.anon_vma_chain.length !== 1;
}

/**
 * mm/vma.c: is_mergeable_anon_vma — may the proposal merge into `tgt` as far as anon_vmas go?
 * From 6.16 (879bca0a2c4f; 7.3.4 mm/vma.c:128-158) by case: tgt without an anon_vma takes the
 * proposal's unless the VMA it comes from (or, from 6.19, the one copy_vma copied) is a fork
 * child; tgt with one absorbs a proposal without unless tgt is a fork child; otherwise they must
 * be the same. Before (6.12.118 mm/vma.c:35-46): a NULL side merges only when tgt's
 * anon_vma_chain is singular, so a faulted VMA never merges into an unfaulted neighbour.
 */
export function is_mergeable_anon_vma(p: MergeProposal, tgt: VmAreaStruct): boolean {
  const k = tgt.mm.machine.kernel;
  if (mmHas(k, 'anon_vma_merge_fork_child_rule')) {
    const tgtAnon = tgt.anon_vma;
    const srcAnon = p.anon_vma;
    // Case 1 - we will dup_anon_vma() from src into tgt.
    if (!tgtAnon && srcAnon) {
      if (vma_is_fork_child(p.middle)) return false;
      if (mmHas(k, 'anon_vma_merge_checks_copied_from') && vma_is_fork_child(p.copied_from)) return false;
      return true;
    }
    // Case 2 - we will simply use tgt's anon_vma.
    if (tgtAnon && !srcAnon) return !vma_is_fork_child(tgt);
    // Case 3 - the anon_vma's are already shared.
    return srcAnon === tgtAnon;
  }
  if ((!p.anon_vma || !tgt.anon_vma) && tgt.anon_vma_chain.length === 1) return true;
  return p.anon_vma === tgt.anon_vma;
}

/** A proposed range [start, end) with its flags, pgoff and anon_vma (struct vma_merge_struct). */
export interface MergeProposal {
  start: number;
  end: number;
  flags: number;
  pgoff: number;
  anon_vma: AnonVma | null;
  /** vmg->middle: the existing VMA a modification changes (null for a new range). */
  middle?: VmAreaStruct | null;
  /** vmg->copied_from: the VMA copy_vma copies (mremap), else null. */
  copied_from?: VmAreaStruct | null;
}

function is_mergeable_vma(p: MergeProposal, vma: VmAreaStruct): boolean {
  return ((vma.vm_flags ^ p.flags) & ~VM_SOFTDIRTY) === 0;
}

/** mm/vma.c: can_vma_merge_after (prev + proposal) */
export function can_vma_merge_left(p: MergeProposal, prev: VmAreaStruct | null): prev is VmAreaStruct {
  return (
    prev !== null &&
    prev.vm_end === p.start &&
    is_mergeable_vma(p, prev) &&
    is_mergeable_anon_vma(p, prev) &&
    prev.vm_pgoff + vma_pages(prev) === p.pgoff
  );
}

/** mm/vma.c: can_vma_merge_before (proposal + next), plus prev/next compatibility if both merge. */
export function can_vma_merge_right(
  p: MergeProposal,
  next: VmAreaStruct | null,
  prev: VmAreaStruct | null,
  mergeLeft: boolean,
): next is VmAreaStruct {
  if (
    next === null ||
    p.end !== next.vm_start ||
    !is_mergeable_vma(p, next) ||
    !is_mergeable_anon_vma(p, next) ||
    next.vm_pgoff !== p.pgoff + (p.end - p.start)
  ) {
    return false;
  }
  if (!mergeLeft || prev === null) return true;
  // prev and next must be compatible with each other too
  return !prev.anon_vma || !next.anon_vma || prev.anon_vma === next.anon_vma;
}

/** mm/vma.c: dup_anon_vma — the expanding VMA takes the shrinking one's anon_vma. */
function dup_anon_vma(dst: VmAreaStruct, src: VmAreaStruct): void {
  if (src.anon_vma && !dst.anon_vma) {
    dst.anon_vma = src.anon_vma;
    anon_vma_clone(dst, src);
  }
}

/** Free a VMA merged away: mm/vma.c vma_complete's remove path (anon_vma_merge + unlink). */
function remove_merged_vma(keep: VmAreaStruct, gone: VmAreaStruct): void {
  vma_unlink(gone.mm, gone);
  // mm/rmap.c anon_vma_merge: same anon_vma (checked by the predicates); drop gone's avcs.
  if (gone.anon_vma && keep.anon_vma === null) dup_anon_vma(keep, gone);
  unlink_anon_vmas(gone);
}

/**
 * mm/vma.c: vma_merge_new_range — a new mapping [start, end) tries to extend its neighbours
 * instead of getting a VMA of its own. Returns the VMA now covering the range, or null.
 */
export function vma_merge_new_range(mm: MmStruct, p: MergeProposal): VmAreaStruct | null {
  const prevIdx = mm.vmas.findIndex((v) => v.vm_end === p.start);
  const prev = prevIdx >= 0 ? mm.vmas[prevIdx]! : null;
  const next = mm.vmas.find((v) => v.vm_start === p.end) ?? null;
  const left = can_vma_merge_left(p, prev);
  const right = can_vma_merge_right(p, next, prev, left);
  if (left && right) {
    // prev swallows the range and next.
    dup_anon_vma(prev, next);
    const end = next.vm_end;
    remove_merged_vma(prev, next);
    vma_set_range(prev, prev.vm_start, end, prev.vm_pgoff);
    return prev;
  }
  if (left) {
    vma_set_range(prev, prev.vm_start, p.end, prev.vm_pgoff);
    return prev;
  }
  if (right) {
    vma_set_range(next, p.start, next.vm_end, p.pgoff);
    return next;
  }
  return null;
}

/**
 * mm/vma.c: vma_modify (vma_merge_existing_range, else split_vma at both ends): give
 * [start, end) of `vma` the flags `newFlags`. Returns the VMA now holding exactly that range
 * (possibly a neighbour that absorbed it).
 */
export function vma_modify_flags(vma: VmAreaStruct, start: number, end: number, newFlags: number): VmAreaStruct {
  const mm = vma.mm;
  if (start < vma.vm_start || end > vma.vm_end || start >= end) {
    throw new Error(`vma_modify_flags: [${start}, ${end}) not inside [${vma.vm_start}, ${vma.vm_end})`);
  }
  if (newFlags === vma.vm_flags) return vma;
  const p: MergeProposal = {
    start,
    end,
    flags: newFlags,
    pgoff: vma.vm_pgoff + (start - vma.vm_start),
    anon_vma: vma.anon_vma,
    middle: vma,
  };
  const prev = start === vma.vm_start ? vma_prev(mm, vma) : null;
  const next = end === vma.vm_end ? vma_next(mm, vma) : null;
  const left = can_vma_merge_left(p, prev);
  const right = can_vma_merge_right(p, next, prev, left);
  if (left && right) {
    // Case: prev, vma (whole) and next become one.
    dup_anon_vma(prev, vma);
    dup_anon_vma(prev, next);
    const newEnd = next.vm_end;
    remove_merged_vma(prev, vma);
    remove_merged_vma(prev, next);
    vma_set_range(prev, prev.vm_start, newEnd, prev.vm_pgoff);
    return prev;
  }
  if (left) {
    dup_anon_vma(prev, vma);
    if (end === vma.vm_end) {
      remove_merged_vma(prev, vma);
      vma_set_range(prev, prev.vm_start, end, prev.vm_pgoff);
    } else {
      vma_set_ranges(prev, [prev.vm_start, end, prev.vm_pgoff], vma, [end, vma.vm_end, vma.vm_pgoff + (end - vma.vm_start)]);
    }
    return prev;
  }
  if (right) {
    dup_anon_vma(next, vma);
    if (start === vma.vm_start) {
      remove_merged_vma(next, vma);
      vma_set_range(next, start, next.vm_end, p.pgoff);
    } else {
      vma_set_ranges(vma, [vma.vm_start, start, vma.vm_pgoff], next, [start, next.vm_end, p.pgoff]);
    }
    return next;
  }
  // mm/vma.c: vma_modify — split_vma (checked against max_map_count) before and after
  let target = vma;
  if (start > target.vm_start) {
    split_vma(target, start, true);
  }
  if (end < target.vm_end) {
    split_vma(target, end, false);
  }
  target.vm_flags = newFlags;
  return target;
}
