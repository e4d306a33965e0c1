// What each metric means, its unit and its direction: for `ksmbench list metrics` and for
// anything that says whether a change is better or worse.
import { type MetricName, METRIC_NAMES, unitOf } from '../harness/results.ts';

/**
 * Which way is better: a cost is better smaller; a correctness metric has one right value;
 * a state (pages shared, full scans done, …) is neither — it describes what happened.
 */
export type Direction = 'smaller is better' | 'larger is better' | 'neither';

export interface MetricInfo {
  readonly meaning: string;
  readonly direction: Direction;
}

const COST: Direction = 'smaller is better';
const STATE: Direction = 'neither';

const level = (l: string) => ({ meaning: `page-table entries read at the ${l} level, by every account (the five levels sum to pt_reads; the P4D is read only with 5-level paging)`, direction: COST });

/** Every metric's meaning and direction (a test checks that every metric has one). */
export const METRIC_INFO: Readonly<Record<MetricName, MetricInfo>> = {
  pt_reads: {
    meaning: 'page-table entries read by every KSM path, every level: pt_reads_scan + pt_reads_lookup + pt_reads_merge + pt_reads_unmerge (faults and the model\'s own bookkeeping are not charged)',
    direction: COST,
  },
  pt_reads_pgd: level('PGD'),
  pt_reads_p4d: level('P4D'),
  pt_reads_pud: level('PUD'),
  pt_reads_pmd: level('PMD'),
  pt_reads_pte: level('PTE'),
  pt_reads_scan: {
    meaning: 'of pt_reads, the scanner\'s: scan_get_next_rmap_item looking for the next page (folio_walk_start per address, or the range walk\'s descent and PTE loop)',
    direction: COST,
  },
  pt_reads_lookup: { meaning: 'of pt_reads, the tree lookups\': get_mergeable_page\'s folio_walk_start for each unstable-tree item compared', direction: COST },
  pt_reads_merge: {
    meaning: 'of pt_reads, the merge path\'s: write_protect_page\'s page_vma_mapped_walk and replace_page\'s mm_find_pmd, PMD and PTE reads',
    direction: COST,
  },
  pt_reads_unmerge: {
    meaning: 'of pt_reads, break_ksm\'s (MADV_UNMERGEABLE, run=2, mremap\'s unmerge, and ksmd\'s break_cow): the walk that finds KSM pages; the unsharing fault\'s own walk is the fault path\'s, not charged',
    direction: COST,
  },
  pt_reads_unmerge_ksmd: { meaning: 'of pt_reads_unmerge, ksmd\'s share: break_ksm called by break_cow when a merge is undone', direction: COST },
  ptl_locks: {
    meaning: 'page-table locks taken by every KSM path (pte_offset_map_lock, pmd_lock, map_pte\'s spin_lock): the sum of the five accounts below',
    direction: COST,
  },
  ptl_locks_scan: {
    meaning: 'of ptl_locks, the scanner\'s: one per folio_walk_start that reaches a PTE table or a PMD leaf; one per pmd_entry that maps a PTE table or takes pmd_lock',
    direction: COST,
  },
  ptl_locks_lookup: { meaning: 'of ptl_locks, the tree lookups\' (get_mergeable_page\'s folio_walk_start)', direction: COST },
  ptl_locks_merge: { meaning: 'of ptl_locks, the merge path\'s: write_protect_page (when the PTE is present) and replace_page', direction: COST },
  ptl_locks_unmerge: { meaning: 'of ptl_locks, break_ksm\'s (its walk; the unsharing fault\'s lock is the fault path\'s), ksmd\'s break_cow included', direction: COST },
  ptl_locks_unmerge_ksmd: { meaning: 'of ptl_locks_unmerge, ksmd\'s share (break_cow)', direction: COST },
  folio_walk_calls: { meaning: 'folio_walk_start calls of the per-address scanner (tree lookups and unmerge are not counted here)', direction: COST },
  walk_range_calls: { meaning: 'walk_page_range_vma calls (the range-walk scanner)', direction: COST },
  pmd_entry_calls: { meaning: 'pmd_entry callbacks of the range-walk scanner', direction: COST },
  pages_returned: { meaning: 'rmap_items the scanner handed to cmp_and_merge_page', direction: STATE },
  checksums: { meaning: 'page checksums computed (calc_checksum)', direction: COST },
  memcmps: { meaning: 'full-page comparisons (memcmp_pages)', direction: COST },
  memcmp_bytes: {
    meaning: "bytes memcmp_pages compared up to the first difference, the whole 4096 when equal (with the content layout the live driver writes: the id big-endian in every 8 bytes)",
    direction: COST,
  },
  rmap_items_allocated: { meaning: 'ksm_rmap_items allocated (alloc_rmap_item)', direction: COST },
  rmap_items_freed: { meaning: 'ksm_rmap_items freed (free_rmap_item)', direction: COST },
  pages_scanned: { meaning: 'sysfs pages_scanned: pages ksmd looked at', direction: STATE },
  pages_shared: { meaning: 'sysfs pages_shared: KSM pages in use (stable tree pages)', direction: STATE },
  pages_sharing: { meaning: 'sysfs pages_sharing: further mappings of KSM pages (the pages saved)', direction: STATE },
  pages_unshared: { meaning: 'sysfs pages_unshared: unique pages repeatedly checked for merging', direction: STATE },
  pages_volatile: { meaning: 'sysfs pages_volatile: pages changing too fast to be placed in a tree', direction: STATE },
  pages_skipped: { meaning: 'sysfs pages_skipped: pages smart scan skipped', direction: STATE },
  full_scans: { meaning: 'sysfs full_scans: passes ksmd completed over all mergeable areas', direction: STATE },
  ksm_zero_pages: { meaning: 'sysfs ksm_zero_pages: empty pages merged with the zero page', direction: STATE },
  stable_node_chains: { meaning: 'sysfs stable_node_chains: stable nodes that are chains (max_page_sharing reached)', direction: STATE },
  stable_node_dups: { meaning: 'sysfs stable_node_dups: duplicate stable nodes on chains', direction: STATE },
  general_profit: { meaning: 'sysfs general_profit: memory saved minus the rmap_items it costs', direction: STATE },
  rmap_walks: { meaning: 'rmap walks of KSM folios (rmap_walk_ksm, as migration does); per-walk means are the totals over it (ksmbench run shows avc/walk)', direction: STATE },
  rmap_avc_visits: { meaning: 'VMAs the anon_vma interval tree yielded to rmap walks (the rmap cost)', direction: COST },
  rmap_tree_nodes: { meaning: 'anon_vma interval-tree nodes visited by rmap walks', direction: COST },
  rmap_one_calls: { meaning: 'rmap_one callbacks made by rmap walks', direction: COST },
  rmap_mappings_expected: { meaning: 'mappings of the walked KSM folios (the ground truth)', direction: STATE },
  rmap_mappings_found: { meaning: 'of those, mappings the rmap walks found', direction: STATE },
  rmap_mappings_missed: { meaning: 'mappings the rmap walks missed (correctness: 0 when correct)', direction: COST },
  rmap_skip_addr: { meaning: 'of rmap_avc_visits, VMAs rmap_walk_ksm skipped because the rmap_item\'s address is outside them (the addr check: the cost of a query wider than the page)', direction: COST },
  rmap_skip_mm: { meaning: 'of rmap_avc_visits, VMAs holding the address that rmap_walk_ksm\'s pass rule skipped: other mms in the first pass, the item\'s own in the second', direction: COST },
  anon_vma_locks: { meaning: 'anon_vma read locks taken by rmap walkers (anon_vma_trylock_read or anon_vma_lock_read): one per rmap_item per pass of rmap_walk_ksm, one per rmap_walk_anon, one per rmap_item in collect_procs_ksm', direction: COST },
  rmap_avc_visits_max: { meaning: 'the most avcs one rmap_walk_ksm iterated (both passes, every item): the worst walk of the run', direction: COST },
  rmap_skip_addr_max: { meaning: 'the most addr-check skips in one rmap_walk_ksm', direction: COST },
  rmap_skip_mm_max: { meaning: 'the most pass-rule (mm) skips in one rmap_walk_ksm', direction: COST },
  rmap_one_calls_max: { meaning: 'the most rmap_one calls in one rmap_walk_ksm', direction: COST },
  rmap_folios_unmappable: { meaning: 'KSM folio walks that found every mapping: try_to_unmap / try_to_migrate would leave the folio unmapped (reclaim and migration possible)', direction: STATE },
  rmap_folios_stuck: { meaning: 'KSM folio walks that left at least one mapping: the folio can be neither swapped out nor migrated (correctness: 0 when correct)', direction: COST },
  rmap_anon_walks: { meaning: 'rmap walks of anonymous non-KSM folios (rmap_walk_anon, as migration does)', direction: STATE },
  rmap_anon_avc_visits: { meaning: 'VMAs the anon_vma tree yielded to rmap_walk_anon at the folio\'s index', direction: COST },
  rmap_anon_avc_visits_max: { meaning: 'the most avcs one rmap_walk_anon iterated', direction: COST },
  rmap_anon_tree_nodes: { meaning: 'anon_vma interval-tree nodes visited by rmap_walk_anon', direction: COST },
  rmap_anon_one_calls: { meaning: 'rmap_one callbacks made by rmap_walk_anon', direction: COST },
  rmap_anon_mappings_missed: { meaning: 'mappings of anonymous folios rmap_walk_anon missed (correctness: 0 when correct)', direction: COST },
  unmerge_breaks: { meaning: 'KSM pages unmerged (copied back) by unmerge', direction: STATE },
  mf_calls: { meaning: 'collect_procs calls on KSM folios by memory failure (collect_procs_ksm, 6.4+)', direction: STATE },
  mf_refused: { meaning: 'memory failures on KSM folios refused before collecting anyone (6.1: hwpoison_user_mappings "can\'t handle KSM pages", MF_MSG_UNMAP_FAILED)', direction: STATE },
  mf_tasks_visited: { meaning: 'for_each_process iterations of collect_procs_ksm (every task, per rmap_item)', direction: COST },
  mf_avc_visits: { meaning: 'VMAs the anon_vma interval tree yielded to collect_procs_ksm (per rmap_item and early-kill task: the memory-failure cost)', direction: COST },
  mf_tree_nodes: { meaning: 'anon_vma interval-tree nodes visited by collect_procs_ksm', direction: COST },
  mf_procs_expected: { meaning: 'tasks that map the failed KSM folios and would be early-killed (the ground truth)', direction: STATE },
  mf_procs_found: { meaning: 'tasks collect_procs_ksm added to the kill list (add_to_kill_ksm: one entry per task), right or spurious', direction: STATE },
  mf_procs_missed: { meaning: 'tasks that map a failed KSM folio and were not collected (correctness: 0 when correct)', direction: COST },
  mf_procs_spurious: { meaning: 'tasks collected that no longer map the failed KSM folio (a forked child that COW\'d it away; the kernel would signal a task the page does not concern)', direction: COST },
  thp_split_pages: { meaning: 'pages of the THPs split into base pages (split_huge_page: 512 per 2 MiB folio), in whatever context split', direction: COST },
  split_zero_checks: {
    meaning: 'subpages a THP split compared with the zero page (try_to_map_unused_to_zeropage: pages_identical), in whatever context split (KSM, fault)',
    direction: COST,
  },
  split_zero_remapped: {
    meaning: 'zero-filled subpages a THP split remapped to the shared zero page (b1f202060afe, 6.12+): clean special PTEs, not KSM zero pages; each page is freed once nobody else holds it, outside KSM\'s pages_to_scan and use_zero_pages',
    direction: STATE,
  },
  split_zero_remapped_batch_max: { meaning: 'the most subpages remapped to the zero page by splits within one ksmd batch (memory freed beyond pages_to_scan)', direction: STATE },
  unstable_search_aborts: {
    meaning: 'unstable_tree_search_insert calls that gave up because get_mergeable_page found no anon page at a tree item\'s address (freed, zero-remapped or unmapped since insertion): the scanned page is neither merged nor inserted',
    direction: COST,
  },
  ksmd_batches: { meaning: 'ksmd wake-ups that scanned (ksm_do_scan batches of up to pages_to_scan pages)', direction: STATE },
  ksmd_batches_no_merge: { meaning: 'of those, batches that merged nothing (no stable_tree_append and no zero-page merge: no merge progress)', direction: STATE },
  stale_overlay_reads: { meaning: 'smart-scan state read from bytes a stored index left behind (correctness: 0 when correct)', direction: COST },
  pages_wrongly_skipped: { meaning: 'pages smart scan skipped because of stale state (correctness: 0 when correct)', direction: COST },
  freed_pages_pinned: { meaning: 'peak number of freed pages kept alive only by their stable node', direction: COST },
  scans_until_freed: { meaning: 'full-scan passes ksmd needed until those pages were released', direction: COST },
  syscalls_failed: { meaning: 'scenario system calls the kernel refused as its version does (ENOMEM past max_map_count, EFAULT for a multi-VMA mremap before 6.17); listed in the run\'s op_errors', direction: STATE },
  correct: { meaning: 'the oracle\'s verdict: 1 when the run is correct, 0 when it found a problem', direction: 'larger is better' },
  problems: { meaning: 'problems the oracle found (0 when correct)', direction: COST },
  time_ns_median: { meaning: 'median wall time of one whole scenario execution (informative; compare tests it)', direction: COST },
  time_ns_mean: { meaning: 'mean wall time of one whole scenario execution (shown, not tested)', direction: COST },
  time_rme_pct: { meaning: 'relative margin of error of the mean (95 %): describes the samples', direction: STATE },
  time_samples: { meaning: 'timed executions (samples)', direction: STATE },
  ksmd_time_ns_median: { meaning: 'median wall time of the ksmd ops alone per execution (compare and gate test it)', direction: COST },
  ksmd_time_ns_mean: { meaning: 'mean wall time of the ksmd ops alone per execution (shown, not tested)', direction: COST },
  ksmd_time_rme_pct: { meaning: 'relative margin of error of the ksmd mean (95 %): describes the samples', direction: STATE },
  ksmd_time_samples: { meaning: 'ksmd timing samples (one per timed execution)', direction: STATE },
  predicted_ksmd_ns: {
    meaning: "predicted ksmd CPU time of the run: Σ cost × count over its ksmd ops, derived from the exact counts and the calibration's per-event costs (run --calibration FILE, or the committed default), so deterministic for a given calibration file; compared only between results priced by the same one (its sha256)",
    direction: COST,
  },
  predicted_ksmd_ns_per_scan: { meaning: 'predicted_ksmd_ns per completed full scan (full_scans); absent when the run completed none', direction: COST },
};

/** metric, unit, direction, meaning: one row per metric, in METRIC_NAMES order. */
export function metricRows(): string[][] {
  return METRIC_NAMES.map((m) => [m, unitOf(m), METRIC_INFO[m].direction, METRIC_INFO[m].meaning]);
}
