// /sys/kernel/mm/ksm and /proc/<pid>/ksm_stat (mm/ksm.c *_show / *_store, fs/proc):
// every counter with its kernel definition, and the knobs with the kernel's validation.
import { SYSFS_COUNTER_NAMES } from '../mm/counters.ts';
import type { MmStruct } from '../mm/mm.ts';
import { PAGE_SIZE } from '../mm/units.ts';
import { unmerge_and_remove_all_rmap_items, remove_all_stable_nodes } from './mm-slots.ts';
import { KSM_RUN_UNMERGE, type Ksm, type KsmKnobs } from './state.ts';

export const KNOB_NAMES = [
  'run',
  'pages_to_scan',
  'sleep_millisecs',
  'max_page_sharing',
  'use_zero_pages',
  'smart_scan',
  'merge_across_nodes',
  'stable_node_chains_prune_millisecs',
  'advisor_mode',
  'advisor_max_cpu',
  'advisor_min_pages_to_scan',
  'advisor_max_pages_to_scan',
  'advisor_target_scan_time',
] as const satisfies readonly (keyof KsmKnobs)[];
export type KnobName = (typeof KNOB_NAMES)[number];

export function isKnobName(name: string): name is KnobName {
  return (KNOB_NAMES as readonly string[]).includes(name);
}

/** sizeof(struct ksm_rmap_item) for the machine's ABI. */
export function rmapItemSize(ksm: Ksm): number {
  return ksm.items.layout.size;
}

/** Refresh the derived sysfs counters (pages_volatile, general_profit) in the counter set. */
export function refresh_sysfs_counters(ksm: Ksm): void {
  const c = ksm.counters;
  // pages_volatile_show: clamped at 0
  c.pages_volatile = Math.max(0, ksm.ksm_rmap_items - c.pages_shared - c.pages_sharing - c.pages_unshared);
  // general_profit_show
  c.general_profit = (c.pages_sharing + c.ksm_zero_pages) * PAGE_SIZE - ksm.ksm_rmap_items * rmapItemSize(ksm);
  c.full_scans = ksm.ksm_scan.seqnr;
}

/** The read-only files of /sys/kernel/mm/ksm. */
export const SYSFS_COUNTERS = SYSFS_COUNTER_NAMES;
export type SysfsValues = KsmKnobs & Record<(typeof SYSFS_COUNTERS)[number], number>;

/** The per-process values of /proc/<pid>/ksm_stat. */
export interface KsmStat {
  ksm_rmap_items: number;
  ksm_zero_pages: number;
  ksm_merging_pages: number;
  ksm_process_profit: number;
}

/** Every file of /sys/kernel/mm/ksm the model has, as numbers. */
export function read_sysfs(ksm: Ksm): SysfsValues {
  refresh_sysfs_counters(ksm);
  const c = ksm.counters;
  const counters = Object.fromEntries(SYSFS_COUNTER_NAMES.map((n) => [n, c[n]])) as Record<(typeof SYSFS_COUNTER_NAMES)[number], number>;
  return { ...ksm.knobs, ...counters };
}

export class SysfsError extends Error {}

/** Write a knob as the kernel's *_store does; throws SysfsError (EINVAL / EBUSY) naming the value. */
export function write_sysfs(ksm: Ksm, name: string, value: number): void {
  if (!isKnobName(name)) throw new SysfsError(`unknown ksm sysfs knob "${name}" (accepted: ${KNOB_NAMES.join(', ')})`);
  if (!Number.isSafeInteger(value) || value < 0) throw new SysfsError(`${name}: ${value} is not a non-negative integer`);
  const k = ksm.knobs;
  switch (name) {
    case 'run': {
      if (value > KSM_RUN_UNMERGE) throw new SysfsError(`run: ${value} is invalid (accepted: 0, 1, 2)`);
      if (k.run !== value) {
        k.run = value;
        if ((value & KSM_RUN_UNMERGE) !== 0 && unmerge_and_remove_all_rmap_items(ksm) !== 0) k.run = 0;
      }
      return;
    }
    case 'use_zero_pages':
    case 'smart_scan':
      if (value > 1) throw new SysfsError(`${name}: ${value} is not a boolean (accepted: 0, 1)`);
      k[name] = value;
      return;
    case 'merge_across_nodes':
      if (value !== 1) throw new SysfsError('merge_across_nodes: only 1 is modelled (one stable tree)');
      return;
    case 'advisor_mode':
      if (value !== 0) throw new SysfsError(`advisor_mode: ${value} (scan-time) is not modelled (accepted: 0 = none): it retunes pages_to_scan from wall-clock scan times`);
      return;
    case 'advisor_max_cpu':
      if (value < 1 || value > 100) throw new SysfsError(`advisor_max_cpu: ${value} is not a percentage (accepted: 1..100)`);
      k[name] = value;
      return;
    case 'pages_to_scan':
      if (k.advisor_mode !== 0) throw new SysfsError('pages_to_scan: EINVAL while the advisor is active');
      k[name] = value;
      return;
    case 'max_page_sharing':
      if (value < 2) throw new SysfsError(`max_page_sharing: ${value} is below the minimum 2`);
      if (k.max_page_sharing === value) return;
      if (ksm.counters.pages_shared || remove_all_stable_nodes(ksm)) throw new SysfsError('max_page_sharing: EBUSY, KSM pages exist');
      k.max_page_sharing = value;
      return;
    default:
      k[name] = value;
  }
}

/** /proc/<pid>/ksm_stat and /proc/<pid>/ksm_merging_pages */
export function read_ksm_stat(ksm: Ksm, mm: MmStruct): KsmStat {
  const zero = ksm.policy.zeroPages.counts_zero_pages ? mm.ksm_zero_pages : 0;
  return {
    ksm_rmap_items: mm.ksm_rmap_items,
    ksm_zero_pages: zero,
    ksm_merging_pages: mm.ksm_merging_pages,
    ksm_process_profit: (mm.ksm_merging_pages + zero) * PAGE_SIZE - mm.ksm_rmap_items * rmapItemSize(ksm),
  };
}
