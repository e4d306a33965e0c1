// Transparent huge pages (mm/huge_memory.c): where a THP may be faulted in, splitting a
// PMD mapping into PTEs, splitting the folio itself, and the split a VMA boundary forces.
import { type Folio, folioNrPages, folioPageContent, type PageRef } from './folio.ts';
import { entryPointer, type MmStruct } from './mm.ts';
import { type EntryPointer, newPageTable, type PteEntry, setEntry } from './pgtable.ts';
import { addMapping, removeMapping } from './rmap.ts';
import { HPAGE_PMD_NR, PMD_LEVEL, PTE_LEVEL } from './units.ts';
import { VM_HUGEPAGE, VM_NOHUGEPAGE } from './vm-flags.ts';
import type { VmAreaStruct } from './vma.ts';

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
  // __split_huge_page: a part nothing maps or holds goes straight back to the allocator
  for (const part of parts) if (part.refcount === 0) machine.freeFolio(part);
  folio.maps.length = 0;
  folio.refcount = 0;
  machine.freeFolio(folio);
  page.folio = parts[callerPage]!;
  page.index = 0;
  return parts;
}


/**
 * mm/huge_memory.c: split_huge_pmd_address (as vma_adjust_trans_huge calls it) — a VMA
 * boundary at `vpn` that is not 2 MiB aligned cannot cut through a PMD mapping: split it.
 */
export function split_huge_pmd_address(mm: MmStruct, vpn: number): void {
  if (vpn % HPAGE_PMD_NR === 0) return;
  const ptr = entryPointer(mm, vpn, PMD_LEVEL, false);
  if (ptr?.table.entries[ptr.index]?.kind === 'pmd-leaf') __split_huge_pmd(mm, ptr);
}
