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
  // page-table entries read (kernel/scan.md §2-3) by every KSM path: in total, per level, and
  // per account (the path that reads; the four accounts sum to pt_reads, so do the levels)
  'pt_reads',
  'pt_reads_pgd',
  'pt_reads_p4d',
  'pt_reads_pud',
  'pt_reads_pmd',
  'pt_reads_pte',
  'pt_reads_scan',
  'pt_reads_lookup',
  'pt_reads_merge',
  'pt_reads_unmerge',
  'pt_reads_unmerge_ksmd',
  // page-table locks taken (pte_offset_map_lock, pmd_lock), in total and per account
  'ptl_locks',
  'ptl_locks_scan',
  'ptl_locks_lookup',
  'ptl_locks_merge',
  'ptl_locks_unmerge',
  'ptl_locks_unmerge_ksmd',
  'folio_walk_calls',
  'walk_range_calls',
  'pmd_entry_calls',
  'pages_returned',
  'checksums',
  'memcmps',
  // bytes memcmp_pages compared up to the first difference (the whole page when equal), under the
  // layout the live driver writes: the content id big-endian in every 8 bytes, 0 all zeroes
  'memcmp_bytes',
  // ksm_rmap_items allocated and freed (alloc_rmap_item, free_rmap_item)
  'rmap_items_allocated',
  'rmap_items_freed',
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
  // rmap walk detail (per rmap_walk_ksm: the loop's skips by reason; maxima over the run's walks)
  'rmap_skip_addr',
  'rmap_skip_mm',
  'anon_vma_locks',
  'rmap_avc_visits_max',
  'rmap_skip_addr_max',
  'rmap_skip_mm_max',
  'rmap_one_calls_max',
  // would try_to_unmap / try_to_migrate free the walked KSM folio of every mapping?
  'rmap_folios_unmappable',
  'rmap_folios_stuck',
  // rmap walks of anonymous (non-KSM) folios: rmap_walk_anon's point query on folio->index
  'rmap_anon_walks',
  'rmap_anon_avc_visits',
  'rmap_anon_avc_visits_max',
  'rmap_anon_tree_nodes',
  'rmap_anon_one_calls',
  'rmap_anon_mappings_missed',
  // unmerge
  'unmerge_breaks',
  // memory failure on KSM pages (mm/memory-failure.c collect_procs → mm/ksm.c collect_procs_ksm)
  'mf_calls',
  'mf_refused',
  'mf_tasks_visited',
  'mf_avc_visits',
  'mf_tree_nodes',
  'mf_procs_expected',
  'mf_procs_found',
  'mf_procs_missed',
  'mf_procs_spurious',
  // THP splits and what they do to KSM (b1f202060afe and its follow-ups)
  'thp_split_pages',
  'split_zero_checks',
  'split_zero_remapped',
  'split_zero_remapped_batch_max',
  'unstable_search_aborts',
  'ksmd_batches',
  'ksmd_batches_no_merge',
  // overlay and lifetime
  'stale_overlay_reads',
  'pages_wrongly_skipped',
  'freed_pages_pinned',
  'scans_until_freed',
  // system calls of the scenario the kernel refused (ENOMEM, EFAULT): outcomes of its mm version;
  // derived when a run ends (the number of its op errors), never incremented
  'syscalls_failed',
] as const;

export type CounterName = (typeof COUNTER_NAMES)[number];

/**
 * The counters that are maxima (the largest value of one event: a walk, a batch), not sums:
 * raised with Math.max where they are counted, and never added or subtracted.
 */
export const MAX_COUNTER_NAMES: readonly CounterName[] = [
  'split_zero_remapped_batch_max',
  'rmap_avc_visits_max',
  'rmap_skip_addr_max',
  'rmap_skip_mm_max',
  'rmap_one_calls_max',
  'rmap_anon_avc_visits_max',
];

export function isMaxCounter(name: CounterName): boolean {
  return MAX_COUNTER_NAMES.includes(name);
}

/** A plain record of every counter: what results, snapshots and tests hold. */
export type Counters = Record<CounterName, number>;

/** The slot of each counter in a machine's counter array: its position in COUNTER_NAMES. */
export const COUNTER_SLOT: Readonly<Record<CounterName, number>> = Object.freeze(
  Object.fromEntries(COUNTER_NAMES.map((name, i) => [name, i])) as Record<CounterName, number>,
);

/**
 * A machine's live counters: one Float64Array of slots indexed by COUNTER_SLOT (exact for
 * integers below 2^53). Each counter is also an accessor on the prototype, so an engine
 * primitive charges `counters.pages_shared++` as the kernel writes `ksm_pages_shared++`,
 * while the hot charging paths (chargeReads) index `slots` directly.
 */
export interface CounterSlots extends Counters {
  readonly slots: Float64Array;
}

/** One getter and setter per counter, shared by every machine's counters (one hidden class). */
const COUNTER_ACCESSORS: PropertyDescriptorMap = Object.fromEntries(
  COUNTER_NAMES.map((name, i) => [
    name,
    {
      get(this: CounterSlots): number {
        return this.slots[i]!;
      },
      set(this: CounterSlots, v: number): void {
        this.slots[i] = v;
      },
      enumerable: true,
    },
  ]),
);

/**
 * A machine's counters, all zero. The counters are own enumerable accessors, so a spread or
 * Object.keys sees exactly the counter values (as of a plain record); `slots` is not enumerable.
 */
export function newCounterSlots(): CounterSlots {
  const c = {};
  Object.defineProperty(c, 'slots', { value: new Float64Array(COUNTER_NAMES.length), enumerable: false });
  Object.defineProperties(c, COUNTER_ACCESSORS);
  return c as CounterSlots;
}

/**
 * Each op's counts, after − before, recorded op by op (from ExecuteOptions.onOpDone) on a machine
 * that started at zero: what a live comparison and a calibration price per op.
 */
export function opCountsRecorder(): { readonly byOp: Map<number, Counters>; record(opIndex: number, counters: Counters): void } {
  const byOp = new Map<number, Counters>();
  let before = newCounters();
  return {
    byOp,
    record(opIndex, counters) {
      const now = snapshotCounters(counters);
      byOp.set(opIndex, diffCounters(now, before));
      before = now;
    },
  };
}

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

/** A plain copy, so a snapshot cannot change under the caller (live slots or a record). */
export function snapshotCounters(c: Counters): Counters {
  const s = {} as Counters;
  for (const name of COUNTER_NAMES) s[name] = c[name];
  return s;
}

/**
 * after - before, counter by counter. A maximum is not a difference: it is `after`'s, the
 * largest event up to then (the largest since `before` is not known from two snapshots; it
 * is `after`'s whenever that grew).
 */
export function diffCounters(after: Counters, before: Counters): Counters {
  const d = newCounters();
  for (const name of COUNTER_NAMES) d[name] = isMaxCounter(name) ? after[name] : after[name] - before[name];
  return d;
}
