// The scenarios a calibration is fitted on, and the ones it is checked on (never in the fit).
// The fit set varies one cost at a time: dense unique pages (checksums, tree lookups and
// memcmps), dense identical pages (merges), zero pages, volatile pages, and sparse memory of
// several sizes (the scanner's own walk).
export interface CalibrationCase {
  readonly scenario: string;
  readonly params: Readonly<Record<string, string | number>>;
}

const guests = (p: Record<string, number | string>): CalibrationCase => ({ scenario: 'guests', params: p });

export const FIT_CASES: readonly CalibrationCase[] = [
  guests({ dup_pct: 0, zero_pct: 0, volatile_pct: 0 }), // unique: checksums, lookups, memcmps
  guests({ dup_pct: 100, zero_pct: 0, volatile_pct: 0, pool: 64 }), // identical: merges
  guests({ dup_pct: 0, zero_pct: 100, volatile_pct: 0 }), // zero pages
  guests({ dup_pct: 30, zero_pct: 0, volatile_pct: 50 }), // volatile
  guests({ guests: 2, size: '64MiB', dup_pct: 50, zero_pct: 10, volatile_pct: 0 }),
  { scenario: 'sparse', params: { size: '1TiB' } },
  { scenario: 'sparse', params: { size: '32TiB' } },
  { scenario: 'cow-churn', params: {} },
  { scenario: 'fork-fanout', params: { children: 16 } },
];

export const CHECK_CASES: readonly CalibrationCase[] = [
  guests({}), // the defaults: a mix of everything
  guests({ guests: 8, size: '8MiB', dup_pct: 40, zero_pct: 20, volatile_pct: 10 }),
  guests({ guests: 3, size: '32MiB', dup_pct: 80, zero_pct: 5, volatile_pct: 2, pool: 512 }),
  { scenario: 'split-family', params: {} },
  { scenario: 'thp-zero', params: { thp: 'madvise' } },
];
