// Installing and removing mappings with their rmap and the ground truth (mm/rmap.c,
// mm/memory.c set_pte_at / zap_present_pte). Each mapping holds one folio reference; the
// folio's `maps` list is the ground truth the oracle compares rmap walks with.
import type { Folio } from './folio.ts';
import { folio_get, folio_put, type Machine } from './machine.ts';
import { entryPointer, type MmStruct } from './mm.ts';
import { type EntryPointer, type MappingEntry, type PteEntry, setEntry } from './pgtable.ts';
import { PTE_LEVEL } from './units.ts';
import type { VmAreaStruct } from './vma.ts';

/** mm/rmap.c: folio_add_new_anon_rmap — a fresh anon folio gets its anon_vma and index. */
export function folio_add_new_anon_rmap(folio: Folio, vma: VmAreaStruct, vpn: number): void {
  if (!vma.anon_vma) throw new Error('folio_add_new_anon_rmap: VMA has no anon_vma');
  folio.anon = true;
  folio.mapping = { kind: 'anon', anonVma: vma.anon_vma };
  folio.index = vpn - vma.vm_start + vma.vm_pgoff; // linear_page_index(vma, vpn)
}

/** Record a mapping in the ground truth; each mapping holds one folio reference. */
export function addMapping(folio: Folio, entry: MappingEntry): void {
  if (folio.zeroPage) return;
  folio.maps.push(entry);
  folio_get(folio);
}

/** mm/rmap.c: folio_remove_rmap_pte / folio_remove_rmap_pmd, then the mapping's reference goes. */
export function removeMapping(machine: Machine, folio: Folio, entry: MappingEntry): void {
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
  bits: { writable: boolean; dirty: boolean; special?: boolean; ksmPlacedZero?: boolean },
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
    ...(bits.ksmPlacedZero ? { ksmPlacedZero: true } : {}),
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

