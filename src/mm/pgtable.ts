// Page tables: a sparse radix tree of 512-entry tables, 4 or 5 levels (arch/x86 pgtable_64),
// stored as struct-of-arrays. A table is an integer handle; an entry pointer (pgd_t *, pmd_t *,
// pte_t *) is the integer `table * 512 + index`, so `ptep + 1` is the next entry of the same
// table, as in C. Reading an entry through the walkers is the unit of scan cost: each real
// table entry read is charged once to `pt_reads`, its level and the account of the path that
// reads it (the machine's current account); each page-table lock taken, to `ptl_locks` and
// the same account.
import { COUNTER_SLOT, type CounterSlots } from './counters.ts';
import type { Folio } from './folio.ts';
import { grown } from './typed-arrays.ts';
import { ENTRY_SPAN, PTRS_PER_TABLE, type PagingLevels, type TableLevel, topLevel } from './units.ts';

/** A page table: a handle into the machine's PageTables. */
export type PageTable = number;
/** A pointer to one entry of one table: table * 512 + index (the model's pgd_t * … pte_t *). */
export type EntryPointer = number;
/** A mapped PTE pointer (pte_t *): an EntryPointer into a PTE table. */
export type PtePointer = EntryPointer;
/** No table, no entry: NULL. */
export const NULL_PTR = -1;

// What an entry holds (the kind of pgd_t / pmd_t / pte_t value).
/** pte_none / pmd_none */
export const PT_NONE = 0;
/** A present entry at PGD/P4D/PUD/PMD level pointing to the next table (val = its handle). */
export const PT_TABLE = 1;
/** A present PTE (pte_present): val = the folio, page = which page of it. */
export const PT_PTE = 2;
/** A present PMD leaf: a PMD-mapped THP (val = the folio). */
export const PT_PMD_LEAF = 3;
/** A not-present swap entry: val = the content id of the page in swap. */
export const PT_SWAP = 4;
/** A not-present migration entry: val = the folio being migrated. */
export const PT_MIGRATION = 5;
export type EntryKind = typeof PT_NONE | typeof PT_TABLE | typeof PT_PTE | typeof PT_PMD_LEAF | typeof PT_SWAP | typeof PT_MIGRATION;

// Entry bits (pte_write, pte_dirty, pte_special) and the model's ground-truth mark.
export const PTE_WRITE = 1;
export const PTE_DIRTY = 2;
export const PTE_SPECIAL = 4;
/**
 * Ground truth only (the oracle reads it, variants never do): this zero-page PTE was placed by
 * KSM's replace_page, whatever the kernel version does to mark it.
 */
export const PTE_KSM_PLACED_ZERO = 8;

/**
 * Who pays for a page-table read or lock: the KSM path the machine is running, set by the
 * engine where that path starts (withAccount), never by a variant. Reads and locks outside
 * every account (faults, the model's own bookkeeping, the oracle) are not charged.
 */
export const ACCOUNT_NONE = 0;
/** ksmd's scanner: scan_get_next_rmap_item's lookup of the next page (folio_walk_start loop or range walk). */
export const ACCOUNT_SCAN = 1;
/** Tree lookups: get_mergeable_page's folio_walk_start for an unstable-tree item. */
export const ACCOUNT_LOOKUP = 2;
/** The merge path: write_protect_page's page_vma_mapped_walk and replace_page's mm_find_pmd + PTE. */
export const ACCOUNT_MERGE = 3;
/** break_ksm for a user request: MADV_UNMERGEABLE, run = 2, mremap's unmerge, prctl. */
export const ACCOUNT_UNMERGE = 4;
/** break_ksm from ksmd (break_cow): charged to the unmerge account and to its ksmd share. */
export const ACCOUNT_UNMERGE_KSMD = 5;
export type ReadAccount =
  | typeof ACCOUNT_NONE
  | typeof ACCOUNT_SCAN
  | typeof ACCOUNT_LOOKUP
  | typeof ACCOUNT_MERGE
  | typeof ACCOUNT_UNMERGE
  | typeof ACCOUNT_UNMERGE_KSMD;

/** What a charge needs from the machine: its counters, paging levels and current account. */
export interface ChargeTarget {
  readonly counters: CounterSlots;
  readonly levels: PagingLevels;
  account: ReadAccount;
}

/** Run `body` with the machine's account set to `account`, restored on return or throw. */
export function withAccount<T>(target: ChargeTarget, account: ReadAccount, body: () => T): T {
  const prev = target.account;
  target.account = account;
  try {
    return body();
  } finally {
    target.account = prev;
  }
}

const INITIAL_TABLES = 64;

/**
 * Every page table of one machine. Per table: level, first vpn covered, non-none entries and
 * owning mm. Per entry: kind, bits, value (child table, folio or swap content), page index,
 * and the links of the folio's mapping list (the ground truth of which entries map a folio).
 */
export class PageTables {
  level = new Uint8Array(INITIAL_TABLES);
  base = new Float64Array(INITIAL_TABLES);
  count = new Int32Array(INITIAL_TABLES);
  owner = new Int32Array(INITIAL_TABLES);
  kind = new Uint8Array(INITIAL_TABLES * PTRS_PER_TABLE);
  bits = new Uint8Array(INITIAL_TABLES * PTRS_PER_TABLE);
  val = new Float64Array(INITIAL_TABLES * PTRS_PER_TABLE);
  page = new Uint16Array(INITIAL_TABLES * PTRS_PER_TABLE);
  mapNext = new Int32Array(INITIAL_TABLES * PTRS_PER_TABLE);
  mapPrev = new Int32Array(INITIAL_TABLES * PTRS_PER_TABLE);
  private capacity = INITIAL_TABLES;
  private used = 0;
  private readonly freeTables: number[] = [];
  /** Tables in use (for memory reports). */
  live = 0;

  /** pte_alloc & co.: an empty table at `level` covering [base, base + 512 entries) for mm `owner`. */
  alloc(level: TableLevel, base: number, owner: number): PageTable {
    let t = this.freeTables.pop();
    if (t === undefined) {
      if (this.used === this.capacity) this.grow();
      t = this.used++;
    } else {
      const from = t * PTRS_PER_TABLE;
      this.kind.fill(PT_NONE, from, from + PTRS_PER_TABLE);
      this.bits.fill(0, from, from + PTRS_PER_TABLE);
      this.val.fill(0, from, from + PTRS_PER_TABLE);
      this.page.fill(0, from, from + PTRS_PER_TABLE);
    }
    this.level[t] = level;
    this.base[t] = base;
    this.count[t] = 0;
    this.owner[t] = owner;
    this.live++;
    return t;
  }

  /** pte_free & co.: the table goes back (its entries must be none). */
  free(t: PageTable): void {
    this.freeTables.push(t);
    this.live--;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const n = cap * PTRS_PER_TABLE;
    this.level = grown(this.level, cap);
    this.base = grown(this.base, cap);
    this.count = grown(this.count, cap);
    this.owner = grown(this.owner, cap);
    this.kind = grown(this.kind, n);
    this.bits = grown(this.bits, n);
    this.val = grown(this.val, n);
    this.page = grown(this.page, n);
    this.mapNext = grown(this.mapNext, n);
    this.mapPrev = grown(this.mapPrev, n);
    this.capacity = cap;
  }

  /** The table an entry pointer points into. */
  tableOf(p: EntryPointer): PageTable {
    return Math.floor(p / PTRS_PER_TABLE);
  }

  /** The level of the table an entry pointer points into. */
  levelOf(p: EntryPointer): TableLevel {
    return this.level[Math.floor(p / PTRS_PER_TABLE)]! as TableLevel;
  }

  /** The first vpn an entry covers. */
  vpnOf(p: EntryPointer): number {
    const t = Math.floor(p / PTRS_PER_TABLE);
    return this.base[t]! + (p - t * PTRS_PER_TABLE) * ENTRY_SPAN[this.level[t]!]!;
  }

  /** The id of the mm whose tables hold this entry. */
  mmIdOf(p: EntryPointer): number {
    return this.owner[Math.floor(p / PTRS_PER_TABLE)]!;
  }

  /** The entry of table `t` at `index`. */
  entry(t: PageTable, index: number): EntryPointer {
    return t * PTRS_PER_TABLE + index;
  }

  /** The kind of value an entry holds. */
  kindOf(p: EntryPointer): EntryKind {
    return this.kind[p]! as EntryKind;
  }

  /** The next-level table of a PT_TABLE entry. */
  child(p: EntryPointer): PageTable {
    return this.val[p]!;
  }

  /** The folio of a present PTE, PMD leaf or migration entry. */
  folio(p: EntryPointer): Folio {
    return this.val[p]!;
  }

  has(p: EntryPointer, bit: number): boolean {
    return (this.bits[p]! & bit) !== 0;
  }

  setBit(p: EntryPointer, bit: number, on: boolean): void {
    if (on) this.bits[p] = this.bits[p]! | bit;
    else this.bits[p] = this.bits[p]! & ~bit;
  }

  /** Write an entry (set_pte_at / pmd_populate / pte_clear), keeping the table's non-none count. */
  set(p: EntryPointer, kind: EntryKind, val: number, page: number, bits: number): void {
    const t = Math.floor(p / PTRS_PER_TABLE);
    const was = this.kind[p]!;
    if (was === PT_NONE && kind !== PT_NONE) this.count[t] = this.count[t]! + 1;
    else if (was !== PT_NONE && kind === PT_NONE) this.count[t] = this.count[t]! - 1;
    this.kind[p] = kind;
    this.val[p] = val;
    this.page[p] = page;
    this.bits[p] = bits;
  }

  /** pte_clear */
  clear(p: EntryPointer): void {
    this.set(p, PT_NONE, 0, 0, 0);
  }
}

/** Does this entry map a folio (a present PTE or PMD leaf): what the ground truth lists. */
export function isMappingKind(kind: number): boolean {
  return kind === PT_PTE || kind === PT_PMD_LEAF;
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
const PT_READS_UNMERGE = COUNTER_SLOT.pt_reads_unmerge;
const PTL_LOCKS = COUNTER_SLOT.ptl_locks;
const PTL_LOCKS_UNMERGE = COUNTER_SLOT.ptl_locks_unmerge;
/** The counter slot of each table level, for 4 and 5 paging levels: LEVEL_SLOT[levels - 4][level]. */
const LEVEL_SLOT: readonly (readonly number[])[] = [4, 5].map((levels) =>
  [0, 1, 2, 3, 4].map((level) => COUNTER_SLOT[levelCounter(level as TableLevel, levels as PagingLevels)]),
);
/** The read and lock counter slots of each account (index: the account; NONE has none). */
const READ_SLOT: readonly number[] = [-1, COUNTER_SLOT.pt_reads_scan, COUNTER_SLOT.pt_reads_lookup, COUNTER_SLOT.pt_reads_merge, PT_READS_UNMERGE, COUNTER_SLOT.pt_reads_unmerge_ksmd];
const LOCK_SLOT: readonly number[] = [-1, COUNTER_SLOT.ptl_locks_scan, COUNTER_SLOT.ptl_locks_lookup, COUNTER_SLOT.ptl_locks_merge, PTL_LOCKS_UNMERGE, COUNTER_SLOT.ptl_locks_unmerge_ksmd];

/** Charge `n` entry reads at `level` to the current account (n > 1 only for the closed-form per-address path). */
export function chargeReads(target: ChargeTarget, level: TableLevel, n: number): void {
  const account = target.account;
  if (n === 0 || account === ACCOUNT_NONE) return;
  const slots = target.counters.slots;
  slots[PT_READS]! += n;
  slots[LEVEL_SLOT[target.levels - 4]![level]!]! += n;
  slots[READ_SLOT[account]!]! += n;
  if (account === ACCOUNT_UNMERGE_KSMD) slots[PT_READS_UNMERGE]! += n;
}

/** Charge `n` page-table lock acquisitions (pte_offset_map_lock, pmd_lock, spin_lock(ptl)) to the current account. */
export function chargeLocks(target: ChargeTarget, n: number): void {
  const account = target.account;
  if (n === 0 || account === ACCOUNT_NONE) return;
  const slots = target.counters.slots;
  slots[PTL_LOCKS]! += n;
  slots[LOCK_SLOT[account]!]! += n;
  if (account === ACCOUNT_UNMERGE_KSMD) slots[PTL_LOCKS_UNMERGE]! += n;
}
