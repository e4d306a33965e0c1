// Test support: a pmd_entry that scans PTEs for the first present normal page, the shape of
// mm/ksm.c ksm_next_page_pmd_entry, to measure walk_page_range_vma on its own.
import type { MmWalkOps } from '../../src/mm/pagewalk.ts';
import { pte_offset_map_lock, ptep_get } from '../../src/mm/pagewalk.ts';

export interface FoundPage {
  vpn: number;
}

export const firstPresentPageOps: MmWalkOps<FoundPage> = {
  walk_lock: 'rdlock',
  pmd_entry(pmd, addr, end, walk) {
    const e = pmd.table.entries[pmd.index];
    if (e?.kind === 'pmd-leaf') {
      if (e.special) return 0;
      walk.private.vpn = addr;
      return 1;
    }
    const ptep = pte_offset_map_lock(walk, pmd, addr);
    if (!ptep) return 0;
    for (; addr < end; ptep.index++, addr++) {
      const pte = ptep_get(ptep);
      if (pte?.kind !== 'pte' || pte.special) continue;
      walk.private.vpn = addr;
      return 1;
    }
    return 0;
  },
};
