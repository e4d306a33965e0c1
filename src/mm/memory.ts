// The page-level half of mm: installing and removing mappings with their rmap (mm/rmap.c),
// faults and COW (mm/memory.c), zapping, fork's page-table copy, THP PMD split and folio
// split (mm/huge_memory.c). This is the model's own bookkeeping: nothing here is charged to
// the scan counters (the walkers in folio-walk.ts and pagewalk.ts are).
import { anon_vma_prepare } from './anon-vma.ts';
import { type Folio, folioNrPages, folioPageContent, type PageRef, setFolioPageContent } from './folio.ts';
import { folio_get, folio_put, type Machine } from './machine.ts';
import { entryPointer, lookupEntry, type MmStruct } from './mm.ts';
import {
  type EntryPointer,
  type MappingEntry,
  newPageTable,
  type PageTable,
  type PmdLeafEntry,
  type PtEntry,
  type PteEntry,
  setEntry,
} from './pgtable.ts';
import { ENTRY_SPAN, HPAGE_PMD_NR, PMD_LEVEL, PTE_LEVEL, tableIndex } from './units.ts';
import {
  linear_page_index,
  VM_HUGEPAGE,
  VM_NOHUGEPAGE,
  VM_WRITE,
  type VmAreaStruct,
  vma_lookup,
  vma_next,
  vma_prev,
} from './vma.ts';

// ---- rmap: installing and removing mappings ----

/** mm/rmap.c: folio_add_new_anon_rmap — a fresh anon folio gets its anon_vma and index. */
export function folio_add_new_anon_rmap(folio: Folio, vma: VmAreaStruct, vpn: number): void {
  if (!vma.anon_vma) throw new Error('folio_add_new_anon_rmap: VMA has no anon_vma');
  folio.anon = true;
  folio.mapping = { kind: 'anon', anonVma: vma.anon_vma };
  folio.index = linear_page_index(vma, vpn);
}

/** Record a mapping in the ground truth; each mapping holds one folio reference. */
function addMapping(folio: Folio, entry: MappingEntry): void {
  if (folio.zeroPage) return;
  folio.maps.push(entry);
  folio_get(folio);
}

/** mm/rmap.c: folio_remove_rmap_pte / folio_remove_rmap_pmd, then the mapping's reference goes. */
function removeMapping(machine: Machine, folio: Folio, entry: MappingEntry): void {
  if (folio.zeroPage) return;
  const i = folio.maps.indexOf(entry);
  if (i < 0) throw new Error(`rmap: pfn ${folio.pfn} not mapped by this entry`);
  folio.maps.splice(i, 1);
  folio_put(machine, folio);
}

/** set_pte_at for a present PTE that maps `page` of `folio`. */
export function set_pte(
  mm: MmStruct,
  vpn: number,
  folio: Folio,
  page: number,
  bits: { writable: boolean; dirty: boolean; special?: boolean },
): PteEntry {
  const ptr = entryPointer(mm, vpn, PTE_LEVEL, true);
  if (!ptr) throw new Error(`set_pte: a PMD leaf covers page ${vpn}`);
  if (ptr.table.entries[ptr.index] !== undefined) throw new Error(`set_pte: page ${vpn} already mapped`);
  const pte: PteEntry = {
    kind: 'pte',
    folio,
    page,
    writable: bits.writable,
    dirty: bits.dirty,
    special: bits.special ?? folio.zeroPage,
    mm,
    vpn,
  };
  setEntry(ptr.table, ptr.index, pte);
  addMapping(folio, pte);
  return pte;
}

/** Clear one present or not-present leaf entry, dropping its rmap (mm/memory.c: zap_present_pte). */
export function clear_entry(mm: MmStruct, ptr: EntryPointer): void {
  const entry = ptr.table.entries[ptr.index];
  if (entry === undefined || entry.kind === 'table') return;
  setEntry(ptr.table, ptr.index, undefined);
  if (entry.kind === 'pte' || entry.kind === 'pmd-leaf') {
    if (entry.kind === 'pte' && entry.folio.zeroPage) mm.machine.hooks.ksm_might_unmap_zero_page?.(mm, entry);
    removeMapping(mm.machine, entry.folio, entry);
  }
}

/** Swap the folio a present PTE maps (the core of replace_page and wp_page_copy). */
export function replace_pte_folio(
  mm: MmStruct,
  pte: PteEntry,
  folio: Folio,
  page: number,
  bits: { writable: boolean; dirty: boolean; special: boolean },
): void {
  const old = pte.folio;
  pte.folio = folio;
  pte.page = page;
  pte.ksmPlacedZero = false;
  pte.writable = bits.writable;
  pte.dirty = bits.dirty;
  pte.special = bits.special;
  addMapping(folio, pte);
  removeMapping(mm.machine, old, pte);
}

// ---- visiting the populated part of a range (proportional to populated tables) ----

export type LeafVisitor = (ptr: EntryPointer, entry: PtEntry, vpn: number) => void;

/** Visit every non-none leaf entry (PTE level, or a PMD leaf / non-present PMD) in [start, end). */
export function forEachLeaf(mm: MmStruct, start: number, end: number, visit: LeafVisitor): void {
  visitTable(mm.pgd, start, end, visit);
}

function visitTable(table: PageTable, start: number, end: number, visit: LeafVisitor): void {
  const span = ENTRY_SPAN[table.level]!;
  const stop = Math.min(end, table.base + span * 512);
  for (let slot = Math.max(start - (start % span), table.base); slot < stop; slot += span) {
    const index = tableIndex(slot, table.level);
    let entry = table.entries[index];
    if (entry === undefined) continue;
    if (entry.kind !== 'table') {
      visit({ table, index }, entry, slot);
      entry = table.entries[index];
      if (entry === undefined || entry.kind !== 'table') continue;
    }
    visitTable(entry.table, Math.max(start, slot), Math.min(end, slot + span), visit);
  }
}

// ---- THP ----

/** The PMD-aligned range that a THP at `vpn` would cover, if the VMA may hold one there. */
export function thpRangeFor(vma: VmAreaStruct, vpn: number): number | null {
  if ((vma.vm_flags & VM_HUGEPAGE) === 0 || (vma.vm_flags & VM_NOHUGEPAGE) !== 0) return null;
  const base = vpn - (vpn % HPAGE_PMD_NR);
  return base >= vma.vm_start && base + HPAGE_PMD_NR <= vma.vm_end ? base : null;
}

/** mm/huge_memory.c: __split_huge_pmd — a PMD-mapped THP becomes 512 PTEs of the same folio. */
export function __split_huge_pmd(mm: MmStruct, ptr: EntryPointer): void {
  const leaf = ptr.table.entries[ptr.index];
  if (leaf === undefined || leaf.kind !== 'pmd-leaf') return;
  const base = leaf.vpn;
  const ptes = newPageTable(PTE_LEVEL, base);
  setEntry(ptr.table, ptr.index, { kind: 'table', table: ptes });
  const folio = leaf.folio;
  for (let i = 0; i < HPAGE_PMD_NR; i++) {
    const pte: PteEntry = {
      kind: 'pte',
      folio,
      page: i,
      writable: leaf.writable,
      dirty: leaf.dirty,
      special: leaf.special,
      mm,
      vpn: base + i,
    };
    setEntry(ptes, i, pte);
    addMapping(folio, pte);
  }
  removeMapping(mm.machine, folio, leaf);
}

/**
 * mm/huge_memory.c: split_huge_page — a THP becomes 512 base folios, each mapped where its
 * page was. Refuses (returns null) when references other than the mappings and the caller's
 * one exist. The caller's reference moves to the folio of page `callerPage`.
 */
export function split_folio(mm: MmStruct, page: PageRef): Folio[] | null {
  const folio = page.folio;
  const callerPage = page.index;
  if (folio.order === 0) return [folio];
  const extra = folio.refcount - folio.maps.length;
  if (extra !== 1) return null;
  for (const m of [...folio.maps]) {
    if (m.kind === 'pmd-leaf') {
      const ptr = entryPointer(m.mm, m.vpn, PMD_LEVEL, false);
      if (ptr) __split_huge_pmd(m.mm, ptr);
    }
  }
  const machine = mm.machine;
  const parts: Folio[] = [];
  for (let i = 0; i < folioNrPages(folio); i++) {
    const part = machine.allocFolio(0, folioPageContent(folio, i));
    part.refcount = 0;
    part.anon = folio.anon;
    part.mapping = folio.mapping;
    part.index = folio.index + i;
    parts.push(part);
  }
  for (const m of [...folio.maps]) {
    if (m.kind !== 'pte') continue;
    const part = parts[m.page]!;
    m.folio = part;
    m.page = 0;
    part.maps.push(m);
    part.refcount++;
  }
  parts[callerPage]!.refcount++;
  folio.maps.length = 0;
  folio.refcount = 0;
  machine.freeFolio(folio);
  page.folio = parts[callerPage]!;
  page.index = 0;
  return parts;
}

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
  if (!vma) return 'sigsegv';
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
      set_pte(dstMm, vpn, entry.folio, entry.page, { writable: false, dirty: entry.dirty, special: entry.special });
    } else if (entry.kind === 'swap' || entry.kind === 'migration') {
      const dptr = entryPointer(dstMm, vpn, PTE_LEVEL, true)!;
      setEntry(dptr.table, dptr.index, { ...entry });
    }
  });
}
