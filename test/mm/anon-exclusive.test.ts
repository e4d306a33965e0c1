// PageAnonExclusive as the kernel tracks it: hand-built spaces, each case naming the C it follows.
// Set by folio_add_new_anon_rmap (RMAP_EXCLUSIVE) and by the reuse paths of do_wp_page /
// do_huge_pmd_wp_page; propagated from the head to every page by __split_huge_pmd_locked;
// cleared by fork (folio_try_dup_anon_rmap_pte / _pmd) and by KSM's write_protect_page
// (folio_try_share_anon_rmap_pte). Read by do_wp_page, do_huge_pmd_wp_page and mprotect's
// can_change_pte_writable / can_change_pmd_writable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Folio } from '../../src/mm/folio.ts';
import { type EntryView, entryView } from '../../src/mm/inspect.ts';
import { Machine } from '../../src/mm/machine.ts';
import { parseKernelVersion } from '../../src/mm/kernel.ts';
import { read_page, write_page } from '../../src/mm/memory.ts';
import { lookupEntry, type MmStruct, mm_alloc } from '../../src/mm/mm.ts';
import { do_exit, do_fork, do_mmap, do_mprotect, do_munmap } from '../../src/mm/mmap.ts';
import { NULL_PTR, PTE_WRITE } from '../../src/mm/pgtable.ts';
import { checkAnonVmaTrees, checkPages, checkVmas } from './helpers.ts';
import { world } from '../support/ksm-world.ts';

function space(kernel?: string): { machine: Machine; mm: MmStruct } {
  const machine = new Machine(4, kernel ? { kernel: parseKernelVersion(kernel) } : {});
  return { machine, mm: mm_alloc(machine, 'p') };
}

function entry(mm: MmStruct, vpn: number): EntryView {
  const p = lookupEntry(mm, vpn);
  assert.notEqual(p, NULL_PTR, `an entry at ${vpn}`);
  return entryView(mm.machine, p);
}

/** PageAnonExclusive of the page mapped at vpn (a PMD leaf: its head). */
function exclusive(mm: MmStruct, vpn: number): boolean {
  const e = entry(mm, vpn);
  const page = e.kind === 'pte' ? e.page : 0;
  return mm.machine.folios.pageAnonExclusive(e.folio, page);
}

function checkAll(machine: Machine, mms: readonly MmStruct[]): void {
  for (const mm of mms) checkVmas(mm);
  checkAnonVmaTrees(mms);
  checkPages(machine, mms, new Set<Folio>());
}

/** A PMD-mapped THP at the start of a 2-THP hugepage VMA, written at page 0. */
function thp(kernel?: string): { machine: Machine; mm: MmStruct; s: number; f: Folio } {
  const { machine, mm } = space(kernel);
  const s = do_mmap(mm, 1024, { hugepage: true });
  assert.equal(write_page(mm, s, 1), 'ok');
  const e = entry(mm, s);
  assert.equal(e.kind, 'pmd-leaf');
  return { machine, mm, s, f: e.folio };
}

describe('PageAnonExclusive: set on a new anon folio, propagated by a PMD split', () => {
  it('a fresh page and a fresh THP head are exclusive (mm/rmap.c: folio_add_new_anon_rmap, RMAP_EXCLUSIVE → SetPageAnonExclusive(&folio->page))', () => {
    const { mm } = space();
    const a = do_mmap(mm, 4);
    write_page(mm, a, 5);
    assert.equal(exclusive(mm, a), true);
    const t = thp();
    assert.equal(exclusive(t.mm, t.s), true);
    // only the head: pages 1..511 of a PMD-mapped THP are not marked (7.2.13 mm/rmap.c:1685-1693)
    assert.equal(t.machine.folios.pageAnonExclusive(t.f, 7), false);
  });

  it('mprotect(r) of part of a THP splits the PMD; every subpage PTE is exclusive (__split_huge_pmd_locked: anon_exclusive = PageAnonExclusive(page); folio_add_anon_rmap_ptes(…, RMAP_EXCLUSIVE))', () => {
    const { machine, mm, s, f } = thp();
    do_mprotect(mm, s + 256, 256, 'r');
    for (const v of [s, s + 1, s + 255, s + 256, s + 511]) {
      const e = entry(mm, v);
      assert.deepEqual([e.kind, e.folio, exclusive(mm, v)], ['pte', f, true], `page ${v - s}`);
    }
    assert.equal(entry(mm, s + 1).writable, true);
    assert.equal(entry(mm, s + 300).writable, false);
    checkAll(machine, [mm]);
  });
});

describe('mprotect(rw) restores write on exclusive pages (MM_CP_TRY_CHANGE_WRITABLE)', () => {
  it('PTE-mapped THP subpages: mprotect(r) then mprotect(rw) makes them writable again, same folio, no fault and no copy (mm/mprotect.c: change_pte_range → can_change_pte_writable: PageAnon(page) && PageAnonExclusive(page))', () => {
    const { machine, mm, s, f } = thp();
    do_mprotect(mm, s + 256, 256, 'r');
    const allocated = machine.allocatedPages;
    const before = [machine.folios.mapcountOf(f), machine.folios.refcountOf(f)];
    do_mprotect(mm, s + 256, 256, 'rw');
    for (const v of [s + 256, s + 300, s + 511]) {
      const e = entry(mm, v);
      assert.deepEqual([e.kind, e.folio, e.writable], ['pte', f, true], `page ${v - s}`);
    }
    assert.deepEqual([machine.folios.mapcountOf(f), machine.folios.refcountOf(f)], before);
    assert.equal(machine.allocatedPages, allocated);
    // the write that follows needs no fault: same folio
    assert.equal(write_page(mm, s + 300, 9), 'ok');
    assert.equal(entry(mm, s + 300).folio, f);
    assert.equal(machine.allocatedPages, allocated);
    checkAll(machine, [mm]);
  });

  it('a PMD leaf regains write on 6.2+ (mm/huge_memory.c: change_huge_pmd → can_change_pmd_writable, 6.12.118 :2377-2378); 6.1.192 change_huge_pmd has no such branch, and the next write reuses the THP (do_huge_pmd_wp_page: if (PageAnonExclusive(page)) goto reuse)', () => {
    for (const [kernel, writable] of [['6.12', true], ['6.1', false]] as const) {
      const { machine, mm, s, f } = thp(kernel);
      do_mprotect(mm, s, 512, 'r');
      do_mprotect(mm, s, 512, 'rw');
      const e = entry(mm, s);
      assert.deepEqual([e.kind, e.folio, e.writable], ['pmd-leaf', f, writable], kernel);
      const allocated = machine.allocatedPages;
      machine.folios.refcount[f] = machine.folios.refcountOf(f) + 1; // an extra reference (a GUP pin): only PageAnonExclusive allows reuse
      assert.equal(write_page(mm, s + 3, 4), 'ok');
      assert.deepEqual([entry(mm, s).kind, entry(mm, s).folio, entry(mm, s).writable, machine.allocatedPages], ['pmd-leaf', f, true, allocated], kernel);
      machine.folios.refcount[f] = machine.folios.refcountOf(f) - 1;
      checkAll(machine, [mm]);
    }
  });

  it('6.1 wants a dirty PTE (6.1.192 mm/mprotect.c:49 if (pte_protnone(pte) || !pte_dirty(pte)) return false); 6.2+ does not (6.12.118 :43-72)', () => {
    for (const [kernel, writable] of [['6.12', true], ['6.1', false]] as const) {
      const { machine, mm } = space(kernel);
      const a = do_mmap(mm, 2);
      assert.equal(read_page(mm, a), 0); // the zero page
      assert.equal(write_page(mm, a, 3), 'ok');
      const p = lookupEntry(mm, a);
      machine.pt.bits[p] = 0; // hand-built: an exclusive page behind a clean read-only PTE (the model makes none otherwise)
      do_mprotect(mm, a, 2, 'r');
      do_mprotect(mm, a, 2, 'rw');
      assert.equal(entry(mm, a).writable, writable, kernel);
    }
  });

  it('a page shared by fork stays read-only on mprotect(rw) even after the child exits (not PageAnonExclusive); its write fault reuses it (wp_can_reuse_anon_folio: folio_ref_count == 1) and marks it exclusive', () => {
    const { machine, mm } = space();
    const a = do_mmap(mm, 4);
    write_page(mm, a, 5);
    const f = entry(mm, a).folio;
    const child = do_fork(mm, 'c');
    do_exit(child);
    assert.deepEqual([machine.folios.refcountOf(f), exclusive(mm, a)], [1, false]);
    do_mprotect(mm, a, 4, 'r');
    do_mprotect(mm, a, 4, 'rw');
    assert.equal(entry(mm, a).writable, false);
    assert.equal(write_page(mm, a, 6), 'ok');
    assert.deepEqual([entry(mm, a).folio, entry(mm, a).writable, exclusive(mm, a)], [f, true, true]);
    checkAll(machine, [mm]);
  });
});

describe('write faults on write-protected exclusive pages reuse them (do_wp_page: PageAnonExclusive(vmf->page) → wp_page_reuse)', () => {
  it('a write-protected exclusive subpage of a PTE-mapped THP is reused: no new folio, counts unchanged', () => {
    // 7.2.13 mm/memory.c:4315-4325 (6.12.118 and 6.1.192 alike): the flag wins before
    // wp_can_reuse_anon_folio, which refuses every large folio before v6.15.
    for (const kernel of ['6.1', '6.12', '7.2']) {
      const { machine, mm, s, f } = thp(kernel);
      do_mprotect(mm, s + 256, 256, 'r'); // split: all 512 PTEs exclusive
      const p = lookupEntry(mm, s + 10);
      machine.pt.setBit(p, PTE_WRITE, false); // hand-built: a write-protected PTE in a writable VMA
      const before = [machine.folios.mapcountOf(f), machine.folios.refcountOf(f), machine.allocatedPages];
      assert.equal(write_page(mm, s + 10, 7), 'ok');
      const e = entry(mm, s + 10);
      assert.deepEqual([e.folio, e.kind === 'pte' && e.page, e.writable, e.dirty], [f, 10, true, true], kernel);
      assert.deepEqual([machine.folios.mapcountOf(f), machine.folios.refcountOf(f), machine.allocatedPages], before, kernel);
      assert.equal(read_page(mm, s + 10), 7);
      checkAll(machine, [mm]);
    }
  });

  it('after fork no page of the THP is exclusive on either side; a write copies one page (folio_try_dup_anon_rmap_pte: ClearPageAnonExclusive; wp_can_reuse_anon_folio: 6.12 if (folio_test_large(folio)) return false)', () => {
    for (const kernel of ['6.12', '7.2']) {
      const { machine, mm, s, f } = thp(kernel);
      do_mprotect(mm, s + 256, 256, 'r');
      const child = do_fork(mm, 'c');
      assert.deepEqual([exclusive(mm, s), exclusive(mm, s + 300), exclusive(child, s), exclusive(child, s + 300)], [false, false, false, false], kernel);
      const allocated = machine.allocatedPages;
      assert.equal(write_page(mm, s + 10, 7), 'ok');
      const e = entry(mm, s + 10);
      // 7.2 __wp_can_reuse_large_anon_folio: FOLIO_MM_IDS_SHARED_BIT (the child maps it too) → false
      assert.notEqual(e.folio, f, kernel);
      assert.deepEqual([machine.allocatedPages, exclusive(mm, s + 10)], [allocated + 1, true], kernel);
      assert.equal(read_page(child, s + 10), 0);
      checkAll(machine, [mm, child]);
    }
  });

  it('after the fork child exits, a PTE-mapped THP page is reused only from v6.15 (__wp_can_reuse_large_anon_folio: one mm, folio_large_mapcount == folio_ref_count), copied on 6.12', () => {
    for (const [kernel, reused] of [['6.12', false], ['7.2', true]] as const) {
      const { machine, mm, s, f } = thp(kernel);
      do_mprotect(mm, s + 256, 256, 'r');
      do_exit(do_fork(mm, 'c'));
      assert.deepEqual([machine.folios.mapcountOf(f), machine.folios.refcountOf(f), exclusive(mm, s + 10)], [512, 512, false], kernel);
      const allocated = machine.allocatedPages;
      assert.equal(write_page(mm, s + 10, 7), 'ok');
      const e = entry(mm, s + 10);
      assert.deepEqual([e.folio === f, machine.allocatedPages - allocated, exclusive(mm, s + 10)], [reused, reused ? 0 : 1, true], kernel);
      if (reused) assert.equal(exclusive(mm, s + 11), false, 'SetPageAnonExclusive(vmf->page) marks the written page only');
      checkAll(machine, [mm]);
    }
  });

  it('the last mapped page of a non-exclusive THP: 6.1 reuses it (do_wp_page: folio_ref_count(folio) == 1, no large-folio test), 6.12 copies (wp_can_reuse_anon_folio: if (folio_test_large(folio)) return false), 7.2 copies (__wp_can_reuse_large_anon_folio: folio_large_mapcount(folio) <= 1)', () => {
    for (const [kernel, reused] of [['6.1', true], ['6.12', false], ['7.2', false]] as const) {
      const { machine, mm, s, f } = thp(kernel);
      do_exit(do_fork(mm, 'c')); // folio_try_dup_anon_rmap_pmd cleared the head
      do_munmap(mm, s + 1, 511); // splits the PMD: no page is exclusive; page 0 alone stays mapped
      assert.deepEqual([machine.folios.mapcountOf(f), machine.folios.refcountOf(f), exclusive(mm, s)], [1, 1, false], kernel);
      const allocated = machine.allocatedPages;
      assert.equal(write_page(mm, s, 7), 'ok');
      assert.deepEqual([entry(mm, s).folio === f, machine.allocatedPages - allocated, exclusive(mm, s)], [reused, reused ? 0 : 1 - 512, true], kernel);
      checkAll(machine, [mm]);
    }
  });

  it('a fork-shared small page is copied while the child maps it; once the child is gone the last reference is reused (wp_can_reuse_anon_folio: folio_ref_count(folio) != 1 → copy)', () => {
    const { machine, mm } = space();
    const a = do_mmap(mm, 4);
    write_page(mm, a, 5);
    write_page(mm, a + 1, 6);
    const f0 = entry(mm, a).folio;
    const f1 = entry(mm, a + 1).folio;
    const child = do_fork(mm, 'c');
    assert.deepEqual([exclusive(mm, a), exclusive(child, a)], [false, false]);
    assert.equal(write_page(mm, a, 7), 'ok');
    assert.notEqual(entry(mm, a).folio, f0, 'copied: the child still maps it');
    assert.equal(exclusive(mm, a), true, 'the copy is a new exclusive page (wp_page_copy → folio_add_new_anon_rmap)');
    assert.equal(read_page(child, a), 5);
    do_exit(child);
    assert.equal(write_page(mm, a + 1, 8), 'ok');
    assert.equal(entry(mm, a + 1).folio, f1, 'reused: its only reference is this mapping');
    checkAll(machine, [mm]);
  });

  it('fork of a PMD-mapped THP clears the head on both sides (folio_try_dup_anon_rmap_pmd); after the child exits the parent reuses it by refcount (do_huge_pmd_wp_page: folio_ref_count(folio) == 1 → SetPageAnonExclusive)', () => {
    const { machine, mm, s, f } = thp();
    const child = do_fork(mm, 'c');
    assert.deepEqual([exclusive(mm, s), exclusive(child, s)], [false, false]);
    do_exit(child);
    assert.equal(write_page(mm, s + 5, 2), 'ok');
    assert.deepEqual([entry(mm, s).kind, entry(mm, s).folio, entry(mm, s).writable, exclusive(mm, s)], ['pmd-leaf', f, true, true]);
    checkAll(machine, [mm]);
  });
});

describe("KSM's write_protect_page clears PageAnonExclusive (folio_try_share_anon_rmap_pte)", () => {
  it('two identical pages merge: the surviving KSM page is not exclusive; the copy an unmerge makes is', () => {
    // 7.2.13 mm/ksm.c:1310 anon_exclusive = PageAnonExclusive(&folio->page); :1340-1341
    // folio_try_share_anon_rmap_pte after the refcount check
    const w = world();
    const p = w.proc('p');
    const a = w.region(p, 2, () => 42);
    const origB = entry(p, a + 1).folio;
    assert.deepEqual([exclusive(p, a), exclusive(p, a + 1)], [true, true]);
    w.fullScans(2);
    const k = entry(p, a).folio;
    assert.equal(entry(p, a + 1).folio, k);
    assert.equal(k, origB, 'the scanned page B became the KSM page');
    assert.deepEqual([w.m.folios.ksm(k), w.m.folios.pageAnonExclusive(k, 0)], [true, false]);
    w.unmerge(p, a, 2);
    assert.notEqual(entry(p, a).folio, k);
    assert.deepEqual([exclusive(p, a), exclusive(p, a + 1)], [true, true]);
  });
});
