// The single-address page-table lookups of KSM's merge path, charged as the C reads and locks:
// mm/page_vma_mapped.c page_vma_mapped_walk for one small folio (write_protect_page) and
// mm/rmap.c mm_find_pmd with replace_page's PMD and PTE steps.
import type { Folio } from './folio.ts';
import type { MmStruct } from './mm.ts';
import { chargeLocks, chargeReads, type EntryPointer, NULL_PTR, type PageTable, PT_MIGRATION, PT_PMD_LEAF, PT_PTE, PT_TABLE, type PtePointer } from './pgtable.ts';
import { PMD_LEVEL, PTE_LEVEL, PTRS_PER_TABLE, type TableLevel, tableIndex } from './units.ts';

/**
 * mm/rmap.c: mm_find_pmd — the PMD entry for vpn: pgd_present, p4d_present (folded with 4
 * levels: no read), pud_present, each read charged; NULL_PTR when one is not present. The PMD
 * entry itself is not read (pmd_offset).
 */
export function mm_find_pmd(mm: MmStruct, vpn: number): EntryPointer {
  const machine = mm.machine;
  const pt = machine.pt;
  let table: PageTable = mm.pgd;
  for (;;) {
    const level = pt.level[table]! as TableLevel;
    const p = table * PTRS_PER_TABLE + tableIndex(vpn, level);
    if (level === PMD_LEVEL) return p;
    chargeReads(machine, level, 1);
    if (pt.kind[p] !== PT_TABLE) return NULL_PTR;
    table = pt.val[p]!;
  }
}

/**
 * mm/page_vma_mapped.c: page_vma_mapped_walk for a small folio at one address (pvmw.flags 0,
 * as write_protect_page sets it): the upper levels as mm_find_pmd, pmdp_get_lockless (read);
 * a PMD leaf or migration PMD takes pmd_lock and fails check_pmd (a small folio is never PMD-
 * mapped); a PTE table: map_pte reads the PTE (ptep_get_lockless) and takes the PTE lock only
 * if it is present; check_pte: does it map this page of this folio. Returns the PTE or NULL_PTR.
 */
export function page_vma_mapped_walk_one(mm: MmStruct, vpn: number, folio: Folio, page: number): PtePointer {
  const machine = mm.machine;
  const pt = machine.pt;
  const pmd = mm_find_pmd(mm, vpn);
  if (pmd === NULL_PTR) return NULL_PTR; // step_forward past the hole: address >= end
  chargeReads(machine, PMD_LEVEL, 1); // pmde = pmdp_get_lockless(pvmw->pmd)
  const kind = pt.kind[pmd]!;
  if (kind === PT_PMD_LEAF || kind === PT_MIGRATION) {
    chargeLocks(machine, 1); // pvmw->ptl = pmd_lock(mm, pvmw->pmd)
    return NULL_PTR; // check_pmd fails: not_found
  }
  if (kind !== PT_TABLE) return NULL_PTR; // !pmd_present: step_forward
  const pte = pt.val[pmd]! * PTRS_PER_TABLE + tableIndex(vpn, PTE_LEVEL);
  chargeReads(machine, PTE_LEVEL, 1); // map_pte: ptent = ptep_get_lockless(pvmw->pte)
  if (pt.kind[pte] !== PT_PTE) return NULL_PTR; // pte_none, or a swap entry that is no device page
  chargeLocks(machine, 1); // spin_lock(*ptlp)
  if (pt.val[pte] !== folio || pt.page[pte] !== page) return NULL_PTR; // check_pte: another pfn
  return pte;
}

/**
 * mm/ksm.c: replace_page's lookup — pmd = mm_find_pmd(mm, addr); pmde = pmdp_get_lockless(pmd)
 * (read), out unless present and not THP; ptep = pte_offset_map_lock (the lock, its PMD re-read
 * not charged again); ptep_get(ptep) (read). Returns the PTE pointer or NULL_PTR (goto out).
 */
export function replace_page_ptep(mm: MmStruct, vpn: number): PtePointer {
  const machine = mm.machine;
  const pt = machine.pt;
  const pmd = mm_find_pmd(mm, vpn);
  if (pmd === NULL_PTR) return NULL_PTR;
  chargeReads(machine, PMD_LEVEL, 1);
  if (pt.kind[pmd] !== PT_TABLE) return NULL_PTR; // !pmd_present(pmde) || pmd_trans_huge(pmde)
  chargeLocks(machine, 1); // pte_offset_map_lock
  const pte = pt.val[pmd]! * PTRS_PER_TABLE + tableIndex(vpn, PTE_LEVEL);
  chargeReads(machine, PTE_LEVEL, 1); // ptep_get(ptep)
  return pte;
}
