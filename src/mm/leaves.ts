// Visiting the populated part of an address range: the model's own traversal for zap, fork,
// mprotect and mremap, proportional to the populated tables and never charged.
import type { MmStruct } from './mm.ts';
import { type EntryPointer, type PageTable, PT_NONE, PT_TABLE } from './pgtable.ts';
import { ENTRY_SPAN, PTRS_PER_TABLE, type TableLevel, tableIndex } from './units.ts';

/** Called per entry of a table that [start, end) touches: its pointer, the first vpn of its slot and the slot's span. */
export type SlotVisitor = (p: EntryPointer, slot: number, span: number) => void;

/** Visit each entry of `table` whose slot intersects [start, end), in order (the p?d_addr_end loop). */
export function forEachSlot(mm: MmStruct, table: PageTable, start: number, end: number, visit: SlotVisitor): void {
  const pt = mm.machine.pt;
  const level = pt.level[table]! as TableLevel;
  const span = ENTRY_SPAN[level]!;
  const stop = Math.min(end, pt.base[table]! + span * PTRS_PER_TABLE);
  for (let slot = Math.max(start - (start % span), pt.base[table]!); slot < stop; slot += span) visit(table * PTRS_PER_TABLE + tableIndex(slot, level), slot, span);
}

/** Called with a non-none leaf entry and the first vpn it covers. */
export type LeafVisitor = (p: EntryPointer, vpn: number) => void;

/** Visit every non-none leaf entry (PTE level, or a PMD leaf / non-present PMD) in [start, end). */
export function forEachLeaf(mm: MmStruct, start: number, end: number, visit: LeafVisitor): void {
  visitTable(mm, mm.pgd, start, end, visit);
}

function visitTable(mm: MmStruct, table: PageTable, start: number, end: number, visit: LeafVisitor): void {
  const pt = mm.machine.pt;
  forEachSlot(mm, table, start, end, (p, slot, span) => {
    if (pt.kind[p] === PT_NONE) return;
    if (pt.kind[p] !== PT_TABLE) {
      visit(p, slot);
      if (pt.kind[p] !== PT_TABLE) return; // a split PMD leaf became a table: descend into it
    }
    visitTable(mm, pt.val[p]!, Math.max(start, slot), Math.min(end, slot + span), visit);
  });
}
