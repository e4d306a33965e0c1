// Merging (mm/ksm.c): write_protect_page, replace_page, try_to_merge_one_page and its
// callers, break_cow, and cmp_and_merge_page in both of its historical orders.
import { get_anon_vma, put_anon_vma } from '../mm/anon-vma.ts';
import type { PageRef } from '../mm/folio.ts';
import { folio_put } from '../mm/machine.ts';
import { replace_pte_folio } from '../mm/rmap.ts';
import { split_folio } from '../mm/thp.ts';
import { page_vma_mapped_walk_one, replace_page_ptep } from '../mm/page-vma-mapped.ts';
import { ACCOUNT_MERGE, ACCOUNT_UNMERGE_KSMD, NULL_PTR, PT_PTE, PTE_DIRTY, PTE_KSM_PLACED_ZERO, PTE_WRITE } from '../mm/pgtable.ts';
import type { VmAreaStruct } from '../mm/vma.ts';
import { shadow_reset } from './lifetime.ts';
import { calc_checksum, pages_identical, zero_checksum } from './pages.ts';
import { break_ksm } from './unmerge.ts';
import type { KsmRmapItem } from './rmap-item.ts';
import type { Ksm } from './state.ts';
import {
  EBUSY,
  find_mergeable_vma,
  folio_set_stable_node,
  folio_stable_node,
  is_page_sharing_candidate,
  remove_rmap_item_from_tree,
  stable_tree_append,
  stable_tree_insert,
  stable_tree_search,
  unstable_tree_search_insert,
} from './trees.ts';

export const EFAULT = -14;

/**
 * mm/rmap.c: page_address_in_vma — -EFAULT (null) unless the folio is anon (not KSM: its
 * folio_anon_vma is NULL) and shares the VMA's root anon_vma; then the address from its index.
 */
function page_address_in_vma(ksm: Ksm, page: PageRef, vma: VmAreaStruct): number | null {
  const folios = ksm.machine.folios;
  const anon_vma = folios.anonVma(page.folio);
  if (anon_vma === null || !vma.anon_vma || vma.anon_vma.root !== anon_vma.root) return null;
  const vpn = vma.vm_start + (folios.index[page.folio]! + page.index - vma.vm_pgoff);
  return vpn >= vma.vm_start && vpn < vma.vm_end ? vpn : null;
}

/** The write and dirty bits of a PTE value (what pte_same compares here). */
const WP_BITS = PTE_WRITE | PTE_DIRTY;

/**
 * mm/ksm.c: write_protect_page — make the page's PTE read-only and clean, refusing when
 * anyone but its mappings and KSM's own reference holds it (mapcount + 1 != refcount).
 * Returns orig_pte (the PTE's write and dirty bits after the change), or -1.
 */
function write_protect_page(ksm: Ksm, vma: VmAreaStruct, page: PageRef): number {
  const pt = ksm.machine.pt;
  const folios = ksm.machine.folios;
  const folio = page.folio;
  if (folios.order[folio] !== 0) return -1; // WARN_ON_ONCE(folio_test_large)
  const vpn = page_address_in_vma(ksm, page, vma);
  if (vpn === null) return -1;
  const pte = page_vma_mapped_walk_one(vma.mm, vpn, folio, page.index); // if (!page_vma_mapped_walk(&pvmw)) goto out
  if (pte === NULL_PTR) return -1;
  const anon_exclusive = folios.pageAnonExclusive(folio, page.index); // anon_exclusive = PageAnonExclusive(&folio->page) (7.2.13 mm/ksm.c:1310)
  if ((pt.bits[pte]! & WP_BITS) !== 0 || anon_exclusive) {
    if (folios.mapcount[folio]! + 1 !== folios.refcount[folio]) return -1; // GUP pin or other reference
    // mm/ksm.c: write_protect_page — if (anon_exclusive && folio_try_share_anon_rmap_pte(folio, &folio->page)) (:1340-1341):
    // the page is no longer exclusive (the try fails only for a maybe-pinned folio, excluded above)
    if (anon_exclusive) folios.setPageAnonExclusive(folio, page.index, false);
    pt.setBit(pte, WP_BITS, false);
  }
  return pt.bits[pte]! & WP_BITS;
}

const KPAGE_PTE = { writable: false, dirty: false, special: false } as const;
/** pte_mkspecial(pfn_pte(zero_pfn)), with pte_mkdirty where seed 001 marks KSM zero pages. */
const ZERO_PTE = { writable: false, dirty: false, special: true } as const;
const ZERO_PTE_DIRTY = { writable: false, dirty: true, special: true } as const;

/** mm/ksm.c: replace_page — map kpage (a KSM page, or the zero page) where page was. */
function replace_page(ksm: Ksm, vma: VmAreaStruct, page: PageRef, kpage: PageRef, orig_pte: number): number {
  const pt = ksm.machine.pt;
  const vpn = page_address_in_vma(ksm, page, vma);
  if (vpn === null) return EFAULT;
  const pte = replace_page_ptep(vma.mm, vpn); // mm_find_pmd, pmd present and not THP, pte_offset_map_lock, ptep_get
  if (pte === NULL_PTR) return EFAULT;
  // !pte_same(ptep_get(ptep), orig_pte): the PTE no longer maps this page with the bits write_protect_page left
  if (pt.kind[pte] !== PT_PTE || pt.val[pte] !== page.folio || pt.page[pte] !== page.index || (pt.bits[pte]! & WP_BITS) !== orig_pte) return EFAULT;
  if (!ksm.machine.folios.zeroPage(kpage.folio)) {
    replace_pte_folio(vma.mm, pte, kpage.folio, kpage.index, KPAGE_PTE); // mk_pte(kpage, vma->vm_page_prot), write-protected
  } else {
    // seed 001: pte_mkdirty marks the zero page as placed by KSM, and it is counted.
    const zp = ksm.policy.zeroPages;
    replace_pte_folio(vma.mm, pte, kpage.folio, 0, zp.ksm_zero_pte_dirty ? ZERO_PTE_DIRTY : ZERO_PTE);
    pt.setBit(pte, PTE_KSM_PLACED_ZERO, true);
    ksm.zeroPagesPlaced++;
    ksm.merges++;
    if (zp.counts_zero_pages) {
      ksm.counters.ksm_zero_pages++; // ksm_map_zero_page
      vma.mm.ksm_zero_pages++;
    }
  }
  return 0;
}

/**
 * mm/ksm.c: try_to_merge_one_page — upgrade `page` to a KSM page (kpage null) or replace it
 * by the identical kpage. 0 on success, -EFAULT otherwise.
 */
function try_to_merge_one_page(ksm: Ksm, vma: VmAreaStruct, page: PageRef, kpage: PageRef | null): number {
  const machine = ksm.machine;
  const prev = machine.account;
  machine.account = ACCOUNT_MERGE; // its page-table reads and locks are the merge path's
  try {
    return try_to_merge_one_page_charged(ksm, vma, page, kpage);
  } finally {
    machine.account = prev;
  }
}

function try_to_merge_one_page_charged(ksm: Ksm, vma: VmAreaStruct, page: PageRef, kpage: PageRef | null): number {
  const folios = ksm.machine.folios;
  if (kpage && page.folio === kpage.folio && page.index === kpage.index) return 0; // ksm page forked
  if (!folios.anon(page.folio)) return EFAULT;
  if (folios.order[page.folio] !== 0) {
    if (!split_folio(vma.mm, page)) return EFAULT; // split_huge_page(page); page now in a small folio
  }
  const orig_pte = write_protect_page(ksm, vma, page);
  if (orig_pte < 0) return EFAULT;
  if (!kpage) {
    folio_set_stable_node(ksm, page.folio, null); // anon → KSM with a NULL stable node
    return 0;
  }
  if (pages_identical(ksm.machine, page, kpage)) return replace_page(ksm, vma, page, kpage, orig_pte);
  return EFAULT;
}

/** mm/ksm.c: try_to_merge_with_zero_page — 0 if merged with the zero page (or the VMA is gone). */
function try_to_merge_with_zero_page(ksm: Ksm, item: KsmRmapItem, page: PageRef): number {
  const items = ksm.items;
  if (!ksm.knobs.use_zero_pages || items.oldchecksum(item) !== zero_checksum) return EFAULT;
  const vma = find_mergeable_vma(items.mm(item), items.vpn(item));
  if (!vma) return 0;
  return try_to_merge_one_page(ksm, vma, page, { folio: ksm.machine.zeroFolio, index: 0 });
}

/** mm/ksm.c: try_to_merge_with_ksm_page — merge, then note the anon_vma (and the patch's index). */
function try_to_merge_with_ksm_page(ksm: Ksm, item: KsmRmapItem, page: PageRef, kpage: PageRef | null): number {
  const items = ksm.items;
  const vma = find_mergeable_vma(items.mm(item), items.vpn(item));
  if (!vma) return EFAULT;
  const err = try_to_merge_one_page(ksm, vma, page, kpage);
  if (err) return err;
  remove_rmap_item_from_tree(ksm, item); // unstable nid is in union with stable anon_vma
  items.set_anon_vma(item, vma.anon_vma);
  ksm.policy.rmap.store_index?.(ksm, item, vma);
  get_anon_vma(vma.anon_vma!);
  return 0;
}

/** mm/ksm.c: break_cow — undo a merge whose item never became stable. */
export function break_cow(ksm: Ksm, item: KsmRmapItem): void {
  const items = ksm.items;
  put_anon_vma(ksm.machine, items.anon_vma(item)!);
  ksm.policy.rmap.reset_index?.(ksm, item, 'break_cow');
  shadow_reset(ksm, item);
  const addr = items.vpn(item);
  const vma = find_mergeable_vma(items.mm(item), addr);
  if (vma) break_ksm(ksm, vma, addr, addr + 1, false, ACCOUNT_UNMERGE_KSMD);
}

/**
 * mm/ksm.c: try_to_merge_two_pages — the scanned page becomes the KSM page, then the tree
 * page is replaced by it; if the second step fails the first is undone with break_cow.
 */
function try_to_merge_two_pages(ksm: Ksm, item: KsmRmapItem, page: PageRef, tree_item: KsmRmapItem, tree_page: PageRef): boolean {
  let err = try_to_merge_with_ksm_page(ksm, item, page, null);
  if (!err) {
    if (ksm.inject.secondMerge > 0) {
      ksm.inject.secondMerge--; // injected: the tree page cannot be merged (e.g. folio_trylock failed)
      err = EFAULT;
    } else {
      err = try_to_merge_with_ksm_page(ksm, tree_item, tree_page, page);
    }
    if (err) break_cow(ksm, item);
  }
  return !err;
}

/**
 * cmp_and_merge_page's volatility test: `if (rmap_item->oldchecksum != checksum) { record; return }`.
 * Reading oldchecksum from bytes a stored index left behind is a stale overlay read.
 */
function checksum_changed(ksm: Ksm, item: KsmRmapItem, checksum: number): boolean {
  const items = ksm.items;
  const oldchecksum = items.oldchecksum(item);
  if (ksm.policy.rmap.store_index) {
    // the shadow differs from the bytes only where a stored index overlaid them
    if (oldchecksum !== items.shadow_oldchecksum(item)) ksm.counters.stale_overlay_reads++;
    items.set_shadow_oldchecksum(item, checksum);
  }
  const changed = oldchecksum !== checksum;
  if (changed) items.set_oldchecksum(item, checksum);
  return changed;
}

/** The stable-tree half of cmp_and_merge_page (shared by both orders). Returns true when done. */
function merge_with_stable_tree(ksm: Ksm, page: PageRef, item: KsmRmapItem, bypass: boolean): boolean {
  const stable_node = folio_stable_node(ksm, page.folio);
  const kfolio = stable_tree_search(ksm, page);
  if (kfolio === page.folio && ksm.items.head(item) === stable_node) {
    folio_put(ksm.machine, kfolio);
    return true;
  }
  remove_rmap_item_from_tree(ksm, item);
  if (kfolio === EBUSY) return true;
  if (kfolio !== null) {
    const kpage = { folio: kfolio, index: 0 };
    if (!try_to_merge_with_ksm_page(ksm, item, page, kpage)) {
      stable_tree_append(ksm, item, folio_stable_node(ksm, kfolio)!, bypass);
    }
    folio_put(ksm.machine, kfolio);
    return true;
  }
  return false;
}

/** The unstable-tree half of cmp_and_merge_page (shared by both orders). */
function merge_with_unstable_tree(ksm: Ksm, page: PageRef, item: KsmRmapItem): void {
  const found = unstable_tree_search_insert(ksm, item, page);
  if (!found) return;
  const { tree_item, tree_page } = found;
  const merged = try_to_merge_two_pages(ksm, item, page, tree_item, tree_page);
  const split = ksm.machine.folios.order[page.folio] !== 0 && page.folio === tree_page.folio;
  folio_put(ksm.machine, tree_page.folio);
  if (merged) {
    const node = stable_tree_insert(ksm, page.folio);
    if (node) {
      stable_tree_append(ksm, tree_item, node, false);
      stable_tree_append(ksm, item, node, false);
    } else {
      // Two addresses point to a KSM page outside the stable tree: break both.
      break_cow(ksm, tree_item);
      break_cow(ksm, item);
    }
  } else if (split) {
    split_folio(ksm.items.mm(item), page); // both pages in one THP: split now, merge on a later pass
  }
}

/**
 * mm/ksm.c: cmp_and_merge_page (≥ 6.11 order): a KSM page is checked against its node; any
 * other page first needs an unchanged checksum, then may merge with the zero page, the stable
 * tree, or a partner in the unstable tree.
 */
function cmp_and_merge_page_611(ksm: Ksm, page: PageRef, item: KsmRmapItem): void {
  let bypass = false;
  const stable_node = folio_stable_node(ksm, page.folio);
  if (stable_node) {
    if (stable_node.head !== 'migrate' && ksm.items.head(item) === stable_node) return;
    if (!is_page_sharing_candidate(ksm, stable_node)) bypass = true; // KSM fork may exceed the limit
  } else {
    remove_rmap_item_from_tree(ksm, item);
    const checksum = calc_checksum(ksm.machine, page);
    if (checksum_changed(ksm, item, checksum)) return;
    if (!try_to_merge_with_zero_page(ksm, item, page)) return;
  }
  if (merge_with_stable_tree(ksm, page, item, bypass)) return;
  merge_with_unstable_tree(ksm, page, item);
}

/**
 * mm/ksm.c: cmp_and_merge_page (≤ 6.10 order, read in a v6.1 tree): the stable tree is
 * searched first for every page, the checksum and zero-page tests come after it.
 */
function cmp_and_merge_page_61(ksm: Ksm, page: PageRef, item: KsmRmapItem): void {
  let bypass = false;
  const stable_node = folio_stable_node(ksm, page.folio);
  if (stable_node) {
    if (stable_node.head !== 'migrate' && ksm.items.head(item) === stable_node) return;
    if (!is_page_sharing_candidate(ksm, stable_node)) bypass = true;
  }
  if (merge_with_stable_tree(ksm, page, item, bypass)) return;
  const checksum = calc_checksum(ksm.machine, page);
  if (checksum_changed(ksm, item, checksum)) return;
  if (ksm.knobs.use_zero_pages && checksum === zero_checksum) {
    const vma = find_mergeable_vma(ksm.items.mm(item), ksm.items.vpn(item));
    const err = vma ? try_to_merge_one_page(ksm, vma, page, { folio: ksm.machine.zeroFolio, index: 0 }) : 0;
    if (!err) return;
  }
  merge_with_unstable_tree(ksm, page, item);
}

/** mm/ksm.c: cmp_and_merge_page, in the order the machine's kernel uses. */
export function cmp_and_merge_page(ksm: Ksm, page: PageRef, item: KsmRmapItem): void {
  if (ksm.mergeOrder === '6.1') cmp_and_merge_page_61(ksm, page, item);
  else cmp_and_merge_page_611(ksm, page, item);
}
