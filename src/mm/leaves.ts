// Visiting the populated part of an address range: the model's own traversal for zap, fork,
// mprotect and mremap, proportional to the populated tables and never charged.
import type { MmStruct } from './mm.ts';
import type { EntryPointer, PageTable, PtEntry } from './pgtable.ts';
import { ENTRY_SPAN, tableIndex } from './units.ts';

export type LeafVisitor = (ptr: EntryPointer, entry: PtEntry, vpn: number) => void;

/** Visit every non-none leaf entry (PTE level, or a PMD leaf / non-present PMD) in [start, end). */
export function forEachLeaf(mm: MmStruct, start: number, end: number, visit: LeafVisitor): void {
  visitTable(mm.pgd, start, end, visit);
}

function visitTable(table: PageTable, start: number, end: number, visit: LeafVisitor): void {
  const span = ENTRY_SPAN[table.level]!;
  const stop = Math.min(end, table.base + span * 512);
  for (let slot = Math.max(start - (start % span), table.base); slot < stop; slot += span) {
    const index = tableIndex(slot, table.level);
    let entry = table.entries[index];
    if (entry === undefined) continue;
    if (entry.kind !== 'table') {
      visit({ table, index }, entry, slot);
      entry = table.entries[index];
      if (entry === undefined || entry.kind !== 'table') continue;
    }
    visitTable(entry.table, Math.max(start, slot), Math.min(end, slot + span), visit);
  }
}

