// Seed 001 (xu xin, v9 1/5, May 2023; v6.5+): the PTE of a KSM-placed zero page is marked
// dirty, so break_ksm unshares it and ksm_zero_pages counts it.
import { entry_folio, pte_dirty, pte_present } from '../../src/ksm/variant-api.ts';
import { defineVariant } from '../types.ts';

export default defineVariant({
  id: 'marked',
  axis: 'zero-pages',
  title: 'KSM-placed zero pages marked with the dirty bit',
  subject: 'ksm: support unsharing KSM-placed zero pages',
  version: 'v9 1/5 (with 4/5: count all zero pages placed by KSM)',
  date: '2023-05-24',
  link: 'seeds/ksm-unshare-zero-pages-v9.txt (seed 001)',
  reference: null,
  policy: {
    // replace_page: newpte = pte_mkdirty(pte_mkspecial(pfn_pte(zero_pfn)))
    ksm_zero_pte_dirty: true,
    // include/linux/ksm.h: #define is_ksm_zero_pte(pte) (is_zero_pfn(pte_pfn(pte)) && pte_dirty(pte))
    // is_zero_pfn(pte_pfn(pte)) && pte_dirty(pte)
    is_ksm_zero_pte: (ksm, pte) => {
      const pt = ksm.machine.pt;
      return pte_present(pt, pte) && ksm.machine.folios.zeroPage(entry_folio(pt, pte)) && pte_dirty(pt, pte);
    },
    counts_zero_pages: true,
  },
});
