// b1f202060afe "mm: remap unused subpages to shared zeropage when splitting isolated thp"
// (Yu Zhao / Usama Arif, Aug 2024; v6.12): every successful split of an anon large folio
// passes RMP_USE_SHARED_ZEROPAGE (6.12) / TTU_USE_SHARED_ZEROPAGE (7.x) to remap_page, so
// remove_migration_pte maps each zero-filled order-0 subpage to the shared zero page and frees it.
import { defineVariant } from '../types.ts';

export default defineVariant({
  id: 'remap',
  axis: 'split-zeropage',
  title: 'a THP split remaps zero-filled subpages to the shared zero page',
  subject: 'mm: remap unused subpages to shared zeropage when splitting isolated thp',
  version: 'v5 1/5 (upstream b1f202060afe, v6.12)',
  date: '2024-08-30',
  link: 'b1f202060afe; 6.12.118 mm/huge_memory.c:3403, mm/migrate.c:241-277; 7.3.4 mm/huge_memory.c:4290-4293, mm/migrate.c:299-341',
  reference: null,
  policy: {
    // __folio_split: if (!ret && is_anon && !folio_is_device_private(folio)) ttu_flags = TTU_USE_SHARED_ZEROPAGE;
    use_shared_zeropage: () => true,
  },
});
