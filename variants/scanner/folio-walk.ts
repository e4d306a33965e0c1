// The per-address page lookup of scan_get_next_rmap_item, folio_walk era (mainline ~6.12 …
// 6.17; follow_page before that, same per-address cost): folio_walk_start at every address.
import { folio_get, folio_walk_range, newFolioWalk, scan_lookup } from '../../src/ksm/variant-api.ts';
import { defineVariant } from '../types.ts';

/** The lookup's struct folio_walk (on scan_get_next_rmap_item's stack in C). */
const fw = newFolioWalk();

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
    next_page(ksm, vma, address) {
      const folios = ksm.machine.folios;
      const hit = folio_walk_range(fw, vma, address, vma.vm_end, 0, (f) => folios.anon(f.folio) && f.page !== null);
      if (hit < 0 || fw.page === null) return scan_lookup(null, 0, vma.vm_end - 1);
      folio_get(ksm.machine, fw.folio);
      return scan_lookup(fw.folio, fw.page, hit);
    },
  },
});
