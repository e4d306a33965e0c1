// The per-address page lookup of scan_get_next_rmap_item, folio_walk era (mainline ~6.12 …
// 6.17; follow_page before that, same per-address cost): folio_walk_start at every address.
import { folio_get, folio_walk_range } from '../../src/ksm/variant-api.ts';
import { defineVariant } from '../types.ts';

export default defineVariant({
  id: 'folio-walk',
  axis: 'scanner',
  title: 'per-address folio_walk_start lookup',
  subject: 'mm/ksm.c scan_get_next_rmap_item: folio_walk_start() at each address (replaced by seed 004)',
  version: 'mainline ≤ 6.17',
  date: '2024-08',
  link: 'kernel/scan.md §4.4',
  reference: null,
  policy: {
    // mm/ksm.c: scan_get_next_rmap_item (folio_walk era) — the inner while loop's lookup:
    // folio_walk_start(&fw, vma, address, 0) per address; an anon, non-zone-device folio is
    // tmp_page = fw.page. The addresses that find nothing are charged in closed form.
    next_page(_ksm, vma, address) {
      const hit = folio_walk_range(vma, address, vma.vm_end, 0, (fw) => fw.folio.anon && fw.page !== null);
      if (!hit || hit.fw.page === null) return { folio: null, page: 0, address: vma.vm_end - 1 };
      folio_get(hit.fw.folio);
      return { folio: hit.fw.folio, page: hit.fw.page, address: hit.vpn };
    },
  },
});
