// Stacks: a kernel or a patch series state — one variant per axis plus the model knobs it
// implies (merge order, paging levels, ABI, smart scan). Which patch landed when:
// kernel/scan.md §0 and kernel/rmap.md §3.1.
import type { Abi, KsmPolicy } from '../src/ksm/variant-api.ts';
import { THP_KERNEL_DEFAULTS, type ThpKnobs } from '../src/mm/machine.ts';
import { getVariant } from './registry.ts';
import type { Axis } from './types.ts';

export type MergeOrder = '6.1' | '6.11';

export interface Stack {
  readonly name: string;
  readonly description: string;
  /** The kernel whose mm the stack follows (src/mm/kernel.ts MM_BEHAVIOURS), e.g. "6.12.59". */
  readonly kernel: string;
  /** The releases the stack stands for, e.g. "6.1.0 – 6.1.160". */
  readonly covers: string;
  readonly variants: Readonly<Record<Axis, string>>;
  readonly mergeOrder: MergeOrder;
  readonly paging: 4 | 5;
  readonly abi: Abi;
  /** Knobs the kernel did not have are pinned off (smart scan arrived ~6.7). */
  readonly smartScan: boolean;
  /** The THP knobs the machine boots with (a scenario's "thp" field overrides them). */
  readonly thp: ThpKnobs;
  /**
   * The evidence of each choice: per axis (and "kernel", "merge", "smart-scan", "thp"), the source
   * file:function:line of the version read, or the commit and release it landed in.
   */
  readonly source: Readonly<Record<Axis | 'kernel' | 'merge' | 'smart-scan' | 'thp', string>>;
}

/**
 * Every stack boots with the kernel's THP defaults: enabled=always (mm/Kconfig's default choice
 * TRANSPARENT_HUGEPAGE_ALWAYS, 7.3.4 mm/Kconfig:855; the same default in 6.1 and 6.12),
 * use_zero_page=1, shrink_underused=1 (6.12+; 6.1 has no such knob, and nothing reads it there).
 */
const LP64: Pick<Stack, 'paging' | 'abi' | 'thp'> = { paging: 4, abi: 'lp64-le', thp: THP_KERNEL_DEFAULTS };

/** Evidence shared by several stacks (Debian linux-source packages: 6.1.192, 6.12.118, 7.2.13, 7.3.4). */
const EVIDENCE = {
  perAddressScan61: 'per-address follow_page() loop in scan_get_next_rmap_item (mainline 6.1); the range walk arrived in stable 6.1.161 (Debian changelog 6.1.162-1)',
  perAddressScan: 'per-address folio_walk_start() in scan_get_next_rmap_item (6.12 – 6.17 mainline; f5548c318d65 not yet in)',
  rangeScan: 'walk_page_range_vma(…, &ksm_next_page_ops) in scan_get_next_rmap_item (f5548c318d65, v6.18; 6.12.118 mm/ksm.c:2640, 7.2.13 :2673, 7.3.4 :2707)',
  fullRange: 'anon_vma_interval_tree_foreach(…, 0, ULONG_MAX) in rmap_walk_ksm (6.1.192 mm/ksm.c:2756, 6.12.118 :3141, 7.2.13 :3189)',
  perAddressUnmerge61: 'unmerge_ksm_pages loops break_ksm per address, follow_page + FAULT_FLAG_WRITE, blind to zero pages (6.1.192 mm/ksm.c:817-831, :438-497)',
  perAddressUnmerge: 'unmerge_ksm_pages loops break_ksm per address, folio_walk_start + FAULT_FLAG_UNSHARE (6.12.118 mm/ksm.c:1039-1054, :625-677)',
  rangeUnmerge: 'break_ksm walks walk_page_range_vma with break_ksm_ops, unmerge_ksm_pages gone (range-walk break_ksm series, v6.19; 7.2.13 mm/ksm.c:692-743, 7.3.4 :698-743)',
  legacyZero: 'replace_page maps a clean pte_mkspecial zero page, no ksm_zero_pages counter (6.1.192 mm/ksm.c:1168-1177)',
  markedZero: 'replace_page maps pte_mkdirty(pte_mkspecial(zero)), ksm_zero_pages counted, is_ksm_zero_pte (6.12.118 mm/ksm.c:1400-1401, include/linux/ksm.h:34)',
  keyhole: 'get_ksm_page / ksm_get_folio keyhole check of kpfn and ->mapping (6.1.192 mm/ksm.c:665, 6.12.118 :886, 7.3.4 :966)',
  merge61: 'cmp_and_merge_page searches the stable tree before the checksum (6.1.192 mm/ksm.c:2069, :2102)',
  merge611: 'cmp_and_merge_page: checksum first, then the zero page, then the stable tree (6.12.118 mm/ksm.c:2257, :2263, :2268; 7.3.4 :2315)',
  noSmart: 'no age / remaining_skips in ksm_rmap_item, no smart_scan knob (6.1.192 mm/ksm.c:194-212)',
  smart: 'should_skip_rmap_item and the smart_scan knob (6.12.118 mm/ksm.c:2412; 7.3.4 :2492)',
  noSplitZero: 'no try_to_map_unused_to_zeropage / RMP_USE_SHARED_ZEROPAGE in 6.1.192 mm/ (b1f202060afe is v6.12)',
  splitZero: 'remap_page(folio, nr, PageAnon(head) ? RMP_USE_SHARED_ZEROPAGE : 0) in __split_huge_page (b1f202060afe, v6.12; 6.12.118 mm/huge_memory.c:3403, mm/migrate.c:241-277; 7.2.13 __folio_split :4208-4211; 7.3.4 :4290-4293)',
  thp: 'enabled=always (mm/Kconfig default TRANSPARENT_HUGEPAGE_ALWAYS, 7.3.4 :855), use_zero_page=1 (mm/huge_memory.c default flags, 6.1.192 :59-68, 7.3.4 :61-70), shrink_underused=1 (split_underused_thp, 7.3.4 mm/huge_memory.c:79)',
} as const;

/** The evidence of a stack from 6.12 on: marked zero pages, keyhole reference, merge order 6.11, smart scan, and `own`. */
function modernSource(own: Pick<Stack['source'], 'kernel' | 'scanner' | 'rmap' | 'unmerge'>): Stack['source'] {
  return { ...own, 'zero-pages': EVIDENCE.markedZero, 'stable-ref': EVIDENCE.keyhole, merge: EVIDENCE.merge611, 'smart-scan': EVIDENCE.smart, 'split-zeropage': EVIDENCE.splitZero, thp: EVIDENCE.thp };
}

export const STACKS: readonly Stack[] = [
  {
    name: 'v6.1',
    description: 'Linux 6.1 before the range-walk backport (Dec 2022): per-address scan (follow_page), stable tree searched before the checksum, KSM zero pages unmarked, no smart scan; ksm_fork keeps the parent\'s counts. 6.1.161+ (Debian 6.1.192) has the range-walk scan: --base v6.1 --variant scanner=walk-page-range',
    kernel: '6.1.0',
    covers: '6.1.0–6.1.160',
    variants: { scanner: 'folio-walk', rmap: 'full-range', unmerge: 'per-address', 'zero-pages': 'legacy', 'stable-ref': 'keyhole', 'split-zeropage': 'none' },
    mergeOrder: '6.1',
    smartScan: false,
    source: {
      kernel: 'mainline 6.1 mm; 6.1.192 (Debian bookworm) read for everything but the scanner',
      scanner: EVIDENCE.perAddressScan61,
      rmap: EVIDENCE.fullRange,
      unmerge: EVIDENCE.perAddressUnmerge61,
      'zero-pages': EVIDENCE.legacyZero,
      'stable-ref': EVIDENCE.keyhole,
      merge: EVIDENCE.merge61,
      'smart-scan': EVIDENCE.noSmart,
      'split-zeropage': EVIDENCE.noSplitZero,
      thp: EVIDENCE.thp,
    },
    ...LP64,
  },
  {
    name: 'v6.12',
    description: 'Linux 6.12.y as shipped today (Debian trixie 6.12.118): range-walk scan (backported in 6.12.59), per-address unmerge, marked zero pages, smart scan. 6.12.0–6.12.58 scanned per address: --base v6.12 --variant scanner=folio-walk',
    kernel: '6.12.59',
    covers: '6.12.59–6.12.118+',
    variants: { scanner: 'walk-page-range', rmap: 'full-range', unmerge: 'per-address', 'zero-pages': 'marked', 'stable-ref': 'keyhole', 'split-zeropage': 'remap' },
    mergeOrder: '6.11',
    smartScan: true,
    source: modernSource({
      kernel: 'Debian linux-source-6.12 6.12.118 (trixie)',
      scanner: `${EVIDENCE.rangeScan}; in 6.12.y from 6.12.59 (Debian changelog 6.12.63-1)`,
      rmap: EVIDENCE.fullRange,
      unmerge: EVIDENCE.perAddressUnmerge,
    }),
    ...LP64,
  },
  {
    name: 'v6.17',
    description: 'Linux 6.17 before the range-walk backport (Sep 2025): folio_walk scan, checksum first, marked zero pages, smart scan, multi-VMA mremap. 6.17.9+ has the range-walk scan: --base v6.17 --variant scanner=walk-page-range',
    kernel: '6.17.0',
    covers: '6.17.0–6.17.8',
    variants: { scanner: 'folio-walk', rmap: 'full-range', unmerge: 'per-address', 'zero-pages': 'marked', 'stable-ref': 'keyhole', 'split-zeropage': 'remap' },
    mergeOrder: '6.11',
    smartScan: true,
    source: modernSource({
      kernel: 'mainline 6.17 (no source package left in Debian: commits bracketed by 6.12.118 and 7.2.13)',
      scanner: `${EVIDENCE.perAddressScan}; the range walk reached 6.17.9 (stable announcement)`,
      rmap: EVIDENCE.fullRange,
      unmerge: EVIDENCE.perAddressUnmerge,
    }),
    ...LP64,
  },
  {
    name: 'v6.18',
    description: 'Linux 6.18 (Nov 2025): + range-walk scan (seed 004, f5548c318d65)',
    kernel: '6.18',
    covers: '6.18.x',
    variants: { scanner: 'walk-page-range', rmap: 'full-range', unmerge: 'per-address', 'zero-pages': 'marked', 'stable-ref': 'keyhole', 'split-zeropage': 'remap' },
    mergeOrder: '6.11',
    smartScan: true,
    source: modernSource({
      kernel: 'mainline 6.18 (the host kernel of the live checks)',
      scanner: EVIDENCE.rangeScan,
      rmap: EVIDENCE.fullRange,
      unmerge: `${EVIDENCE.perAddressUnmerge}; the range-walk break_ksm series is v6.19`,
    }),
    ...LP64,
  },
  {
    name: 'v6.19',
    description: 'Linux 6.19 (Feb 2026): + range-walk break_ksm (unmerge); also stands for 7.0 – 7.2, whose KSM and mm paths modelled here are the same',
    kernel: '6.19',
    covers: '6.19.x–7.2.x',
    variants: { scanner: 'walk-page-range', rmap: 'full-range', unmerge: 'range-walk', 'zero-pages': 'marked', 'stable-ref': 'keyhole', 'split-zeropage': 'remap' },
    mergeOrder: '6.11',
    smartScan: true,
    source: modernSource({
      kernel: 'Debian linux-source-7.2 7.2.13 (sid) read; 6.19 – 7.1 bracketed by it (the break_ksm range-walk hotfix was in mm-hotfixes for 6.19-rc, Dec 2025)',
      scanner: EVIDENCE.rangeScan,
      rmap: `${EVIDENCE.fullRange}; unchanged through 7.2.13`,
      unmerge: EVIDENCE.rangeUnmerge,
    }),
    ...LP64,
  },
  {
    name: 'v7.3',
    description: 'Linux 7.3 (Oct 2026): + the merged rmap index series (rmap_walk_ksm and collect_procs_ksm query the page\'s linear_anon_page_index)',
    kernel: '7.3',
    covers: '7.3.x',
    variants: { scanner: 'walk-page-range', rmap: 'linear-page-index', unmerge: 'range-walk', 'zero-pages': 'marked', 'stable-ref': 'keyhole', 'split-zeropage': 'remap' },
    mergeOrder: '6.11',
    smartScan: true,
    source: modernSource({
      kernel: 'Debian linux-source-7.3 7.3.4 (trixie-backports)',
      scanner: EVIDENCE.rangeScan,
      rmap: 'anon_rmap_tree_foreach(vmac, anon_vma, index, index) with index = rmap_item->linear_page_index, set in try_to_merge_with_ksm_page, reset in break_cow / remove_node_from_stable_tree / remove_rmap_item_from_tree (7.3.4 mm/ksm.c:3231, :1628, :805, :919, :1073); linear_anon_page_index equals linear_page_index for anonymous VMAs',
      unmerge: EVIDENCE.rangeUnmerge,
    }),
    ...LP64,
  },
  ...seriesStacks(),
];

/** The stacks of the rmap index series before it merged: each on the mm tree of its time. */
function seriesStacks(): Stack[] {
  const series = (name: string, description: string, kernel: string, covers: string, rmap: string, rmapSource: string): Stack => ({
    name,
    description,
    kernel,
    covers,
    variants: { scanner: 'walk-page-range', rmap, unmerge: 'range-walk', 'zero-pages': 'marked', 'stable-ref': 'keyhole', 'split-zeropage': 'remap' },
    mergeOrder: '6.11',
    smartScan: true,
    source: modernSource({
      kernel: `the mm tree the series was posted on (${kernel})`,
      scanner: EVIDENCE.rangeScan,
      rmap: rmapSource,
      unmerge: EVIDENCE.rangeUnmerge,
    }),
    ...LP64,
  });
  return [
    series('rmap-v3', 'mm tree, Feb–Apr 2026: mainline range-walk break_ksm, rmap index series v3 (address >> PAGE_SHIFT)', '7.0', 'a series', 'addr-shift', 'rmap index series v3 2/2: ksm: Optimize rmap_walk_ksm by passing a suitable address range (kernel/rmap.md §3.2)'),
    series('rmap-v4', 'rmap index series v4 (May 2026): stored merge-time vm_pgoff (seed 002)', '7.1', 'a series', 'vm-pgoff', 'rmap index series v4 3/5 + 4/5: ksm: add vm_pgoff into ksm_rmap_item (seed 002)'),
    series('rmap-v8', 'rmap index series v8 (Jun 2026): stored linear_page_index (seed 000)', '7.1', 'a series', 'linear-page-index', 'rmap index series v8 (seed 000), merged for 7.3'),
    series('next-20260720', 'linux-next 2026-07-20: range-walk scan and unmerge, rmap index v8', '7.2', 'linux-next 2026-07-20', 'linear-page-index', 'rmap index series v8 in mm-next'),
  ];
}

export class UnknownStackError extends Error {}

export function getStack(name: string): Stack {
  const s = STACKS.find((x) => x.name === name);
  if (!s) throw new UnknownStackError(`unknown stack "${name}" (accepted: ${STACKS.map((x) => x.name).join(', ')})`);
  return s;
}

/** The engine policy of a set of variant ids (one per axis). */
export function policyOf(ids: Readonly<Record<Axis, string>>): KsmPolicy {
  return {
    scanner: getVariant('scanner', ids.scanner).policy,
    rmap: getVariant('rmap', ids.rmap).policy,
    unmerge: getVariant('unmerge', ids.unmerge).policy,
    zeroPages: getVariant('zero-pages', ids['zero-pages']).policy,
    stableRef: getVariant('stable-ref', ids['stable-ref']).policy,
    splitZeroPage: getVariant('split-zeropage', ids['split-zeropage']).policy,
  };
}
