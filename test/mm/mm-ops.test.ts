// Hand-built cases with exact expected values for the mm system calls (mmap placement and
// merging, mprotect split/merge, fork COW, zero page, munmap, mremap, exit, THP), checked
// against what the kernel does (kernel/rmap.md §2).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnonVma } from '../../src/mm/anon-vma.ts';
import { anon_vma_interval_tree_foreach } from '../../src/mm/anon-vma.ts';
import type { Folio } from '../../src/mm/folio.ts';
import { Machine } from '../../src/mm/machine.ts';
import { parseKernelVersion } from '../../src/mm/kernel.ts';
import { read_page, write_page } from '../../src/mm/memory.ts';
import { entryPointer, lookupEntry, type MmStruct, mm_alloc } from '../../src/mm/mm.ts';
import { split_folio } from '../../src/mm/thp.ts';
import { SPLIT_KEEPS_ZERO } from '../../src/mm/machine.ts';
import { do_exit, do_fork, do_mmap, do_mprotect, do_mremap_move, do_munmap, madvise_dontneed } from '../../src/mm/mmap.ts';
import { type EntryView, entryView, type FolioView, folioView } from '../../src/mm/inspect.ts';
import { NULL_PTR } from '../../src/mm/pgtable.ts';
import { PTE_LEVEL, type PagingLevels } from '../../src/mm/units.ts';
import {
  linear_page_index,
  VM_ACCOUNT,
  VM_HUGEPAGE,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYWRITE,
  VM_READ,
  VM_WRITE,
  type VmAreaStruct,
  vma_lookup,
} from '../../src/mm/vma.ts';
import { checkAnonVmaTrees, checkPages, checkVmas, countTables, guardVmas, LoopGuard, vmaAt } from './helpers.ts';

const RW = VM_READ | VM_WRITE;
const ANON_RW_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT;
/** A free low address (4 GiB), 2 MiB aligned, far from the top-down area. */
const LOW = 2 ** 20;

interface Space {
  machine: Machine;
  mm: MmStruct;
  guard: LoopGuard;
}

/** The machine of the test running now (the tests of this file run one at a time). */
let current = new Machine(4);

/** A folio of the current test's machine, decoded. */
function fv(f: Folio): FolioView {
  return folioView(current, f);
}

/** A machine with one process; its VMA list is guarded so a livelock fails instead of hanging. */
function space(levels: PagingLevels = 4): Space {
  const machine = new Machine(levels);
  current = machine;
  const mm = mm_alloc(machine, 'p');
  const guard = new LoopGuard(1_000_000);
  guardVmas(mm, guard);
  return { machine, mm, guard };
}

function fork(parent: MmStruct, guard: LoopGuard, name: string): MmStruct {
  const child = do_fork(parent, name);
  guardVmas(child, guard);
  return child;
}

/** [vm_start, vm_end, vm_pgoff] of every VMA. */
function layout(mm: MmStruct): number[][] {
  return mm.vmas.map((v) => [v.vm_start, v.vm_end, v.vm_pgoff]);
}

function pte(mm: MmStruct, vpn: number): EntryView {
  const found = lookupEntry(mm, vpn);
  assert.notEqual(found, NULL_PTR, `nothing mapped at ${vpn}`);
  const e = entryView(mm.machine, found);
  assert.ok(e.kind === 'pte' || e.kind === 'pmd-leaf', `entry at ${vpn} is ${e.kind}`);
  return e;
}

function folioAt(mm: MmStruct, vpn: number): Folio {
  return pte(mm, vpn).folio;
}

function anonVmaOf(folio: Folio): AnonVma | null {
  return fv(folio).anonVma;
}

function treeKeys(av: AnonVma): number[][] {
  return [...av.rb_root.inorder()].map((n) => [n.start, n.last]);
}

function stab(av: AnonVma, i: number): VmAreaStruct[] {
  return [...anon_vma_interval_tree_foreach(av, i, i)].map((avc) => avc.vma);
}

/** Every invariant of helpers.ts over the given processes. */
function checkAll(machine: Machine, mms: readonly MmStruct[], seen = new Set<Folio>()): void {
  for (const mm of mms) checkVmas(mm);
  checkPages(machine, mms, seen);
  checkAnonVmaTrees(mms);
}

describe('mmap placement and merging', () => {
  it('top-down: the first mapping ends at mmap_base, the next ends where it starts, and the two merge', () => {
    const { machine, mm } = space();
    const a = do_mmap(mm, 10);
    assert.equal(a, mm.mmap_base - 10);
    assert.deepEqual(layout(mm), [[a, a + 10, a]]);
    assert.equal(mm.vmas[0]!.vm_flags, ANON_RW_FLAGS);
    // vma_merge_new_range: [b, a) has next [a, a+10) with next.pgoff == b + 6 -> next grows down.
    const b = do_mmap(mm, 6);
    assert.equal(b, a - 6);
    assert.deepEqual(layout(mm), [[b, a + 10, b]]);
    assert.equal(linear_page_index(mm.vmas[0]!, a), a);
    checkAll(machine, [mm]);
  });

  it('MAP_FIXED adjacent to a faulted VMA merges into it and keeps every page index', () => {
    const { machine, mm } = space();
    const x = LOW + 100;
    assert.equal(do_mmap(mm, 5, { at: x }), x);
    assert.equal(write_page(mm, x + 1, 11), 'ok');
    const av = mm.vmas[0]!.anon_vma;
    assert.ok(av);
    assert.equal(do_mmap(mm, 5, { at: x + 5 }), x + 5);
    assert.deepEqual(layout(mm), [[x, x + 10, x]]);
    assert.equal(mm.vmas[0]!.anon_vma, av);
    assert.deepEqual(treeKeys(av), [[x, x + 9]]);
    assert.equal(write_page(mm, x + 7, 17), 'ok');
    assert.equal(fv(folioAt(mm, x + 7)).index, x + 7);
    assert.equal(anonVmaOf(folioAt(mm, x + 7)), av);
    assert.equal(anonVmaOf(folioAt(mm, x + 1)), av);
    checkAll(machine, [mm]);
  });

  it('THP alignment: a 2 MiB-multiple length starts on a 2 MiB boundary, as high as it fits below mmap_base', () => {
    const { mm } = space();
    const s = do_mmap(mm, 512);
    assert.equal(s % 512, 0);
    assert.equal(s, Math.floor((mm.mmap_base - 512) / 512) * 512);
    assert.equal(s, 2 ** 35 - 33792);
    // Not a multiple of 2 MiB: no alignment, right below mmap_base (the 511-page gap above s is too small).
    const { mm: mm2 } = space();
    assert.equal(do_mmap(mm2, 600), mm2.mmap_base - 600);
  });

  it('regression (the model once differed from the kernel): a second 2 MiB mapping goes right below the first (thp_get_unmapped_area, top-down) and merges with it', () => {
    // mm/huge_memory.c __thp_get_unmapped_area: the padded search returns s1 - 1024, which is
    // already aligned (off_sub == 0), and with MMF_TOPDOWN the kernel returns ret + 2 MiB.
    const { mm } = space();
    const s1 = do_mmap(mm, 512);
    const s2 = do_mmap(mm, 512);
    assert.equal(s2, s1 - 512, 'second THP-sized mapping should be adjacent below the first');
    assert.deepEqual(layout(mm), [[s2, s1 + 512, s2]]);
  });
});

describe('mprotect: split and merge keep every linear index', () => {
  /** A 10-page rw VMA with every page written (content 100 + i). */
  function tenPages(): Space & { a: number; folios: Folio[] } {
    const sp = space();
    const a = do_mmap(sp.mm, 10);
    for (let i = 0; i < 10; i++) assert.equal(write_page(sp.mm, a + i, 100 + i), 'ok');
    const folios = Array.from({ length: 10 }, (_, i) => folioAt(sp.mm, a + i));
    return { ...sp, a, folios };
  }

  it('mprotect(r) of pages 3..5 of a 10-page VMA gives 3 VMAs with pgoffs start, start+3, start+6', () => {
    const { machine, mm, a, folios } = tenPages();
    const av = mm.vmas[0]!.anon_vma!;
    do_mprotect(mm, a + 3, 3, 'r');
    assert.deepEqual(layout(mm), [
      [a, a + 3, a],
      [a + 3, a + 6, a + 3],
      [a + 6, a + 10, a + 6],
    ]);
    assert.deepEqual(mm.vmas.map((v) => v.vm_flags & RW), [RW, VM_READ, RW]);
    for (let i = 0; i < 10; i++) {
      assert.equal(linear_page_index(vmaAt(mm, a + i), a + i), a + i, `linear index of page ${i}`);
      assert.equal(folioAt(mm, a + i), folios[i], `page ${i} keeps its folio`);
      assert.equal(fv(folios[i]!).index, a + i);
      assert.equal(pte(mm, a + i).writable, i < 3 || i > 5, `writable bit of page ${i}`);
      assert.equal(read_page(mm, a + i), 100 + i);
    }
    // __split_vma: each new piece is linked into the (single) anon_vma with its own key.
    for (const v of mm.vmas) assert.equal(v.anon_vma, av);
    assert.deepEqual(treeKeys(av), [
      [a, a + 2],
      [a + 3, a + 5],
      [a + 6, a + 9],
    ]);
    assert.deepEqual(stab(av, a + 4), [mm.vmas[1]]);
    assert.equal(write_page(mm, a + 4, 1), 'sigsegv');
    checkAll(machine, [mm]);
  });

  it('mprotect(rw) of the middle again merges the 3 VMAs back into one (pages writable again)', () => {
    const { machine, mm, a, folios } = tenPages();
    const av = mm.vmas[0]!.anon_vma!;
    do_mprotect(mm, a + 3, 3, 'r');
    do_mprotect(mm, a + 3, 3, 'rw');
    assert.deepEqual(layout(mm), [[a, a + 10, a]]);
    assert.equal(mm.vmas[0]!.vm_flags & RW, RW);
    assert.equal(mm.vmas[0]!.anon_vma, av);
    assert.deepEqual(treeKeys(av), [[a, a + 9]]);
    assert.equal(av.num_active_vmas, 1);
    for (let i = 0; i < 10; i++) {
      assert.equal(folioAt(mm, a + i), folios[i]);
      assert.equal(linear_page_index(mm.vmas[0]!, a + i), fv(folios[i]!).index);
      // MM_CP_TRY_CHANGE_WRITABLE: exclusive anon pages become writable without a fault.
      assert.equal(pte(mm, a + i).writable, true, `page ${i} writable`);
    }
    checkAll(machine, [mm]);
  });

  it('regression (the model once differed from the kernel): mprotect of a sub-range to the protection it already has returns and changes nothing', () => {
    // mm/mprotect.c: newflags == oldflags -> nothing to do; the loop advances to the range end.
    const { mm } = space();
    const a = do_mmap(mm, 10);
    do_mprotect(mm, a + 2, 3, 'rw');
    assert.deepEqual(layout(mm), [[a, a + 10, a]]);
  });
});

describe('fork: COW sharing', () => {
  it('the child gets a table for every present parent table inside an anon VMA, empty or not (mm/memory.c: copy_pmd_range / copy_pte_range)', () => {
    // a 6.12 machine: its DONTNEED keeps empty PTE tables (no PT_RECLAIM before 6.14)
    const machine = new Machine(4, { kernel: parseKernelVersion('6.12.59') });
    current = machine;
    const parent = mm_alloc(machine, 'p');
    const guard = new LoopGuard(1_000_000);
    guardVmas(parent, guard);
    // two 2 MiB-aligned regions of 1024 pages at LOW; pages faulted in both 2 MiB halves of A
    const a = do_mmap(parent, 1024, { at: LOW });
    const b = do_mmap(parent, 512, { at: LOW + 2048 });
    do_mprotect(parent, b, 512, 'r'); // a separate VMA: b is never faulted (no anon_vma)
    assert.equal(write_page(parent, a, 7), 'ok');
    assert.equal(write_page(parent, a + 600, 8), 'ok');
    // PGD→PUD→PMD tables and two PTE tables
    assert.equal(countTables(parent), 4);
    // DONTNEED zaps both pages; the PTE tables stay
    madvise_dontneed(parent, a, 1024);
    assert.equal(countTables(parent), 4);
    const child = fork(parent, guard, 'c');
    // the child copies the skeleton: the same four tables, both PTE tables empty
    assert.equal(countTables(child), 4);
    for (const vpn of [a, a + 600]) {
      const under = entryPointer(child, vpn, PTE_LEVEL, false);
      assert.notEqual(under, NULL_PTR, `the child has the PTE table of ${vpn}`);
      assert.equal(entryView(machine, under).kind, 'none');
    }
    checkAll(machine, [parent, child]);
  });

  it('pages become COW-shared; a write in the child copies; a later parent write reuses', () => {
    const { machine, mm: parent, guard } = space();
    const a = do_mmap(parent, 4);
    assert.equal(write_page(parent, a, 7), 'ok');
    const f = folioAt(parent, a);
    const pav = parent.vmas[0]!.anon_vma!;
    const child = fork(parent, guard, 'c');
    assert.deepEqual(layout(child), [[a, a + 4, a]]);
    assert.equal(fv(f).maps.length, 2);
    assert.equal(fv(f).refcount, 2);
    assert.equal(pte(parent, a).writable, false);
    assert.equal(pte(child, a).writable, false);
    assert.equal(pte(child, a).folio, f);
    assert.equal(read_page(child, a), 7);
    // anon_vma_fork: the child VMA is in the parent's tree and has its own anon_vma below it.
    const cvma = child.vmas[0]!;
    const cav = cvma.anon_vma!;
    assert.notEqual(cav, pav);
    assert.equal(cav.parent, pav);
    assert.equal(cav.root, pav);
    assert.deepEqual(new Set(cvma.anon_vma_chain.map((x) => x.anon_vma)), new Set([pav, cav]));
    assert.deepEqual(new Set(stab(pav, a)), new Set([parent.vmas[0], cvma]));
    assert.deepEqual(stab(cav, a), [cvma]);
    checkAll(machine, [parent, child]);

    assert.equal(write_page(child, a, 9), 'ok');
    const g = folioAt(child, a);
    assert.notEqual(g, f);
    assert.notEqual(fv(g).pfn, fv(f).pfn);
    assert.equal(fv(g).index, a);
    assert.equal(anonVmaOf(g), cav);
    assert.equal(fv(g).maps.length, 1);
    assert.equal(pte(child, a).writable, true);
    assert.equal(fv(f).maps.length, 1);
    assert.equal(fv(f).refcount, 1);
    assert.equal(entryView(machine, fv(f).maps[0]!).mm, parent);
    assert.equal(read_page(parent, a), 7);
    assert.equal(read_page(child, a), 9);

    assert.equal(write_page(parent, a, 8), 'ok');
    assert.equal(folioAt(parent, a), f, 'wp_page_reuse: an exclusive page is reused');
    assert.equal(pte(parent, a).writable, true);
    assert.equal(read_page(parent, a), 8);
    assert.equal(machine.allocatedPages, 2);
    checkAll(machine, [parent, child]);
  });
});

describe('zero page', () => {
  it('a read fault maps the zero page: a special read-only PTE, not in any maps list, no anon_vma', () => {
    const { machine, mm } = space();
    const a = do_mmap(mm, 2);
    assert.equal(read_page(mm, a), 0);
    const e = pte(mm, a);
    assert.equal(e.kind, 'pte');
    assert.equal(e.folio, machine.zeroFolio);
    assert.equal(e.special, true);
    assert.equal(e.writable, false);
    assert.equal(fv(machine.zeroFolio).maps.length, 0);
    assert.equal(fv(machine.zeroFolio).refcount, 0);
    assert.equal(mm.vmas[0]!.anon_vma, null);
    assert.equal(machine.allocatedPages, 0);
    assert.equal(write_page(mm, a, 5), 'ok');
    const w = pte(mm, a);
    assert.equal(w.special, false);
    assert.equal(fv(w.folio).order, 0);
    assert.equal(fv(w.folio).index, a);
    assert.equal(w.writable, true);
    assert.ok(mm.vmas[0]!.anon_vma);
    assert.equal(fv(machine.zeroFolio).maps.length, 0);
    assert.equal(machine.allocatedPages, 1);
    checkAll(machine, [mm]);
  });

  it('regression (the model once differed from the kernel): a load from a PROT_NONE page is SIGSEGV and maps nothing', () => {
    // arch/x86/mm/fault.c access_error: !vma_is_accessible(vma) -> bad_area_access_error.
    const { mm } = space();
    const a = do_mmap(mm, 1, { prot: 'none' });
    assert.equal(read_page(mm, a), 'sigsegv');
    assert.equal(lookupEntry(mm, a), NULL_PTR);
  });
});

describe('munmap and MADV_DONTNEED', () => {
  it('partial munmap frees the folios of the hole, splits the VMA, keeps the shared page table', () => {
    const { machine, mm } = space();
    const a = do_mmap(mm, 10);
    for (let i = 0; i < 10; i++) write_page(mm, a + i, 1 + i);
    const folios = Array.from({ length: 10 }, (_, i) => folioAt(mm, a + i));
    do_munmap(mm, a + 3, 3);
    assert.deepEqual(layout(mm), [
      [a, a + 3, a],
      [a + 6, a + 10, a + 6],
    ]);
    for (let i = 0; i < 10; i++) {
      const hole = i >= 3 && i <= 5;
      assert.equal(fv(folios[i]!).freed, hole, `folio of page ${i} freed`);
      assert.equal(fv(folios[i]!).refcount, hole ? 0 : 1);
      assert.equal(fv(folios[i]!).maps.length, hole ? 0 : 1);
      if (hole) assert.equal(lookupEntry(mm, a + i), NULL_PTR);
      else assert.equal(read_page(mm, a + i), 1 + i);
    }
    assert.equal(countTables(mm), 3, 'PUD, PMD and PTE table stay (the PTE table is still used)');
    assert.equal(machine.allocatedPages, 7);
    assert.deepEqual(treeKeys(mm.vmas[0]!.anon_vma!), [
      [a, a + 2],
      [a + 6, a + 9],
    ]);
    checkAll(machine, [mm]);
  });

  it('munmap of everything frees every folio, every page table and the anon_vma (5-level, high address)', () => {
    const { machine, mm } = space(5);
    const x = 2 ** 40 + 7;
    assert.equal(do_mmap(mm, 20, { at: x }), x);
    for (let i = 0; i < 20; i += 2) write_page(mm, x + i, 3);
    assert.deepEqual(layout(mm), [[x, x + 20, x]]);
    const folios = Array.from({ length: 10 }, (_, i) => folioAt(mm, x + 2 * i));
    const av = mm.vmas[0]!.anon_vma!;
    assert.equal(countTables(mm), 4, 'P4D, PUD, PMD and PTE table below the PML5');
    do_munmap(mm, x, 20);
    assert.equal(mm.vmas.length, 0);
    for (const f of folios) {
      assert.equal(fv(f).freed, true);
      assert.equal(fv(f).refcount, 0);
      assert.equal(fv(f).maps.length, 0);
    }
    assert.equal(countTables(mm), 0);
    assert.equal(machine.pt.count[mm.pgd], 0);
    assert.equal(machine.allocatedPages, 0);
    assert.equal(av.freed, true);
    assert.equal(av.refcount, 0);
  });

  it('MADV_DONTNEED frees the pages but keeps the VMA and the page tables; a read then sees zeroes', () => {
    const { machine, mm } = space();
    const a = do_mmap(mm, 8);
    for (let i = 0; i < 8; i++) write_page(mm, a + i, 40 + i);
    const f2 = folioAt(mm, a + 2);
    const tables = countTables(mm);
    madvise_dontneed(mm, a + 2, 4);
    assert.equal(fv(f2).freed, true);
    assert.equal(lookupEntry(mm, a + 2), NULL_PTR);
    assert.deepEqual(layout(mm), [[a, a + 8, a]]);
    assert.equal(countTables(mm), tables);
    assert.equal(machine.allocatedPages, 4);
    assert.equal(read_page(mm, a + 2), 0);
    assert.equal(pte(mm, a + 2).folio, machine.zeroFolio);
    assert.equal(read_page(mm, a + 6), 46);
    checkAll(machine, [mm]);
  });
});

describe('mremap move', () => {
  it('moves the PTEs, keeps folio.index, and the new VMA has pgoff = old pgoff + offset', () => {
    const { machine, mm } = space();
    const a = do_mmap(mm, 10);
    for (let i = 0; i < 10; i++) write_page(mm, a + i, 50 + i);
    const folios = Array.from({ length: 10 }, (_, i) => folioAt(mm, a + i));
    const av = mm.vmas[0]!.anon_vma!;
    assert.equal(do_mremap_move(mm, a + 2, 4, LOW), LOW);
    assert.deepEqual(layout(mm), [
      [LOW, LOW + 4, a + 2],
      [a, a + 2, a],
      [a + 6, a + 10, a + 6],
    ]);
    const moved = mm.vmas[0]!;
    assert.equal(moved.anon_vma, av);
    for (let i = 0; i < 4; i++) {
      const e = pte(mm, LOW + i);
      assert.equal(e.folio, folios[2 + i]);
      assert.equal(e.vpn, LOW + i);
      assert.equal(fv(e.folio).index, a + 2 + i);
      assert.deepEqual(fv(e.folio).maps, [e.ptr]);
      assert.equal(linear_page_index(moved, LOW + i), a + 2 + i);
      assert.equal(read_page(mm, LOW + i), 52 + i);
      assert.equal(lookupEntry(mm, a + 2 + i), NULL_PTR);
      assert.equal(vma_lookup(mm, a + 2 + i), null);
      assert.deepEqual(stab(av, a + 2 + i), [moved], 'rmap finds the moved page at its old index');
    }
    assert.equal(machine.allocatedPages, 10);
    checkAll(machine, [mm]);
  });

  it('a never-faulted VMA moved gets pgoff = its new start (copy_vma)', () => {
    const { mm } = space();
    const b = do_mmap(mm, 5);
    do_mremap_move(mm, b, 5, LOW + 3);
    assert.deepEqual(layout(mm), [[LOW + 3, LOW + 8, LOW + 3]]);
  });

  it('a 2 MiB-aligned move carries a PMD-mapped THP whole (move_huge_pmd)', () => {
    const { machine, mm } = space();
    const s = do_mmap(mm, 512, { hugepage: true });
    assert.equal(write_page(mm, s + 3, 33), 'ok');
    const f = folioAt(mm, s);
    assert.equal(do_mremap_move(mm, s, 512, LOW), LOW);
    const e = pte(mm, LOW);
    assert.equal(e.kind, 'pmd-leaf');
    assert.equal(e.folio, f);
    assert.equal(e.vpn, LOW);
    assert.equal(fv(f).index, s);
    assert.deepEqual(layout(mm), [[LOW, LOW + 512, s]]);
    assert.equal(read_page(mm, LOW + 3), 33);
    assert.equal(lookupEntry(mm, s), NULL_PTR);
    checkAll(machine, [mm]);
  });

  it('regression (the model once differed from the kernel): a move to a destination inside the source VMA (MREMAP_FIXED) keeps the page index', () => {
    // mm/mremap.c mremap_to: do_munmap(new_addr) first, then the source VMA is looked up again
    // (vma_to_resize). The model keeps the stale pre-munmap VMA, sees no anon_vma on it and
    // resets the new pgoff to new_addr, breaking linear_page_index == folio->index.
    const { machine, mm } = space();
    const a = do_mmap(mm, 100);
    assert.equal(write_page(mm, a, 5), 'ok');
    const f = folioAt(mm, a);
    do_mremap_move(mm, a, 10, a + 50);
    assert.deepEqual(layout(mm), [
      [a + 10, a + 50, a + 10],
      [a + 50, a + 60, a],
      [a + 60, a + 100, a + 60],
    ]);
    assert.equal(folioAt(mm, a + 50), f);
    assert.equal(linear_page_index(vmaAt(mm, a + 50), a + 50), fv(f).index);
    checkAll(machine, [mm]);
  });
});

describe('exit', () => {
  it('exit frees the exiting process’s private copies, then everything', () => {
    const { machine, mm: parent, guard } = space();
    const a = do_mmap(parent, 8);
    for (let i = 0; i < 8; i++) write_page(parent, a + i, 60 + i);
    const pf = Array.from({ length: 8 }, (_, i) => folioAt(parent, a + i));
    const root = parent.vmas[0]!.anon_vma!;
    const child = fork(parent, guard, 'c');
    const cav = child.vmas[0]!.anon_vma!;
    assert.equal(root.refcount, 2, 'own reference + the child anon_vma’s reference on its root');
    for (let i = 0; i < 4; i++) write_page(child, a + i, 70 + i);
    const cf = Array.from({ length: 4 }, (_, i) => folioAt(child, a + i));
    assert.equal(machine.allocatedPages, 12);
    do_exit(child);
    assert.equal(child.vmas.length, 0);
    assert.equal(countTables(child), 0);
    for (const f of cf) assert.equal(fv(f).freed, true);
    for (const f of pf) {
      assert.equal(fv(f).freed, false);
      assert.equal(fv(f).maps.length, 1);
      assert.equal(fv(f).refcount, 1);
    }
    assert.equal(cav.freed, true);
    assert.equal(root.freed, false);
    assert.equal(root.refcount, 1);
    assert.deepEqual(stab(root, a), [parent.vmas[0]]);
    assert.equal(machine.allocatedPages, 8);
    checkAll(machine, [parent]);
    do_exit(parent);
    for (const f of pf) assert.equal(fv(f).freed, true);
    assert.equal(root.freed, true);
    assert.equal(countTables(parent), 0);
    assert.equal(machine.pt.count[parent.pgd], 0);
    assert.equal(machine.allocatedPages, 0);
  });
});

describe('THP', () => {
  it('a write fault in a hugepage VMA maps a 2 MiB folio with one PMD leaf; a small VMA gets a base page', () => {
    const { machine, mm } = space();
    const s = do_mmap(mm, 512, { hugepage: true });
    assert.notEqual(mm.vmas[0]!.vm_flags & VM_HUGEPAGE, 0);
    assert.equal(write_page(mm, s + 5, 9), 'ok');
    const e = pte(mm, s + 200);
    assert.equal(e.kind, 'pmd-leaf');
    assert.equal(e.vpn, s);
    assert.equal(fv(e.folio).order, 9);
    assert.equal(fv(e.folio).index, s);
    assert.deepEqual(fv(e.folio).maps, [e.ptr]);
    assert.equal(fv(e.folio).refcount, 1);
    assert.equal(read_page(mm, s + 5), 9);
    assert.equal(read_page(mm, s + 6), 0);
    assert.equal(machine.allocatedPages, 512);
    const t = do_mmap(mm, 100, { hugepage: true });
    assert.equal(write_page(mm, t, 1), 'ok');
    assert.equal(fv(folioAt(mm, t)).order, 0);
    assert.equal(machine.allocatedPages, 513);
    checkAll(machine, [mm]);
  });

  it('fork shares the PMD; a child write splits the child’s PMD and copies one page', () => {
    const { machine, mm: parent, guard } = space();
    const s = do_mmap(parent, 512, { hugepage: true });
    write_page(parent, s + 5, 9);
    const f = folioAt(parent, s);
    const child = fork(parent, guard, 'c');
    assert.equal(fv(f).maps.length, 2);
    assert.ok(fv(f).maps.map((m) => entryView(machine, m)).every((m) => m.kind === 'pmd-leaf' && !m.writable));
    assert.equal(write_page(child, s + 5, 10), 'ok');
    const c5 = pte(child, s + 5);
    assert.equal(c5.kind, 'pte');
    assert.equal(fv(c5.folio).order, 0);
    assert.equal(fv(c5.folio).index, s + 5);
    const c6 = pte(child, s + 6);
    assert.equal(c6.kind, 'pte');
    assert.equal(c6.folio, f);
    assert.equal(c6.kind === 'pte' && c6.page, 6);
    assert.equal(pte(parent, s).kind, 'pmd-leaf');
    assert.equal(fv(f).maps.length, 512, 'parent PMD leaf + 511 child PTEs');
    assert.equal(fv(f).refcount, 512);
    assert.equal(read_page(parent, s + 5), 9);
    assert.equal(read_page(child, s + 5), 10);
    checkAll(machine, [parent, child]);
  });

  it('munmap of half a PMD-mapped THP splits the PMD; the rest stays mapped by PTEs until unmapped', () => {
    const { machine, mm } = space();
    const s = do_mmap(mm, 512, { hugepage: true });
    write_page(mm, s + 300, 4);
    const f = folioAt(mm, s);
    do_munmap(mm, s, 256);
    assert.equal(fv(f).freed, false);
    assert.equal(fv(f).maps.length, 256);
    assert.equal(pte(mm, s + 300).kind, 'pte');
    assert.equal(read_page(mm, s + 300), 4);
    assert.deepEqual(layout(mm), [[s + 256, s + 512, s + 256]]);
    checkAll(machine, [mm]);
    do_munmap(mm, s + 256, 256);
    assert.equal(fv(f).freed, true);
    assert.equal(machine.allocatedPages, 0);
    assert.equal(countTables(mm), 0);
  });

  it('split_folio of a half-unmapped THP frees the parts nothing maps (__split_huge_page, 6.1: no zero remap)', () => {
    const { machine, mm } = space();
    machine.splitZeroPage = SPLIT_KEEPS_ZERO; // 6.1.192 __split_huge_page: remap_page(folio, nr) without RMP_USE_SHARED_ZEROPAGE
    const s = do_mmap(mm, 512, { hugepage: true });
    write_page(mm, s + 300, 4);
    madvise_dontneed(mm, s, 256);
    const f = folioAt(mm, s + 300);
    assert.deepEqual([fv(f).order, fv(f).maps.length, machine.allocatedPages], [9, 256, 512]);
    machine.folios.refcount[f] = fv(f).refcount + 1; // the caller's reference (ksmd's folio_get)
    const parts = split_folio(mm, { folio: f, index: 300 })!;
    assert.equal(parts.length, 512);
    assert.deepEqual([parts.filter((p) => fv(p).freed).length, machine.allocatedPages], [256, 256]);
    assert.deepEqual([fv(parts[300]!).refcount, fv(parts[300]!).maps.length], [2, 1]);
    machine.folios.refcount[parts[300]!] = fv(parts[300]!).refcount - 1; // folio_put
    checkAll(machine, [mm]);
    assert.equal(read_page(mm, s + 300), 4);
  });

  it('split_folio on 6.12+ remaps the zero-filled mapped parts to the shared zero page and frees them (remap_page(…, RMP_USE_SHARED_ZEROPAGE) → try_to_map_unused_to_zeropage)', () => {
    // 6.12.118 mm/huge_memory.c:__split_huge_page:3403, mm/migrate.c:try_to_map_unused_to_zeropage:241-277
    const { machine, mm } = space();
    const s = do_mmap(mm, 512, { hugepage: true });
    write_page(mm, s + 300, 4);
    madvise_dontneed(mm, s, 256);
    const f = folioAt(mm, s + 300);
    machine.folios.refcount[f] = fv(f).refcount + 1; // the caller's reference (ksmd's folio_get)
    const parts = split_folio(mm, { folio: f, index: 300 })!;
    // 256 unmapped parts freed as before, 255 zero-filled mapped parts remapped and freed; page 300 (content 4) stays
    assert.deepEqual([parts.filter((p) => fv(p).freed).length, machine.allocatedPages], [511, 1]);
    assert.deepEqual([machine.counters.split_zero_checks, machine.counters.split_zero_remapped], [256, 255]);
    assert.deepEqual(pte(mm, s + 301), { ...pte(mm, s + 301), kind: 'pte', special: true, writable: false, dirty: false });
    assert.equal(folioAt(mm, s + 301), machine.zeroFolio);
    assert.deepEqual([fv(parts[300]!).refcount, fv(parts[300]!).maps.length], [2, 1]);
    machine.folios.refcount[parts[300]!] = fv(parts[300]!).refcount - 1; // folio_put
    checkAll(machine, [mm]);
    assert.equal(read_page(mm, s + 300), 4);
    assert.equal(read_page(mm, s + 301), 0);
  });

  it('regression (the model once differed from the kernel): mprotect(r) of part of a PMD-mapped THP splits the PMD: the read-only part never becomes writable', () => {
    // mm/vma.c __split_vma -> vma_adjust_trans_huge splits a huge PMD that straddles the new
    // VMA boundary; the model leaves one PMD leaf across VMAs with different protections.
    const { mm } = space();
    const s = do_mmap(mm, 1024, { hugepage: true });
    write_page(mm, s, 1);
    do_mprotect(mm, s + 256, 256, 'r');
    assert.deepEqual(layout(mm), [
      [s, s + 256, s],
      [s + 256, s + 512, s + 256],
      [s + 512, s + 1024, s + 512],
    ]);
    assert.equal(write_page(mm, s + 1, 2), 'ok');
    assert.equal(pte(mm, s + 300).writable, false, 'a page of the read-only VMA is mapped writable');
    assert.equal(pte(mm, s + 300).kind, 'pte');
    assert.equal(pte(mm, s).kind, 'pte');
  });

  it('regression (the model once differed from the kernel): fork after a VMA split inside a THP keeps the ground truth (no phantom PMD mapping, folio freed at exit)', () => {
    const { machine, mm, guard } = space();
    const s = do_mmap(mm, 1024, { hugepage: true });
    write_page(mm, s, 1);
    const f = folioAt(mm, s);
    do_mprotect(mm, s + 256, 256, 'r');
    const child = fork(mm, guard, 'c');
    const listed = fv(f).maps.length;
    let installed = 0;
    for (const m of fv(f).maps) {
      const v = entryView(machine, m);
      if (v.mm && lookupEntry(v.mm, v.vpn) === m) installed++;
    }
    assert.equal(installed, listed, 'every entry in folio.maps is installed in a page table');
    do_exit(child);
    do_exit(mm);
    assert.equal(fv(f).freed, true, 'the THP is freed once both processes exited');
    assert.equal(machine.allocatedPages, 0);
  });
});

describe('anon_vma life cycle', () => {
  it('regression (the model once differed from the kernel): a new root anon_vma counts its self-parent link (num_children 1)', () => {
    // mm/rmap.c __anon_vma_prepare: anon_vma->num_children++; /* self-parent link for new root */
    const { mm } = space();
    const a = do_mmap(mm, 1);
    write_page(mm, a, 1);
    const av = mm.vmas[0]!.anon_vma!;
    assert.equal(av.root, av);
    assert.equal(av.parent, av);
    assert.equal(av.num_active_vmas, 1);
    assert.equal(av.refcount, 1);
    assert.equal(av.num_children, 1);
  });

  it('regression (the model once differed from the kernel): a grandchild never reuses the root anon_vma (anon_vma_clone: "Root anon_vma is never reused")', () => {
    // P faults (root R), forks C1 (anon_vma A1, parent R), unmaps its VMA (R has no active VMA),
    // then C1 forks C2: R has num_children 2 (self + A1), A1 has an active VMA -> C2 gets a new
    // anon_vma A2 below A1. The model's R has num_children 1 and is handed to C2.
    const { machine, mm: p, guard } = space();
    const a = do_mmap(p, 4);
    write_page(p, a, 1);
    const r = p.vmas[0]!.anon_vma!;
    const c1 = fork(p, guard, 'c1');
    const a1 = c1.vmas[0]!.anon_vma!;
    assert.equal(a1.parent, r);
    do_munmap(p, a, 4);
    assert.equal(r.num_active_vmas, 0);
    const c2 = fork(c1, guard, 'c2');
    const v2 = c2.vmas[0]!;
    assert.notEqual(v2.anon_vma, r, 'C2 was handed the root anon_vma');
    assert.equal(v2.anon_vma?.parent, a1);
    assert.equal(v2.anon_vma_chain.length, 3);
    checkAll(machine, [p, c1, c2]);
  });
});
