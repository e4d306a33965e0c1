// Test support: a pmd_entry that scans PTEs for the first present normal page, the shape of
// mm/ksm.c ksm_next_page_pmd_entry, to measure walk_page_range_vma on its own.
import type { MmWalkOps } from '../../src/mm/pagewalk.ts';
import { pmd_trans_huge, pte_offset_map_lock, pte_present, pte_special, ptep_get } from '../../src/mm/pagewalk.ts';
import { NULL_PTR } from '../../src/mm/pgtable.ts';

export interface FoundPage {
  vpn: number;
}

export const firstPresentPageOps: MmWalkOps<FoundPage> = {
  walk_lock: 'rdlock',
  pmd_entry(pmd, addr, end, walk) {
    const pt = walk.mm.machine.pt;
    if (pmd_trans_huge(pt, pmd)) {
      if (pte_special(pt, pmd)) return 0;
      walk.private.vpn = addr;
      return 1;
    }
    let ptep = pte_offset_map_lock(walk, pmd, addr);
    if (ptep === NULL_PTR) return 0;
    for (; addr < end; ptep++, addr++) {
      const pte = ptep_get(walk, ptep);
      if (!pte_present(pt, pte) || pte_special(pt, pte)) continue;
      walk.private.vpn = addr;
      return 1;
    }
    return 0;
  },
};
