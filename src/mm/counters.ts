// The ruler: every cost and state counter ksmbench reports. One list generates the type,
// the CSV header and the gate's metric list. Counters are incremented only inside engine
// primitives (page-table accessors, walkers, tree searches, KSM functions), never by variants.

/** The counters /sys/kernel/mm/ksm shows, with the kernel's names and meanings. */
export const SYSFS_COUNTER_NAMES = [
  'pages_scanned',
  'pages_shared',
  'pages_sharing',
  'pages_unshared',
  'pages_volatile',
  'pages_skipped',
  'full_scans',
  'ksm_zero_pages',
  'stable_node_chains',
  'stable_node_dups',
  'general_profit',
] as const;

export const COUNTER_NAMES = [
  // scan cost (kernel/scan.md §2-3): page-table entries read, per level and in total
  'pt_reads',
  'pt_reads_pgd',
  'pt_reads_p4d',
  'pt_reads_pud',
  'pt_reads_pmd',
  'pt_reads_pte',
  'folio_walk_calls',
  'walk_range_calls',
  'pmd_entry_calls',
  'pages_returned',
  'checksums',
  'memcmps',
  // KSM sysfs (same names and meanings as /sys/kernel/mm/ksm)
  ...SYSFS_COUNTER_NAMES,
  // rmap walks
  'rmap_walks',
  'rmap_avc_visits',
  'rmap_tree_nodes',
  'rmap_one_calls',
  'rmap_mappings_expected',
  'rmap_mappings_found',
  'rmap_mappings_missed',
  // unmerge
  'unmerge_pt_reads',
  'unmerge_breaks',
  // overlay and lifetime
  'stale_overlay_reads',
  'pages_wrongly_skipped',
  'freed_pages_pinned',
  'scans_until_freed',
] as const;

export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Record<CounterName, number>;

/** Timing metrics (from tinybench), reported beside the counters but never part of them. */
export const TIMING_NAMES = ['time_ns_median', 'time_ns_mean', 'time_rme_pct', 'time_samples'] as const;
export type TimingName = (typeof TIMING_NAMES)[number];

export function newCounters(): Counters {
  const c = {} as Counters;
  for (const name of COUNTER_NAMES) c[name] = 0;
  return c;
}

export function isCounterName(name: string): name is CounterName {
  return (COUNTER_NAMES as readonly string[]).includes(name);
}

/** A copy, so a snapshot cannot change under the caller. */
export function snapshotCounters(c: Counters): Counters {
  return { ...c };
}

/** after - before, counter by counter. */
export function diffCounters(after: Counters, before: Counters): Counters {
  const d = newCounters();
  for (const name of COUNTER_NAMES) d[name] = after[name] - before[name];
  return d;
}
