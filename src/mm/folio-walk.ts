// mm/pagewalk.c: folio_walk_start / folio_walk_end, and the per-address loop over a range
// that the pre-6.18 KSM scanner and break_ksm run — charged exactly as that loop, but
// computed in time proportional to the populated tables it crosses.
import type { Folio } from './folio.ts';
import { chargeReads, type EntryPointer, type PageTable, type PtEntry, type ReadAccount } from './pgtable.ts';
import { ENTRY_SPAN, PMD_LEVEL, PTE_LEVEL, PUD_LEVEL, tableIndex } from './units.ts';
import type { VmAreaStruct } from './vma.ts';

/** include/linux/pagewalk.h folio_walk_flags_t */
export const FW_MIGRATION = 0x1;
export const FW_ZEROPAGE = 0x2;

/** struct folio_walk: what folio_walk_start found. */
export interface FolioWalk {
  readonly folio: Folio;
  /** fw.page: the exact page (index into the folio) mapped at the address; null for the zero page or a migration entry. */
  readonly page: number | null;
  /** FW_LEVEL_PTE or FW_LEVEL_PMD */
  readonly level: 'pte' | 'pmd';
  /** fw.pte / fw.pmd: the entry found (a present PTE, a PMD leaf or a migration entry). */
  readonly entry: PtEntry;
  readonly ptr: EntryPointer;
}

/** Resolve a PMD-level leaf or non-present entry for one address (folio_walk_start step 4). */
function resolvePmd(e: PtEntry, ptr: EntryPointer, vpn: number, flags: number): FolioWalk | null {
  if (e.kind === 'pmd-leaf') {
    // vm_normal_page_pmd: the huge zero page has none.
    if (!e.special) return { folio: e.folio, page: vpn - e.vpn, level: 'pmd', entry: e, ptr };
    if ((flags & FW_ZEROPAGE) !== 0 && e.folio.zeroPage) return { folio: e.folio, page: null, level: 'pmd', entry: e, ptr };
    return null;
  }
  if (e.kind === 'migration' && (flags & FW_MIGRATION) !== 0) {
    return { folio: e.folio, page: null, level: 'pmd', entry: e, ptr };
  }
  return null;
}

/** Resolve a PTE for one address (folio_walk_start step 5). */
function resolvePte(e: PtEntry | undefined, ptr: EntryPointer, flags: number): FolioWalk | null {
  if (e === undefined) return null;
  if (e.kind === 'pte') {
    // vm_normal_page: special PTEs (the zero page, KSM-placed zero pages) have none.
    if (!e.special) return { folio: e.folio, page: e.page, level: 'pte', entry: e, ptr };
    if ((flags & FW_ZEROPAGE) !== 0 && e.folio.zeroPage) return { folio: e.folio, page: null, level: 'pte', entry: e, ptr };
    return null;
  }
  if (e.kind === 'migration' && (flags & FW_MIGRATION) !== 0) {
    return { folio: e.folio, page: null, level: 'pte', entry: e, ptr };
  }
  return null;
}

/**
 * mm/pagewalk.c: folio_walk_start — look up the one entry that maps `vpn` in `vma`. Charges
 * one read per real table level reached (kernel/scan.md §2); the PMD re-read under the lock
 * reads the same entry and is not charged again.
 */
export function folio_walk_start(vma: VmAreaStruct, vpn: number, flags: number, account: ReadAccount = 'scan'): FolioWalk | null {
  const mm = vma.mm;
  const machine = mm.machine;
  const counters = machine.counters;
  if (account === 'scan') counters.folio_walk_calls++;
  if (vpn < vma.vm_start || vpn >= vma.vm_end) return null; // WARN_ON_ONCE
  let table: PageTable = mm.pgd;
  for (;;) {
    const level = table.level;
    const index = tableIndex(vpn, level);
    const e = table.entries[index];
    chargeReads(counters, machine.levels, level, 1, account);
    if (level >= PUD_LEVEL) {
      // pgd/p4d_none_or_clear_bad, pud_none; anon memory has no PUD leaves.
      if (e === undefined || e.kind !== 'table') return null;
      table = e.table;
      continue;
    }
    if (level === PMD_LEVEL) {
      if (e === undefined) return null;
      if (e.kind !== 'table') return resolvePmd(e, { table, index }, vpn, flags);
      table = e.table;
      continue;
    }
    return resolvePte(e, { table, index }, flags);
  }
}

/** include/linux/pagewalk.h: folio_walk_end — drops the PTL; nothing to model. */
export function folio_walk_end(_fw: FolioWalk): void {}

/** The predicate a per-address caller applies to what folio_walk_start returned. */
export type FolioWalkAccept = (fw: FolioWalk, vpn: number) => boolean;

export interface FolioWalkHit {
  readonly vpn: number;
  readonly fw: FolioWalk;
}

/**
 * The literal per-address loop: `for (a = start; a < end; a++) { fw = folio_walk_start(vma, a);
 * if (fw && accept(fw)) return a; }`. Reference implementation for the property tests.
 */
export function folio_walk_range_literal(
  vma: VmAreaStruct,
  start: number,
  end: number,
  flags: number,
  accept: FolioWalkAccept,
  account: ReadAccount = 'scan',
): FolioWalkHit | null {
  for (let vpn = start; vpn < end; vpn++) {
    const fw = folio_walk_start(vma, vpn, flags, account);
    if (fw && accept(fw, vpn)) return { vpn, fw };
  }
  return null;
}

interface RangeScan {
  readonly flags: number;
  readonly accept: FolioWalkAccept;
  readonly account: ReadAccount;
  readonly vma: VmAreaStruct;
  hit: FolioWalkHit | null;
}

/**
 * The same loop, charged identically, in time proportional to the populated tables: every
 * address whose lookup stops at a none entry of level L costs one read at each level down
 * to L, so a whole none slot is charged in one step (its span × the reads above it).
 * `accept` must be free of side effects (it is only asked about addresses that yield a folio).
 */
export function folio_walk_range(
  vma: VmAreaStruct,
  start: number,
  end: number,
  flags: number,
  accept: FolioWalkAccept,
  account: ReadAccount = 'scan',
): FolioWalkHit | null {
  if (start >= end) return null;
  const lo = Math.max(start, vma.vm_start);
  const hi = Math.min(end, vma.vm_end);
  const ctx: RangeScan = { flags, accept, account, vma, hit: null };
  // Addresses outside the VMA: each call WARNs and returns NULL before reading a table.
  let consumed = Math.max(0, Math.min(end, vma.vm_start) - start);
  if (lo < hi) consumed += scanTable(ctx, vma.mm.pgd, lo, hi);
  if (ctx.hit === null) consumed += Math.max(0, end - Math.max(start, vma.vm_end));
  if (account === 'scan') vma.mm.machine.counters.folio_walk_calls += consumed;
  return ctx.hit;
}

/** Per-address lookups over [lo, hi) inside one table; returns how many addresses were looked up. */
function scanTable(ctx: RangeScan, table: PageTable, lo: number, hi: number): number {
  const level = table.level;
  const span = ENTRY_SPAN[level]!;
  let consumed = 0;
  let a = lo;
  while (a < hi && ctx.hit === null) {
    const index = tableIndex(a, level);
    const slotEnd = Math.min(hi, a - (a % span) + span);
    const e = table.entries[index];
    if (e === undefined) {
      consumed += slotEnd - a; // each lookup reads this none entry and gives up
    } else if (e.kind === 'table') {
      consumed += scanTable(ctx, e.table, a, slotEnd);
    } else if (level === PMD_LEVEL) {
      const ptr = { table, index };
      for (let v = a; v < slotEnd; v++) {
        consumed++;
        const fw = resolvePmd(e, ptr, v, ctx.flags);
        if (fw && ctx.accept(fw, v)) {
          ctx.hit = { vpn: v, fw };
          break;
        }
      }
    } else if (level === PTE_LEVEL) {
      consumed++;
      const fw = resolvePte(e, { table, index }, ctx.flags);
      if (fw && ctx.accept(fw, a)) ctx.hit = { vpn: a, fw };
    } else {
      consumed += slotEnd - a; // a leaf above PMD level: not anon memory, nothing found
    }
    a = slotEnd;
  }
  const machine = ctx.vma.mm.machine;
  chargeReads(machine.counters, machine.levels, level, consumed, ctx.account);
  return consumed;
}
