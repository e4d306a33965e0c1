// The engine API that patch variants implement: the few functions a patch changes, called
// from the engine at exactly the places the patch touches. The engine ships the mainline
// (v6.18) behaviour for each; variants (variants/) supply the other patch versions.
import type { Folio } from '../mm/folio.ts';
import type { SplitZeroPagePolicy } from '../mm/machine.ts';
import type { EntryPointer } from '../mm/pgtable.ts';
import type { VmAreaStruct } from '../mm/vma.ts';
import type { KsmStableNode } from './stable-node.ts';
import type { Ksm } from './state.ts';
import type { KsmRmapItem } from './rmap-item.ts';

/** What the page lookup inside scan_get_next_rmap_item's loop found. */
export interface ScanLookup {
  /** tmp_page's folio (a reference is held), or null: nothing in [address, vm_end). */
  readonly folio: Folio | null;
  /** tmp_page: the page index inside `folio`. */
  readonly page: number;
  /**
   * ksm_scan.address after the lookup: the found page's address, or the address from which
   * the skeleton's `next_page: address += PAGE_SIZE` ends the VMA (vm_end - 1 page).
   */
  readonly address: number;
}

export interface ScannerPolicy {
  /**
   * The inner lookup of scan_get_next_rmap_item (kernel/scan.md §4.4 / §4.5). The skeleton
   * reads the answer at once, so a variant may fill in and return the same object every call.
   */
  next_page(ksm: Ksm, vma: VmAreaStruct, address: number): ScanLookup;
}

/** Where a stored rmap index is reset (seed 000). */
export type IndexResetSite = 'break_cow' | 'remove_rmap_item_from_tree' | 'remove_node_from_stable_tree';

export interface RmapPolicy {
  /** try_to_merge_with_ksm_page, right after rmap_item->anon_vma is set (under mmap lock). */
  store_index?(ksm: Ksm, item: KsmRmapItem, vma: VmAreaStruct): void;
  /** The reset next to each put_anon_vma. */
  reset_index?(ksm: Ksm, item: KsmRmapItem, site: IndexResetSite): void;
  /** should_skip_rmap_item returns early for STABLE_FLAG items (seed 000). */
  readonly skip_stable_in_smart_scan?: boolean;
  /** The [first, last] pgoff interval rmap_walk_ksm queries in the item's anon_vma tree. */
  query(ksm: Ksm, item: KsmRmapItem): readonly [number, number];
  /**
   * The interval memory failure's collect_procs_ksm queries in the item's anon_vma tree; absent:
   * [0, ULONG_MAX], mainline up to 7.2 (a series that does not touch collect_procs_ksm).
   */
  collect_procs_query?(ksm: Ksm, item: KsmRmapItem): readonly [number, number];
}

export interface UnmergePolicy {
  /**
   * Unshare every KSM page (and KSM zero page) in [start, end) of vma: unmerge_ksm_pages()
   * → break_ksm() per address, or the range-walk break_ksm(vma, start, end). Returns 0 or -errno.
   */
  break_ksm_range(ksm: Ksm, vma: VmAreaStruct, start: number, end: number, lock_vma: boolean): number;
}

export interface ZeroPagePolicy {
  /** replace_page: the dirty bit of the zero-page PTE KSM installs (seed 001: pte_mkdirty marks it). */
  readonly ksm_zero_pte_dirty: boolean;
  /** include/linux/ksm.h: is_ksm_zero_pte — can this PTE be told to be a KSM-placed zero page? */
  is_ksm_zero_pte(ksm: Ksm, pte: EntryPointer): boolean;
  /** ksm_map_zero_page / ksm_might_unmap_zero_page: the ksm_zero_pages counts exist (seed 001 series). */
  readonly counts_zero_pages: boolean;
}

export interface StableRefPolicy {
  /** stable_tree_insert: before seed 003 the new node takes a reference on its KSM page. */
  on_stable_insert?(ksm: Ksm, node: KsmStableNode): void;
  /** remove_rmap_item_from_tree: before seed 003 the last item out frees the node and its reference. */
  on_hlist_empty?(ksm: Ksm, node: KsmStableNode, folio: Folio): void;
}

export type { SplitZeroPagePolicy };

export interface KsmPolicy {
  scanner: ScannerPolicy;
  rmap: RmapPolicy;
  unmerge: UnmergePolicy;
  zeroPages: ZeroPagePolicy;
  stableRef: StableRefPolicy;
  /** What a THP split (KSM's split_huge_page among others) does with zero-filled subpages; mm applies it. */
  splitZeroPage: SplitZeroPagePolicy;
}
