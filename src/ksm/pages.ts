// Page contents as KSM sees them: calc_checksum, memcmp_pages, pages_identical (mm/ksm.c,
// include/linux/mm.h). A page's content is a content id; ids are ordered numerically, which
// gives the trees the total order memcmp gives the kernel's.
import type { PageRef } from '../mm/folio.ts';
import type { Machine } from '../mm/machine.ts';
import { PAGE_SIZE } from '../mm/units.ts';

/** The content id of page `index` of `folio`. */
export function pageContentOf(machine: Machine, folio: number, index: number): number {
  const folios = machine.folios;
  return folios.zeroPage(folio) ? 0 : folios.pageContent(folio, index);
}

/** The content id of a page. */
export function pageContent(machine: Machine, page: PageRef): number {
  return pageContentOf(machine, page.folio, page.index);
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
export function calc_checksum(machine: Machine, page: PageRef): number {
  machine.counters.checksums++;
  return checksumOfContent(pageContent(machine, page));
}

/** zero_checksum: the checksum of ZERO_PAGE(0), computed once at init. */
export const zero_checksum = checksumOfContent(0);

/**
 * The bytes memcmp compares of two pages of contents x and y up to and including the first
 * that differs (PAGE_SIZE when equal), in the layout the live driver writes (content id
 * big-endian in every 8 bytes; 0 is all zeroes): the first difference is in the first word.
 */
export function memcmpBytesOfContents(x: number, y: number): number {
  if (x === y) return PAGE_SIZE;
  const hi = (Math.floor(x / 2 ** 32) ^ Math.floor(y / 2 ** 32)) >>> 0;
  const lo = ((x >>> 0) ^ (y >>> 0)) >>> 0;
  const zeroBits = hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
  return (zeroBits >>> 3) + 1;
}

/** include/linux/mm.h: memcmp_pages — <0, 0 or >0 (each page given as folio and page index). */
export function memcmp_pages(machine: Machine, folio1: number, index1: number, folio2: number, index2: number): number {
  const x = pageContentOf(machine, folio1, index1);
  const y = pageContentOf(machine, folio2, index2);
  machine.counters.memcmps++;
  machine.counters.memcmp_bytes += memcmpBytesOfContents(x, y);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** include/linux/mm.h: pages_identical */
export function pages_identical(machine: Machine, a: PageRef, b: PageRef): boolean {
  return memcmp_pages(machine, a.folio, a.index, b.folio, b.index) === 0;
}
