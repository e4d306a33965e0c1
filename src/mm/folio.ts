// struct folio, reduced to what KSM and rmap observe (include/linux/mm_types.h).
import type { AnonVma } from './anon-vma.ts';
import type { MappingEntry } from './pgtable.ts';

/** What a KSM folio's `mapping` points to (mm/ksm.c: stable node | FOLIO_MAPPING_KSM). */
export interface KsmStableNodeKey {
  readonly isStableNode: true;
}

/** folio->mapping: the anon_vma for an anon folio, the stable node (or a NULL node) for a KSM folio. */
export type FolioMapping =
  | { readonly kind: 'anon'; readonly anonVma: AnonVma }
  | { readonly kind: 'ksm'; readonly node: KsmStableNodeKey | null };

export interface Folio {
  /** Page frame number: unique, never reused, so a stale pointer can be told from a new page. */
  readonly pfn: number;
  /** 0 for a base page, HPAGE_PMD_ORDER (9) for a THP. */
  readonly order: 0 | 9;
  /** Content id of page 0 (equal ids = identical 4 KiB pages; 0 = all zeroes). */
  content: number;
  /** THP only: the content id of each of its 512 pages. */
  subContents: number[] | null;
  /** The shared zero page or the huge zero page: special, never refcounted by mappings. */
  readonly zeroPage: boolean;
  /** folio_test_anon */
  anon: boolean;
  /** folio_test_ksm */
  ksm: boolean;
  mapping: FolioMapping | null;
  /** folio->index: linear_page_index of the first mapping (anon); unused for KSM folios. */
  index: number;
  /** folio_ref_count: one per mapping plus every extra reference (GUP pins, KSM's temporary get). */
  refcount: number;
  /**
   * Ground truth for the correctness oracle: every PTE or PMD entry that maps this folio.
   * Its length is the mapcount. Not kept for the zero page (mapped without rmap).
   */
  readonly maps: MappingEntry[];
  /** Set when the last reference went: the page is back in the allocator. */
  freed: boolean;
}

/**
 * A `struct page *`: one page of a folio. page_folio(page) changes when a THP is split, so
 * split_huge_page updates the PageRef it is given (the caller's page) in place.
 */
export interface PageRef {
  folio: Folio;
  index: number;
}

export function folioNrPages(folio: Folio): number {
  return folio.order === 0 ? 1 : 512;
}

/** Content id of page `i` of the folio. */
export function folioPageContent(folio: Folio, i: number): number {
  if (folio.subContents) return folio.subContents[i] ?? 0;
  return folio.content;
}

export function setFolioPageContent(folio: Folio, i: number, content: number): void {
  if (folio.subContents) folio.subContents[i] = content;
  else folio.content = content;
}

/** folio_mapcount (the number of page-table entries that map it). */
export function folioMapcount(folio: Folio): number {
  return folio.maps.length;
}

export function makeFolio(pfn: number, order: 0 | 9, content: number, zeroPage = false): Folio {
  return {
    pfn,
    order,
    content,
    subContents: order === 0 ? null : new Array<number>(512).fill(content),
    zeroPage,
    anon: false,
    ksm: false,
    mapping: null,
    index: 0,
    refcount: 0,
    maps: [],
    freed: false,
  };
}
