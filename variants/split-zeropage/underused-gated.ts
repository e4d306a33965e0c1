// Nico Pache, "MM: Tighten control over zero-page remapping" v1 3/3 (9 Jun 2026):
// "mm/huge_memory.c: Skip zero-page remapping when underused THP shrinker is disabled" — the
// split sets TTU_USE_SHARED_ZEROPAGE only while split_underused_thp
// (/sys/kernel/mm/transparent_hugepage/shrink_underused) is on (mm/huge_memory.c, 1 line;
// implemented from the cover letter and diffstat, the diff itself was not in the stored copy).
import { defineVariant } from '../types.ts';

export default defineVariant({
  id: 'underused-gated',
  axis: 'split-zeropage',
  title: 'zero-page remap on split only while the underused-THP shrinker is enabled',
  subject: 'mm/huge_memory.c: Skip zero-page remapping when underused THP shrinker is disabled',
  version: 'v1 3/3',
  date: '2026-06-09',
  link: 'https://lkml.iu.edu/2606.1/03803.html (cover letter, v1 0/3)',
  reference: 'remap',
  policy: {
    // if (!ret && is_anon && !folio_is_device_private(folio) && split_underused_thp) ttu_flags = TTU_USE_SHARED_ZEROPAGE;
    use_shared_zeropage: (machine) => machine.thp.shrink_underused,
  },
});
