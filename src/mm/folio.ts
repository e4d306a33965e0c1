// struct folio, reduced to what KSM and rmap observe (include/linux/mm_types.h), stored as
// struct-of-arrays: a folio is its pfn, an integer handle into the machine's Folios. Pfns are
// never reused, so a stale pointer can be told from a new page.
import type { AnonVma } from './anon-vma.ts';
import { type EntryPointer, NULL_PTR, type PageTables } from './pgtable.ts';
import { grown } from './typed-arrays.ts';
import { HPAGE_PMD_NR } from './units.ts';

/** A folio: its page frame number. */
export type Folio = number;

/** What a KSM folio's `mapping` points to (mm/ksm.c: stable node | FOLIO_MAPPING_KSM). */
export interface KsmStableNodeKey {
  readonly isStableNode: true;
}

/** folio->mapping: the anon_vma for an anon folio, the stable node (or NULL) for a KSM folio. */
export type FolioMappingTarget = AnonVma | KsmStableNodeKey | null;

// folio flags
/** folio_test_anon */
export const FOLIO_ANON = 1;
/** folio_test_ksm: ->mapping points to a stable node (or NULL), not to an anon_vma */
export const FOLIO_KSM = 2;
/** The shared zero page: special, never refcounted by mappings */
export const FOLIO_ZERO = 4;
/** The last reference went: the page is back in the allocator */
export const FOLIO_FREED = 8;

const INITIAL_FOLIOS = 1024;

/**
 * Every folio a machine ever allocated. Per folio: order (0 or HPAGE_PMD_ORDER), flags, the
 * content id of page 0 (a THP keeps one per page), folio->mapping, folio->index, the
 * refcount, and the ground truth for the oracle: the list of entries that map it (threaded
 * through the page tables' mapNext/mapPrev; its length is the mapcount). The zero page keeps
 * no list (it is mapped without rmap).
 */
export class Folios {
  order = new Uint8Array(INITIAL_FOLIOS);
  flags = new Uint8Array(INITIAL_FOLIOS);
  /** Content id of page 0 (equal ids = identical 4 KiB pages; 0 = all zeroes). */
  content = new Float64Array(INITIAL_FOLIOS);
  /** folio->index: linear_page_index of the first mapping (anon); unused for KSM folios. */
  index = new Float64Array(INITIAL_FOLIOS);
  /** folio_ref_count: one per mapping plus every extra reference (GUP pins, KSM's temporary get). */
  refcount = new Int32Array(INITIAL_FOLIOS);
  /** folio_mapcount: entries in the mapping list. */
  mapcount = new Int32Array(INITIAL_FOLIOS);
  mapHead = new Int32Array(INITIAL_FOLIOS);
  mapTail = new Int32Array(INITIAL_FOLIOS);
  /** folio->mapping (low-count objects: a plain array indexed by pfn). */
  readonly mapping: FolioMappingTarget[] = [];
  /** THP only: the content id of each of its 512 pages. */
  readonly subContents = new Map<Folio, Float64Array>();
  /**
   * PageAnonExclusive (PG_anon_exclusive, include/linux/page-flags.h) of page 0 of each folio:
   * the page is mapped by exactly one process and may be written without a copy. A THP keeps
   * one per page in subAnonExclusive; while it is PMD-mapped only the head's counts (the kernel
   * sets and tests PageAnonExclusive(&folio->page) at PMD level).
   */
  anonExclusive = new Uint8Array(INITIAL_FOLIOS);
  /** THP only: PageAnonExclusive of each of its 512 pages. */
  readonly subAnonExclusive = new Map<Folio, Uint8Array>();
  private capacity = INITIAL_FOLIOS;
  /** The next pfn to hand out. */
  next = 0;

  /** A new folio (pfn = the next handle): refcount 0, no mapping. */
  make(order: 0 | 9, content: number, flags: number): Folio {
    if (this.next === this.capacity) this.grow();
    const f = this.next++;
    this.order[f] = order;
    this.flags[f] = flags;
    this.content[f] = content;
    this.index[f] = 0;
    this.refcount[f] = 0;
    this.mapcount[f] = 0;
    this.mapHead[f] = NULL_PTR;
    this.mapTail[f] = NULL_PTR;
    this.anonExclusive[f] = 0;
    this.mapping.push(null);
    if (order !== 0) {
      this.subContents.set(f, new Float64Array(HPAGE_PMD_NR).fill(content));
      this.subAnonExclusive.set(f, new Uint8Array(HPAGE_PMD_NR));
    }
    return f;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    this.order = grown(this.order, cap);
    this.flags = grown(this.flags, cap);
    this.content = grown(this.content, cap);
    this.index = grown(this.index, cap);
    this.refcount = grown(this.refcount, cap);
    this.mapcount = grown(this.mapcount, cap);
    this.mapHead = grown(this.mapHead, cap);
    this.mapTail = grown(this.mapTail, cap);
    this.anonExclusive = grown(this.anonExclusive, cap);
    this.capacity = cap;
  }

  test(f: Folio, flag: number): boolean {
    return (this.flags[f]! & flag) !== 0;
  }

  setFlag(f: Folio, flag: number, on: boolean): void {
    if (on) this.flags[f] = this.flags[f]! | flag;
    else this.flags[f] = this.flags[f]! & ~flag;
  }

  /** folio_test_anon */
  anon(f: Folio): boolean {
    return (this.flags[f]! & FOLIO_ANON) !== 0;
  }

  /** folio_test_ksm */
  ksm(f: Folio): boolean {
    return (this.flags[f]! & FOLIO_KSM) !== 0;
  }

  /** is_zero_folio */
  zeroPage(f: Folio): boolean {
    return (this.flags[f]! & FOLIO_ZERO) !== 0;
  }

  freed(f: Folio): boolean {
    return (this.flags[f]! & FOLIO_FREED) !== 0;
  }

  /** folio_nr_pages */
  nrPages(f: Folio): number {
    return this.order[f] === 0 ? 1 : HPAGE_PMD_NR;
  }

  /** folio_test_large */
  large(f: Folio): boolean {
    return this.order[f] !== 0;
  }

  /** folio_mapcount (the number of page-table entries that map it). */
  mapcountOf(f: Folio): number {
    return this.mapcount[f]!;
  }

  refcountOf(f: Folio): number {
    return this.refcount[f]!;
  }

  /** folio_anon_vma: the anon_vma of an anon folio that is not KSM, else null. */
  anonVma(f: Folio): AnonVma | null {
    const m = this.mapping[f] ?? null;
    if (m === null || (this.flags[f]! & FOLIO_KSM) !== 0) return null;
    return m as AnonVma;
  }

  /** Content id of page `i` of the folio. */
  pageContent(f: Folio, i: number): number {
    if (this.order[f] === 0) return this.content[f]!;
    return this.subContents.get(f)?.[i] ?? 0;
  }

  setPageContent(f: Folio, i: number, content: number): void {
    if (this.order[f] === 0) {
      this.content[f] = content;
      return;
    }
    const sub = this.subContents.get(f);
    if (sub) sub[i] = content;
  }

  /** PageAnonExclusive(page): page `i` of the folio. */
  pageAnonExclusive(f: Folio, i: number): boolean {
    if (this.order[f] === 0) return this.anonExclusive[f] === 1;
    return this.subAnonExclusive.get(f)?.[i] === 1;
  }

  /** SetPageAnonExclusive / ClearPageAnonExclusive on page `i` of the folio. */
  setPageAnonExclusive(f: Folio, i: number, on: boolean): void {
    if (this.order[f] === 0) {
      this.anonExclusive[f] = on ? 1 : 0;
      return;
    }
    const sub = this.subAnonExclusive.get(f);
    if (sub) sub[i] = on ? 1 : 0;
  }

  // ---- the ground truth: the entries that map each folio, in the order they were added ----

  /** Append entry `p` to the folio's mapping list (the model's own bookkeeping, not charged). */
  linkMapping(pt: PageTables, f: Folio, p: EntryPointer): void {
    const tail = this.mapTail[f]!;
    pt.mapPrev[p] = tail;
    pt.mapNext[p] = NULL_PTR;
    if (tail === NULL_PTR) this.mapHead[f] = p;
    else pt.mapNext[tail] = p;
    this.mapTail[f] = p;
    this.mapcount[f] = this.mapcount[f]! + 1;
  }

  /** Remove entry `p` from the folio's mapping list (which must hold it). */
  unlinkMapping(pt: PageTables, f: Folio, p: EntryPointer): void {
    const prev = pt.mapPrev[p]!;
    const next = pt.mapNext[p]!;
    const linked = this.mapcount[f]! > 0 && (prev === NULL_PTR ? this.mapHead[f] === p : pt.mapNext[prev] === p);
    if (!linked) throw new Error(`rmap: pfn ${f} is not mapped by entry ${p}`);
    if (prev === NULL_PTR) this.mapHead[f] = next;
    else pt.mapNext[prev] = next;
    if (next === NULL_PTR) this.mapTail[f] = prev;
    else pt.mapPrev[next] = prev;
    this.mapcount[f] = this.mapcount[f]! - 1;
  }

  /** Entry `to` takes entry `from`'s place in the folio's mapping list (an entry moved by mremap). */
  relinkMapping(pt: PageTables, f: Folio, from: EntryPointer, to: EntryPointer): void {
    const prev = pt.mapPrev[from]!;
    const next = pt.mapNext[from]!;
    pt.mapPrev[to] = prev;
    pt.mapNext[to] = next;
    if (prev === NULL_PTR) this.mapHead[f] = to;
    else pt.mapNext[prev] = to;
    if (next === NULL_PTR) this.mapTail[f] = to;
    else pt.mapPrev[next] = to;
  }

  /** The entries that map the folio, in order (a copy: safe to change the mappings while iterating it). */
  mappings(pt: PageTables, f: Folio): EntryPointer[] {
    const out: EntryPointer[] = [];
    for (let p = this.mapHead[f]!; p !== NULL_PTR; p = pt.mapNext[p]!) out.push(p);
    return out;
  }
}

/**
 * A `struct page *`: one page of a folio. page_folio(page) changes when a THP is split, so
 * split_huge_page updates the PageRef it is given (the caller's page) in place.
 */
export interface PageRef {
  folio: Folio;
  index: number;
}
