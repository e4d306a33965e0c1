// mm/pagewalk.c: walk_page_range_vma / walk_page_range with struct mm_walk_ops. Every level
// loop reads each entry in range once (charged); a none entry is skipped at the highest level
// it occurs, so cost follows the populated tables, not the virtual size (kernel/scan.md §3).
import type { Machine } from './machine.ts';
import type { MmStruct } from './mm.ts';
import { chargeReads, type EntryPointer, type PageTable, type PtEntry, type ReadAccount } from './pgtable.ts';
import { __split_huge_pmd } from './thp.ts';
import { addrEnd, PMD_LEVEL, PTE_LEVEL, PUD_LEVEL, type TableLevel, tableIndex } from './units.ts';
import { find_vma, VM_PFNMAP, type VmAreaStruct } from './vma.ts';

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
  /** Who pays for the entries read (the model's accounting label, not a kernel field). */
  readonly account: ReadAccount;
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

/** A mapped PTE pointer (pte_t *): reading through it with ptep_get is charged. */
export interface PtePointer {
  readonly table: PageTable;
  /** Advance with `ptep.index++` as C does `ptep++`. */
  index: number;
  readonly machine: Machine;
  readonly account: ReadAccount;
}

/** include/linux/pgtable.h: ptep_get — one charged PTE read. */
export function ptep_get(ptep: PtePointer): PtEntry | undefined {
  chargeReads(ptep.machine.counters, ptep.machine.levels, PTE_LEVEL, 1, ptep.account);
  return ptep.table.entries[ptep.index];
}

/** include/linux/pgtable.h: pmdp_get_lockless — the walker just read this entry: not charged again. */
export function pmdp_get_lockless(pmdp: EntryPointer): PtEntry | undefined {
  return pmdp.table.entries[pmdp.index];
}

/** pmdp_get under the PMD lock: a re-read of the same entry, not charged again. */
export const pmdp_get = pmdp_get_lockless;

/**
 * include/linux/pgtable.h: pte_offset_map_lock — map the PTE table under a PMD, or null when
 * the PMD is none, a leaf or not present (the caller then treats the range as empty).
 */
export function pte_offset_map_lock<P>(walk: MmWalk<P>, pmdp: EntryPointer, addr: number): PtePointer | null {
  const e = pmdp.table.entries[pmdp.index];
  if (e === undefined || e.kind !== 'table') return null;
  return { table: e.table, index: tableIndex(addr, PTE_LEVEL), machine: walk.mm.machine, account: walk.account };
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

function readEntry<P>(walk: MmWalk<P>, table: PageTable, addr: number): { ptr: EntryPointer; e: PtEntry | undefined } {
  const machine = walk.mm.machine;
  chargeReads(machine.counters, machine.levels, table.level, 1, walk.account);
  const index = tableIndex(addr, table.level);
  return { ptr: { table, index }, e: table.entries[index] };
}

/** mm/pagewalk.c: walk_pte_range (walk_pte_range_inner) — pte_entry for each PTE in [addr, end). */
function walk_pte_range<P>(walk: MmWalk<P>, pmd: EntryPointer, addr: number, end: number): number {
  const pte = pte_offset_map_lock(walk, pmd, addr);
  if (!pte) {
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
    pte.index++;
  }
  return err;
}

/** mm/pagewalk.c: walk_pmd_range */
function walk_pmd_range<P>(walk: MmWalk<P>, table: PageTable, addr: number, end: number): number {
  const ops = walk.ops;
  const depth = real_depth(walk, 3);
  let err = 0;
  do {
    const next = addrEnd(addr, end, PMD_LEVEL);
    const { ptr, e } = readEntry(walk, table, addr);
    if (e === undefined) {
      if (ops.pte_hole) err = ops.pte_hole(addr, next, depth, walk);
      if (err) break;
      addr = next;
      continue;
    }
    walk.action = 'subtree';
    if (ops.pmd_entry) {
      if (walk.account === 'scan') walk.mm.machine.counters.pmd_entry_calls++;
      err = ops.pmd_entry(ptr, addr, next, walk);
    }
    if (err) break;
    if (actionOf(walk) === 'again') continue; // goto again: same PMD
    if ((!walk.vma && e.kind !== 'table') || actionOf(walk) === 'continue' || !ops.pte_entry) {
      addr = next;
      continue;
    }
    if (walk.vma && e.kind === 'pmd-leaf') __split_huge_pmd(walk.mm, ptr);
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
  const depth = real_depth(walk, 2);
  let err = 0;
  do {
    const next = addrEnd(addr, end, PUD_LEVEL);
    const { ptr, e } = readEntry(walk, table, addr);
    if (e === undefined) {
      if (ops.pte_hole) err = ops.pte_hole(addr, next, depth, walk);
      if (err) break;
      addr = next;
      continue;
    }
    walk.action = 'subtree';
    if (ops.pud_entry) err = ops.pud_entry(ptr, addr, next, walk);
    if (err) break;
    if (actionOf(walk) === 'again') continue;
    if (actionOf(walk) === 'continue' || !(ops.pmd_entry || ops.pte_entry) || e.kind !== 'table') {
      addr = next;
      continue;
    }
    err = walk_pmd_range(walk, e.table, addr, next);
    if (err) break;
    addr = next;
  } while (addr !== end);
  return err;
}

/** mm/pagewalk.c: walk_p4d_range — with 4 levels the P4D is folded into the PGD entry (no read). */
function walk_p4d_range<P>(walk: MmWalk<P>, pgd: EntryPointer, table: PageTable, addr: number, end: number): number {
  const ops = walk.ops;
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
    const { ptr, e } = readEntry(walk, table, addr);
    if (e === undefined || e.kind !== 'table') {
      if (ops.pte_hole) err = ops.pte_hole(addr, next, depth, walk);
      if (err) break;
      addr = next;
      continue;
    }
    if (ops.p4d_entry) {
      err = ops.p4d_entry(ptr, addr, next, walk);
      if (err) break;
    }
    if (ops.pud_entry || ops.pmd_entry || ops.pte_entry) err = walk_pud_range(walk, e.table, addr, next);
    if (err) break;
    addr = next;
  } while (addr !== end);
  return err;
}

/** mm/pagewalk.c: walk_pgd_range */
function walk_pgd_range<P>(walk: MmWalk<P>, addr: number, end: number): number {
  const ops = walk.ops;
  const top = walk.mm.pgd;
  let err = 0;
  do {
    const next = addrEnd(addr, end, top.level as TableLevel);
    const { ptr, e } = readEntry(walk, top, addr);
    if (e === undefined || e.kind !== 'table') {
      if (ops.pte_hole) err = ops.pte_hole(addr, next, 0, walk);
      if (err) break;
      addr = next;
      continue;
    }
    if (ops.pgd_entry) {
      err = ops.pgd_entry(ptr, addr, next, walk);
      if (err) break;
    }
    if (ops.p4d_entry || ops.pud_entry || ops.pmd_entry || ops.pte_entry) err = walk_p4d_range(walk, ptr, e.table, addr, next);
    if (err) break;
    addr = next;
  } while (addr !== end);
  return err;
}

/** mm/pagewalk.c: __walk_page_range (hugetlb VMAs are not modelled) */
function __walk_page_range<P>(walk: MmWalk<P>, start: number, end: number): number {
  return walk_pgd_range(walk, start, end);
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
  account: ReadAccount = 'scan',
): number {
  const walk: MmWalk<P> = { ops, mm: vma.mm, vma, private: priv, action: 'subtree', account };
  if (account === 'scan') vma.mm.machine.counters.walk_range_calls++;
  if (start >= end) return EINVAL;
  if (start < vma.vm_start || end > vma.vm_end) return EINVAL;
  return __walk_page_range(walk, start, end);
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
  account: ReadAccount = 'scan',
): number {
  if (start >= end) return EINVAL;
  if (account === 'scan') mm.machine.counters.walk_range_calls++;
  let err = 0;
  let vma = find_vma(mm, start);
  do {
    let next: number;
    if (!vma) {
      next = end;
      if (ops.pte_hole) err = ops.pte_hole(start, next, -1, { ops, mm, vma: null, private: priv, action: 'subtree', account });
    } else if (start < vma.vm_start) {
      next = Math.min(end, vma.vm_start);
      if (ops.pte_hole) err = ops.pte_hole(start, next, -1, { ops, mm, vma: null, private: priv, action: 'subtree', account });
    } else {
      const walk: MmWalk<P> = { ops, mm, vma, private: priv, action: 'subtree', account };
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
