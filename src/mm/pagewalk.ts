// mm/pagewalk.c: walk_page_range_vma / walk_page_range with struct mm_walk_ops. Every level
// loop reads each entry in range once (charged); a none entry is skipped at the highest level
// it occurs, so cost follows the populated tables, not the virtual size (kernel/scan.md §3).
import type { Folio } from './folio.ts';
import type { MmStruct } from './mm.ts';
import {
  ACCOUNT_SCAN,
  chargeLocks,
  chargeReads,
  type EntryPointer,
  NULL_PTR,
  type PageTable,
  type PageTables,
  PT_MIGRATION,
  PT_NONE,
  PT_PMD_LEAF,
  PT_PTE,
  PT_TABLE,
  PTE_DIRTY,
  PTE_SPECIAL,
  PTE_WRITE,
  type PtePointer,
} from './pgtable.ts';
import { __split_huge_pmd } from './thp.ts';
import { addrEnd, PMD_LEVEL, PTE_LEVEL, PTRS_PER_TABLE, PUD_LEVEL, type TableLevel, tableIndex } from './units.ts';
import { find_vma, VM_PFNMAP, type VmAreaStruct } from './vma.ts';
import { type WalkPath, walkPathFor } from './walk-path.ts';

export const EINVAL = -22;

/** enum page_walk_lock */
export type PageWalkLock = 'rdlock' | 'wrlock' | 'wrlock-verify' | 'vma-rdlock-verify';

/** walk->action after an entry callback. */
export type WalkAction = 'subtree' | 'again' | 'continue';

export interface MmWalk<P> {
  readonly ops: MmWalkOps<P>;
  readonly mm: MmStruct;
  readonly vma: VmAreaStruct | null;
  readonly private: P;
  action: WalkAction;
}

/** The fields of a struct mm_walk, writable while the pool fills one in. */
type WalkFrame = { -readonly [K in keyof MmWalk<unknown>]: MmWalk<unknown>[K] };

/**
 * struct mm_walk lives on walk_page_range_vma's stack in C: here one frame per nesting depth
 * is kept and filled in, so a walk allocates nothing (a walk never outlives its call).
 */
const walkFrames: WalkFrame[] = [];
let walkDepth = 0;

function walk_frame<P>(ops: MmWalkOps<P>, mm: MmStruct, vma: VmAreaStruct | null, priv: P): MmWalk<P> {
  let f = walkFrames[walkDepth];
  if (f === undefined) {
    f = { ops: ops as MmWalkOps<unknown>, mm, vma, private: priv, action: 'subtree' };
    walkFrames.push(f);
  }
  f.ops = ops as MmWalkOps<unknown>;
  f.mm = mm;
  f.vma = vma;
  f.private = priv;
  f.action = 'subtree';
  return f as MmWalk<P>;
}

/** Run `body` with the walk frame of the next depth (released on return or throw). */
function with_walk<P>(ops: MmWalkOps<P>, mm: MmStruct, vma: VmAreaStruct | null, priv: P, body: (walk: MmWalk<P>) => number): number {
  const walk = walk_frame(ops, mm, vma, priv);
  walkDepth++;
  try {
    return body(walk);
  } finally {
    walkDepth--;
  }
}

/**
 * struct mm_walk_ops. Callbacks return 0 to continue, > 0 to stop the walk and return that
 * value, < 0 to stop with an error.
 */
export interface MmWalkOps<P> {
  pgd_entry?(pgd: EntryPointer, addr: number, next: number, walk: MmWalk<P>): number;
  p4d_entry?(p4d: EntryPointer, addr: number, next: number, walk: MmWalk<P>): number;
  pud_entry?(pud: EntryPointer, addr: number, next: number, walk: MmWalk<P>): number;
  pmd_entry?(pmd: EntryPointer, addr: number, next: number, walk: MmWalk<P>): number;
  pte_entry?(pte: PtePointer, addr: number, next: number, walk: MmWalk<P>): number;
  pte_hole?(addr: number, next: number, depth: number, walk: MmWalk<P>): number;
  test_walk?(addr: number, next: number, walk: MmWalk<P>): number;
  readonly walk_lock: PageWalkLock;
}

// ---- entry values (include/linux/pgtable.h): an entry read is named by its pointer ----

/** pte_none / pmd_none */
export function pte_none(pt: PageTables, e: EntryPointer): boolean {
  return pt.kind[e] === PT_NONE;
}
export const pmd_none = pte_none;
/** pte_present: a present PTE (not none, not a swap or migration entry) */
export function pte_present(pt: PageTables, e: EntryPointer): boolean {
  return pt.kind[e] === PT_PTE;
}
/** pmd_present: a PMD pointing to a PTE table, or a PMD leaf */
export function pmd_present(pt: PageTables, e: EntryPointer): boolean {
  return pt.kind[e] === PT_TABLE || pt.kind[e] === PT_PMD_LEAF;
}
/** pmd_trans_huge (pmd_leaf): a PMD-mapped THP or the huge zero page */
export function pmd_trans_huge(pt: PageTables, e: EntryPointer): boolean {
  return pt.kind[e] === PT_PMD_LEAF;
}
/** pte_special / pmd_special: no struct page behind it for vm_normal_page (the zero pages) */
export function pte_special(pt: PageTables, e: EntryPointer): boolean {
  return (pt.bits[e]! & PTE_SPECIAL) !== 0;
}
/** pte_dirty */
export function pte_dirty(pt: PageTables, e: EntryPointer): boolean {
  return (pt.bits[e]! & PTE_DIRTY) !== 0;
}
/** pte_write */
export function pte_write(pt: PageTables, e: EntryPointer): boolean {
  return (pt.bits[e]! & PTE_WRITE) !== 0;
}
/** is_migration_entry (of a not-present PTE or PMD) */
export function is_migration_entry(pt: PageTables, e: EntryPointer): boolean {
  return pt.kind[e] === PT_MIGRATION;
}
/** page_folio(pte_page(pte)) / pfn_swap_entry_folio: the folio a present or migration entry points to */
export function entry_folio(pt: PageTables, e: EntryPointer): Folio {
  return pt.val[e]!;
}
/** The page of its folio that a present PTE maps (pte_page - &folio->page). */
export function pte_page_index(pt: PageTables, e: EntryPointer): number {
  return pt.page[e]!;
}
/** The first vpn a PMD entry maps. */
export function pmd_vpn(pt: PageTables, e: EntryPointer): number {
  return pt.vpnOf(e);
}

/** include/linux/pgtable.h: ptep_get — one charged PTE read; the value is read through the pointer. */
export function ptep_get<P>(walk: MmWalk<P>, ptep: PtePointer): EntryPointer {
  chargeReads(walk.mm.machine, PTE_LEVEL, 1);
  return ptep;
}

/** include/linux/pgtable.h: pmdp_get_lockless — the walker just read this entry: not charged again. */
export function pmdp_get_lockless(pmdp: EntryPointer): EntryPointer {
  return pmdp;
}

/** pmdp_get under the PMD lock: a re-read of the same entry, not charged again. */
export const pmdp_get = pmdp_get_lockless;

/** include/linux/mm.h: pmd_lock — take the PMD's page-table lock (one lock charged; released by spin_unlock, nothing to model). */
export function pmd_lock<P>(walk: MmWalk<P>, _pmdp: EntryPointer): void {
  chargeLocks(walk.mm.machine, 1);
}

/**
 * include/linux/mm.h: pte_offset_map_lock — map the PTE table under a PMD and take its lock
 * (the pointer to the PTE for `addr`; one lock charged), or NULL_PTR without a lock when the
 * PMD is none, a leaf or not present (__pte_offset_map fails; the caller treats the range as empty).
 */
export function pte_offset_map_lock<P>(walk: MmWalk<P>, pmdp: EntryPointer, addr: number): PtePointer {
  const pt = walk.mm.machine.pt;
  if (pt.kind[pmdp] !== PT_TABLE) return NULL_PTR;
  chargeLocks(walk.mm.machine, 1);
  return pt.val[pmdp]! * PTRS_PER_TABLE + tableIndex(addr, PTE_LEVEL);
}

/** mm/pagewalk.c: real_depth — depth of a level ignoring folded levels. */
function real_depth<P>(walk: MmWalk<P>, depth: number): number {
  if (depth === 1 && walk.mm.machine.levels === 4) return 0;
  return depth;
}

/** walk->action as the callback left it (a function call, so the compiler does not narrow it). */
function actionOf<P>(walk: MmWalk<P>): WalkAction {
  return walk.action;
}

/** One charged read of the entry for `addr` in `table`: its pointer. */
function readEntry<P>(walk: MmWalk<P>, table: PageTable, addr: number): EntryPointer {
  const machine = walk.mm.machine;
  const level = machine.pt.level[table]! as TableLevel;
  chargeReads(machine, level, 1);
  return table * PTRS_PER_TABLE + tableIndex(addr, level);
}

/** mm/pagewalk.c: walk_pte_range (walk_pte_range_inner) — pte_entry for each PTE in [addr, end). */
function walk_pte_range<P>(walk: MmWalk<P>, pmd: EntryPointer, addr: number, end: number): number {
  let pte = pte_offset_map_lock(walk, pmd, addr);
  if (pte === NULL_PTR) {
    walk.action = 'again';
    return 0;
  }
  const ops = walk.ops;
  let err = 0;
  for (;;) {
    err = ops.pte_entry!(pte, addr, addr + 1, walk);
    if (err) break;
    if (addr >= end - 1) break;
    addr++;
    pte++;
  }
  return err;
}

/** mm/pagewalk.c: walk_pmd_range */
function walk_pmd_range<P>(walk: MmWalk<P>, table: PageTable, addr: number, end: number): number {
  const ops = walk.ops;
  const pt = walk.mm.machine.pt;
  const depth = real_depth(walk, 3);
  let err = 0;
  do {
    const next = addrEnd(addr, end, PMD_LEVEL);
    const ptr = readEntry(walk, table, addr);
    if (pt.kind[ptr] === PT_NONE) {
      if (ops.pte_hole) err = ops.pte_hole(addr, next, depth, walk);
      if (err) break;
      addr = next;
      continue;
    }
    walk.action = 'subtree';
    if (ops.pmd_entry) {
      if (walk.mm.machine.account === ACCOUNT_SCAN) walk.mm.machine.counters.pmd_entry_calls++;
      err = ops.pmd_entry(ptr, addr, next, walk);
    }
    if (err) break;
    if (actionOf(walk) === 'again') continue; // goto again: same PMD
    if ((!walk.vma && pt.kind[ptr] !== PT_TABLE) || actionOf(walk) === 'continue' || !ops.pte_entry) {
      addr = next;
      continue;
    }
    if (walk.vma && pt.kind[ptr] === PT_PMD_LEAF) __split_huge_pmd(walk.mm, ptr);
    err = walk_pte_range(walk, ptr, addr, next);
    if (err) break;
    if (actionOf(walk) === 'again') continue;
    addr = next;
  } while (addr !== end);
  return err;
}

/** mm/pagewalk.c: walk_pud_range */
function walk_pud_range<P>(walk: MmWalk<P>, table: PageTable, addr: number, end: number): number {
  const ops = walk.ops;
  const pt = walk.mm.machine.pt;
  const depth = real_depth(walk, 2);
  let err = 0;
  do {
    const next = addrEnd(addr, end, PUD_LEVEL);
    const ptr = readEntry(walk, table, addr);
    if (pt.kind[ptr] === PT_NONE) {
      if (ops.pte_hole) err = ops.pte_hole(addr, next, depth, walk);
      if (err) break;
      addr = next;
      continue;
    }
    walk.action = 'subtree';
    if (ops.pud_entry) err = ops.pud_entry(ptr, addr, next, walk);
    if (err) break;
    if (actionOf(walk) === 'again') continue;
    if (actionOf(walk) === 'continue' || !(ops.pmd_entry || ops.pte_entry) || pt.kind[ptr] !== PT_TABLE) {
      addr = next;
      continue;
    }
    err = walk_pmd_range(walk, pt.val[ptr]!, addr, next);
    if (err) break;
    addr = next;
  } while (addr !== end);
  return err;
}

/** mm/pagewalk.c: walk_p4d_range — with 4 levels the P4D is folded into the PGD entry (no read). */
function walk_p4d_range<P>(walk: MmWalk<P>, pgd: EntryPointer, table: PageTable, addr: number, end: number): number {
  const ops = walk.ops;
  const pt = walk.mm.machine.pt;
  if (walk.mm.machine.levels === 4) {
    // p4d_offset(pgd) is the pgd entry; p4d_none_or_clear_bad is constantly false; p4d_addr_end = end.
    let err = 0;
    if (ops.p4d_entry) err = ops.p4d_entry(pgd, addr, end, walk);
    if (err) return err;
    if (ops.pud_entry || ops.pmd_entry || ops.pte_entry) err = walk_pud_range(walk, table, addr, end);
    return err;
  }
  const depth = real_depth(walk, 1);
  let err = 0;
  do {
    const next = addrEnd(addr, end, 3);
    const ptr = readEntry(walk, table, addr);
    if (pt.kind[ptr] !== PT_TABLE) {
      if (ops.pte_hole) err = ops.pte_hole(addr, next, depth, walk);
      if (err) break;
      addr = next;
      continue;
    }
    if (ops.p4d_entry) {
      err = ops.p4d_entry(ptr, addr, next, walk);
      if (err) break;
    }
    if (ops.pud_entry || ops.pmd_entry || ops.pte_entry) err = walk_pud_range(walk, pt.val[ptr]!, addr, next);
    if (err) break;
    addr = next;
  } while (addr !== end);
  return err;
}

/** mm/pagewalk.c: walk_pgd_range */
function walk_pgd_range<P>(walk: MmWalk<P>, addr: number, end: number): number {
  const ops = walk.ops;
  const pt = walk.mm.machine.pt;
  const top = walk.mm.pgd;
  let err = 0;
  do {
    const next = addrEnd(addr, end, pt.level[top]! as TableLevel);
    const ptr = readEntry(walk, top, addr);
    if (pt.kind[ptr] !== PT_TABLE) {
      if (ops.pte_hole) err = ops.pte_hole(addr, next, 0, walk);
      if (err) break;
      addr = next;
      continue;
    }
    if (ops.pgd_entry) {
      err = ops.pgd_entry(ptr, addr, next, walk);
      if (err) break;
    }
    if (ops.p4d_entry || ops.pud_entry || ops.pmd_entry || ops.pte_entry) err = walk_p4d_range(walk, ptr, pt.val[ptr]!, addr, next);
    if (err) break;
    addr = next;
  } while (addr !== end);
  return err;
}

/** mm/pagewalk.c: __walk_page_range (hugetlb VMAs are not modelled) */
function __walk_page_range<P>(walk: MmWalk<P>, start: number, end: number): number {
  const ops = walk.ops;
  const path = walk.mm.machine.walkPath;
  // Only pmd_entry / pte_entry / pte_hole callbacks: the descent itself calls nothing.
  if (!ops.pgd_entry && !ops.p4d_entry && !ops.pud_entry && (ops.pmd_entry || ops.pte_entry) && walkPathFor(path, walk.mm, start)) {
    return walk_from_path(walk, path, start, end);
  }
  return walk_pgd_range(walk, start, end);
}

/**
 * walk_pgd_range(walk, start, end) when every entry on the path to start's PMD table is a
 * table: the descent reads (and is charged) one PGD, one P4D (5-level) and one PUD entry and
 * reaches walk_pmd_range; when that returns, each level's loop goes on from the end of the
 * slot it was in — the same loops, entered where the descent left them. A property test
 * proves it equal to the literal walk, counter by counter.
 */
function walk_from_path<P>(walk: MmWalk<P>, path: WalkPath, start: number, end: number): number {
  const machine = walk.mm.machine;
  const five = path.p4dTable !== NULL_PTR;
  chargeReads(machine, five ? 4 : 3, 1); // the PGD entry
  if (five) chargeReads(machine, 3, 1); // the P4D entry
  chargeReads(machine, PUD_LEVEL, 1); // the PUD entry
  walk.action = 'subtree'; // as walk_pud_range sets it (no pud_entry)
  const pmdEnd = Math.min(end, path.pmdHi);
  let err = walk_pmd_range(walk, path.pmdTable, start, pmdEnd);
  if (err || pmdEnd === end) return err;
  // walk_pud_range goes on with the next PUD slot of the same table
  const pudEnd = Math.min(end, path.pudHi);
  if (pmdEnd !== pudEnd) err = walk_pud_range(walk, path.pudTable, pmdEnd, pudEnd);
  if (err || pudEnd === end) return err;
  let upEnd = pudEnd;
  if (five) {
    // walk_p4d_range goes on with the next P4D slot of the same table
    const p4dEnd = Math.min(end, path.p4dHi);
    if (pudEnd !== p4dEnd) err = walk_p4d_range(walk, path.pgdEntry, path.p4dTable, pudEnd, p4dEnd);
    if (err || p4dEnd === end) return err;
    upEnd = p4dEnd;
  }
  // walk_pgd_range goes on with the next PGD slot
  return walk_pgd_range(walk, upEnd, end);
}

/**
 * mm/pagewalk.c: walk_page_range_vma — one VMA, no test_walk; -EINVAL unless
 * vm_start <= start < end <= vm_end. Addresses are page numbers.
 */
export function walk_page_range_vma<P>(
  vma: VmAreaStruct,
  start: number,
  end: number,
  ops: MmWalkOps<P>,
  priv: P,
): number {
  if (vma.mm.machine.account === ACCOUNT_SCAN) vma.mm.machine.counters.walk_range_calls++;
  if (start >= end) return EINVAL;
  if (start < vma.vm_start || end > vma.vm_end) return EINVAL;
  const walk = walk_frame(ops, vma.mm, vma, priv);
  walkDepth++;
  try {
    return __walk_page_range(walk, start, end);
  } finally {
    walkDepth--;
  }
}

/** mm/pagewalk.c: walk_page_test — custom test_walk, or skip VM_PFNMAP VMAs. */
function walk_page_test<P>(walk: MmWalk<P>, start: number, end: number): number {
  const ops = walk.ops;
  if (ops.test_walk) return ops.test_walk(start, end, walk);
  if (walk.vma && (walk.vma.vm_flags & VM_PFNMAP) !== 0) {
    let err = 1;
    if (ops.pte_hole) err = ops.pte_hole(start, end, -1, walk);
    return err ? err : 1;
  }
  return 0;
}

/** mm/pagewalk.c: walk_page_range — every VMA in [start, end), holes between them reported to pte_hole. */
export function walk_page_range<P>(
  mm: MmStruct,
  start: number,
  end: number,
  ops: MmWalkOps<P>,
  priv: P,
): number {
  if (start >= end) return EINVAL;
  if (mm.machine.account === ACCOUNT_SCAN) mm.machine.counters.walk_range_calls++;
  let err = 0;
  let vma = find_vma(mm, start);
  do {
    let next: number;
    if (!vma) {
      next = end;
      if (ops.pte_hole) err = with_walk(ops, mm, null, priv, (w) => ops.pte_hole!(start, next, -1, w));
    } else if (start < vma.vm_start) {
      next = Math.min(end, vma.vm_start);
      if (ops.pte_hole) err = with_walk(ops, mm, null, priv, (w) => ops.pte_hole!(start, next, -1, w));
    } else {
      const walk: MmWalk<P> = { ops, mm, vma, private: priv, action: 'subtree' };
      next = Math.min(end, vma.vm_end);
      vma = find_vma(mm, vma.vm_end);
      err = walk_page_test(walk, start, next);
      if (err > 0) {
        err = 0;
        start = next;
        continue;
      }
      if (err < 0) break;
      err = __walk_page_range(walk, start, next);
    }
    if (err) break;
    start = next;
  } while (start < end);
  return err;
}
