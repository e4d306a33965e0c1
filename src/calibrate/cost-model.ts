// The cost model: ksmd's CPU time for a ksmd op predicted from the exact counts of the work it
// did, Σ cᵢ × countᵢ with non-negative per-event costs cᵢ (ns per event) fitted on a real kernel
// (ksmbench calibrate). Each feature is a counter (or a sum of them) that stands for ksmd work.
import type { Counters } from '../mm/counters.ts';

export interface CostFeature {
  readonly name: string;
  /** What one event is (the unit of its coefficient: ns per this). */
  readonly unit: string;
  readonly of: (c: Counters) => number;
}

/** The events ksmd pays for, each counted exactly by the engine. */
export const COST_FEATURES: readonly CostFeature[] = [
  { name: 'pt_reads_scan', unit: 'page-table entry the scanner read', of: (c) => c.pt_reads_scan },
  { name: 'folio_walk_calls', unit: 'folio_walk_start call of the per-address scanner (one per virtual page it visits)', of: (c) => c.folio_walk_calls },
  { name: 'walk_range_calls', unit: "walk_page_range_vma call of the range-walk scanner (one per page returned and per VMA it walks)", of: (c) => c.walk_range_calls },
  { name: 'pt_reads_lookup', unit: 'page-table entry an unstable-tree lookup read (get_mergeable_page)', of: (c) => c.pt_reads_lookup },
  { name: 'pt_reads_merge', unit: 'page-table entry the merge path read (write_protect_page, replace_page)', of: (c) => c.pt_reads_merge },
  { name: 'ptl_locks', unit: 'page-table lock ksmd took (scan, lookups, merges, break_cow)', of: (c) => c.ptl_locks_scan + c.ptl_locks_lookup + c.ptl_locks_merge + c.ptl_locks_unmerge_ksmd },
  { name: 'checksums', unit: 'calc_checksum of a 4 KiB page', of: (c) => c.checksums },
  { name: 'memcmps', unit: 'memcmp_pages call (its kmaps, the tree node it visits)', of: (c) => c.memcmps },
  { name: 'memcmp_bytes', unit: 'byte memcmp_pages compared (up to the first difference)', of: (c) => c.memcmp_bytes },
  { name: 'pages_scanned', unit: 'page handed to cmp_and_merge_page (its tree searches, bookkeeping)', of: (c) => c.pages_returned },
  { name: 'rmap_items', unit: 'ksm_rmap_item allocated or freed', of: (c) => c.rmap_items_allocated + c.rmap_items_freed },
  { name: 'thp_split_pages', unit: 'page of a THP split by ksmd (split_huge_page, 512 per 2 MiB)', of: (c) => c.thp_split_pages },
  { name: 'split_zero_remapped', unit: 'zero-filled subpage a split remapped to the zero page and freed', of: (c) => c.split_zero_remapped },
  { name: 'break_cow_reads', unit: "page-table entry ksmd's break_cow read (each an undone merge and its unshare fault)", of: (c) => c.pt_reads_unmerge_ksmd },
  { name: 'batches', unit: 'ksmd wake-up (one ksm_do_scan)', of: (c) => c.ksmd_batches },
];

/** The feature vector of a ksmd op's counts. */
export function features(c: Counters): number[] {
  return COST_FEATURES.map((f) => f.of(c));
}

/** Σ cᵢ × featureᵢ: the predicted ksmd CPU time (ns) for those counts. */
export function predictNs(coef: readonly number[], c: Counters): number {
  return features(c).reduce((sum, x, i) => sum + x * (coef[i] ?? 0), 0);
}
