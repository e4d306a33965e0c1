// /sys/kernel/mm/ksm and /proc/<pid>/ksm_stat (mm/ksm.c *_show / *_store, fs/proc):
// every counter with its kernel definition, and the knobs with the kernel's validation.
import { mmHas } from '../mm/kernel.ts';
import { SYSFS_COUNTER_NAMES } from '../mm/counters.ts';
import type { MmStruct } from '../mm/mm.ts';
import { PAGE_SIZE } from '../mm/units.ts';
import { VM_MERGEABLE } from '../mm/vm-flags.ts';
import { cString, kstrtobool, kstrtoint, kstrtoul, kstrtouint, type Parsed, sysfs_streq } from './kstrtox.ts';
import { unmerge_and_remove_all_rmap_items, remove_all_stable_nodes } from './mm-slots.ts';
import { ksmStatLinesOf, sysfsAttrsOf, sysfsMissing } from './sysfs-attrs.ts';
import { DEFAULT_PAGES_TO_SCAN, KSM_ADVISOR_NONE, KSM_ADVISOR_SCAN_TIME, KSM_RUN_STOP, KSM_RUN_UNMERGE, type Ksm, type KsmKnobs } from './state.ts';

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

/**
 * Every value the model keeps for /sys/kernel/mm/ksm, as numbers (the advisor's unsigned longs as
 * bigints), whichever of them the machine's kernel has as files (sysfs_files).
 */
export function read_sysfs(ksm: Ksm): SysfsValues {
  refresh_sysfs_counters(ksm);
  const c = ksm.counters;
  const counters = Object.fromEntries(SYSFS_COUNTER_NAMES.map((n) => [n, c[n]])) as Record<(typeof SYSFS_COUNTER_NAMES)[number], number>;
  return { ...ksm.knobs, ...counters };
}

/**
 * A write the kernel does not complete: errno is what write(2) would fail with — ENOENT (no such
 * file on this kernel version), EACCES (a read-only file), or the *_store's own EINVAL, ERANGE,
 * EBUSY, or the error run=2's unmerge returns.
 */
export class SysfsError extends Error {
  readonly errno: string;
  constructor(errno: string, message: string) {
    super(message);
    this.errno = errno;
  }
}

/** Whether a SysfsError says the file is not there to write (rather than the store refusing the value). */
export function isMissingFile(e: SysfsError): boolean {
  return e.errno === 'ENOENT' || e.errno === 'EACCES';
}

const ERRNO_NAMES: Readonly<Record<number, string>> = { 4: 'EINTR', 12: 'ENOMEM', 14: 'EFAULT', 16: 'EBUSY', 512: 'ERESTARTSYS' };

function errnoName(err: number): string {
  return ERRNO_NAMES[-err] ?? `errno ${-err}`;
}

/** The text a value stands for: a number is written as its decimal text. */
export function sysfsText(value: number | string): string {
  return typeof value === 'number' ? String(value) : value;
}

/**
 * Write `value` to /sys/kernel/mm/ksm/`name` as the kernel's *_store does (mm/ksm.c; the parsers
 * of lib/kstrtox.c): throws SysfsError naming the store, the errno and why. The machine's
 * kernel decides which files exist.
 */
export function write_sysfs(ksm: Ksm, name: string, value: number | string): void {
  const missing = sysfsMissing(name, ksm.machine.kernel);
  if (missing) throw new SysfsError('ENOENT', missing);
  if (!isKnobName(name)) throw new SysfsError('EACCES', `${name} is read-only (KSM_ATTR_RO, mode 0444: opening it for writing fails with -EACCES)`);
  const shown = sysfsText(value);
  const text = cString(shown);
  // fs/sysfs/file.c: sysfs_kf_write — a write of no bytes returns 0 before the store
  if (shown === '') return;
  const store = `${name}_store`;
  const fail = (errno: string, why: string): never => {
    throw new SysfsError(errno, `${name}: writing ${JSON.stringify(shown)} fails with -${errno} (${store}: ${why})`);
  };
  const parsed = <T>(r: Parsed<T>, parser: string, asIs = false): T => {
    if (r.value === undefined) fail(asIs ? r.errno! : 'EINVAL', `${parser} returns -${r.errno!}`);
    return r.value as T;
  };
  const longBits = ksm.abi === 'ilp32-le' ? 32 : 64;
  const k = ksm.knobs;
  /** ksm_pages_shared || remove_all_stable_nodes() → -EBUSY */
  const busy = (): void => {
    if (ksm.counters.pages_shared) fail('EBUSY', `pages_shared is ${ksm.counters.pages_shared}`);
    const e = remove_all_stable_nodes(ksm);
    if (e) fail('EBUSY', `remove_all_stable_nodes returns -${errnoName(e)}: a stable node's page is still mapped`);
  };
  switch (name) {
    case 'sleep_millisecs':
    case 'stable_node_chains_prune_millisecs':
      k[name] = parsed(kstrtouint(text), 'kstrtouint');
      return;
    case 'pages_to_scan':
      // checked before the text is parsed
      if (k.advisor_mode !== KSM_ADVISOR_NONE) fail('EINVAL', 'advisor_mode is scan-time');
      k.pages_to_scan = parsed(kstrtouint(text), 'kstrtouint');
      return;
    case 'run': {
      const flags = parsed(kstrtouint(text), 'kstrtouint');
      if (flags > KSM_RUN_UNMERGE) fail('EINVAL', `${flags} > KSM_RUN_UNMERGE`);
      if (k.run !== flags) {
        k.run = flags;
        if ((flags & KSM_RUN_UNMERGE) !== 0) {
          const e = unmerge_and_remove_all_rmap_items(ksm);
          if (e) {
            k.run = KSM_RUN_STOP;
            fail(errnoName(e), `unmerge_and_remove_all_rmap_items returns -${errnoName(e)}; run is 0`);
          }
        }
      }
      return;
    }
    case 'use_zero_pages':
    case 'smart_scan':
      k[name] = parsed(kstrtobool(text, mmHas(ksm.machine.kernel, 'kstrtobool_enabled_disabled')), 'kstrtobool') ? 1 : 0;
      return;
    case 'merge_across_nodes': {
      const knob = parsed(kstrtoul(text, longBits), 'kstrtoul', true);
      if (knob > 1n) fail('EINVAL', `${knob} > 1`);
      // One NUMA node is modelled: either value gives one stable and one unstable tree.
      if (BigInt(k.merge_across_nodes) !== knob) {
        busy();
        k.merge_across_nodes = Number(knob);
      }
      return;
    }
    case 'max_page_sharing': {
      const knob = parsed(kstrtoint(text), 'kstrtoint', true);
      if (knob < 2) fail('EINVAL', `${knob} < 2`);
      if (k.max_page_sharing === knob) return;
      busy();
      k.max_page_sharing = knob;
      return;
    }
    case 'advisor_mode': {
      const before = k.advisor_mode;
      if (sysfs_streq('scan-time', text)) k.advisor_mode = KSM_ADVISOR_SCAN_TIME;
      else if (sysfs_streq('none', text)) k.advisor_mode = KSM_ADVISOR_NONE;
      else fail('EINVAL', 'neither "scan-time" nor "none"');
      if (before !== k.advisor_mode) set_advisor_defaults(ksm);
      return;
    }
    case 'advisor_max_cpu':
      // unsigned long into the unsigned int ksm_advisor_max_cpu: the low 32 bits
      k.advisor_max_cpu = Number(parsed(kstrtoul(text, longBits), 'kstrtoul') & 0xffffffffn);
      return;
    case 'advisor_min_pages_to_scan':
    case 'advisor_max_pages_to_scan':
      k[name] = parsed(kstrtoul(text, longBits), 'kstrtoul');
      return;
    case 'advisor_target_scan_time': {
      const v = parsed(kstrtoul(text, longBits), 'kstrtoul');
      if (v < 1n) fail('EINVAL', `${v} < 1`);
      k.advisor_target_scan_time = v;
      return;
    }
  }
}

/** mm/ksm.c: set_advisor_defaults — on a change of advisor_mode. */
function set_advisor_defaults(ksm: Ksm): void {
  const k = ksm.knobs;
  if (k.advisor_mode === KSM_ADVISOR_NONE) k.pages_to_scan = DEFAULT_PAGES_TO_SCAN;
  // advisor_ctx is zeroed; the unsigned long goes into the unsigned int ksm_thread_pages_to_scan
  else k.pages_to_scan = Number(k.advisor_min_pages_to_scan & 0xffffffffn);
}

/**
 * The files of /sys/kernel/mm/ksm on the machine's kernel, in ksm_attrs[] order, each with the
 * text its *_show prints (without the newline).
 */
export function sysfs_files(ksm: Ksm): Record<string, string> {
  const v = read_sysfs(ksm) as unknown as Record<string, number | bigint>;
  const out: Record<string, string> = {};
  for (const a of sysfsAttrsOf(ksm.machine.kernel)) {
    // advisor_mode_show
    if (a.name === 'advisor_mode') out[a.name] = ksm.knobs.advisor_mode === KSM_ADVISOR_SCAN_TIME ? 'none [scan-time]' : '[none] scan-time';
    else out[a.name] = String(v[a.name]);
  }
  return out;
}

/** Whether `shown` (a file's text) is what an expectation `want` asks for: the same text; advisor_mode also by its selected mode. */
export function sysfsMatches(name: string, want: number | string, shown: string): boolean {
  const text = sysfsText(want);
  if (text === shown) return true;
  return name === 'advisor_mode' && /\[([^\]]*)\]/.exec(shown)?.[1] === text;
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

/**
 * fs/proc/base.c: proc_pid_ksm_stat — the lines the machine's kernel prints, in order, as
 * [name, value text]: 6.1 has ksm_rmap_items only; 6.4 / 6.5 add ksm_merging_pages,
 * ksm_process_profit and ksm_zero_pages; 6.14 adds ksm_merge_any (MMF_VM_MERGE_ANY) and
 * ksm_mergeable (ksm_process_mergeable: any VMA with VM_MERGEABLE).
 */
export function ksm_stat_lines(ksm: Ksm, mm: MmStruct): [string, string][] {
  const st = read_ksm_stat(ksm, mm) as unknown as Record<string, number>;
  const yes = (b: boolean): string => (b ? 'yes' : 'no');
  return ksmStatLinesOf(ksm.machine.kernel).map((l) => {
    if (l.name === 'ksm_merge_any') return [l.name, yes(mm.mmf_vm_merge_any)];
    if (l.name === 'ksm_mergeable') return [l.name, yes(mm.vmas.some((v) => (v.vm_flags & VM_MERGEABLE) !== 0))];
    return [l.name, String(st[l.name])];
  });
}

/** The text of /proc/<pid>/ksm_stat ("ksm_rmap_items 6\n…ksm_merge_any: no\n"). */
export function proc_pid_ksm_stat(ksm: Ksm, mm: MmStruct): string {
  const kinds = new Map(ksmStatLinesOf(ksm.machine.kernel).map((l) => [l.name, l.kind]));
  return ksm_stat_lines(ksm, mm)
    .map(([k, v]) => (kinds.get(k) === 'yes-no' ? `${k}: ${v}\n` : `${k} ${v}\n`))
    .join('');
}
