// Before seed 001 (≤ 6.4): KSM maps the zero page with a clean special PTE, indistinguishable
// from a read-fault zero page: unmerge cannot find it and nothing counts it.
import { defineVariant } from '../types.ts';

export default defineVariant({
  id: 'legacy',
  axis: 'zero-pages',
  title: 'KSM-placed zero pages unmarked',
  subject: 'mm/ksm.c replace_page: pte_mkspecial(pfn_pte(zero_pfn)) (no mark, no count)',
  version: 'mainline ≤ 6.4',
  date: '2017-02',
  link: 'kernel/scan.md §7.3',
  reference: null,
  knownWrong: 'MADV_UNMERGEABLE and run=2 leave KSM-placed zero pages mapped (against the MADV_UNMERGEABLE documentation) and they cannot be counted',
  policy: {
    ksm_zero_pte_dirty: false,
    is_ksm_zero_pte: () => false,
    counts_zero_pages: false,
  },
});
