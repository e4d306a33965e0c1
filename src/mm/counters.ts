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
  'anon_vma_locks',
  // unmerge
  'unmerge_pt_reads',
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

/** after - before, counter by counter. */
export function diffCounters(after: Counters, before: Counters): Counters {
  const d = newCounters();
  for (const name of COUNTER_NAMES) d[name] = after[name] - before[name];
  return d;
}
