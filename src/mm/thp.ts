// Transparent huge pages (mm/huge_memory.c): where a THP may be faulted in, splitting a
// PMD mapping into PTEs, splitting the folio itself, and the split a VMA boundary forces.
import type { Folio, PageRef } from './folio.ts';
import { entryPointer, type MmStruct } from './mm.ts';
import { type EntryPointer, NULL_PTR, PT_PMD_LEAF, PT_PTE, PT_TABLE } from './pgtable.ts';
import { folio_put } from './machine.ts';
import { addMapping } from './rmap.ts';
import { HPAGE_PMD_NR, PMD_LEVEL, PTRS_PER_TABLE } from './units.ts';
import { VM_HUGEPAGE, VM_NOHUGEPAGE } from './vm-flags.ts';
import type { VmAreaStruct } from './vma.ts';

/** The PMD-aligned range that a THP at `vpn` would cover, if the VMA may hold one there. */
export function thpRangeFor(vma: VmAreaStruct, vpn: number): number | null {
  if ((vma.vm_flags & VM_HUGEPAGE) === 0 || (vma.vm_flags & VM_NOHUGEPAGE) !== 0) return null;
  const base = vpn - (vpn % HPAGE_PMD_NR);
  return base >= vma.vm_start && base + HPAGE_PMD_NR <= vma.vm_end ? base : null;
}

/** mm/huge_memory.c: __split_huge_pmd — a PMD-mapped THP becomes 512 PTEs of the same folio. */
export function __split_huge_pmd(mm: MmStruct, pmd: EntryPointer): void {
  const machine = mm.machine;
  const pt = machine.pt;
  if (pt.kind[pmd] !== PT_PMD_LEAF) return;
  const base = pt.vpnOf(pmd);
  const folio = pt.val[pmd]!;
  const bits = pt.bits[pmd]!;
  const ptes = pt.alloc(0, base, mm.id);
  // the leaf's mapping leaves the list before the PMD entry becomes a table pointer
  machine.folios.unlinkMapping(pt, folio, pmd);
  pt.set(pmd, PT_TABLE, ptes, 0, 0);
  for (let i = 0; i < HPAGE_PMD_NR; i++) {
    const p = ptes * PTRS_PER_TABLE + i;
    pt.set(p, PT_PTE, folio, i, bits);
    addMapping(machine, folio, p);
  }
  folio_put(machine, folio); // the leaf's mapping reference (removeMapping without the list entry, unlinked above)
}

/**
 * mm/huge_memory.c: split_huge_page — a THP becomes 512 base folios, each mapped where its
 * page was. Refuses (returns null) when references other than the mappings and the caller's
 * one exist. The caller's reference moves to the folio of page `callerPage`.
 */
export function split_folio(mm: MmStruct, page: PageRef): Folio[] | null {
  const machine = mm.machine;
  const pt = machine.pt;
  const folios = machine.folios;
  const folio = page.folio;
  const callerPage = page.index;
  if (folios.order[folio] === 0) return [folio];
  const extra = folios.refcount[folio]! - folios.mapcount[folio]!;
  if (extra !== 1) return null;
  for (const m of folios.mappings(pt, folio)) {
    if (pt.kind[m] === PT_PMD_LEAF) {
      const owner = machine.mmById[pt.mmIdOf(m)]!;
      const ptr = entryPointer(owner, pt.vpnOf(m), PMD_LEVEL, false);
      if (ptr !== NULL_PTR) __split_huge_pmd(owner, ptr);
    }
  }
  const parts: Folio[] = [];
  for (let i = 0; i < folios.nrPages(folio); i++) {
    const part = machine.allocFolio(0, folios.pageContent(folio, i));
    folios.refcount[part] = 0;
    folios.flags[part] = folios.flags[folio]!; // anon (a THP is never KSM)
    folios.mapping[part] = folios.mapping[folio] ?? null;
    folios.index[part] = folios.index[folio]! + i;
    parts.push(part);
  }
  for (const m of folios.mappings(pt, folio)) {
    if (pt.kind[m] !== PT_PTE) continue;
    const part = parts[pt.page[m]!]!;
    folios.unlinkMapping(pt, folio, m);
    pt.val[m] = part;
    pt.page[m] = 0;
    folios.linkMapping(pt, part, m);
    folios.refcount[part] = folios.refcount[part]! + 1;
  }
  folios.refcount[parts[callerPage]!] = folios.refcount[parts[callerPage]!]! + 1;
  // __split_huge_page: a part nothing maps or holds goes straight back to the allocator
  for (const part of parts) if (folios.refcount[part] === 0) machine.freeFolio(part);
  folios.refcount[folio] = 0;
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
  if (ptr !== NULL_PTR && mm.machine.pt.kind[ptr] === PT_PMD_LEAF) __split_huge_pmd(mm, ptr);
}
