// struct mm_struct and the model's own (uncharged) page-table plumbing: allocating tables on
// the fault path (pte_alloc & co.), finding the entry that maps a page, and freeing tables no
// VMA can use any more (mm/memory.c: free_pgd_range).
import type { Machine } from './machine.ts';
import { type EntryPointer, newPageTable, type PageTable, type PtEntry, setEntry } from './pgtable.ts';
import { ENTRY_SPAN, MiB, PAGE_SIZE, PTE_LEVEL, type TableLevel, tableIndex, topLevel } from './units.ts';
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
  /** mm->mmap_base: top-down placement starts below it. */
  mmap_base: number;
}

/** Stack gap below the top of the mmap window (mm/util.c mmap_base: at least 128 MiB). */
export const MMAP_BASE_GAP_PAGES = (128 * MiB) / PAGE_SIZE;

/** kernel/fork.c: mm_alloc — an empty address space. */
export function mm_alloc(machine: Machine, name: string): MmStruct {
  const mm: MmStruct = {
    machine,
    id: machine.newMmId(),
    name,
    pgd: newPageTable(topLevel(machine.levels), 0),
    vmas: [],
    mm_users: 1,
    mmf_vm_mergeable: false,
    mmf_vm_merge_any: false,
    ksm_merging_pages: 0,
    ksm_rmap_items: 0,
    ksm_zero_pages: 0,
    mmap_base: machine.taskSize - MMAP_BASE_GAP_PAGES,
  };
  machine.mms.push(mm);
  return mm;
}

/** include/linux/ksm.h: ksm_test_exit */
export function ksm_test_exit(mm: MmStruct): boolean {
  return mm.mm_users === 0;
}

/**
 * The table at `level` that covers `vpn`, descending from the top; with `alloc`, missing
 * tables are allocated (mm/memory.c: __p4d_alloc/__pud_alloc/__pmd_alloc/__pte_alloc).
 * Returns null if a table is missing (and not allocated) or a leaf sits above `level`.
 */
export function tableFor(mm: MmStruct, vpn: number, level: TableLevel, alloc: boolean): PageTable | null {
  let table = mm.pgd;
  while (table.level > level) {
    const i = tableIndex(vpn, table.level);
    const e = table.entries[i];
    if (e === undefined) {
      if (!alloc) return null;
      const childLevel = (table.level - 1) as TableLevel;
      const span = ENTRY_SPAN[table.level]!;
      const child = newPageTable(childLevel, vpn - (vpn % span));
      setEntry(table, i, { kind: 'table', table: child });
      table = child;
    } else if (e.kind === 'table') {
      table = e.table;
    } else {
      return null;
    }
  }
  return table;
}

/** The entry pointer at `level` for `vpn` (tables allocated on the way if `alloc`). */
export function entryPointer(mm: MmStruct, vpn: number, level: TableLevel, alloc: boolean): EntryPointer | null {
  const table = tableFor(mm, vpn, level, alloc);
  return table ? { table, index: tableIndex(vpn, level) } : null;
}

/**
 * The lowest entry on the path to `vpn`: a PTE-level entry, or a PMD entry that is a leaf or
 * not present. Null when some level is none. The model's own lookup: nothing is charged.
 */
export function lookupEntry(mm: MmStruct, vpn: number): { ptr: EntryPointer; entry: PtEntry } | null {
  let table = mm.pgd;
  for (;;) {
    const index = tableIndex(vpn, table.level);
    const entry = table.entries[index];
    if (entry === undefined) return null;
    if (entry.kind !== 'table' || table.level === PTE_LEVEL) return { ptr: { table, index }, entry };
    table = entry.table;
  }
}

/**
 * mm/memory.c: free_pgd_range — free every table under [start, end) whose whole span lies in
 * [floor, ceiling), the gap no other VMA uses. The tables must already be empty of mappings.
 */
export function free_pgd_range(mm: MmStruct, start: number, end: number, floor: number, ceiling: number): void {
  freeTablesIn(mm.pgd, start, end, floor, ceiling);
}

function freeTablesIn(table: PageTable, start: number, end: number, floor: number, ceiling: number): void {
  if (table.level === PTE_LEVEL) return;
  const span = ENTRY_SPAN[table.level]!;
  const stop = Math.min(end, table.base + span * 512);
  for (let slotStart = Math.max(start - (start % span), table.base); slotStart < stop; slotStart += span) {
    const i = tableIndex(slotStart, table.level);
    const e = table.entries[i];
    if (e === undefined || e.kind !== 'table') continue;
    if (slotStart >= floor && slotStart + span <= ceiling) {
      setEntry(table, i, undefined);
    } else {
      freeTablesIn(e.table, Math.max(start, slotStart), Math.min(end, slotStart + span), floor, ceiling);
    }
  }
}
