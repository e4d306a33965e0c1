// Test support: the random small spaces of the walker property tests — one VMA touched page by
// page (writes, zero-page reads, swap and migration entries) and then holed (munmap or zap).
import fc from 'fast-check';
import { Machine } from '../../src/mm/machine.ts';
import { read_page, write_page } from '../../src/mm/memory.ts';
import { entryPointer, type MmStruct, mm_alloc } from '../../src/mm/mm.ts';
import { do_mmap, do_munmap, madvise_dontneed } from '../../src/mm/mmap.ts';
import { NULL_PTR, PT_MIGRATION, PT_NONE, PT_SWAP } from '../../src/mm/pgtable.ts';
import { PTE_LEVEL, type PagingLevels } from '../../src/mm/units.ts';

export interface Touch {
  readonly kind: 'write' | 'read' | 'swap' | 'migration';
  /** fraction of the VMA, 0..1 */
  readonly at: number;
}

export interface Hole {
  /** fraction of the VMA, 0..1 */
  readonly at: number;
  readonly len: number;
  /** munmap (splitting the VMA) rather than MADV_DONTNEED */
  readonly unmap: boolean;
}

export interface SpaceShape {
  readonly levels: PagingLevels;
  readonly base: number;
  readonly pages: number;
  readonly thp: boolean;
  readonly touches: readonly Touch[];
  readonly holes: readonly Hole[];
}

const PGD4 = 2 ** 27; // pages under one 4-level top-level entry (512 GiB)
const PUD = 2 ** 18; // 1 GiB

/** The arbitraries of a SpaceShape's fields: spread them into a property test's fc.record. */
export const SPACE_SHAPE = {
  levels: fc.constantFrom<PagingLevels>(4, 5),
  // near a 512 GiB or 1 GiB boundary, so upper levels change inside the VMA
  base: fc.constantFrom(3 * PGD4 - 300, 5 * PUD - 7000, 0x40000, 9 * PGD4 + 123 * 512),
  pages: fc.integer({ min: 1, max: 3 * 512 * 30 }),
  thp: fc.boolean(),
  touches: fc.array(
    fc.record({ kind: fc.constantFrom<Touch['kind']>('write', 'write', 'read', 'swap', 'migration'), at: fc.double({ min: 0, max: 0.999999, noNaN: true }) }),
    { maxLength: 40 },
  ),
  holes: fc.array(fc.record({ at: fc.double({ min: 0, max: 0.99, noNaN: true }), len: fc.integer({ min: 1, max: 2000 }), unmap: fc.boolean() }), { maxLength: 3 }),
};

/** A machine with one process and one VMA of `pages` at `base`, touched and holed as `s` says. */
export function buildSpace(s: SpaceShape): { m: Machine; mm: MmStruct; start: number } {
  const m = new Machine(s.levels);
  const mm = mm_alloc(m, 'p0');
  const start = do_mmap(mm, s.pages, { at: s.base, hugepage: s.thp });
  for (const [i, t] of s.touches.entries()) {
    const vpn = start + Math.floor(t.at * s.pages);
    if (t.kind === 'write') write_page(mm, vpn, i + 1);
    else if (t.kind === 'read') read_page(mm, vpn);
    else {
      const p = entryPointer(mm, vpn, PTE_LEVEL, false);
      if (p !== NULL_PTR && m.pt.kind[p] === PT_NONE) {
        if (t.kind === 'swap') m.pt.set(p, PT_SWAP, i, 0, 0);
        else m.pt.set(p, PT_MIGRATION, m.allocFolio(0, i + 1), 0, 0);
      }
    }
  }
  for (const h of s.holes) punchHole(mm, start, s.pages, h);
  return { m, mm, start };
}

/** munmap or zap `h` of the VMA [start, start + pages). */
export function punchHole(mm: MmStruct, start: number, pages: number, h: Hole): void {
  const from = start + Math.floor(h.at * pages);
  const len = Math.min(h.len, start + pages - from);
  if (len <= 0) return;
  if (h.unmap && from > start) do_munmap(mm, from, len);
  else madvise_dontneed(mm, from, len);
}
