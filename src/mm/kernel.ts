// Which kernel's mm the model follows. Behaviours that changed between versions (read from each
// version's source; evidence beside each) are gated on the machine's kernel version.

export interface KernelVersion {
  readonly major: number;
  readonly minor: number;
  /** The stable point release (0 for the mainline release itself). */
  readonly patch: number;
}

export class KernelVersionError extends Error {}

/** "6.12.59" or "7.3" → a version. */
export function parseKernelVersion(text: string): KernelVersion {
  const m = /^([0-9]+)\.([0-9]+)(?:\.([0-9]+))?$/.exec(text);
  if (!m) throw new KernelVersionError(`kernel version "${text}" is not MAJOR.MINOR[.PATCH] (e.g. 6.12.59)`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

export function kernelVersionText(k: KernelVersion): string {
  return k.patch ? `${k.major}.${k.minor}.${k.patch}` : `${k.major}.${k.minor}`;
}

function cmp(a: KernelVersion, b: KernelVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Whether `k` is `since` or later ("6.17", "6.12.54"). */
export function kernelAtLeast(k: KernelVersion, since: string): boolean {
  return cmp(k, parseKernelVersion(since)) >= 0;
}

/** Whether `k` is in the stable series of `series` ("6.12") at point release `patch` or later. */
function inStableFrom(k: KernelVersion, series: string, patch: number): boolean {
  const s = parseKernelVersion(series);
  return k.major === s.major && k.minor === s.minor && k.patch >= patch;
}

/** The version the machine follows when none is given: the newest modelled mainline release. */
export const DEFAULT_KERNEL: KernelVersion = parseKernelVersion('6.18');

/**
 * The mm behaviours that differ by version, each a predicate over the version with the source
 * that decides it (Debian linux-source 6.1.192, 6.12.118, 7.2.13, 7.3.4; mainline dates of the
 * commits for the versions between).
 */
export const MM_BEHAVIOURS = {
  /**
   * include/linux/ksm.h: ksm_fork resets the child's ksm_merging_pages and ksm_rmap_items
   * (4d6fc29f3634, v6.18; stable 6.12.54 and 6.17.y). 6.1.192's ksm_fork does not: the child
   * keeps the parent's counts, copied by dup_mm's memcpy (kernel/fork.c: dup_mm).
   */
  ksm_fork_resets_counters: (k: KernelVersion) => kernelAtLeast(k, '6.18') || inStableFrom(k, '6.12', 54) || inStableFrom(k, '6.17', 4),
  /**
   * mm/mremap.c: remap_move — a move-only mremap (MREMAP_FIXED, old_len == new_len) may span
   * several VMAs, each moved (and unmerged) in turn ("mm/mremap: permit mremap() move of multiple
   * VMAs", v6.17); before, vma_to_resize refuses a range past the VMA's end with -EFAULT.
   */
  mremap_moves_multiple_vmas: (k: KernelVersion) => kernelAtLeast(k, '6.17'),
  /**
   * mm/pt_reclaim.c (6.14–7.1), mm/memory.c: zap_pte_range (7.2+) — MADV_DONTNEED of a range
   * that covers a whole PTE table frees the table once all its entries are none (6375e95f381e,
   * v6.14; CONFIG_PT_RECLAIM on for x86-64).
   */
  dontneed_reclaims_pte_tables: (k: KernelVersion) => kernelAtLeast(k, '6.14'),
  /**
   * mm/vma.c: is_mergeable_anon_vma — from v6.16 (879bca0a2c4f) a VMA with an anon_vma and one
   * without merge unless the one with it is a fork child (vma_is_fork_child); before, a NULL
   * side merges only when the VMA it belongs to has a singular anon_vma_chain.
   */
  anon_vma_merge_fork_child_rule: (k: KernelVersion) => kernelAtLeast(k, '6.16'),
  /**
   * mm/vma.c: is_mergeable_anon_vma also refuses when vmg->copied_from (copy_vma's source, an
   * mremap) is a fork child (mm-hotfixes Jan 2026, v6.19; 7.3.4 mm/vma.c:144-148).
   */
  anon_vma_merge_checks_copied_from: (k: KernelVersion) => kernelAtLeast(k, '6.19'),
  /**
   * mm/huge_memory.c: do_huge_zero_wp_pmd — a write fault on the huge zero PMD allocates a THP
   * (1ced09e0331f, v6.13); before, do_huge_pmd_wp_page falls back to splitting the PMD into
   * zero-page PTEs and copies one page.
   */
  huge_zero_wp_allocates_thp: (k: KernelVersion) => kernelAtLeast(k, '6.13'),
  /**
   * mm/huge_memory.c: __split_huge_page (6.12) / __folio_split (7.x) — every successful split of
   * an anon large folio remaps its zero-filled subpages to the shared zero page
   * (remap_page(…, RMP_USE_SHARED_ZEROPAGE / TTU_USE_SHARED_ZEROPAGE) → remove_migration_pte →
   * try_to_map_unused_to_zeropage; b1f202060afe, v6.12; 6.12.118 mm/huge_memory.c:3403,
   * mm/migrate.c:241-277; 7.3.4 :4290-4293). 6.1.192 has no such code. The split-zeropage
   * variant axis says what a stack does; this is the default of a machine without one.
   */
  split_remaps_zero_subpages: (k: KernelVersion) => kernelAtLeast(k, '6.12'),
  /**
   * mm/memory.c: wp_can_reuse_anon_folio → __wp_can_reuse_large_anon_folio — a write fault on a
   * PTE-mapped THP page that is not PageAnonExclusive reuses it when the folio is mapped by this
   * mm only (no FOLIO_MM_IDS_SHARED_BIT), by more than one entry, and every reference is a
   * mapping (7.2.13 mm/memory.c:4109-4186; CONFIG_MM_ID, selected by THP). 6.12.118
   * (:3595-3606) returns false for every large folio. "mm: COW reuse support for PTE-mapped THP
   * with CONFIG_MM_ID" (posted Aug 2024) was merged for v6.15 — the version is from the series'
   * history, not from a source here: the sources bound it to (6.12.118, 7.2.13].
   */
  wp_reuses_large_anon_folio: (k: KernelVersion) => kernelAtLeast(k, '6.15'),
  /**
   * mm/memory.c: wp_can_reuse_anon_folio — `if (folio_test_large(folio)) return false;`
   * (6.12.118 :3605-3606; "mm: prohibit the last subpage from reusing the entire large folio",
   * posted March 2024, merged for v6.10 — from the patch's history; the sources bound it to
   * (6.1.192, 6.12.118]). 6.1.192 do_wp_page (:3461-3496) applies the small-folio test to a
   * large folio too: a THP page whose folio has no other reference is reused.
   */
  wp_refuses_large_anon_folio: (k: KernelVersion) => kernelAtLeast(k, '6.10'),
  /**
   * mm/mprotect.c: can_change_pte_writable — a private anon PTE becomes writable on
   * mprotect(PROT_WRITE) when its page is PageAnonExclusive, clean or dirty (6.12.118 :43-72,
   * 7.2.13 :61-77). 6.1.192 (:42-73) also requires pte_dirty. Changed in v6.2 ("mm/mprotect:
   * allow clean exclusive anon pages to be writable"; the sources bound it to (6.1.192, 6.12.118]).
   */
  mprotect_writable_clean_anon: (k: KernelVersion) => kernelAtLeast(k, '6.2'),
  /**
   * mm/huge_memory.c: change_huge_pmd — MM_CP_TRY_CHANGE_WRITABLE && can_change_pmd_writable
   * makes an exclusive anon PMD writable on mprotect(PROT_WRITE) (6.12.118 :2377-2378, 7.2.13
   * :2766-2767). 6.1.192's change_huge_pmd has no such branch: the PMD stays read-only until a
   * write fault (v6.2, "mm/huge_memory: try avoiding write faults when changing PMD protection";
   * the sources bound it to (6.1.192, 6.12.118]).
   */
  mprotect_writable_pmd: (k: KernelVersion) => kernelAtLeast(k, '6.2'),
  /**
   * lib/kstrtox.c: kstrtobool also takes "e"/"E" (enabled, true) and "d"/"D" (disabled, false)
   * (ae5b3500856f, v6.16); this host's 6.18 takes "enable" and "disabled" in use_zero_pages.
   */
  kstrtobool_enabled_disabled: (k: KernelVersion) => kernelAtLeast(k, '6.16'),
  /**
   * mm/memory-failure.c: collect_procs → mm/ksm.c: collect_procs_ksm for a KSM folio (6.12.118
   * memory-failure.c:733-734, ksm.c:3184-3221; 7.2.13 :659-660, ksm.c:3228-3265; 7.3.4 :669-670,
   * ksm.c:3269-3305). 6.1.192 hwpoison_user_mappings refuses a KSM page before collecting
   * anyone (memory-failure.c:1451-1454, "can't handle KSM pages"; memory_failure :2202-2205
   * reports MF_MSG_UNMAP_FAILED, -EBUSY). "mm: ksm: support hwpoison for ksm page"
   * (4248d0083ec5, posted March 2023) was merged for v6.4 — from the patch's history; the
   * sources bound it to (6.1.192, 6.12.118].
   */
  memory_failure_collects_ksm: (k: KernelVersion) => kernelAtLeast(k, '6.4'),
} as const;

export type MmBehaviour = keyof typeof MM_BEHAVIOURS;

export function mmHas(k: KernelVersion, behaviour: MmBehaviour): boolean {
  return MM_BEHAVIOURS[behaviour](k);
}
