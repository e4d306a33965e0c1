// mm behaviour by kernel version (issue 10 item 4), each from the source: multi-VMA mremap
// (6.17+), PT_RECLAIM on MADV_DONTNEED (6.14+), and the anon_vma merge rule (6.16+).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configOfStack } from '../../src/harness/config.ts';
import { runScenario } from '../../src/harness/run.ts';
import { parseKernelVersion } from '../../src/mm/kernel.ts';
import { Machine } from '../../src/mm/machine.ts';
import { write_page } from '../../src/mm/memory.ts';
import { type MmStruct, mm_alloc } from '../../src/mm/mm.ts';
import { do_fork, do_mmap, do_mprotect, do_mremap_move, madvise_dontneed } from '../../src/mm/mmap.ts';
import { MmErrno } from '../../src/mm/vma.ts';
import { countTables } from './helpers.ts';

const LOW = 2 ** 20;

function proc(kernel: string): MmStruct {
  return mm_alloc(new Machine(4, { kernel: parseKernelVersion(kernel) }), 'p0');
}

/** [vm_start, vm_end, vm_pgoff] of every VMA. */
const layout = (mm: MmStruct) => mm.vmas.map((v) => [v.vm_start, v.vm_end, v.vm_pgoff]);

describe('mremap of a range spanning several VMAs', () => {
  /** Three VMAs A | B (read-only) | C over 30 pages at LOW, each page written. */
  function threeVmas(kernel: string): MmStruct {
    const mm = proc(kernel);
    do_mmap(mm, 30, { at: LOW });
    for (let i = 0; i < 30; i++) assert.equal(write_page(mm, LOW + i, 100 + i), 'ok');
    do_mprotect(mm, LOW + 10, 10, 'r');
    assert.equal(mm.vmas.length, 3);
    return mm;
  }

  for (const kernel of ['6.1.0', '6.12.59', '6.16']) {
    it(`${kernel}: EFAULT, nothing moves (mm/mremap.c: vma_to_resize "can't remap across vm area boundaries")`, () => {
      const mm = threeVmas(kernel);
      const before = layout(mm);
      assert.throws(() => do_mremap_move(mm, LOW + 5, 20, LOW * 4), (e: unknown) => e instanceof MmErrno && e.errno === 'EFAULT' && /is not inside one VMA, and this kernel \(/.test(e.message));
      assert.deepEqual(layout(mm), before);
    });
  }

  for (const kernel of ['6.17.0', '6.18', '7.3']) {
    it(`${kernel}: each VMA moves in turn, pgoffs kept (mm/mremap.c: remap_move)`, () => {
      const mm = threeVmas(kernel);
      const to = LOW * 4;
      assert.equal(do_mremap_move(mm, LOW + 5, 20, to), to);
      // left: A's first 5 pages and C's last 5; moved: A's tail, B, C's head, back to back
      assert.deepEqual(layout(mm), [
        [LOW, LOW + 5, LOW],
        [LOW + 25, LOW + 30, LOW + 25],
        [to, to + 5, LOW + 5],
        [to + 5, to + 15, LOW + 10],
        [to + 15, to + 20, LOW + 20],
      ]);
    });
  }

  it('6.18: a gap at the start is EFAULT (remap_move "No gap permitted at the start of the range")', () => {
    const mm = proc('6.18');
    do_mmap(mm, 10, { at: LOW + 5 });
    assert.throws(() => do_mremap_move(mm, LOW, 15, LOW * 4), (e: unknown) => e instanceof MmErrno && e.message === `EFAULT: mremap: no VMA at the start of [${LOW}, ${LOW + 15})`);
  });

  it('a scenario: the EFAULT is an op error on v6.12, a move on v6.18, both correct', () => {
    const ops = [
      { op: 'mmap' as const, proc: 'p0', region: 'a', size: 30 },
      { op: 'fill' as const, proc: 'p0', region: 'a', content: 7 },
      { op: 'mprotect' as const, proc: 'p0', region: 'a', from: 10, pages: 10, prot: 'r' as const },
      { op: 'mremap' as const, proc: 'p0', region: 'a', from: 5, pages: 20, to: { at: '1GiB' } },
    ];
    const old = runScenario({ name: 'multi-mremap', ops }, configOfStack('v6.12'));
    assert.equal(old.opErrors.length, 1);
    assert.match(old.opErrors[0]!, /^ops\[3\] \(mremap\): EFAULT: mremap: /);
    assert.deepEqual([old.counters.syscalls_failed, old.verdict.ok], [1, true]);
    const now = runScenario({ name: 'multi-mremap', ops }, configOfStack('v6.18'));
    assert.deepEqual([now.opErrors, now.counters.syscalls_failed, now.verdict.ok], [[], 0, true]);
  });
});

describe('MADV_DONTNEED and empty PTE tables (PT_RECLAIM)', () => {
  /** Tables after DONTNEED of [from, from + pages) over a 1024-page (two PTE tables) region. */
  function tablesAfter(kernel: string, from: number, pages: number): number {
    const mm = proc(kernel);
    do_mmap(mm, 1024, { at: LOW });
    for (let i = 0; i < 1024; i += 100) assert.equal(write_page(mm, LOW + i, 5), 'ok');
    assert.equal(countTables(mm), 4); // PGD → PUD → PMD → two PTE tables
    madvise_dontneed(mm, LOW + from, pages);
    return countTables(mm);
  }

  it('6.12: the tables stay (no PT_RECLAIM before 6.14)', () => {
    assert.equal(tablesAfter('6.12.59', 0, 1024), 4);
  });
  it('6.14+: a PTE table whose whole 2 MiB was zapped and left empty is freed (mm/memory.c: pte_table_reclaim_possible, zap_pte_table_if_empty)', () => {
    assert.equal(tablesAfter('6.18', 0, 1024), 2);
    assert.equal(tablesAfter('7.3', 0, 512), 3);
  });
  it('6.14+: a zap that covers less than a whole table frees none (end - start >= PMD_SIZE)', () => {
    assert.equal(tablesAfter('6.18', 1, 1023), 3);
    assert.equal(tablesAfter('6.18', 0, 511), 4);
  });
});

describe('is_mergeable_anon_vma by version', () => {
  /** B [LOW+10, +20) faulted then read-only, A [LOW, +10) rw never faulted; mprotect(B, rw): the VMAs after. */
  function faultedIntoUnfaulted(kernel: string): number {
    const mm = proc(kernel);
    do_mmap(mm, 10, { at: LOW + 10 });
    assert.equal(write_page(mm, LOW + 15, 1), 'ok'); // B gets an anon_vma
    do_mprotect(mm, LOW + 10, 10, 'r');
    do_mmap(mm, 10, { at: LOW }); // A: rw, no anon_vma; B's flags differ, no merge
    assert.equal(mm.vmas.length, 2);
    assert.equal(mm.vmas[0]!.anon_vma, null);
    do_mprotect(mm, LOW + 10, 10, 'rw'); // proposal: middle B (anon_vma), tgt prev A (none)
    return mm.vmas.length;
  }

  it('6.12: a faulted VMA does not merge into an unfaulted neighbour (6.12.118 mm/vma.c:35-46: the unfaulted target\'s anon_vma_chain is empty, not singular)', () => {
    assert.equal(faultedIntoUnfaulted('6.12.59'), 2);
    assert.equal(faultedIntoUnfaulted('6.1.0'), 2);
  });

  it('6.16+: it merges (7.3.4 mm/vma.c:128-158, case 1: tgt without an anon_vma takes the source\'s, which is no fork child)', () => {
    assert.equal(faultedIntoUnfaulted('6.16'), 1);
    assert.equal(faultedIntoUnfaulted('7.3'), 1);
  });

  it('6.16+: not when the faulted VMA is a fork child (vma_is_fork_child)', () => {
    const mm = proc('6.18');
    do_mmap(mm, 10, { at: LOW + 10 });
    assert.equal(write_page(mm, LOW + 15, 1), 'ok');
    do_mprotect(mm, LOW + 10, 10, 'r');
    const child = do_fork(mm, 'c0'); // the child's B has a chain of two (its own anon_vma and the parent's)
    do_mmap(child, 10, { at: LOW });
    do_mprotect(child, LOW + 10, 10, 'rw');
    assert.equal(child.vmas.length, 2);
  });
});
