// The dense benchmark shape, defined once: one process whose pages hold few contents many times
// over (the case where the stable tree's chains and max_page_sharing matter) and a few unique
// pages, scanned in full three times. Built through the scenario format (validateScenario), so
// `ksmbench run --scenario-file` can replay it too.
import { type Scenario, validateScenario } from '../format.ts';

/** Distinct contents of the duplicated pages: page i holds content i mod DENSE_CONTENTS. */
export const DENSE_CONTENTS = 16;
/** One page in this many is unique (66,560 pages: 16 contents × 4,096 copies + 1,024 unique). */
export const DENSE_UNIQUE_EVERY = 65;
export const DENSE_MAX_PAGE_SHARING = 256;
export const DENSE_PAGES_TO_SCAN = 1_000_000;
export const DENSE_FULL_SCANS = 3;

export interface DenseShape {
  readonly pages: number;
  /** Pages holding content i mod 16 (the first ones of the region). */
  readonly duplicated: number;
  /** Unique pages after them. */
  readonly unique: number;
}

export function denseShape(pages: number): DenseShape {
  if (!Number.isSafeInteger(pages) || pages < DENSE_UNIQUE_EVERY) throw new RangeError(`dense: pages ${pages} is not an integer ≥ ${DENSE_UNIQUE_EVERY}`);
  const unique = Math.floor(pages / DENSE_UNIQUE_EVERY);
  return { pages, duplicated: pages - unique, unique };
}

/**
 * `pages` pages in one MADV_NOHUGEPAGE mergeable region: the first `duplicated` hold content
 * i mod 16, the rest are unique; max_page_sharing 256, pages_to_scan 1,000,000; three full scans.
 */
export function denseScenario(pages: number): Scenario {
  const s = denseShape(pages);
  return validateScenario(
    {
      name: `dense-${pages}`,
      description: `${s.duplicated} pages of ${DENSE_CONTENTS} contents (page i: i mod ${DENSE_CONTENTS}) and ${s.unique} unique pages in one process, MADV_NOHUGEPAGE, max_page_sharing ${DENSE_MAX_PAGE_SHARING}, ${DENSE_FULL_SCANS} full scans`,
      params: { pages, contents: DENSE_CONTENTS, unique: s.unique },
      sysfs: { max_page_sharing: DENSE_MAX_PAGE_SHARING, pages_to_scan: DENSE_PAGES_TO_SCAN },
      ops: [
        { op: 'mmap', proc: 'p0', region: 'heap', size: pages },
        { op: 'madvise', proc: 'p0', region: 'heap', advice: 'nohugepage' },
        { op: 'fill', proc: 'p0', region: 'heap', pages: s.duplicated, content: { mod: DENSE_CONTENTS } },
        { op: 'fill', proc: 'p0', region: 'heap', from: s.duplicated, pages: s.unique, content: 'unique' },
        { op: 'madvise', proc: 'p0', region: 'heap', advice: 'mergeable' },
        { op: 'ksmd', full_scans: DENSE_FULL_SCANS },
      ],
    },
    `dense benchmark (${pages} pages)`,
  );
}
