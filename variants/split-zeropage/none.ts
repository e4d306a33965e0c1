// Before b1f202060afe (≤ 6.11; read in 6.1.192): a THP split leaves every subpage mapped by its
// own PTE, zero-filled or not — no try_to_map_unused_to_zeropage, no RMP_USE_SHARED_ZEROPAGE.
import { defineVariant } from '../types.ts';

export default defineVariant({
  id: 'none',
  axis: 'split-zeropage',
  title: 'a THP split keeps zero-filled subpages',
  subject: 'mm/huge_memory.c __split_huge_page: remap_page(folio, nr) without RMP_USE_SHARED_ZEROPAGE',
  version: 'mainline ≤ 6.11',
  date: '2024-08',
  link: '6.1.192 mm/huge_memory.c (no try_to_map_unused_to_zeropage anywhere in mm/)',
  reference: null,
  policy: {
    use_shared_zeropage: () => false,
  },
});
