// Page tables: a sparse radix tree of 512-entry tables, 4 or 5 levels (arch/x86 pgtable_64).
// Reading an entry through these accessors is the unit of scan cost: each real table entry
// read is charged once to `pt_reads` and its level (or to `unmerge_pt_reads`).
import { COUNTER_SLOT, type CounterSlots } from './counters.ts';
import type { Folio } from './folio.ts';
import type { MmStruct } from './mm.ts';
import { PTRS_PER_TABLE, type PagingLevels, type TableLevel, topLevel } from './units.ts';

export interface PageTable {
  readonly level: TableLevel;
  /** First vpn this table covers. */
  readonly base: number;
  readonly entries: (PtEntry | undefined)[];
  /** Non-none entries. */
  count: number;
}

/** A present entry at PGD/P4D/PUD/PMD level pointing to the next table. */
export interface TableEntry {
  readonly kind: 'table';
  readonly table: PageTable;
}

/** A present PTE (pte_present). `special` PTEs (zero page) have no vm_normal_page. */
export interface PteEntry {
  readonly kind: 'pte';
  folio: Folio;
  /** Which page of the folio (a PTE-mapped THP maps each page separately). */
  page: number;
  writable: boolean;
  dirty: boolean;
  special: boolean;
  readonly mm: MmStruct;
  vpn: number;
  /**
   * Ground truth only (the oracle reads it, variants never do): this zero-page PTE was
   * placed by KSM's replace_page, whatever the kernel version does to mark it.
   */
  ksmPlacedZero?: boolean;
}

/** A present PMD leaf: a PMD-mapped THP (or the huge zero page, special). */
export interface PmdLeafEntry {
  readonly kind: 'pmd-leaf';
  folio: Folio;
  writable: boolean;
  dirty: boolean;
  special: boolean;
  readonly mm: MmStruct;
  vpn: number;
}

/** A not-present swap entry: the page's content lives in swap. */
export interface SwapEntry {
  readonly kind: 'swap';
  readonly content: number;
}

/** A not-present migration entry pointing at the folio being migrated. */
export interface MigrationEntry {
  readonly kind: 'migration';
  readonly folio: Folio;
  readonly writable: boolean;
}

export type PtEntry = TableEntry | PteEntry | PmdLeafEntry | SwapEntry | MigrationEntry;
/** Entries that map a folio: what the ground truth lists. */
export type MappingEntry = PteEntry | PmdLeafEntry;

/** Who pays for a page-table read: ksmd's scan, an unmerge (break_ksm) or nobody (the model's own bookkeeping). */
export type ReadAccount = 'scan' | 'unmerge' | 'none';

export function newPageTable(level: TableLevel, base: number): PageTable {
  return { level, base, entries: new Array<PtEntry | undefined>(PTRS_PER_TABLE), count: 0 };
}

type LevelCounter = 'pt_reads_pgd' | 'pt_reads_p4d' | 'pt_reads_pud' | 'pt_reads_pmd' | 'pt_reads_pte';
const LEVEL_COUNTER: readonly LevelCounter[] = ['pt_reads_pte', 'pt_reads_pmd', 'pt_reads_pud', 'pt_reads_p4d', 'pt_reads_pgd'];

/**
 * The per-level counter of a table level. The top table is always `pgd` (PML4 with 4 levels,
 * PML5 with 5); with 4 levels the P4D is folded and never read (kernel/scan.md §1).
 */
export function levelCounter(level: TableLevel, levels: PagingLevels): LevelCounter {
  if (level === topLevel(levels)) return 'pt_reads_pgd';
  return LEVEL_COUNTER[level]!;
}

const PT_READS = COUNTER_SLOT.pt_reads;
const UNMERGE_PT_READS = COUNTER_SLOT.unmerge_pt_reads;
/** The counter slot of each table level, for 4 and 5 paging levels: LEVEL_SLOT[levels - 4][level]. */
const LEVEL_SLOT: readonly (readonly number[])[] = [4, 5].map((levels) =>
  [0, 1, 2, 3, 4].map((level) => COUNTER_SLOT[levelCounter(level as TableLevel, levels as PagingLevels)]),
);

/** Charge `n` entry reads at `level` (n > 1 only for the closed-form per-address path). */
export function chargeReads(
  counters: CounterSlots,
  levels: PagingLevels,
  level: TableLevel,
  n: number,
  account: ReadAccount,
): void {
  if (n === 0 || account === 'none') return;
  const slots = counters.slots;
  if (account === 'unmerge') {
    slots[UNMERGE_PT_READS]! += n;
    return;
  }
  slots[PT_READS]! += n;
  slots[LEVEL_SLOT[levels - 4]![level]!]! += n;
}

/** A pointer to one entry of one table: the model's pgd_t* / pud_t* / pmd_t* / pte_t*. */
export interface EntryPointer {
  readonly table: PageTable;
  readonly index: number;
}

export function entryAt(p: EntryPointer): PtEntry | undefined {
  return p.table.entries[p.index];
}

export function setEntry(table: PageTable, index: number, entry: PtEntry | undefined): void {
  const old = table.entries[index];
  if (old === undefined && entry !== undefined) table.count++;
  else if (old !== undefined && entry === undefined) table.count--;
  table.entries[index] = entry;
}
