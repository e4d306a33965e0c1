// Page-unit geometry of x86-64 page tables (arch/x86/include/asm/pgtable_64_types.h).
// Addresses are virtual page numbers (vpn = address >> PAGE_SHIFT): a 5-level address space
// has 2^45 pages (its user half 2^44), so every index computation below is plain arithmetic, never 32-bit bit ops.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
/** Entries in every real page table (9 index bits a level). */
export const PTRS_PER_TABLE = 512;
/** Pages mapped by one PMD entry (2 MiB): the size of a THP. */
export const HPAGE_PMD_NR = 512;
export const HPAGE_PMD_ORDER = 9;

export type PagingLevels = 4 | 5;

/** Table levels counted from the bottom: 0 = PTE table, 1 = PMD, 2 = PUD, 3 = P4D, 4 = PGD (5-level). */
export type TableLevel = 0 | 1 | 2 | 3 | 4;
export const PTE_LEVEL = 0;
export const PMD_LEVEL = 1;
export const PUD_LEVEL = 2;

/** Pages spanned by ONE entry of a table at `level`: 1, 512, 2^18, 2^27, 2^36. */
export const ENTRY_SPAN: readonly number[] = [1, 512, 512 ** 2, 512 ** 3, 512 ** 4];
/** Pages spanned by a whole table at `level`. */
export const TABLE_SPAN: readonly number[] = [512, 512 ** 2, 512 ** 3, 512 ** 4, 512 ** 5];

/** The level of the top table: PML4 (4-level, entry = 512 GiB) or PML5 (5-level, entry = 256 TiB). */
export function topLevel(levels: PagingLevels): TableLevel {
  return levels === 5 ? 4 : 3;
}

/** User address space size in pages: 2^47 (4-level) or 2^56 (5-level) bytes. */
export function userSpacePages(levels: PagingLevels): number {
  return levels === 5 ? 2 ** 44 : 2 ** 35;
}

/** TASK_SIZE_MAX in pages (one guard page below the top of the user half). */
export function taskSizeMax(levels: PagingLevels): number {
  return userSpacePages(levels) - 1;
}

/** DEFAULT_MAP_WINDOW in pages: mmap without a high hint stays below 2^47 - 4096 even on 5-level. */
export const DEFAULT_MAP_WINDOW = 2 ** 35 - 1;

/**
 * Index of `vpn` in a table at `level`: (addr >> SHIFT_level) & 511. Exact for every vpn below
 * 2^53: dividing by a power of two is exact in a double, and `& 511` first applies ToInt32,
 * which truncates and reduces modulo 2^32 exactly, so the low 9 bits are those of
 * floor(vpn / span) even when that exceeds 2^32.
 */
export function tableIndex(vpn: number, level: TableLevel): number {
  return (vpn / ENTRY_SPAN[level]!) & 511;
}

/** First vpn covered by the table at `level` that contains `vpn`. */
export function tableBase(vpn: number, level: TableLevel): number {
  const span = TABLE_SPAN[level]!;
  return vpn - (vpn % span);
}

/**
 * include/linux/pgtable.h: pgd/p4d/pud/pmd_addr_end. Next boundary of a `level` entry after
 * `addr`, or `end` if that comes first. (The kernel's `- 1` trick guards a wrap to 0 at the
 * top of the address space; vpns never wrap, so a plain comparison is exact.)
 */
export function addrEnd(addr: number, end: number, level: TableLevel): number {
  const span = ENTRY_SPAN[level]!;
  const boundary = addr - (addr % span) + span;
  return boundary < end ? boundary : end;
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** Bytes (a multiple of 4 KiB) to pages. */
export function bytesToPages(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes % PAGE_SIZE !== 0) {
    throw new RangeError(`size ${bytes} is not a non-negative multiple of ${PAGE_SIZE} bytes`);
  }
  return bytes / PAGE_SIZE;
}
