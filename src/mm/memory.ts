// The page-level half of mm (mm/memory.c): faults and COW, what a process's loads and stores
// do, zapping and fork's page-table copy. The model's own bookkeeping: nothing here is charged
// to the scan counters (the walkers in folio-walk.ts and pagewalk.ts are).
import { anon_vma_prepare } from './anon-vma.ts';
import type { Folio } from './folio.ts';
import { folio_put } from './machine.ts';
import { entryPointer, lookupEntry, type MmStruct } from './mm.ts';
import { forEachLeaf, forEachSlot } from './leaves.ts';
import {
  type EntryPointer,
  NULL_PTR,
  type PageTable,
  PT_MIGRATION,
  PT_NONE,
  PT_PMD_LEAF,
  PT_PTE,
  PT_SWAP,
  PT_TABLE,
  PTE_DIRTY,
  PTE_KSM_PLACED_ZERO,
  PTE_SPECIAL,
  PTE_WRITE,
} from './pgtable.ts';
import { addMapping, clear_entry, folio_add_new_anon_rmap, replace_pte_folio, set_pte, set_pte_at } from './rmap.ts';
import { __split_huge_pmd, is_huge_zero_pmd, thp_vma_allowable_pmd, thp_vma_suitable_pmd } from './thp.ts';
import { mmHas } from './kernel.ts';
import { HPAGE_PMD_NR, PMD_LEVEL, PTE_LEVEL, type TableLevel } from './units.ts';
import { VM_READ, VM_WRITE } from './vm-flags.ts';
import { type VmAreaStruct, vma_lookup, vma_next, vma_prev } from './vma.ts';

export { forEachLeaf } from './leaves.ts';
export type { LeafVisitor } from './leaves.ts';

// ---- faults (mm/memory.c) ----

export interface FaultFlags {
  /** FAULT_FLAG_WRITE */
  readonly write?: boolean;
  /** FAULT_FLAG_UNSHARE: break COW of a shared anon page (or KSM / KSM zero page) without writing */
  readonly unshare?: boolean;
}

export type VmFault = 'ok' | 'sigsegv';

/** mm/memory.c: handle_mm_fault → __handle_mm_fault / handle_pte_fault. */
export function handle_mm_fault(vma: VmAreaStruct, vpn: number, flags: FaultFlags): VmFault {
  const mm = vma.mm;
  const machine = mm.machine;
  const pt = machine.pt;
  const folios = machine.folios;
  if (vpn < vma.vm_start || vpn >= vma.vm_end) return 'sigsegv';
  const pmd = entryPointer(mm, vpn, PMD_LEVEL, true);
  const pmdKind = pt.kind[pmd]!;
  // (FAULT_FLAG_UNSHARE only ever comes for a present page: break_ksm faults where it found one)
  if (pmdKind === PT_NONE && !flags.unshare && thp_vma_allowable_pmd(vma)) {
    // create_huge_pmd → do_huge_pmd_anonymous_page; VM_FAULT_FALLBACK goes on to the PTE level
    const r = do_huge_pmd_anonymous_page(vma, pmd, vpn, flags.write === true);
    if (r !== 'fallback') return r;
  } else if (pmdKind === PT_PMD_LEAF) {
    if (!flags.write && !flags.unshare) return 'ok'; // huge_pmd_set_accessed
    if (is_huge_zero_pmd(machine, pmd)) {
      // wp_huge_pmd → do_huge_pmd_wp_page: if (is_huge_zero_pmd(orig_pmd)) — 6.13+ (1ced09e0331f)
      // do_huge_zero_wp_pmd maps a fresh THP (7.3.4 mm/huge_memory.c:2179-2187); 6.12 and earlier
      // `goto fallback` (6.12.118 :1830, 6.1.192 :1338): __split_huge_pmd into zero-page PTEs,
      // VM_FAULT_FALLBACK, and handle_pte_fault copies the one page written (wp_page_copy).
      if (mmHas(machine.kernel, 'huge_zero_wp_allocates_thp')) return do_huge_zero_wp_pmd(vma, pmd);
      __split_huge_pmd(mm, pmd);
    } else {
      // mm/huge_memory.c: do_huge_pmd_wp_page (6.1.192 :1323-1410, 6.12.118 :1818-1903, 7.2.13
      // :2160-2252) — reuse the THP if its head is PageAnonExclusive, or if the mapping holds its
      // only reference; else split the PMD and let the PTE fault COW the page.
      const folio = pt.val[pmd]!;
      let reuse = folios.pageAnonExclusive(folio, 0); // if (PageAnonExclusive(page)) goto reuse;
      if (!reuse && folios.refcount[folio] === 1) {
        // if (folio_ref_count(folio) == 1) { folio_move_anon_rmap(folio, vma); SetPageAnonExclusive(page); … reuse: }
        folios.setPageAnonExclusive(folio, 0, true);
        reuse = true;
      }
      if (reuse) {
        // reuse: if (unlikely(unshare)) return 0; maybe_pmd_mkwrite(pmd_mkdirty(entry), vma)
        if (flags.write) pt.bits[pmd] = pt.bits[pmd]! | PTE_WRITE | PTE_DIRTY;
        return 'ok';
      }
      __split_huge_pmd(mm, pmd); // fallback: __split_huge_pmd(vma, vmf->pmd, vmf->address, false, NULL)
    }
  } else if (pmdKind !== PT_TABLE && pmdKind !== PT_NONE) {
    return 'sigsegv';
  }
  const pte = entryPointer(mm, vpn, PTE_LEVEL, true);
  const kind = pt.kind[pte]!;
  if (kind === PT_NONE) {
    if (flags.unshare) return 'ok';
    return do_anonymous_page(vma, vpn, pte, flags.write === true);
  }
  if (kind === PT_SWAP) return do_swap_page(vma, vpn, pte, pt.val[pte]!, flags.write === true);
  if (kind !== PT_PTE) return 'sigsegv';
  if (flags.write || flags.unshare) {
    if (flags.write && pt.has(pte, PTE_WRITE)) {
      pt.setBit(pte, PTE_DIRTY, true);
      return 'ok';
    }
    return do_wp_page(vma, pte, flags.unshare === true && !flags.write);
  }
  return 'ok';
}

function prepare_anon_vma(vma: VmAreaStruct): void {
  if (vma.anon_vma) return;
  anon_vma_prepare(vma.mm.machine, vma, vma_prev(vma.mm, vma), vma_next(vma.mm, vma));
}

/** pte_mkspecial(pfn_pte(my_zero_pfn(vmf->address), vma->vm_page_prot)) */
const ZERO_PAGE_PTE = { writable: false, dirty: false, special: true } as const;
/** maybe_mkwrite(pte_mkdirty(entry), vma) for a fresh anonymous page */
const NEW_PAGE_PTE = { writable: true, dirty: true } as const;

/** mm/memory.c: do_anonymous_page — a read maps the zero page, a write a fresh zeroed page. */
function do_anonymous_page(vma: VmAreaStruct, vpn: number, pte: EntryPointer, write: boolean): VmFault {
  const mm = vma.mm;
  const machine = mm.machine;
  if (!write) {
    set_pte_at(mm, pte, machine.zeroFolio, 0, ZERO_PAGE_PTE);
    return 'ok';
  }
  prepare_anon_vma(vma);
  const folio = machine.allocFolio(0, 0);
  folio_add_new_anon_rmap(machine, folio, vma, vpn);
  set_pte_at(mm, pte, folio, 0, NEW_PAGE_PTE);
  folio_put(machine, folio); // the allocation reference: the mapping now holds one
  return 'ok';
}

/**
 * mm/huge_memory.c: do_huge_pmd_anonymous_page (7.3.4 :1562-1617, 6.12.118 :1324, 6.1.192 :798)
 * — VM_FAULT_FALLBACK unless the 2 MiB around the address lies in the VMA
 * (thp_vma_suitable_order); vmf_anon_prepare; a read fault maps the huge zero PMD when
 * use_zero_page is set (set_huge_zero_folio: pmd_mkspecial, read-only); otherwise
 * __do_huge_pmd_anonymous_page fills the whole 2 MiB with a fresh THP.
 */
function do_huge_pmd_anonymous_page(vma: VmAreaStruct, pmd: EntryPointer, vpn: number, write: boolean): VmFault | 'fallback' {
  const machine = vma.mm.machine;
  const haddr = thp_vma_suitable_pmd(vma, vpn);
  if (haddr === null) return 'fallback';
  prepare_anon_vma(vma); // vmf_anon_prepare
  if (!write && machine.thp.use_zero_page) {
    // mm_get_huge_zero_folio, set_huge_zero_folio (the huge zero page is not in any rmap)
    machine.pt.set(pmd, PT_PMD_LEAF, machine.hugeZeroFolio(), 0, PTE_SPECIAL);
    return 'ok';
  }
  map_anon_folio_pmd(vma, pmd, haddr);
  return 'ok';
}

/**
 * mm/huge_memory.c: do_huge_zero_wp_pmd (v6.13+, 7.3.4 :2135-2165) — a write (or unshare) fault
 * on the huge zero PMD: allocate a THP and map it in the zero PMD's place
 * (pmdp_huge_clear_flush, map_anon_folio_pmd_pf). Allocation never fails in the model.
 */
function do_huge_zero_wp_pmd(vma: VmAreaStruct, pmd: EntryPointer): VmFault {
  const pt = vma.mm.machine.pt;
  const haddr = pt.vpnOf(pmd);
  pt.clear(pmd); // pmdp_huge_clear_flush (nothing in the rmap to drop)
  map_anon_folio_pmd(vma, pmd, haddr);
  return 'ok';
}

/** vma_alloc_anon_folio_pmd + map_anon_folio_pmd_pf: a zeroed THP, writable and dirty, in the rmap. */
function map_anon_folio_pmd(vma: VmAreaStruct, pmd: EntryPointer, haddr: number): void {
  const machine = vma.mm.machine;
  prepare_anon_vma(vma);
  const folio = machine.allocFolio(9, 0);
  folio_add_new_anon_rmap(machine, folio, vma, haddr);
  machine.pt.set(pmd, PT_PMD_LEAF, folio, 0, PTE_WRITE | PTE_DIRTY);
  addMapping(machine, folio, pmd);
  folio_put(machine, folio);
}

/**
 * mm/memory.c: do_swap_page — bring the content back in a fresh page. The model's swap entries
 * are private to one PTE, so the page comes back exclusive (the kernel's RMAP_EXCLUSIVE when
 * pte_swp_exclusive or the folio's only reference is ours), through folio_add_new_anon_rmap.
 */
function do_swap_page(vma: VmAreaStruct, vpn: number, pte: EntryPointer, content: number, write: boolean): VmFault {
  const mm = vma.mm;
  const machine = mm.machine;
  machine.pt.clear(pte);
  prepare_anon_vma(vma);
  const folio = machine.allocFolio(0, content);
  folio_add_new_anon_rmap(machine, folio, vma, vpn);
  set_pte(mm, vpn, folio, 0, { writable: write, dirty: write });
  folio_put(machine, folio);
  return 'ok';
}

/**
 * mm/memory.c: do_wp_page (7.2.13 :4245-4338, 6.12.118 and 6.1.192 alike for a private
 * mapping) — reuse an anon page that is PageAnonExclusive or that wp_can_reuse_anon_folio finds
 * only this mapping holds; copy anything else (KSM pages and the zero page always).
 */
function do_wp_page(vma: VmAreaStruct, pte: EntryPointer, unshare: boolean): VmFault {
  const machine = vma.mm.machine;
  const pt = machine.pt;
  const folios = machine.folios;
  const folio = pt.val[pte]!;
  const page = pt.page[pte]!;
  const special = pt.has(pte, PTE_SPECIAL); // vm_normal_page returns NULL
  // if (folio && folio_test_anon(folio) && (PageAnonExclusive(vmf->page) || wp_can_reuse_anon_folio(folio, vma)))
  if (!special && folios.anon(folio) && (folios.pageAnonExclusive(folio, page) || wp_can_reuse_anon_folio(vma, folio))) {
    folios.setPageAnonExclusive(folio, page, true); // if (!PageAnonExclusive(vmf->page)) SetPageAnonExclusive(vmf->page);
    // wp_page_reuse (an unshare of an exclusive page has nothing to do)
    if (!unshare) {
      pt.setBit(pte, PTE_WRITE, (vma.vm_flags & VM_WRITE) !== 0);
      pt.setBit(pte, PTE_DIRTY, true);
    }
    return 'ok';
  }
  if (!special && !folios.anon(folio)) return 'sigsegv';
  return wp_page_copy(vma, pte, unshare);
}

/**
 * mm/memory.c: wp_can_reuse_anon_folio (6.12.118 :3595-3641, 7.2.13 :4182-4221; 6.1.192
 * do_wp_page :3461-3496 inline) — a small folio is reused when it is not KSM and its only
 * reference is this mapping's (the model has no swap cache or LRU batches); a large one per
 * __wp_can_reuse_large_anon_folio from v6.15, never in 6.10–6.14, by the small-folio test
 * before. (folio_move_anon_rmap is not modelled: the folio keeps its anon_vma.)
 */
function wp_can_reuse_anon_folio(vma: VmAreaStruct, folio: Folio): boolean {
  const machine = vma.mm.machine;
  const folios = machine.folios;
  if (folios.large(folio)) {
    // 7.2: if (IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) && folio_test_large(folio)) return __wp_can_reuse_large_anon_folio(folio, vma);
    if (mmHas(machine.kernel, 'wp_reuses_large_anon_folio')) return __wp_can_reuse_large_anon_folio(vma, folio);
    // 6.12: if (folio_test_large(folio)) return false;
    if (mmHas(machine.kernel, 'wp_refuses_large_anon_folio')) return false;
  }
  // if (folio_test_ksm(folio) || folio_ref_count(folio) > 3) …; if (folio_test_ksm(folio) || folio_ref_count(folio) != 1) return false;
  return !folios.ksm(folio) && folios.refcount[folio] === 1;
}

/**
 * mm/memory.c: __wp_can_reuse_large_anon_folio (7.2.13 :4109-4173). FOLIO_MM_IDS_SHARED_BIT is
 * read as "some entry mapping the folio is in another mm" (the kernel's two mm-id slots track
 * exactly that while at most two mms map it).
 */
function __wp_can_reuse_large_anon_folio(vma: VmAreaStruct, folio: Folio): boolean {
  const machine = vma.mm.machine;
  const pt = machine.pt;
  const folios = machine.folios;
  // Let's just free up a large folio if only a single page is mapped.
  if (folios.mapcount[folio]! <= 1) return false; // folio_large_mapcount(folio) <= 1
  // if (test_bit(FOLIO_MM_IDS_SHARED_BITNUM, &folio->_mm_ids)) return false;
  for (const m of folios.mappings(pt, folio)) if (pt.mmIdOf(m) !== vma.mm.id) return false;
  return folios.mapcount[folio] === folios.refcount[folio]; // folio_large_mapcount(folio) != folio_ref_count(folio) → false
}

/** mm/memory.c: wp_page_copy — a private copy of the page (a zeroed page for the zero page). */
function wp_page_copy(vma: VmAreaStruct, pte: EntryPointer, unshare: boolean): VmFault {
  const mm = vma.mm;
  const machine = mm.machine;
  const pt = machine.pt;
  const folios = machine.folios;
  const old = pt.val[pte]!;
  const content = folios.zeroPage(old) ? 0 : folios.pageContent(old, pt.page[pte]!);
  prepare_anon_vma(vma);
  const folio = machine.allocFolio(0, content);
  folio_add_new_anon_rmap(machine, folio, vma, pt.vpnOf(pte));
  if (folios.zeroPage(old)) machine.hooks.ksm_might_unmap_zero_page?.(mm, pte);
  const writable = !unshare && (vma.vm_flags & VM_WRITE) !== 0;
  replace_pte_folio(mm, pte, folio, 0, { writable, dirty: !unshare, special: false });
  folio_put(machine, folio);
  return 'ok';
}

// ---- user-level access (what a process's loads and stores do) ----

/** A store to one page: fault until the PTE is writable and exclusive, then change the content. */
export function write_page(mm: MmStruct, vpn: number, content: number): VmFault {
  const vma = vma_lookup(mm, vpn);
  if (!vma || (vma.vm_flags & VM_WRITE) === 0) return 'sigsegv';
  const r = handle_mm_fault(vma, vpn, { write: true });
  if (r !== 'ok') return r;
  const p = lookupEntry(mm, vpn);
  if (p === NULL_PTR) return 'sigsegv';
  const pt = mm.machine.pt;
  const kind = pt.kind[p]!;
  if (kind === PT_PTE) mm.machine.folios.setPageContent(pt.val[p]!, pt.page[p]!, content);
  else if (kind === PT_PMD_LEAF) mm.machine.folios.setPageContent(pt.val[p]!, vpn - pt.vpnOf(p), content);
  else return 'sigsegv';
  return 'ok';
}

/** A load from one page: a fault on a none PTE maps the zero page. Returns the content id. */
export function read_page(mm: MmStruct, vpn: number): number | 'sigsegv' {
  const vma = vma_lookup(mm, vpn);
  if (!vma || (vma.vm_flags & VM_READ) === 0) return 'sigsegv'; // access_error
  const pt = mm.machine.pt;
  let p = lookupEntry(mm, vpn);
  if (p === NULL_PTR || pt.kind[p] === PT_SWAP) {
    handle_mm_fault(vma, vpn, {});
    p = lookupEntry(mm, vpn);
  }
  if (p === NULL_PTR) return 'sigsegv';
  const kind = pt.kind[p]!;
  if (kind === PT_PTE) return mm.machine.folios.pageContent(pt.val[p]!, pt.page[p]!);
  if (kind === PT_PMD_LEAF) return mm.machine.folios.pageContent(pt.val[p]!, vpn - pt.vpnOf(p));
  return 'sigsegv';
}

// ---- zap and copy (mm/memory.c) ----

/** mm/memory.c: unmap_page_range / zap_pte_range — drop every mapping in [start, end). */
export function zap_page_range(vma: VmAreaStruct, start: number, end: number): void {
  const mm = vma.mm;
  const pt = mm.machine.pt;
  forEachLeaf(mm, start, end, (p, vpn) => {
    if (pt.kind[p] === PT_PMD_LEAF) {
      if (vpn >= start && vpn + HPAGE_PMD_NR <= end) clear_entry(mm, p);
      else __split_huge_pmd(mm, p); // visitTable descends into the new table
      return;
    }
    clear_entry(mm, p);
  });
}

/**
 * mm/memory.c: copy_page_range — fork's copy of a VMA's page tables, level by level as
 * copy_p4d_range … copy_pte_range do: for every present parent entry that points to a table,
 * the child gets its own table at the next level (p?d_alloc / pte_alloc), empty or not; leaves
 * are copied with anon pages COW-shared (both sides read-only). A VMA without an anon_vma
 * copies nothing (vma_needs_copy).
 */
export function copy_page_range(dst: VmAreaStruct, src: VmAreaStruct): void {
  if (!src.anon_vma) return; // vma_needs_copy: private anon memory never faulted has no pages
  copy_table_range(dst.mm, src.mm, src.mm.pgd, src.vm_start, src.vm_end);
}

/** copy_p4d_range / copy_pud_range / copy_pmd_range / copy_pte_range: one level of the copy. */
function copy_table_range(dstMm: MmStruct, srcMm: MmStruct, table: PageTable, start: number, end: number): void {
  const pt = srcMm.machine.pt;
  const level = pt.level[table]! as TableLevel;
  forEachSlot(srcMm, table, start, end, (p, slot, span) => {
    const kind = pt.kind[p]!;
    if (kind === PT_NONE) return; // p?d_none_or_clear_bad
    const vpn = Math.max(start, slot);
    if (level === PTE_LEVEL) copy_pte(dstMm, p, vpn);
    else if (kind !== PT_TABLE) copy_huge_pmd(dstMm, p, vpn); // a PMD leaf, or a swap / migration PMD
    else {
      // the child's table under this entry, allocated before the parent's entries are read
      entryPointer(dstMm, vpn, (level - 1) as TableLevel, true);
      copy_table_range(dstMm, srcMm, pt.val[p]!, vpn, Math.min(end, slot + span));
    }
  });
}

/** mm/huge_memory.c: copy_huge_pmd — the THP COW-shared (write-protected on both sides). */
function copy_huge_pmd(dstMm: MmStruct, p: EntryPointer, vpn: number): void {
  const machine = dstMm.machine;
  const pt = machine.pt;
  const d = entryPointer(dstMm, vpn, PMD_LEVEL, true);
  if (pt.kind[p] === PT_PMD_LEAF) {
    // folio_try_dup_anon_rmap_pmd (include/linux/rmap.h: __folio_try_dup_anon_rmap, PMD level):
    // ClearPageAnonExclusive(page) on the head (pins, which would make fork copy, are not modelled)
    machine.folios.setPageAnonExclusive(pt.val[p]!, 0, false);
    pt.setBit(p, PTE_WRITE, false);
    pt.set(d, PT_PMD_LEAF, pt.val[p]!, 0, pt.bits[p]!);
    addMapping(machine, pt.val[p]!, d);
    return;
  }
  pt.set(d, pt.kindOf(p), pt.val[p]!, pt.page[p]!, pt.bits[p]!);
}

/** mm/memory.c: copy_present_pte / copy_nonpresent_pte — one PTE into the child's table. */
function copy_pte(dstMm: MmStruct, p: EntryPointer, vpn: number): void {
  const pt = dstMm.machine.pt;
  const kind = pt.kind[p]!;
  if (kind === PT_PTE) {
    // copy_present_pte: a COW mapping write-protects both sides.
    const special = pt.has(p, PTE_SPECIAL);
    // folio_try_dup_anon_rmap_pte (include/linux/rmap.h: __folio_try_dup_anon_rmap, PTE level):
    // ClearPageAnonExclusive(page) — neither side may reuse it (pins, which would make fork copy
    // the page in copy_present_page, are not modelled)
    if (!special && dstMm.machine.folios.anon(pt.val[p]!)) dstMm.machine.folios.setPageAnonExclusive(pt.val[p]!, pt.page[p]!, false);
    if (!special) pt.setBit(p, PTE_WRITE, false);
    set_pte(dstMm, vpn, pt.val[p]!, pt.page[p]!, { writable: false, dirty: pt.has(p, PTE_DIRTY), special, ksmPlacedZero: pt.has(p, PTE_KSM_PLACED_ZERO) });
  } else if (kind === PT_SWAP || kind === PT_MIGRATION) {
    const d = entryPointer(dstMm, vpn, PTE_LEVEL, true);
    pt.set(d, pt.kindOf(p), pt.val[p]!, 0, pt.bits[p]!);
  }
}
