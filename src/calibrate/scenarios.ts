// The scenarios a calibration is fitted on, and the ones it is checked on (never in the fit).
// The fit set varies one cost at a time: dense unique pages (checksums, lookups and memcmps that
// differ early) in a large and a small tree, dense identical pages (merges, whole-page memcmps),
// a chain (more identical pages than max_page_sharing), zero pages, volatile pages, sparse memory
// of three sizes and with one page per page table (the scanner's own walk), many VMAs, COW churn (break_cow), a forked family
// (new rmap_items on merged pages) and THPs that KSM splits.
export interface CalibrationCase {
  readonly scenario: string;
  readonly params: Readonly<Record<string, string | number>>;
}

const guests = (p: Record<string, number | string>): CalibrationCase => ({ scenario: 'guests', params: p });

export const FIT_CASES: readonly CalibrationCase[] = [
  guests({ dup_pct: 0, zero_pct: 0, volatile_pct: 0 }), // unique: checksums, lookups, memcmps
  guests({ guests: 1, size: '8MiB', dup_pct: 0, zero_pct: 0, volatile_pct: 0 }), // unique, a small tree
  guests({ dup_pct: 100, zero_pct: 0, volatile_pct: 0, pool: 64 }), // identical: merges
  guests({ dup_pct: 100, zero_pct: 0, volatile_pct: 0, pool: 1 }), // one content: a chain of dups
  guests({ dup_pct: 0, zero_pct: 100, volatile_pct: 0 }), // zero pages
  guests({ dup_pct: 30, zero_pct: 0, volatile_pct: 50 }), // volatile
  guests({ guests: 2, size: '64MiB', dup_pct: 50, zero_pct: 10, volatile_pct: 0 }),
  { scenario: 'sparse', params: { size: '1TiB' } },
  { scenario: 'sparse', params: { size: '8TiB' } },
  { scenario: 'sparse', params: { size: '32TiB' } },
  { scenario: 'strided', params: { size: '4GiB', pages: 2048 } }, // one page per PTE table: the range walk reads each table whole
  { scenario: 'strided', params: { size: '4GiB', pages: 512, stride: 2048 } }, // and empty page tables between
  { scenario: 'vma-split', params: { pages: 4000, pieces: 4000 } },
  { scenario: 'cow-churn', params: {} },
  { scenario: 'fork-fanout', params: { children: 16 } },
  { scenario: 'thp-zero', params: { thps: 8, written: 16, distinct: 4, thp: 'madvise' } },
  { scenario: 'thp-mixed', params: {} },
];

export const CHECK_CASES: readonly CalibrationCase[] = [
  guests({}), // the defaults: a mix of everything
  guests({ guests: 8, size: '8MiB', dup_pct: 40, zero_pct: 20, volatile_pct: 10 }),
  guests({ guests: 3, size: '32MiB', dup_pct: 80, zero_pct: 5, volatile_pct: 2, pool: 512 }),
  { scenario: 'split-family', params: {} },
  { scenario: 'split-family', params: { pieces: 1500, children: 3 } },
  { scenario: 'thp-zero', params: { thp: 'madvise' } },
  { scenario: 'dontneed-reclaim', params: {} },
];

/**
 * The scanner's own costs on a kernel under QEMU (TCG): sparse memory small enough for the
 * per-address loop (a virtual page at a time), beside dense pages for the per-page costs.
 */
export const SCANNER_CASES: readonly CalibrationCase[] = [
  { scenario: 'sparse', params: { size: '2GiB' } },
  { scenario: 'sparse', params: { size: '8GiB' } },
  { scenario: 'sparse', params: { size: '32GiB' } },
  { scenario: 'strided', params: { size: '1GiB', pages: 512 } },
  guests({ guests: 1, size: '8MiB', dup_pct: 0, zero_pct: 0, volatile_pct: 0 }),
  guests({ guests: 1, size: '8MiB', dup_pct: 100, zero_pct: 0, volatile_pct: 0, pool: 64 }),
  guests({ guests: 1, size: '8MiB', dup_pct: 0, zero_pct: 100, volatile_pct: 0 }),
];

/** The scanner set in small: two sparse sizes and one dense case, a replay of seconds under TCG. */
export const SMOKE_CASES: readonly CalibrationCase[] = [
  { scenario: 'sparse', params: { size: '256MiB' } },
  { scenario: 'sparse', params: { size: '1GiB' } },
  guests({ guests: 1, size: '1MiB', dup_pct: 50, zero_pct: 0, volatile_pct: 0, pool: 16, full_scans: 2 }),
];

/** The sets `calibrate --cases` names. */
export const CASE_SETS = { fit: FIT_CASES, check: CHECK_CASES, scanner: SCANNER_CASES, smoke: SMOKE_CASES } as const;
