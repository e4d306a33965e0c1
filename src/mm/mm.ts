// struct mm_struct and the model's own (uncharged) page-table plumbing: allocating tables on
// the fault path (pte_alloc & co.), finding the entry that maps a page, and freeing tables no
// VMA can use any more (mm/memory.c: free_pgd_range).
import { forEachSlot } from './leaves.ts';
import type { Machine } from './machine.ts';
import { type EntryPointer, isMappingKind, NULL_PTR, type PageTable, PT_NONE, PT_TABLE } from './pgtable.ts';
import { ENTRY_SPAN, MiB, PAGE_SIZE, PTE_LEVEL, PTRS_PER_TABLE, type TableLevel, tableIndex, topLevel } from './units.ts';
import type { VmAreaStruct } from './vma.ts';

export interface MmStruct {
  readonly machine: Machine;
  readonly id: number;
  /** A name for reports (the scenario's process name). */
  readonly name: string;
  /** The top page table (PML4 or PML5). */
  readonly pgd: PageTable;
  /** VMAs sorted by vm_start. */
  readonly vmas: VmAreaStruct[];
  /** mm_users: 0 means exiting (ksm_test_exit). */
  mm_users: number;
  /** MMF_VM_MERGEABLE: registered with KSM. */
  mmf_vm_mergeable: boolean;
  /** MMF_VM_MERGE_ANY: PR_SET_MEMORY_MERGE. */
  mmf_vm_merge_any: boolean;
  /** mm->ksm_merging_pages, mm->ksm_rmap_items, mm->ksm_zero_pages (include/linux/mm_types.h). */
  ksm_merging_pages: number;
  ksm_rmap_items: number;
  ksm_zero_pages: number;
  /**
   * Model-only ground truth: the parent's ksm_merging_pages / ksm_rmap_items a fork copied into
   * this mm and the kernel's ksm_fork did not reset (6.1), which its counters carry for life.
   */
  ksm_counts_inherited: { merging: number; items: number };
  /** mm->mmap_base: top-down placement starts below it. */
  mmap_base: number;
}

/** Stack gap below the top of the mmap window (mm/util.c mmap_base: at least 128 MiB). */
export const MMAP_BASE_GAP_PAGES = (128 * MiB) / PAGE_SIZE;

/** kernel/fork.c: mm_alloc — an empty address space. */
export function mm_alloc(machine: Machine, name: string): MmStruct {
  const id = machine.newMmId();
  const mm: MmStruct = {
    machine,
    id,
    name,
    pgd: machine.pt.alloc(topLevel(machine.levels), 0, id),
    vmas: [],
    mm_users: 1,
    mmf_vm_mergeable: false,
    mmf_vm_merge_any: false,
    ksm_merging_pages: 0,
    ksm_rmap_items: 0,
    ksm_zero_pages: 0,
    ksm_counts_inherited: { merging: 0, items: 0 },
    mmap_base: machine.taskSize - MMAP_BASE_GAP_PAGES,
  };
  machine.mms.push(mm);
  machine.mmById[id] = mm;
  return mm;
}

/** include/linux/ksm.h: ksm_test_exit */
export function ksm_test_exit(mm: MmStruct): boolean {
  return mm.mm_users === 0;
}

/**
 * The table at `level` that covers `vpn`, descending from the top; with `alloc`, missing
 * tables are allocated (mm/memory.c: __p4d_alloc/__pud_alloc/__pmd_alloc/__pte_alloc).
 * Returns NULL_PTR if a table is missing (and not allocated) or a leaf sits above `level`.
 */
export function tableFor(mm: MmStruct, vpn: number, level: TableLevel, alloc: boolean): PageTable {
  const pt = mm.machine.pt;
  let table = mm.pgd;
  for (let l = pt.level[table]! as TableLevel; l > level; l--) {
    const p = table * PTRS_PER_TABLE + tableIndex(vpn, l);
    const kind = pt.kind[p]!;
    if (kind === PT_TABLE) {
      table = pt.val[p]!;
    } else if (kind === PT_NONE) {
      if (!alloc) return NULL_PTR;
      const span = ENTRY_SPAN[l]!;
      const child = pt.alloc((l - 1) as TableLevel, vpn - (vpn % span), mm.id);
      pt.set(p, PT_TABLE, child, 0, 0);
      table = child;
    } else {
      return NULL_PTR;
    }
  }
  return table;
}

/** The entry pointer at `level` for `vpn` (tables allocated on the way if `alloc`), or NULL_PTR. */
export function entryPointer(mm: MmStruct, vpn: number, level: TableLevel, alloc: boolean): EntryPointer {
  const table = tableFor(mm, vpn, level, alloc);
  return table === NULL_PTR ? NULL_PTR : table * PTRS_PER_TABLE + tableIndex(vpn, level);
}

/**
 * The lowest entry on the path to `vpn`: a PTE-level entry, or a PMD entry that is a leaf or
 * not present. NULL_PTR when some level is none. The model's own lookup: nothing is charged.
 */
export function lookupEntry(mm: MmStruct, vpn: number): EntryPointer {
  const pt = mm.machine.pt;
  let table = mm.pgd;
  for (let l = pt.level[table]! as TableLevel; ; l--) {
    const p = table * PTRS_PER_TABLE + tableIndex(vpn, l);
    const kind = pt.kind[p]!;
    if (kind === PT_NONE) return NULL_PTR;
    if (kind !== PT_TABLE || l === PTE_LEVEL) return p;
    table = pt.val[p]!;
  }
}

/**
 * mm/memory.c: free_pgd_range — free every table under [start, end) whose whole span lies in
 * [floor, ceiling), the gap no other VMA uses. The tables must already be empty of mappings.
 */
export function free_pgd_range(mm: MmStruct, start: number, end: number, floor: number, ceiling: number): void {
  freeTablesIn(mm, mm.pgd, start, end, floor, ceiling);
}

function freeTablesIn(mm: MmStruct, table: PageTable, start: number, end: number, floor: number, ceiling: number): void {
  const pt = mm.machine.pt;
  if (pt.level[table] === PTE_LEVEL) return;
  forEachSlot(mm, table, start, end, (p, slotStart, span) => {
    if (pt.kind[p] !== PT_TABLE) return;
    const child = pt.val[p]!;
    if (slotStart >= floor && slotStart + span <= ceiling) {
      pt.clear(p);
      freeSubtree(mm, child);
    } else {
      freeTablesIn(mm, child, Math.max(start, slotStart), Math.min(end, slotStart + span), floor, ceiling);
    }
  });
}

/** Give a detached table and every table below it back (their entries are none or tables). */
function freeSubtree(mm: MmStruct, table: PageTable): void {
  const pt = mm.machine.pt;
  if (pt.level[table] !== PTE_LEVEL && pt.count[table]! > 0) {
    const from = table * PTRS_PER_TABLE;
    for (let p = from; p < from + PTRS_PER_TABLE; p++) {
      if (pt.kind[p] === PT_TABLE) {
        freeSubtree(mm, pt.val[p]!);
        pt.clear(p);
      }
    }
  }
  if (pt.count[table] !== 0) {
    // Non-table leaves left (not-present entries the zap kept): clear them so a reused table starts empty.
    const from = table * PTRS_PER_TABLE;
    for (let p = from; p < from + PTRS_PER_TABLE; p++) {
      if (isMappingKind(pt.kind[p]!)) throw new Error(`free_pgd_range: page ${pt.vpnOf(p)} is still mapped`);
      if (pt.kind[p] !== PT_NONE) pt.clear(p);
    }
  }
  pt.free(table);
}
