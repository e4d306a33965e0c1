// The system calls that shape an address space (mm/mmap.c, mm/vma.c, mm/mprotect.c,
// mm/mremap.c, mm/madvise.c, kernel/fork.c): what a scenario's ops do to the model.
import { anon_vma_clone, anon_vma_fork, unlink_anon_vmas } from './anon-vma.ts';
import type { Machine } from './machine.ts';
import { entryPointer, free_pgd_range, type MmStruct, mm_alloc } from './mm.ts';
import { forEachLeaf } from './leaves.ts';
import { copy_page_range, zap_page_range } from './memory.ts';
import { __split_huge_pmd } from './thp.ts';
import { type EntryPointer, isMappingKind, NULL_PTR, PT_PMD_LEAF, PT_TABLE, PTE_DIRTY, PTE_SPECIAL, PTE_WRITE } from './pgtable.ts';
import { kernelVersionText, mmHas } from './kernel.ts';
import { HPAGE_PMD_NR, PMD_LEVEL, PTE_LEVEL, userSpacePages } from './units.ts';
import {
  __split_vma,
  DEFAULT_MAX_MAP_COUNT,
  mapCountExceeded,
  MmErrno,
  find_vma,
  VM_ACCOUNT,
  VM_DONTCOPY,
  VM_HUGEPAGE,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYWRITE,
  VM_NORESERVE,
  VM_READ,
  VM_WRITE,
  vm_area_alloc,
  vm_area_dup,
  type VmAreaStruct,
  vma_link,
  vma_merge_new_range,
  vma_modify_flags,
  vma_unlink,
} from './vma.ts';

export class MmError extends Error {}

export interface MmapOptions {
  /** MAP_FIXED placement (a vpn); otherwise top-down below mmap_base. */
  readonly at?: number;
  /** MAP_NORESERVE */
  readonly noreserve?: boolean;
  /** PROT bits; default read+write. */
  readonly prot?: 'r' | 'rw' | 'none';
  /** madvise(MADV_HUGEPAGE) right after the mmap. */
  readonly hugepage?: boolean;
}

export function protFlags(prot: 'r' | 'rw' | 'none'): number {
  return prot === 'rw' ? VM_READ | VM_WRITE : prot === 'r' ? VM_READ : 0;
}

/**
 * mm/mmap.c: unmapped_area_topdown, with the THP alignment of __get_unmapped_area
 * (thp_get_unmapped_area_vmflags: an anon mapping whose length is a multiple of 2 MiB asks for
 * len + 2 MiB and rounds its start up to a 2 MiB boundary).
 */
export function get_unmapped_area(mm: MmStruct, pages: number): number {
  const thpAlign = pages % HPAGE_PMD_NR === 0;
  const need = thpAlign ? pages + HPAGE_PMD_NR : pages;
  let gapEnd = mm.mmap_base;
  for (let i = mm.vmas.length - 1; i >= -1; i--) {
    const vma = i >= 0 ? mm.vmas[i]! : null;
    if (vma && vma.vm_start >= gapEnd) continue;
    const gapStart = vma ? vma.vm_end : 1; // FIRST_USER_ADDRESS: keep page 0 unmapped
    if (gapEnd - gapStart >= need) {
      let start = gapEnd - need;
      if (thpAlign) {
        // mm/huge_memory.c: __thp_get_unmapped_area — off_sub = (off - ret) & (size - 1);
        // top-down and already aligned: ret + size (no hole above); else ret + off_sub.
        const off_sub = (HPAGE_PMD_NR - (start % HPAGE_PMD_NR)) % HPAGE_PMD_NR;
        start += off_sub === 0 ? HPAGE_PMD_NR : off_sub;
      }
      return start;
    }
    if (vma) gapEnd = Math.min(gapEnd, vma.vm_start);
  }
  throw new MmError(`mmap: no room for ${pages} pages below ${mm.mmap_base}`);
}

/** mm/mmap.c: do_mmap of a private anonymous mapping (MAP_PRIVATE | MAP_ANONYMOUS). Returns its first page. */
export function do_mmap(mm: MmStruct, pages: number, opts: MmapOptions = {}): number {
  if (!Number.isSafeInteger(pages) || pages <= 0) throw new MmError(`mmap: length ${pages} pages is not a positive integer`);
  // "Too many mappings?" (the check is >, so a process may reach max_map_count + 1)
  if (mm.vmas.length > DEFAULT_MAX_MAP_COUNT) throw mapCountExceeded(mm, 'mmap');
  let start: number;
  if (opts.at !== undefined) {
    start = opts.at;
    if (!Number.isSafeInteger(start) || start <= 0 || start + pages > mm.machine.userLimit) {
      throw new MmError(`mmap: [${start}, ${start + pages}) is outside the user address space`);
    }
    do_munmap(mm, start, pages); // MAP_FIXED replaces what was there
  } else {
    start = get_unmapped_area(mm, pages);
  }
  let flags = protFlags(opts.prot ?? 'rw') | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  flags |= opts.noreserve ? VM_NORESERVE : VM_ACCOUNT;
  // An anonymous mapping's pgoff is its start page (mm/mmap.c: do_mmap, MAP_ANONYMOUS).
  const merged = vma_merge_new_range(mm, { start, end: start + pages, flags, pgoff: start, anon_vma: null });
  if (!merged) vma_link(mm, vm_area_alloc(mm, start, start + pages, start, flags));
  if (opts.hugepage) madvise_flags(mm, start, pages, VM_HUGEPAGE, 0);
  return start;
}

/**
 * mm/vma.c: vms_gather_munmap_vmas — the VMAs intersecting [start, end), after splitting the
 * first and last at the range ends. Only a hole punched inside one VMA (a net new VMA) is
 * checked against max_map_count; munmap may otherwise go just above it, to free resources.
 */
function splitRange(mm: MmStruct, start: number, end: number): VmAreaStruct[] {
  const out: VmAreaStruct[] = [];
  let vma = find_vma(mm, start);
  while (vma && vma.vm_start < end) {
    if (vma.vm_start < start) {
      if (end < vma.vm_end && mm.vmas.length >= DEFAULT_MAX_MAP_COUNT) throw mapCountExceeded(mm, 'munmap');
      __split_vma(vma, start, true);
    }
    if (vma.vm_end > end) {
      __split_vma(vma, end, false);
    }
    out.push(vma);
    vma = find_vma(mm, vma.vm_end);
  }
  return out;
}

/** mm/vma.c: do_vmi_munmap — split at the ends, zap, free the page tables no VMA uses, drop the VMAs. */
export function do_munmap(mm: MmStruct, start: number, pages: number): void {
  const end = start + pages;
  const victims = splitRange(mm, start, end);
  if (victims.length === 0) return;
  for (const vma of victims) zap_page_range(vma, vma.vm_start, vma.vm_end);
  for (const vma of victims) {
    vma_unlink(mm, vma);
    unlink_anon_vmas(vma);
  }
  const first = victims[0]!;
  const last = victims[victims.length - 1]!;
  const prev = mm.vmas.filter((v) => v.vm_end <= first.vm_start).at(-1) ?? null;
  const next = find_vma(mm, last.vm_end);
  free_pgd_range(mm, first.vm_start, last.vm_end, prev ? prev.vm_end : 0, next ? next.vm_start : userSpacePages(mm.machine.levels));
}

/**
 * mm/madvise.c: madvise_update_vma over every VMA in [start, start + pages): set `set` and
 * clear `clear` in vm_flags, splitting or merging through vma_modify_flags. Returns the VMAs
 * that now hold the range. Unmapped parts are skipped (the kernel's -ENOMEM comes at the end).
 */
export function madvise_flags(mm: MmStruct, start: number, pages: number, set: number, clear: number): VmAreaStruct[] {
  const end = start + pages;
  const out: VmAreaStruct[] = [];
  let vma = find_vma(mm, start);
  while (vma && vma.vm_start < end) {
    const s = Math.max(start, vma.vm_start);
    const e = Math.min(end, vma.vm_end);
    const flags = (vma.vm_flags | set) & ~clear;
    const held = vma_modify_flags(vma, s, e, flags);
    out.push(held);
    // nstart = max(tmp, prev->vm_end): a VMA merged past e was already done
    vma = find_vma(mm, Math.max(e, held.vm_end));
  }
  return out;
}

/**
 * mm/madvise.c: MADV_DONTNEED — madvise_dontneed_single_vma per VMA: zap the pages; the VMAs
 * stay. The page tables stay too, except from 6.14 (zap_details.reclaim_pt): a PTE table whose
 * whole 2 MiB the zap covered and left empty is freed (mm/memory.c: zap_pte_range →
 * pte_table_reclaim_possible, zap_pte_table_if_empty; 6.14–7.1 mm/pt_reclaim.c).
 */
export function madvise_dontneed(mm: MmStruct, start: number, pages: number): void {
  const end = start + pages;
  const reclaim = mmHas(mm.machine.kernel, 'dontneed_reclaims_pte_tables');
  let vma = find_vma(mm, start);
  while (vma && vma.vm_start < end) {
    const s = Math.max(start, vma.vm_start);
    const e = Math.min(end, vma.vm_end);
    zap_page_range(vma, s, e);
    if (reclaim) reclaim_empty_pte_tables(mm, s, e);
    vma = find_vma(mm, vma.vm_end);
  }
}

/** The PT_RECLAIM half of zap_pte_range: every PTE table wholly inside [s, e) that is empty is freed. */
function reclaim_empty_pte_tables(mm: MmStruct, s: number, e: number): void {
  const pt = mm.machine.pt;
  for (let slot = Math.ceil(s / HPAGE_PMD_NR) * HPAGE_PMD_NR; slot + HPAGE_PMD_NR <= e; slot += HPAGE_PMD_NR) {
    const p = entryPointer(mm, slot, PMD_LEVEL, false);
    if (p === NULL_PTR || pt.kind[p] !== PT_TABLE) continue;
    const table = pt.val[p]!;
    if (pt.count[table] !== 0) continue; // a PTE left (e.g. a swap entry): the table stays
    pt.clear(p); // pmd_clear
    pt.free(table); // pte_free_tlb
  }
}

/** mm/mprotect.c: mprotect_fixup + change_protection over [start, start + pages). */
export function do_mprotect(mm: MmStruct, start: number, pages: number, prot: 'r' | 'rw' | 'none'): void {
  const newProt = protFlags(prot);
  const held = madvise_flags(mm, start, pages, newProt, (VM_READ | VM_WRITE) & ~newProt);
  const end = start + pages;
  const machine = mm.machine;
  const pt = machine.pt;
  const folios = machine.folios;
  const cleanToo = mmHas(machine.kernel, 'mprotect_writable_clean_anon');
  const pmdToo = mmHas(machine.kernel, 'mprotect_writable_pmd');
  for (const vma of held) {
    forEachLeaf(mm, Math.max(start, vma.vm_start), Math.min(end, vma.vm_end), (p) => {
      const kind = pt.kind[p]!;
      if (!isMappingKind(kind)) return;
      const folio = pt.val[p]!;
      if ((newProt & VM_WRITE) === 0) {
        pt.setBit(p, PTE_WRITE, false);
        return;
      }
      if (pt.has(p, PTE_WRITE)) return;
      // MM_CP_TRY_CHANGE_WRITABLE (private and VM_WRITE, mprotect_fixup): an exclusive anon page
      // is made writable at once, as its write fault would do without a copy.
      if (kind === PT_PMD_LEAF) {
        // mm/huge_memory.c: change_huge_pmd → can_change_pmd_writable (6.2+): PageAnon(page) && PageAnonExclusive(page)
        if (pmdToo && folios.anon(folio) && folios.pageAnonExclusive(folio, 0)) pt.setBit(p, PTE_WRITE, true);
        return;
      }
      // mm/mprotect.c: change_pte_range → can_change_pte_writable: 6.1 first wants pte_dirty;
      // vm_normal_page (NULL for the zero page) && PageAnon(page) && PageAnonExclusive(page)
      if (!cleanToo && !pt.has(p, PTE_DIRTY)) return;
      if (!pt.has(p, PTE_SPECIAL) && folios.anon(folio) && folios.pageAnonExclusive(folio, pt.page[p]!)) pt.setBit(p, PTE_WRITE, true);
    });
  }
}

/**
 * mm/mremap.c: a move-only mremap (MREMAP_FIXED | MREMAP_MAYMOVE, old_len == new_len) of
 * [old, old + pages) to `to`. Within one VMA: move_vma. Across several: from 6.17 remap_move
 * moves them one by one, keeping the gaps between them (7.3.4 mm/mremap.c:1948-2035; a gap at
 * the start is -EFAULT); before, vma_to_resize refuses a range past the VMA's end (-EFAULT).
 * Returns the destination's first page.
 */
export function do_mremap_move(mm: MmStruct, old: number, pages: number, to: number): number {
  if (to < old + pages && to + pages > old) throw new MmError('mremap: source and destination overlap');
  const first = find_vma(mm, old);
  if (first && first.vm_start <= old && first.vm_end >= old + pages) return move_vma(mm, old, pages, to);
  if (!mmHas(mm.machine.kernel, 'mremap_moves_multiple_vmas')) {
    throw new MmErrno('EFAULT', `mremap: [${old}, ${old + pages}) is not inside one VMA, and this kernel (${kernelVersionText(mm.machine.kernel)}) moves one VMA (mm/mremap.c: vma_to_resize)`);
  }
  return remap_move(mm, old, pages, to);
}

/** mm/mremap.c: remap_move — every VMA in the range moved by its own move, the gaps kept. */
function remap_move(mm: MmStruct, start: number, pages: number, newAddr: number): number {
  const end = start + pages;
  // the VMAs of the source range, before any of them moves (the destination does not overlap it)
  const sources: { addr: number; len: number; offset: number }[] = [];
  let lastEnd = 0;
  for (let vma = find_vma(mm, start); vma && vma.vm_start < end; vma = find_vma(mm, vma.vm_end)) {
    const addr = Math.max(vma.vm_start, start);
    const len = Math.min(end, vma.vm_end) - addr;
    // No gap permitted at the start of the range.
    if (sources.length === 0 && start < vma.vm_start) throw new MmErrno('EFAULT', `mremap: no VMA at the start of [${start}, ${end})`);
    sources.push({ addr, len, offset: sources.length ? vma.vm_start - lastEnd : 0 });
    lastEnd = vma.vm_end;
  }
  if (sources.length === 0) throw new MmErrno('EFAULT', `mremap: no VMA in [${start}, ${end})`);
  let target = newAddr;
  for (const s of sources) {
    const at = move_vma(mm, s.addr, s.len, target + s.offset);
    target = at + s.len;
  }
  return newAddr;
}

/**
 * mm/mremap.c: move_vma for a private anon range [old, old + pages) of one VMA moved to `to`:
 * KSM pages in the source are unshared first (prep_move_vma → ksm_madvise, VM_MERGEABLE kept),
 * the new VMA keeps the linear index (pgoff = vm_pgoff + offset), the PTEs move, the source goes.
 */
function move_vma(mm: MmStruct, old: number, pages: number, to: number): number {
  // mm/mremap.c (6.1–6.12): mremap_to "(map_count + 2) >= max_map_count - 3", move_vma "map_count >= max_map_count - 3"
  if (mm.vmas.length + 2 >= DEFAULT_MAX_MAP_COUNT - 3) throw mapCountExceeded(mm, 'mremap');
  do_munmap(mm, to, pages); // mremap_to: MREMAP_FIXED clears the destination first
  const src = find_vma(mm, old)!; // ... then looks the source up again (vma_to_resize)
  mm.machine.hooks.ksm_unmerge_for_move?.(src, old, old + pages);
  // copy_vma
  let pgoff = src.vm_pgoff + (old - src.vm_start);
  if (!src.anon_vma) pgoff = to;
  let dst = vma_merge_new_range(mm, { start: to, end: to + pages, flags: src.vm_flags, pgoff, anon_vma: src.anon_vma, copied_from: src });
  if (!dst) {
    dst = vm_area_dup(src);
    dst.vm_start = to;
    dst.vm_end = to + pages;
    dst.vm_pgoff = pgoff;
    anon_vma_clone(dst, src);
    vma_link(mm, dst);
  }
  move_page_tables(mm, old, to, pages);
  do_munmap(mm, old, pages);
  return to;
}

/** mm/mremap.c: move_page_tables — every entry moves to the same offset at the destination. */
function move_page_tables(mm: MmStruct, old: number, to: number, pages: number): void {
  const machine = mm.machine;
  const pt = machine.pt;
  const aligned = (old - to) % HPAGE_PMD_NR === 0;
  // Split PMD leaves that cannot move whole (move_huge_pmd needs both sides 2 MiB aligned).
  forEachLeaf(mm, old, old + pages, (p, vpn) => {
    if (pt.kind[p] === PT_PMD_LEAF && (!aligned || vpn < old || vpn + HPAGE_PMD_NR > old + pages)) __split_huge_pmd(mm, p);
  });
  const moves: { level: 0 | 1; from: number; p: EntryPointer }[] = [];
  forEachLeaf(mm, old, old + pages, (p, vpn) => {
    moves.push({ level: pt.levelOf(p) === PTE_LEVEL ? 0 : 1, from: vpn, p });
  });
  // Each entry goes to its destination slot, taking its place in its folio's mapping list.
  // The source and destination ranges do not overlap, so no move overwrites a later source.
  for (const m of moves) {
    const dest = m.from - old + to;
    const d = entryPointer(mm, dest, m.level === 0 ? PTE_LEVEL : PMD_LEVEL, true);
    const kind = pt.kindOf(m.p);
    pt.set(d, kind, pt.val[m.p]!, pt.page[m.p]!, pt.bits[m.p]!);
    if (isMappingKind(kind) && !machine.folios.zeroPage(pt.val[m.p]!)) machine.folios.relinkMapping(pt, pt.val[m.p]!, m.p, d);
    pt.clear(m.p);
  }
}

/** kernel/fork.c: dup_mmap — a child with copies of the VMAs (anon_vma_fork) and COW-shared pages. */
export function do_fork(parent: MmStruct, name: string): MmStruct {
  const child = mm_alloc(parent.machine, name);
  // dup_mm copies the mm_struct: the KSM per-mm counters come along (ksm_fork resets them, on
  // kernels that have the fix)
  child.ksm_merging_pages = parent.ksm_merging_pages;
  child.ksm_rmap_items = parent.ksm_rmap_items;
  child.ksm_zero_pages = parent.ksm_zero_pages;
  child.mmap_base = parent.mmap_base;
  child.mmf_vm_merge_any = parent.mmf_vm_merge_any;
  parent.machine.hooks.ksm_fork?.(child, parent);
  for (const pvma of parent.vmas) {
    if ((pvma.vm_flags & VM_DONTCOPY) !== 0) continue;
    const vma = vm_area_dup(pvma, child);
    anon_vma_fork(parent.machine, vma, pvma);
    vma_link(child, vma);
    if (pvma.anon_vma) copy_page_range(vma, pvma);
  }
  return child;
}

/** kernel/fork.c: __mmput → ksm_exit, then mm/mmap.c: exit_mmap (unmap all, free tables, free VMAs). */
export function do_exit(mm: MmStruct): void {
  const machine: Machine = mm.machine;
  mm.mm_users = 0;
  machine.hooks.ksm_exit?.(mm);
  for (const vma of mm.vmas) zap_page_range(vma, vma.vm_start, vma.vm_end);
  for (const vma of [...mm.vmas]) {
    vma_unlink(mm, vma);
    unlink_anon_vmas(vma);
  }
  free_pgd_range(mm, 0, userSpacePages(machine.levels), 0, userSpacePages(machine.levels));
}
