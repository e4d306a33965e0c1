// THP policy (enabled always|madvise|never, use_zero_page) in the fault path, and the write
// fault on the huge zero PMD by kernel version: include/linux/huge_mm.h thp_vma_allowable_orders
// (7.3.4 :320-344), mm/huge_memory.c __thp_vma_allowable_orders (:182-271),
// do_huge_pmd_anonymous_page (:1562-1617), do_huge_pmd_wp_page (:2167-2259), do_huge_zero_wp_pmd
// (:2135-2165); 6.12.118 do_huge_pmd_wp_page `goto fallback` (:1830), __split_huge_zero_page_pmd (:2675-2714).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseKernelVersion } from '../../src/mm/kernel.ts';
import { Machine, THP_KERNEL_DEFAULTS, type ThpKnobs } from '../../src/mm/machine.ts';
import { read_page, write_page } from '../../src/mm/memory.ts';
import { lookupEntry, mm_alloc } from '../../src/mm/mm.ts';
import { do_mmap, madvise_flags } from '../../src/mm/mmap.ts';
import { PT_PMD_LEAF, PT_PTE, PTE_SPECIAL, PTE_WRITE } from '../../src/mm/pgtable.ts';
import { VM_NOHUGEPAGE } from '../../src/mm/vm-flags.ts';
import { newCounters, snapshotCounters } from '../../src/mm/counters.ts';

function space(thp: Partial<ThpKnobs>, kernel = '6.18') {
  const m = new Machine(4, { kernel: parseKernelVersion(kernel), thp: { ...THP_KERNEL_DEFAULTS, ...thp } });
  return { m, mm: mm_alloc(m, 'p0') };
}

/** What maps page vpn: 'thp' (a PMD-mapped THP), 'huge-zero', 'zero' (a zero-page PTE), 'page' (a small page). */
function what(m: Machine, mm: ReturnType<typeof mm_alloc>, vpn: number): string {
  const p = lookupEntry(mm, vpn);
  const kind = m.pt.kind[p];
  const folio = m.pt.val[p]!;
  if (kind === PT_PMD_LEAF) return m.folios.zeroPage(folio) ? 'huge-zero' : 'thp';
  if (kind === PT_PTE) return m.folios.zeroPage(folio) ? 'zero' : 'page';
  return 'none';
}

describe('THP enabled always | madvise | never in the fault path', () => {
  const cases: [ThpKnobs['enabled'], boolean, string][] = [
    ['always', false, 'thp'],
    ['always', true, 'thp'],
    ['madvise', false, 'page'],
    ['madvise', true, 'thp'],
    ['never', false, 'page'],
    ['never', true, 'page'],
  ];
  for (const [enabled, hugepage, want] of cases) {
    it(`${enabled}${hugepage ? ' + MADV_HUGEPAGE' : ''}: a write fault in a covered 2 MiB maps a ${want}`, () => {
      const { m, mm } = space({ enabled });
      const s = do_mmap(mm, 1024, { hugepage }); // 2 MiB multiple: thp_get_unmapped_area aligns it
      assert.equal(write_page(mm, s + 3, 9), 'ok');
      assert.equal(what(m, mm, s + 3), want);
      assert.equal(m.allocatedPages, want === 'thp' ? 512 : 1);
      assert.deepEqual(snapshotCounters(m.counters), newCounters(), 'faults charge no counter');
    });
  }

  it('always: VM_NOHUGEPAGE refuses (vma_thp_disabled), and a 2 MiB not wholly inside the VMA falls back (thp_vma_suitable_order)', () => {
    const { m, mm } = space({ enabled: 'always' });
    const s = do_mmap(mm, 1024);
    madvise_flags(mm, s, 512, VM_NOHUGEPAGE, 0);
    assert.equal(write_page(mm, s, 1), 'ok');
    assert.equal(what(m, mm, s), 'page');
    const t = do_mmap(mm, 300);
    assert.equal(write_page(mm, t, 1), 'ok');
    assert.equal(what(m, mm, t), 'page');
    assert.equal(write_page(mm, s + 512, 1), 'ok');
    assert.equal(what(m, mm, s + 512), 'thp');
  });

  it('a read fault maps the huge zero PMD with use_zero_page=1 (set_huge_zero_folio: special, read-only); with 0 it allocates a THP (__do_huge_pmd_anonymous_page)', () => {
    const a = space({ enabled: 'madvise', use_zero_page: true });
    const s = do_mmap(a.mm, 512, { hugepage: true });
    assert.equal(read_page(a.mm, s + 7), 0);
    assert.equal(what(a.m, a.mm, s + 7), 'huge-zero');
    const pmd = lookupEntry(a.mm, s);
    assert.deepEqual([a.m.pt.has(pmd, PTE_SPECIAL), a.m.pt.has(pmd, PTE_WRITE), a.m.pt.val[pmd]], [true, false, a.m.hugeZeroFolio()]);
    assert.ok(a.mm.vmas[0]!.anon_vma, 'vmf_anon_prepare gave the VMA its anon_vma');
    const b = space({ enabled: 'madvise', use_zero_page: false });
    const t = do_mmap(b.mm, 512, { hugepage: true });
    assert.equal(read_page(b.mm, t + 7), 0);
    assert.equal(what(b.m, b.mm, t + 7), 'thp');
    assert.equal(b.m.allocatedPages, 512);
  });
});

describe('a write after a read in a MADV_HUGEPAGE region (the huge zero PMD)', () => {
  it('6.12 (do_huge_pmd_wp_page: goto fallback): the PMD splits into 512 zero-page PTEs and one page is copied', () => {
    const { m, mm } = space({ enabled: 'madvise' }, '6.12.59');
    const s = do_mmap(mm, 512, { hugepage: true });
    read_page(mm, s);
    assert.equal(write_page(mm, s + 5, 3), 'ok');
    assert.deepEqual([what(m, mm, s + 5), what(m, mm, s), what(m, mm, s + 511), m.allocatedPages], ['page', 'zero', 'zero', 1]);
    assert.equal(m.pt.has(lookupEntry(mm, s), PTE_SPECIAL), true);
  });
  it('6.13+ (do_huge_zero_wp_pmd, 1ced09e0331f): a fresh THP replaces the huge zero PMD', () => {
    for (const kernel of ['6.13', '6.18', '7.3']) {
      const { m, mm } = space({ enabled: 'madvise' }, kernel);
      const s = do_mmap(mm, 512, { hugepage: true });
      read_page(mm, s);
      assert.equal(write_page(mm, s + 5, 3), 'ok');
      assert.deepEqual([what(m, mm, s + 5), what(m, mm, s), m.allocatedPages, read_page(mm, s + 5), read_page(mm, s + 6)], ['thp', 'thp', 512, 3, 0], kernel);
    }
  });
});
