// mm/pagewalk.c: folio_walk_start / folio_walk_end, and the per-address loop over a range
// that the pre-6.18 KSM scanner and break_ksm run — charged exactly as that loop, but
// computed in time proportional to the populated tables it crosses.
import type { Folio } from './folio.ts';
import type { Machine } from './machine.ts';
import { ACCOUNT_SCAN, chargeLocks, chargeReads, type EntryPointer, NULL_PTR, type PageTable, PT_MIGRATION, PT_NONE, PT_PMD_LEAF, PT_PTE, PT_TABLE, PTE_SPECIAL } from './pgtable.ts';
import { ENTRY_SPAN, PMD_LEVEL, PTE_LEVEL, PTRS_PER_TABLE, PUD_LEVEL, type TableLevel, tableIndex } from './units.ts';
import type { VmAreaStruct } from './vma.ts';

/** include/linux/pagewalk.h folio_walk_flags_t */
export const FW_MIGRATION = 0x1;
export const FW_ZEROPAGE = 0x2;

/** struct folio_walk: what folio_walk_start found (the caller owns it, as in C). */
export interface FolioWalk {
  folio: Folio;
  /** fw.page: the exact page (index into the folio) mapped at the address; null for the zero page or a migration entry. */
  page: number | null;
  /** FW_LEVEL_PTE or FW_LEVEL_PMD */
  level: 'pte' | 'pmd';
  /** fw.pte / fw.pmd: the entry found (a present PTE, a PMD leaf or a migration entry). */
  ptr: EntryPointer;
}

/** A struct folio_walk to pass to folio_walk_start. */
export function newFolioWalk(): FolioWalk {
  return { folio: 0, page: null, level: 'pte', ptr: NULL_PTR };
}

function found(fw: FolioWalk, folio: Folio, page: number | null, level: 'pte' | 'pmd', p: EntryPointer): Folio {
  fw.folio = folio;
  fw.page = page;
  fw.level = level;
  fw.ptr = p;
  return folio;
}

/** Resolve a PMD-level leaf or non-present entry for one address (folio_walk_start step 4). */
function resolvePmd(machine: Machine, fw: FolioWalk, p: EntryPointer, vpn: number, flags: number): Folio | null {
  const pt = machine.pt;
  const kind = pt.kind[p]!;
  if (kind === PT_PMD_LEAF) {
    const folio = pt.val[p]!;
    // vm_normal_page_pmd: the huge zero page has none.
    if (!pt.has(p, PTE_SPECIAL)) return found(fw, folio, vpn - pt.vpnOf(p), 'pmd', p);
    if ((flags & FW_ZEROPAGE) !== 0 && machine.folios.zeroPage(folio)) return found(fw, folio, null, 'pmd', p);
    return null;
  }
  if (kind === PT_MIGRATION && (flags & FW_MIGRATION) !== 0) return found(fw, pt.val[p]!, null, 'pmd', p);
  return null;
}

/** Resolve a PTE for one address (folio_walk_start step 5). */
function resolvePte(machine: Machine, fw: FolioWalk, p: EntryPointer, flags: number): Folio | null {
  const pt = machine.pt;
  const kind = pt.kind[p]!;
  if (kind === PT_PTE) {
    const folio = pt.val[p]!;
    // vm_normal_page: special PTEs (the zero page, KSM-placed zero pages) have none.
    if (!pt.has(p, PTE_SPECIAL)) return found(fw, folio, pt.page[p]!, 'pte', p);
    if ((flags & FW_ZEROPAGE) !== 0 && machine.folios.zeroPage(folio)) return found(fw, folio, null, 'pte', p);
    return null;
  }
  if (kind === PT_MIGRATION && (flags & FW_MIGRATION) !== 0) return found(fw, pt.val[p]!, null, 'pte', p);
  return null;
}

/**
 * mm/pagewalk.c: folio_walk_start — look up the one entry that maps `vpn` in `vma`, filling
 * `fw`. Charges one read per real table level reached (kernel/scan.md §2); the PMD re-read
 * under the lock reads the same entry and is not charged again. One page-table lock: pmd_lock
 * for a PMD leaf or non-present PMD, pte_offset_map_lock for a PTE table (7.2.13
 * mm/pagewalk.c:966, :997). Returns the folio or null.
 */
export function folio_walk_start(fw: FolioWalk, vma: VmAreaStruct, vpn: number, flags: number): Folio | null {
  const mm = vma.mm;
  const machine = mm.machine;
  const pt = machine.pt;
  if (machine.account === ACCOUNT_SCAN) machine.counters.folio_walk_calls++;
  if (vpn < vma.vm_start || vpn >= vma.vm_end) return null; // WARN_ON_ONCE
  let table: PageTable = mm.pgd;
  for (;;) {
    const level = pt.level[table]! as TableLevel;
    const p = table * PTRS_PER_TABLE + tableIndex(vpn, level);
    const kind = pt.kind[p]!;
    chargeReads(machine, level, 1);
    if (level >= PUD_LEVEL) {
      // pgd/p4d_none_or_clear_bad, pud_none; anon memory has no PUD leaves.
      if (kind !== PT_TABLE) return null;
      table = pt.val[p]!;
      continue;
    }
    if (level === PMD_LEVEL) {
      if (kind === PT_NONE) return null;
      chargeLocks(machine, 1); // pmd_lock, or pte_offset_map_lock at pte_table
      if (kind !== PT_TABLE) return resolvePmd(machine, fw, p, vpn, flags);
      table = pt.val[p]!;
      continue;
    }
    return resolvePte(machine, fw, p, flags);
  }
}

/** include/linux/pagewalk.h: folio_walk_end — drops the PTL; nothing to model. */
export function folio_walk_end(_fw: FolioWalk): void {}

/** The predicate a per-address caller applies to what folio_walk_start found (fw is filled). */
export type FolioWalkAccept = (fw: FolioWalk, vpn: number) => boolean;

/**
 * The literal per-address loop: `for (a = start; a < end; a++) { if (folio_walk_start(fw, vma, a)
 * && accept(fw)) return a; }`. Returns the address found (fw describes it) or -1.
 * Reference implementation for the property tests.
 */
export function folio_walk_range_literal(
  fw: FolioWalk,
  vma: VmAreaStruct,
  start: number,
  end: number,
  flags: number,
  accept: FolioWalkAccept,
): number {
  for (let vpn = start; vpn < end; vpn++) {
    if (folio_walk_start(fw, vma, vpn, flags) !== null && accept(fw, vpn)) return vpn;
  }
  return -1;
}

interface RangeScan {
  readonly machine: Machine;
  readonly fw: FolioWalk;
  readonly flags: number;
  readonly accept: FolioWalkAccept;
  hit: number;
}

/**
 * The same loop, charged identically, in time proportional to the populated tables: every
 * address whose lookup stops at a none entry of level L costs one read at each level down
 * to L, so a whole none slot is charged in one step (its span × the reads above it).
 * `accept` must be free of side effects (it is only asked about addresses that yield a folio).
 * Returns the address found (fw describes it) or -1.
 */
export function folio_walk_range(
  fw: FolioWalk,
  vma: VmAreaStruct,
  start: number,
  end: number,
  flags: number,
  accept: FolioWalkAccept,
): number {
  if (start >= end) return -1;
  const lo = Math.max(start, vma.vm_start);
  const hi = Math.min(end, vma.vm_end);
  const machine = vma.mm.machine;
  const ctx: RangeScan = { machine, fw, flags, accept, hit: -1 };
  // Addresses outside the VMA: each call WARNs and returns NULL before reading a table.
  let consumed = Math.max(0, Math.min(end, vma.vm_start) - start);
  if (lo < hi) consumed += scanTable(ctx, vma.mm.pgd, lo, hi);
  if (ctx.hit < 0) consumed += Math.max(0, end - Math.max(start, vma.vm_end));
  if (machine.account === ACCOUNT_SCAN) machine.counters.folio_walk_calls += consumed;
  return ctx.hit;
}

/** Per-address lookups over [lo, hi) inside one table; returns how many addresses were looked up. */
function scanTable(ctx: RangeScan, table: PageTable, lo: number, hi: number): number {
  const machine = ctx.machine;
  const pt = machine.pt;
  const level = pt.level[table]! as TableLevel;
  const span = ENTRY_SPAN[level]!;
  let consumed = 0;
  let a = lo;
  while (a < hi && ctx.hit < 0) {
    const p = table * PTRS_PER_TABLE + tableIndex(a, level);
    const slotEnd = Math.min(hi, a - (a % span) + span);
    const kind = pt.kind[p]!;
    if (kind === PT_NONE) {
      consumed += slotEnd - a; // each lookup reads this none entry and gives up
    } else if (kind === PT_TABLE) {
      consumed += scanTable(ctx, pt.val[p]!, a, slotEnd);
    } else if (level === PMD_LEVEL) {
      let looked = 0;
      for (let v = a; v < slotEnd; v++) {
        looked++;
        if (resolvePmd(machine, ctx.fw, p, v, ctx.flags) !== null && ctx.accept(ctx.fw, v)) {
          ctx.hit = v;
          break;
        }
      }
      consumed += looked;
      chargeLocks(machine, looked); // each lookup takes pmd_lock on the leaf
    } else if (level === PTE_LEVEL) {
      consumed++;
      if (resolvePte(machine, ctx.fw, p, ctx.flags) !== null && ctx.accept(ctx.fw, a)) ctx.hit = a;
    } else {
      consumed += slotEnd - a; // a leaf above PMD level: not anon memory, nothing found
    }
    a = slotEnd;
  }
  chargeReads(machine, level, consumed);
  if (level === PTE_LEVEL) chargeLocks(machine, consumed); // each lookup reaching a PTE table takes pte_offset_map_lock
  return consumed;
}
