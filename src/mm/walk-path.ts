// The walk-path cache: the tables a range walk last descended through to reach a PMD table.
// KSM's scanner restarts walk_page_range_vma from the top for every page it returns, so the
// same PGD → (P4D →) PUD → PMD path is walked again and again. The path is remembered and
// checked against the live entries on each use (one array read per level, the reads the
// descent makes anyway); pagewalk.ts charges them exactly as the literal descent does.
import type { MmStruct } from './mm.ts';
import { type EntryPointer, NULL_PTR, type PageTable, PT_TABLE } from './pgtable.ts';
import { PMD_LEVEL, PTRS_PER_TABLE, TABLE_SPAN, type TableLevel, tableIndex } from './units.ts';

/** One remembered descent (the entries and tables on the path, and the spans they cover). */
export interface WalkPath {
  /** Off only in the property tests that compare the cached restart with the literal one. */
  enabled: boolean;
  /** The top table the path starts from (it names the mm), NULL_PTR when nothing is cached. */
  pgd: PageTable;
  pgdEntry: EntryPointer;
  /** 5-level only: the P4D table and its entry (NULL_PTR with 4 levels, where the P4D is folded). */
  p4dTable: PageTable;
  p4dEntry: EntryPointer;
  pudTable: PageTable;
  pudEntry: EntryPointer;
  pmdTable: PageTable;
  /** The span of the PMD table: [pmdLo, pmdHi). */
  pmdLo: number;
  pmdHi: number;
  /** The end of the PUD table's span (the end of its PGD or P4D slot). */
  pudHi: number;
  /** 5-level: the end of the P4D table's span (the end of its PGD slot). */
  p4dHi: number;
}

export function newWalkPath(): WalkPath {
  return {
    enabled: true,
    pgd: NULL_PTR,
    pgdEntry: NULL_PTR,
    p4dTable: NULL_PTR,
    p4dEntry: NULL_PTR,
    pudTable: NULL_PTR,
    pudEntry: NULL_PTR,
    pmdTable: NULL_PTR,
    pmdLo: 0,
    pmdHi: 0,
    pudHi: 0,
    p4dHi: 0,
  };
}

/** Is the remembered path still the live path to `addr` in `mm` (every entry on it still points to the same table)? */
function stillValid(path: WalkPath, mm: MmStruct, addr: number): boolean {
  if (path.pgd !== mm.pgd || addr < path.pmdLo || addr >= path.pmdHi) return false;
  const pt = mm.machine.pt;
  if (path.p4dTable === NULL_PTR) {
    if (pt.kind[path.pgdEntry] !== PT_TABLE || pt.val[path.pgdEntry] !== path.pudTable) return false;
  } else {
    if (pt.kind[path.pgdEntry] !== PT_TABLE || pt.val[path.pgdEntry] !== path.p4dTable) return false;
    if (pt.kind[path.p4dEntry] !== PT_TABLE || pt.val[path.p4dEntry] !== path.pudTable) return false;
  }
  return pt.kind[path.pudEntry] === PT_TABLE && pt.val[path.pudEntry] === path.pmdTable;
}

/**
 * The path to the PMD table covering `addr` in `mm`: the remembered one if still valid, else
 * found by an uncharged descent and remembered. False when some level on the way is not a
 * table (none, or a leaf): the caller walks literally.
 */
export function walkPathFor(path: WalkPath, mm: MmStruct, addr: number): boolean {
  if (!path.enabled) return false;
  if (stillValid(path, mm, addr)) return true;
  const pt = mm.machine.pt;
  let table = mm.pgd;
  let level = pt.level[table]! as TableLevel;
  path.pgd = NULL_PTR;
  path.p4dTable = NULL_PTR;
  path.p4dEntry = NULL_PTR;
  while (level > PMD_LEVEL) {
    const p = table * PTRS_PER_TABLE + tableIndex(addr, level);
    if (pt.kind[p] !== PT_TABLE) return false;
    const child = pt.val[p]!;
    if (level === pt.level[mm.pgd]) path.pgdEntry = p;
    if (level === 3 && pt.level[mm.pgd] === 4) {
      path.p4dEntry = p;
      path.p4dTable = table;
      path.p4dHi = pt.base[table]! + TABLE_SPAN[3]!;
    }
    if (level === 2) {
      path.pudEntry = p;
      path.pudTable = table;
      path.pudHi = pt.base[table]! + TABLE_SPAN[2]!;
      path.pmdTable = child;
      path.pmdLo = pt.base[child]!;
      path.pmdHi = path.pmdLo + TABLE_SPAN[1]!;
    }
    table = child;
    level = (level - 1) as TableLevel;
  }
  path.pgd = mm.pgd;
  return true;
}
