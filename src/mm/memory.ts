// The page-level half of mm (mm/memory.c): faults and COW, what a process's loads and stores
// do, zapping and fork's page-table copy. The model's own bookkeeping: nothing here is charged
// to the scan counters (the walkers in folio-walk.ts and pagewalk.ts are).
import { anon_vma_prepare } from './anon-vma.ts';
import { folioPageContent, setFolioPageContent } from './folio.ts';
import { folio_put } from './machine.ts';
import { entryPointer, lookupEntry, type MmStruct } from './mm.ts';
import { forEachLeaf } from './leaves.ts';
import { type EntryPointer, type PmdLeafEntry, type PteEntry, setEntry } from './pgtable.ts';
import { addMapping, clear_entry, folio_add_new_anon_rmap, replace_pte_folio, set_pte } from './rmap.ts';
import { __split_huge_pmd, thpRangeFor } from './thp.ts';
import { HPAGE_PMD_NR, PMD_LEVEL, PTE_LEVEL } from './units.ts';
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
  if (vpn < vma.vm_start || vpn >= vma.vm_end) return 'sigsegv';
  const pmdPtr = entryPointer(mm, vpn, PMD_LEVEL, true)!;
  const pmd = pmdPtr.table.entries[pmdPtr.index];
  if (pmd === undefined) {
    const thpBase = flags.write ? thpRangeFor(vma, vpn) : null;
    if (thpBase !== null) return do_huge_pmd_anonymous_page(vma, pmdPtr, thpBase);
  } else if (pmd.kind === 'pmd-leaf') {
    if (!flags.write && !flags.unshare) return 'ok';
    // mm/huge_memory.c: do_huge_pmd_wp_page — reuse an exclusive THP, else split and COW a page.
    if (!pmd.folio.ksm && pmd.folio.maps.length === 1 && pmd.folio.refcount === 1) {
      if (flags.write) {
        pmd.writable = true;
        pmd.dirty = true;
      }
      return 'ok';
    }
    __split_huge_pmd(mm, pmdPtr);
  } else if (pmd.kind !== 'table') {
    return 'sigsegv';
  }
  const ptr = entryPointer(mm, vpn, PTE_LEVEL, true)!;
  const pte = ptr.table.entries[ptr.index];
  if (pte === undefined) {
    if (flags.unshare) return 'ok';
    return do_anonymous_page(vma, vpn, flags.write === true);
  }
  if (pte.kind === 'swap') return do_swap_page(vma, vpn, ptr, pte.content, flags.write === true);
  if (pte.kind !== 'pte') return 'sigsegv';
  if (flags.write || flags.unshare) {
    if (flags.write && pte.writable) {
      pte.dirty = true;
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

/** mm/memory.c: do_anonymous_page — a read maps the zero page, a write a fresh zeroed page. */
function do_anonymous_page(vma: VmAreaStruct, vpn: number, write: boolean): VmFault {
  const mm = vma.mm;
  if (!write) {
    set_pte(mm, vpn, mm.machine.zeroFolio, 0, { writable: false, dirty: false, special: true });
    return 'ok';
  }
  prepare_anon_vma(vma);
  const folio = mm.machine.allocFolio(0, 0);
  folio_add_new_anon_rmap(folio, vma, vpn);
  set_pte(mm, vpn, folio, 0, { writable: true, dirty: true });
  folio_put(mm.machine, folio); // the allocation reference: the mapping now holds one
  return 'ok';
}

/** mm/huge_memory.c: do_huge_pmd_anonymous_page — a write fault fills the whole 2 MiB with a THP. */
function do_huge_pmd_anonymous_page(vma: VmAreaStruct, pmdPtr: EntryPointer, base: number): VmFault {
  const mm = vma.mm;
  prepare_anon_vma(vma);
  const folio = mm.machine.allocFolio(9, 0);
  folio_add_new_anon_rmap(folio, vma, base);
  const leaf: PmdLeafEntry = { kind: 'pmd-leaf', folio, writable: true, dirty: true, special: false, mm, vpn: base };
  setEntry(pmdPtr.table, pmdPtr.index, leaf);
  addMapping(folio, leaf);
  folio_put(mm.machine, folio);
  return 'ok';
}

/** mm/memory.c: do_swap_page — bring the content back in a fresh page. */
function do_swap_page(vma: VmAreaStruct, vpn: number, ptr: EntryPointer, content: number, write: boolean): VmFault {
  const mm = vma.mm;
  setEntry(ptr.table, ptr.index, undefined);
  prepare_anon_vma(vma);
  const folio = mm.machine.allocFolio(0, content);
  folio_add_new_anon_rmap(folio, vma, vpn);
  set_pte(mm, vpn, folio, 0, { writable: write, dirty: write });
  folio_put(mm.machine, folio);
  return 'ok';
}

/** mm/memory.c: do_wp_page — reuse an exclusive anon page, copy anything shared (KSM pages always). */
function do_wp_page(vma: VmAreaStruct, pte: PteEntry, unshare: boolean): VmFault {
  const folio = pte.folio;
  if (!pte.special && folio.anon && !folio.ksm && folio.order === 0 && folio.maps.length === 1 && folio.refcount === 1) {
    // wp_page_reuse (an unshare of an exclusive page has nothing to do)
    if (!unshare) {
      pte.writable = (vma.vm_flags & VM_WRITE) !== 0;
      pte.dirty = true;
    }
    return 'ok';
  }
  if (!pte.special && !folio.anon) return 'sigsegv';
  return wp_page_copy(vma, pte, unshare);
}

/** mm/memory.c: wp_page_copy — a private copy of the page (a zeroed page for the zero page). */
function wp_page_copy(vma: VmAreaStruct, pte: PteEntry, unshare: boolean): VmFault {
  const mm = vma.mm;
  const old = pte.folio;
  const content = old.zeroPage ? 0 : folioPageContent(old, pte.page);
  prepare_anon_vma(vma);
  const folio = mm.machine.allocFolio(0, content);
  folio_add_new_anon_rmap(folio, vma, pte.vpn);
  if (old.zeroPage) mm.machine.hooks.ksm_might_unmap_zero_page?.(mm, pte);
  const writable = !unshare && (vma.vm_flags & VM_WRITE) !== 0;
  replace_pte_folio(mm, pte, folio, 0, { writable, dirty: !unshare, special: false });
  folio_put(mm.machine, folio);
  return 'ok';
}

// ---- user-level access (what a process's loads and stores do) ----

/** A store to one page: fault until the PTE is writable and exclusive, then change the content. */
export function write_page(mm: MmStruct, vpn: number, content: number): VmFault {
  const vma = vma_lookup(mm, vpn);
  if (!vma || (vma.vm_flags & VM_WRITE) === 0) return 'sigsegv';
  const r = handle_mm_fault(vma, vpn, { write: true });
  if (r !== 'ok') return r;
  const found = lookupEntry(mm, vpn);
  if (!found) return 'sigsegv';
  const e = found.entry;
  if (e.kind === 'pte') setFolioPageContent(e.folio, e.page, content);
  else if (e.kind === 'pmd-leaf') setFolioPageContent(e.folio, vpn - e.vpn, content);
  else return 'sigsegv';
  return 'ok';
}

/** A load from one page: a fault on a none PTE maps the zero page. Returns the content id. */
export function read_page(mm: MmStruct, vpn: number): number | 'sigsegv' {
  const vma = vma_lookup(mm, vpn);
  if (!vma || (vma.vm_flags & VM_READ) === 0) return 'sigsegv'; // access_error
  let found = lookupEntry(mm, vpn);
  if (!found || found.entry.kind === 'swap') {
    handle_mm_fault(vma, vpn, {});
    found = lookupEntry(mm, vpn);
  }
  const e = found?.entry;
  if (e?.kind === 'pte') return folioPageContent(e.folio, e.page);
  if (e?.kind === 'pmd-leaf') return folioPageContent(e.folio, vpn - e.vpn);
  return 'sigsegv';
}

// ---- zap and copy (mm/memory.c) ----

/** mm/memory.c: unmap_page_range / zap_pte_range — drop every mapping in [start, end). */
export function zap_page_range(vma: VmAreaStruct, start: number, end: number): void {
  const mm = vma.mm;
  forEachLeaf(mm, start, end, (ptr, entry, vpn) => {
    if (ptr.table.level === PMD_LEVEL && entry.kind === 'pmd-leaf') {
      if (vpn >= start && vpn + HPAGE_PMD_NR <= end) clear_entry(mm, ptr);
      else __split_huge_pmd(mm, ptr); // visitTable descends into the new table
      return;
    }
    clear_entry(mm, ptr);
  });
}

/** mm/memory.c: copy_page_range — fork's copy: anon pages become COW-shared (both read-only). */
export function copy_page_range(dst: VmAreaStruct, src: VmAreaStruct): void {
  const srcMm = src.mm;
  const dstMm = dst.mm;
  forEachLeaf(srcMm, src.vm_start, src.vm_end, (ptr, entry, vpn) => {
    if (entry.kind === 'pmd-leaf') {
      // copy_huge_pmd
      entry.writable = false;
      const dptr = entryPointer(dstMm, vpn, PMD_LEVEL, true)!;
      const leaf: PmdLeafEntry = { ...entry, mm: dstMm };
      setEntry(dptr.table, dptr.index, leaf);
      addMapping(entry.folio, leaf);
      return;
    }
    if (ptr.table.level !== PTE_LEVEL) {
      const dptr = entryPointer(dstMm, vpn, ptr.table.level as 1, true)!;
      setEntry(dptr.table, dptr.index, entry.kind === 'table' ? undefined : { ...entry });
      return;
    }
    if (entry.kind === 'pte') {
      // copy_present_pte: a COW mapping write-protects both sides.
      if (!entry.special) entry.writable = false;
      set_pte(dstMm, vpn, entry.folio, entry.page, { writable: false, dirty: entry.dirty, special: entry.special, ksmPlacedZero: entry.ksmPlacedZero ?? false });
    } else if (entry.kind === 'swap' || entry.kind === 'migration') {
      const dptr = entryPointer(dstMm, vpn, PTE_LEVEL, true)!;
      setEntry(dptr.table, dptr.index, { ...entry });
    }
  });
}
