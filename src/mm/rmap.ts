// Installing and removing mappings with their rmap and the ground truth (mm/rmap.c,
// mm/memory.c set_pte_at / zap_present_pte). Each mapping holds one folio reference; the
// folio's mapping list is the ground truth the oracle compares rmap walks with.
import { FOLIO_ANON, type Folio } from './folio.ts';
import { folio_get, folio_put, type Machine } from './machine.ts';
import { entryPointer, type MmStruct } from './mm.ts';
import { type EntryPointer, isMappingKind, NULL_PTR, PT_NONE, PT_PTE, PT_TABLE, PTE_DIRTY, PTE_KSM_PLACED_ZERO, PTE_SPECIAL, PTE_WRITE } from './pgtable.ts';
import { PTE_LEVEL } from './units.ts';
import type { VmAreaStruct } from './vma.ts';

/**
 * mm/rmap.c: folio_add_new_anon_rmap(…, RMAP_EXCLUSIVE) — a fresh anon folio gets its anon_vma
 * and index, and its first page PageAnonExclusive (a small folio's one page; a PMD-mappable
 * THP's head, 7.3.4 / 7.2.13 mm/rmap.c:1661-1693). Every caller in the model maps a folio it
 * just allocated, so every call is exclusive.
 */
export function folio_add_new_anon_rmap(machine: Machine, folio: Folio, vma: VmAreaStruct, vpn: number): void {
  if (!vma.anon_vma) throw new Error('folio_add_new_anon_rmap: VMA has no anon_vma');
  const folios = machine.folios;
  folios.setFlag(folio, FOLIO_ANON, true);
  folios.mapping[folio] = vma.anon_vma;
  folios.index[folio] = vpn - vma.vm_start + vma.vm_pgoff; // linear_page_index(vma, vpn)
  folios.setPageAnonExclusive(folio, 0, true); // mm/rmap.c: folio_add_new_anon_rmap — if (exclusive) SetPageAnonExclusive(&folio->page)
}

/** Record a mapping in the ground truth; each mapping holds one folio reference. */
export function addMapping(machine: Machine, folio: Folio, p: EntryPointer): void {
  if (machine.folios.zeroPage(folio)) return;
  machine.folios.linkMapping(machine.pt, folio, p);
  folio_get(machine, folio);
}

/** mm/rmap.c: folio_remove_rmap_pte / folio_remove_rmap_pmd, then the mapping's reference goes. */
export function removeMapping(machine: Machine, folio: Folio, p: EntryPointer): void {
  if (machine.folios.zeroPage(folio)) return;
  machine.folios.unlinkMapping(machine.pt, folio, p);
  folio_put(machine, folio);
}

/** The entry bits of a present PTE. */
export interface PteBits {
  readonly writable: boolean;
  readonly dirty: boolean;
  readonly special?: boolean;
  readonly ksmPlacedZero?: boolean;
}

/** Pack PTE bits. */
export function pteBits(writable: boolean, dirty: boolean, special: boolean, ksmPlacedZero = false): number {
  return (writable ? PTE_WRITE : 0) | (dirty ? PTE_DIRTY : 0) | (special ? PTE_SPECIAL : 0) | (ksmPlacedZero ? PTE_KSM_PLACED_ZERO : 0);
}

/** set_pte_at for a present PTE that maps `page` of `folio`. Returns the PTE pointer. */
export function set_pte(mm: MmStruct, vpn: number, folio: Folio, page: number, bits: PteBits): EntryPointer {
  const p = entryPointer(mm, vpn, PTE_LEVEL, true);
  if (p === NULL_PTR) throw new Error(`set_pte: a PMD leaf covers page ${vpn}`);
  return set_pte_at(mm, p, folio, page, bits);
}

/** include/linux/pgtable.h: set_pte_at through a PTE pointer the caller holds (vmf->pte). */
export function set_pte_at(mm: MmStruct, p: EntryPointer, folio: Folio, page: number, bits: PteBits): EntryPointer {
  const machine = mm.machine;
  const pt = machine.pt;
  if (pt.kind[p] !== PT_NONE) throw new Error(`set_pte: page ${pt.vpnOf(p)} already mapped`);
  const special = bits.special ?? machine.folios.zeroPage(folio);
  pt.set(p, PT_PTE, folio, page, pteBits(bits.writable, bits.dirty, special, bits.ksmPlacedZero ?? false));
  addMapping(machine, folio, p);
  return p;
}

/** Clear one present or not-present leaf entry, dropping its rmap (mm/memory.c: zap_present_pte). */
export function clear_entry(mm: MmStruct, p: EntryPointer): void {
  const machine = mm.machine;
  const pt = machine.pt;
  const kind = pt.kind[p]!;
  if (kind === PT_NONE || kind === PT_TABLE) return;
  const folio = pt.val[p]!;
  if (isMappingKind(kind)) {
    if (kind === PT_PTE && machine.folios.zeroPage(folio)) machine.hooks.ksm_might_unmap_zero_page?.(mm, p);
    removeMapping(machine, folio, p);
  }
  pt.clear(p);
}

/** Swap the folio a present PTE maps (the core of replace_page and wp_page_copy). */
export function replace_pte_folio(mm: MmStruct, p: EntryPointer, folio: Folio, page: number, bits: PteBits): void {
  const machine = mm.machine;
  const pt = machine.pt;
  const old = pt.val[p]!;
  if (!machine.folios.zeroPage(old)) machine.folios.unlinkMapping(pt, old, p);
  pt.set(p, PT_PTE, folio, page, pteBits(bits.writable, bits.dirty, bits.special ?? false));
  addMapping(machine, folio, p);
  if (!machine.folios.zeroPage(old)) folio_put(machine, old);
}
