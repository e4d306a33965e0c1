// Which files /sys/kernel/mm/ksm and /proc/<pid>/ksm_stat have on each kernel version, in the
// kernel's order, with the parser each *_store uses. Read from mm/ksm.c (ksm_attrs[], the *_store
// functions) and fs/proc/base.c (proc_pid_ksm_stat) of Debian's 6.1.192, 6.12.118, 7.2.13 and
// 7.3.4: the stores are the same in 6.12.118, 7.2.13 and 7.3.4; 6.1.192 has the same stores for
// the 14 attributes it has. The release an attribute appeared in between 6.1 and 6.12 is the
// upstream commit's (kernel/scan.md §0; "~": no source between 6.1.192 and 6.12.118 was read,
// and no stack is a kernel between them).
import { type KernelVersion, kernelAtLeast, kernelVersionText } from '../mm/kernel.ts';

/** The parser a *_store runs on the written text (lib/kstrtox.c, lib/string.c). */
export type SysfsParser = 'kstrtouint' | 'kstrtoint' | 'kstrtoul' | 'kstrtobool' | 'sysfs_streq';

export interface SysfsAttr {
  readonly name: string;
  /** The first release with the file (null: older than every modelled kernel). */
  readonly since: string | null;
  /** Where that comes from. */
  readonly sinceEvidence: string;
  /** Writable (KSM_ATTR, mode 0644) with its parser, or read-only (KSM_ATTR_RO, 0444). */
  readonly parser: SysfsParser | null;
  /** Accepted values and the store's own checks, for docs and errors. */
  readonly accepts: string;
  /** The value at boot (writable ones), as the file shows it. */
  readonly default?: string;
}

const OLD = 'in 6.1.192 mm/ksm.c ksm_attrs[] (and every later version read)';
const V612 = 'absent in 6.1.192, present in 6.12.118 mm/ksm.c ksm_attrs[]';

/** ksm_attrs[] of 6.12.118 / 7.2.13 / 7.3.4, in order; 6.1.192's is the same list without the newer files. */
export const KSM_ATTRS: readonly SysfsAttr[] = [
  { name: 'sleep_millisecs', since: null, sinceEvidence: OLD, parser: 'kstrtouint', accepts: '0 … 4294967295', default: '20' },
  { name: 'pages_to_scan', since: null, sinceEvidence: OLD, parser: 'kstrtouint', accepts: '0 … 4294967295; -EINVAL while advisor_mode is scan-time (6.8+)', default: '100' },
  { name: 'run', since: null, sinceEvidence: OLD, parser: 'kstrtouint', accepts: '0 (stop), 1 (merge), 2 (unmerge all); > 2 → -EINVAL', default: '0' },
  { name: 'pages_scanned', since: '6.7', sinceEvidence: `~6.7 (b348b5fe2b5f "mm/ksm: add pages scanned metric"); ${V612}`, parser: null, accepts: '' },
  { name: 'pages_shared', since: null, sinceEvidence: OLD, parser: null, accepts: '' },
  { name: 'pages_sharing', since: null, sinceEvidence: OLD, parser: null, accepts: '' },
  { name: 'pages_unshared', since: null, sinceEvidence: OLD, parser: null, accepts: '' },
  { name: 'pages_volatile', since: null, sinceEvidence: OLD, parser: null, accepts: '' },
  { name: 'pages_skipped', since: '6.7', sinceEvidence: `~6.7 (smart scan, "mm/ksm: add smart page scanning"); ${V612}`, parser: null, accepts: '' },
  { name: 'ksm_zero_pages', since: '6.5', sinceEvidence: `~6.5 ("ksm: count all zero pages placed by KSM"); ${V612}`, parser: null, accepts: '' },
  { name: 'full_scans', since: null, sinceEvidence: OLD, parser: null, accepts: '' },
  { name: 'merge_across_nodes', since: null, sinceEvidence: OLD, parser: 'kstrtoul', accepts: '0, 1; > 1 → -EINVAL; a change → -EBUSY while KSM pages exist', default: '1' },
  { name: 'max_page_sharing', since: null, sinceEvidence: OLD, parser: 'kstrtoint', accepts: '2 … 2147483647 (signed: < 2 → -EINVAL); a change → -EBUSY while KSM pages exist', default: '256' },
  { name: 'stable_node_chains', since: null, sinceEvidence: OLD, parser: null, accepts: '' },
  { name: 'stable_node_dups', since: null, sinceEvidence: OLD, parser: null, accepts: '' },
  { name: 'stable_node_chains_prune_millisecs', since: null, sinceEvidence: OLD, parser: 'kstrtouint', accepts: '0 … 4294967295', default: '2000' },
  { name: 'use_zero_pages', since: null, sinceEvidence: OLD, parser: 'kstrtobool', accepts: 'y Y t T 1 n N f F 0 on off, from 6.16 also e E / d D (enable, disabled) (first character; "o" + n/f)', default: '0' },
  { name: 'general_profit', since: '6.4', sinceEvidence: `~6.4 (d21077fbc2fc "mm: add new KSM process and sysfs knobs"); ${V612}`, parser: null, accepts: '' },
  { name: 'smart_scan', since: '6.7', sinceEvidence: `~6.7 ("mm/ksm: add smart page scanning"); ${V612}`, parser: 'kstrtobool', accepts: 'as use_zero_pages', default: '1' },
  { name: 'advisor_mode', since: '6.8', sinceEvidence: `~6.8 ("mm/ksm: add ksm advisor"); ${V612}`, parser: 'sysfs_streq', accepts: '"none", "scan-time" (one trailing newline ignored)', default: '[none] scan-time' },
  { name: 'advisor_max_cpu', since: '6.8', sinceEvidence: `~6.8; ${V612}`, parser: 'kstrtoul', accepts: 'any unsigned long, no range check (stored in an unsigned int: the low 32 bits)', default: '70' },
  { name: 'advisor_min_pages_to_scan', since: '6.8', sinceEvidence: `~6.8; ${V612}`, parser: 'kstrtoul', accepts: 'any unsigned long, no range check', default: '500' },
  { name: 'advisor_max_pages_to_scan', since: '6.8', sinceEvidence: `~6.8; ${V612}`, parser: 'kstrtoul', accepts: 'any unsigned long, no range check', default: '30000' },
  { name: 'advisor_target_scan_time', since: '6.8', sinceEvidence: `~6.8; ${V612}`, parser: 'kstrtoul', accepts: 'any unsigned long ≥ 1 (0 → -EINVAL)', default: '200' },
];

export interface KsmStatLine {
  /** The name as an expectation gives it (the file prints "ksm_merge_any:" with a colon). */
  readonly name: string;
  readonly since: string;
  readonly sinceEvidence: string;
  /** yes/no lines print a string; the others a number. */
  readonly kind: 'number' | 'yes-no';
}

/** fs/proc/base.c: proc_pid_ksm_stat, the lines in order. */
export const KSM_STAT_LINES: readonly KsmStatLine[] = [
  { name: 'ksm_rmap_items', since: '6.1', sinceEvidence: '6.1.192 fs/proc/base.c:3249 (cb4df4cae4f2, v6.1)', kind: 'number' },
  { name: 'ksm_zero_pages', since: '6.5', sinceEvidence: '~6.5 ("ksm: add ksm zero pages for each process"); 6.12.118 fs/proc/base.c:3260', kind: 'number' },
  { name: 'ksm_merging_pages', since: '6.4', sinceEvidence: '~6.4 (d21077fbc2fc); 6.12.118 fs/proc/base.c:3261', kind: 'number' },
  { name: 'ksm_process_profit', since: '6.4', sinceEvidence: '~6.4 (d21077fbc2fc); 6.12.118 fs/proc/base.c:3262', kind: 'number' },
  {
    name: 'ksm_merge_any',
    since: '6.14',
    sinceEvidence: '3ab76c767bc7 "ksm: add ksm involvement information for each process", in mm-stable on 26 Jan 2025, during the 6.14 merge window [idx 66503003281]; absent in 6.12.118; 7.2.13 and 7.3.4 fs/proc/base.c:3244',
    kind: 'yes-no',
  },
  { name: 'ksm_mergeable', since: '6.14', sinceEvidence: 'as ksm_merge_any (ksm_process_mergeable: any VMA with VM_MERGEABLE); 7.2.13 and 7.3.4 fs/proc/base.c:3251', kind: 'yes-no' },
];

export const SYSFS_ATTR_NAMES: readonly string[] = KSM_ATTRS.map((a) => a.name);
export const KSM_STAT_NAMES: readonly string[] = KSM_STAT_LINES.map((l) => l.name);

export function sysfsAttr(name: string): SysfsAttr | undefined {
  return KSM_ATTRS.find((a) => a.name === name);
}

function present(since: string | null, k: KernelVersion): boolean {
  return since === null || kernelAtLeast(k, since);
}

/** The files of /sys/kernel/mm/ksm on kernel `k`, in ksm_attrs[] order. */
export function sysfsAttrsOf(k: KernelVersion): readonly SysfsAttr[] {
  return KSM_ATTRS.filter((a) => present(a.since, k));
}

/** The lines of /proc/<pid>/ksm_stat on kernel `k`, in order. */
export function ksmStatLinesOf(k: KernelVersion): readonly KsmStatLine[] {
  return KSM_STAT_LINES.filter((l) => present(l.since, k));
}

/** Why `name` is not a file of /sys/kernel/mm/ksm on kernel `k`, or null when it is. */
export function sysfsMissing(name: string, k: KernelVersion): string | null {
  const a = sysfsAttr(name);
  if (!a) return `/sys/kernel/mm/ksm has no file "${name}" in any version (files: ${SYSFS_ATTR_NAMES.join(', ')})`;
  if (present(a.since, k)) return null;
  return `/sys/kernel/mm/ksm/${name} does not exist on kernel ${kernelVersionText(k)} (since ${a.since}: ${a.sinceEvidence})`;
}

/** Why `name` is not a line of /proc/<pid>/ksm_stat on kernel `k`, or null when it is. */
export function ksmStatMissing(name: string, k: KernelVersion): string | null {
  const l = KSM_STAT_LINES.find((x) => x.name === name);
  if (!l) return `/proc/<pid>/ksm_stat has no line "${name}" in any version (lines: ${KSM_STAT_NAMES.join(', ')})`;
  if (present(l.since, k)) return null;
  return `/proc/<pid>/ksm_stat has no "${name}" line on kernel ${kernelVersionText(k)} (since ${l.since}: ${l.sinceEvidence})`;
}
