// Page contents as KSM sees them: calc_checksum, memcmp_pages, pages_identical (mm/ksm.c,
// include/linux/mm.h). A page's content is a content id; ids are ordered numerically, which
// gives the trees the total order memcmp gives the kernel's.
import type { Counters } from '../mm/counters.ts';
import { folioPageContent, type PageRef } from '../mm/folio.ts';

/** The content id of a page. */
export function pageContent(page: PageRef): number {
  return page.folio.zeroPage ? 0 : folioPageContent(page.folio, page.index);
}

/**
 * The u32 checksum of a content id: a fixed integer mix standing for xxhash(page, 4096, 0).
 * Equal contents give equal checksums; what matters to KSM is only whether it changed.
 */
export function checksumOfContent(content: number): number {
  let h = Math.imul((content % 2 ** 32) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.floor(content / 2 ** 32);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mm/ksm.c: calc_checksum */
export function calc_checksum(counters: Counters, page: PageRef): number {
  counters.checksums++;
  return checksumOfContent(pageContent(page));
}

/** zero_checksum: the checksum of ZERO_PAGE(0), computed once at init. */
export const zero_checksum = checksumOfContent(0);

/** include/linux/mm.h: memcmp_pages — <0, 0 or >0. */
export function memcmp_pages(counters: Counters, a: PageRef, b: PageRef): number {
  counters.memcmps++;
  const x = pageContent(a);
  const y = pageContent(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** include/linux/mm.h: pages_identical */
export function pages_identical(counters: Counters, a: PageRef, b: PageRef): boolean {
  return memcmp_pages(counters, a, b) === 0;
}
