// The two walkers on hand-built spaces: whole counter objects, kernel/scan.md §2 and §3.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FW_MIGRATION, FW_ZEROPAGE } from '../../src/mm/folio-walk.ts';
import { folioView } from '../../src/mm/inspect.ts';
import { Machine } from '../../src/mm/machine.ts';
import { read_page, write_page } from '../../src/mm/memory.ts';
import { entryPointer, mm_alloc } from '../../src/mm/mm.ts';
import { do_mmap } from '../../src/mm/mmap.ts';
import { walk_page_range_vma, EINVAL } from '../../src/mm/pagewalk.ts';
import { ACCOUNT_SCAN, PT_MIGRATION, PT_SWAP } from '../../src/mm/pgtable.ts';
import { PTE_LEVEL } from '../../src/mm/units.ts';
import { type VmAreaStruct, vma_lookup } from '../../src/mm/vma.ts';
import { assertCounters, onAccount, resetCounters } from '../support/counters.ts';
import { firstPresentPageOps } from '../support/walk-ops.ts';
import { walkOnce, walkRange } from '../support/folio-walk.ts';

const TIB32 = 2 ** 33; // pages
const PGD4 = 2 ** 27; // pages under one 4-level top-level entry (512 GiB)
const PUD = 2 ** 18; // 1 GiB
const PMD = 512; // 2 MiB

/** The first boundary of a `span`-page slot above v. */
function slotEnd(v: number, span: number): number {
  return v - (v % span) + span;
}
/** Slots of size `span` that intersect [a, b). */
function slotsIn(a: number, b: number, span: number): number {
  return Math.floor((b - 1) / span) - Math.floor(a / span) + 1;
}

function sparse(levels: 4 | 5, at?: number): { m: Machine; vma: VmAreaStruct } {
  const m = new Machine(levels);
  const mm = mm_alloc(m, 'p0');
  const start = do_mmap(mm, TIB32, at === undefined ? { noreserve: true } : { noreserve: true, at });
  assert.equal(write_page(mm, start, 7), 'ok');
  resetCounters(m.counters);
  m.account = ACCOUNT_SCAN; // the walks below are the scanner's
  return { m, vma: vma_lookup(mm, start)! };
}

describe('folio_walk_start on small hand-built spaces', () => {
  it('charges one read per level reached and returns what kernel/scan.md §2 says', () => {
    const m = new Machine(4);
    const mm = mm_alloc(m, 'p0');
    const start = do_mmap(mm, 4, { at: 0x100000 });
    const vma = vma_lookup(mm, start)!;
    assert.equal(write_page(mm, start + 1, 42), 'ok');
    assert.equal(read_page(mm, start + 2), 0);
    resetCounters(m.counters);

    assert.equal(walkOnce(vma, start, 0), null); // pte_none
    assertCounters(m.counters, onAccount('scan', { folio_walk_calls: 1, pt_reads: 4, pt_reads_pgd: 1, pt_reads_pud: 1, pt_reads_pmd: 1, pt_reads_pte: 1 }, 1));

    const fw = walkOnce(vma, start + 1, 0);
    assert.ok(fw);
    assert.equal(fw.level, 'pte');
    assert.equal(fw.page, 0);
    assert.equal(folioView(m, fw.folio).content, 42);
    // the zero page has no vm_normal_page: NULL without FW_ZEROPAGE, found with fw.page NULL with it
    assert.equal(walkOnce(vma, start + 2, 0), null);
    const z = walkOnce(vma, start + 2, FW_ZEROPAGE);
    assert.ok(z && folioView(m, z.folio).zeroPage);
    assert.equal(z.page, null);
    assertCounters(m.counters, onAccount('scan', { folio_walk_calls: 4, pt_reads: 16, pt_reads_pgd: 4, pt_reads_pud: 4, pt_reads_pmd: 4, pt_reads_pte: 4 }, 4));
  });

  it('stops at the first none level: 1 read for an empty top slot, 2 with 5-level P4D', () => {
    for (const levels of [4, 5] as const) {
      const m = new Machine(levels);
      const mm = mm_alloc(m, 'p0');
      const far = do_mmap(mm, 1, { at: 2 * PGD4 });
      const near = do_mmap(mm, 1, { at: 0x100000 });
      write_page(mm, near, 1);
      resetCounters(m.counters);
      assert.equal(walkOnce(vma_lookup(mm, far)!, far, 0), null);
      if (levels === 4) {
        assertCounters(m.counters, onAccount('scan', { folio_walk_calls: 1, pt_reads: 1, pt_reads_pgd: 1 }, 0));
      } else {
        // PML5 slot 0 is present (near is under it), its P4D slot for `far` is none.
        assertCounters(m.counters, onAccount('scan', { folio_walk_calls: 1, pt_reads: 2, pt_reads_pgd: 1, pt_reads_p4d: 1 }, 0));
      }
    }
  });

  it('a PMD-mapped THP resolves at PMD level (3 reads) to the exact subpage', () => {
    const m = new Machine(4);
    const mm = mm_alloc(m, 'p0');
    const start = do_mmap(mm, 1024, { hugepage: true });
    assert.equal(start % PMD, 0);
    const vma = vma_lookup(mm, start)!;
    write_page(mm, start + 5, 9);
    resetCounters(m.counters);
    const fw = walkOnce(vma, start + 77, 0);
    assert.equal(fw?.level, 'pmd');
    assert.equal(folioView(m, fw.folio).order, 9);
    assert.equal(fw.page, 77);
    assertCounters(m.counters, onAccount('scan', { folio_walk_calls: 1, pt_reads: 3, pt_reads_pgd: 1, pt_reads_pud: 1, pt_reads_pmd: 1 }, 1));
  });

  it('swap entries are never found; migration entries only with FW_MIGRATION', () => {
    const m = new Machine(4);
    const mm = mm_alloc(m, 'p0');
    const start = do_mmap(mm, 2, { at: 0x100000 });
    const vma = vma_lookup(mm, start)!;
    write_page(mm, start, 3);
    const folio = walkOnce(vma, start, 0)!.folio;
    const p0 = entryPointer(mm, start, PTE_LEVEL, true);
    const p1 = entryPointer(mm, start + 1, PTE_LEVEL, true);
    m.pt.set(p1, PT_SWAP, 5, 0, 0);
    assert.equal(walkOnce(vma, start + 1, FW_MIGRATION | FW_ZEROPAGE), null);
    m.pt.set(p0, PT_MIGRATION, folio, 0, 0);
    assert.equal(walkOnce(vma, start, 0), null);
    const fw = walkOnce(vma, start, FW_MIGRATION);
    assert.equal(fw?.folio, folio);
    assert.equal(fw.page, null);
  });
});

describe('the per-address pass over a sparse 32 TiB VMA (seed 004)', () => {
  it('at a 512 GiB-aligned address costs 2^33 lookups and the §3 reads per level', () => {
    const { m, vma } = sparse(4, 4 * PGD4);
    assert.equal(walkRange(vma, vma.vm_start, vma.vm_end, 0, () => false), null);
    // Every address reads its top-level entry; only the first 512 GiB reach a PUD table,
    // the first 1 GiB a PMD table and the first 2 MiB the PTE table.
    assertCounters(m.counters, onAccount('scan', {
      folio_walk_calls: TIB32,
      pt_reads: TIB32 + PGD4 + PUD + PMD,
      pt_reads_pgd: TIB32,
      pt_reads_pud: PGD4,
      pt_reads_pmd: PUD,
      pt_reads_pte: PMD,
    }, PMD));
  });

  it('at its top-down placement costs what its misalignment predicts', () => {
    const { m, vma } = sparse(4);
    const s = vma.vm_start;
    assert.equal(vma.vm_end - s, TIB32);
    assert.equal(s % PMD, 0, 'a 2 MiB-multiple anon mmap is THP-aligned');
    const hit = walkRange(vma, s, vma.vm_end, 0, () => true);
    assert.equal(hit?.vpn, s);
    assertCounters(m.counters, onAccount('scan', { folio_walk_calls: 1, pt_reads: 4, pt_reads_pgd: 1, pt_reads_pud: 1, pt_reads_pmd: 1, pt_reads_pte: 1 }, 1));
    resetCounters(m.counters);
    assert.equal(walkRange(vma, s + 1, vma.vm_end, 0, () => true), null);
    const n = TIB32 - 1;
    const pud = Math.min(vma.vm_end, slotEnd(s, PGD4)) - (s + 1);
    const pmd = Math.min(vma.vm_end, slotEnd(s, PUD)) - (s + 1);
    const pte = slotEnd(s, PMD) - (s + 1);
    assertCounters(m.counters, onAccount('scan', {
      folio_walk_calls: n,
      pt_reads: n + pud + pmd + pte,
      pt_reads_pgd: n,
      pt_reads_pud: pud,
      pt_reads_pmd: pmd,
      pt_reads_pte: pte,
    }, pte));
  });

  it('with 5 levels every lookup also reads the P4D entry under the one PML5 slot', () => {
    const { m, vma } = sparse(5, 4 * PGD4);
    walkRange(vma, vma.vm_start, vma.vm_end, 0, () => false);
    assertCounters(m.counters, onAccount('scan', {
      folio_walk_calls: TIB32,
      pt_reads: 2 * TIB32 + PGD4 + PUD + PMD,
      pt_reads_pgd: TIB32,
      pt_reads_p4d: TIB32,
      pt_reads_pud: PGD4,
      pt_reads_pmd: PUD,
      pt_reads_pte: PMD,
    }, PMD));
  });
});

describe('walk_page_range_vma over the sparse 32 TiB VMA (kernel/scan.md §3)', () => {
  it('from start + 4 KiB to the end costs 64 + 512 + 512 + 511 reads when 512 GiB-aligned', () => {
    const { m, vma } = sparse(4, 4 * PGD4);
    const found = { vpn: -1 };
    assert.equal(walk_page_range_vma(vma, vma.vm_start + 1, vma.vm_end, firstPresentPageOps, found), 0);
    assert.equal(found.vpn, -1);
    assertCounters(m.counters, onAccount('scan', {
      walk_range_calls: 1,
      pmd_entry_calls: 1,
      pt_reads: 64 + 512 + 512 + 511,
      pt_reads_pgd: 64,
      pt_reads_pud: 512,
      pt_reads_pmd: 512,
      pt_reads_pte: 511,
    }, 1));
  });

  it('at the top-down placement: top slots crossed + the populated PUD, PMD and PTE tables from the start', () => {
    const { m, vma } = sparse(4);
    const a = vma.vm_start + 1;
    const b = vma.vm_end;
    const found = { vpn: -1 };
    assert.equal(walk_page_range_vma(vma, a, b, firstPresentPageOps, found), 0);
    const pgd = slotsIn(a, b, PGD4);
    const pud = slotsIn(a, Math.min(b, slotEnd(a, PGD4)), PUD);
    const pmd = slotsIn(a, Math.min(b, slotEnd(a, PUD)), PMD);
    const pte = slotEnd(a, PMD) - a;
    assertCounters(m.counters, onAccount('scan', {
      walk_range_calls: 1,
      pmd_entry_calls: 1,
      pt_reads: pgd + pud + pmd + pte,
      pt_reads_pgd: pgd,
      pt_reads_pud: pud,
      pt_reads_pmd: pmd,
      pt_reads_pte: pte,
    }, 1));
    assert.ok(pgd + pud + pmd + pte < 2000);
  });

  it('stops at the first hit and returns the callback value; rejects ranges outside the VMA', () => {
    const { m, vma } = sparse(4, 4 * PGD4);
    const found = { vpn: -1 };
    assert.equal(walk_page_range_vma(vma, vma.vm_start, vma.vm_end, firstPresentPageOps, found), 1);
    assert.equal(found.vpn, vma.vm_start);
    assertCounters(m.counters, onAccount('scan', { walk_range_calls: 1, pmd_entry_calls: 1, pt_reads: 4, pt_reads_pgd: 1, pt_reads_pud: 1, pt_reads_pmd: 1, pt_reads_pte: 1 }, 1));
    assert.equal(walk_page_range_vma(vma, vma.vm_start - 1, vma.vm_end, firstPresentPageOps, found), EINVAL);
    assert.equal(walk_page_range_vma(vma, vma.vm_start + 5, vma.vm_start + 5, firstPresentPageOps, found), EINVAL);
  });

  it('calls pte_hole once per none entry at the highest level, with the kernel depth', () => {
    const { vma } = sparse(4, 4 * PGD4);
    const holes: [number, number, number][] = [];
    walk_page_range_vma(vma, vma.vm_start + 1, vma.vm_start + 2 * PUD, {
      walk_lock: 'rdlock',
      pte_hole(addr, next, depth) {
        holes.push([addr - vma.vm_start, next - vma.vm_start, depth]);
        return 0;
      },
      pte_entry() {
        return 0;
      },
    }, null);
    // PMD slots 1..511 of the first 1 GiB are none (depth 3), then the second PUD slot (depth 2).
    assert.equal(holes.length, 511 + 1);
    assert.deepEqual(holes[0], [PMD, 2 * PMD, 3]);
    assert.deepEqual(holes.at(-1), [PUD, 2 * PUD, 2]);
  });
});
