// THP policy and the split zero-page remap as KSM meets them (issue 10 items 2 and 3), on
// hand-built spaces: every counter of each run is asserted (the ones not listed are 0).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Counters, snapshotCounters } from '../../src/mm/counters.ts';
import { THP_KERNEL_DEFAULTS, type ThpKnobs } from '../../src/mm/machine.ts';
import { read_page, write_page } from '../../src/mm/memory.ts';
import { do_mmap } from '../../src/mm/mmap.ts';
import { getVariant } from '../../variants/registry.ts';
import { getStack, policyOf } from '../../variants/stacks.ts';
import { world } from '../support/ksm-world.ts';
import { refresh_sysfs_counters } from '../../src/ksm/sysfs.ts';
import type { Ksm } from '../../src/ksm/state.ts';

/** The counters that are not 0 (a whole counter object: every other counter is asserted 0). */
function nonZero(ksm: Ksm): Partial<Counters> {
  refresh_sysfs_counters(ksm); // pages_volatile, general_profit: computed when read, as sysfs does
  const c = ksm.counters;
  return Object.fromEntries(Object.entries(snapshotCounters(c)).filter(([, v]) => v !== 0)) as Partial<Counters>;
}

const ALWAYS: ThpKnobs = THP_KERNEL_DEFAULTS;
const MADVISE: ThpKnobs = { ...THP_KERNEL_DEFAULTS, enabled: 'madvise' };

/** A v6.18 world with one split-zeropage variant and the THP knobs given. */
function zeroWorld(split: string, thp: ThpKnobs, knobs: Record<string, number> = {}) {
  const policy = { ...policyOf(getStack('v6.18').variants), splitZeroPage: getVariant('split-zeropage', split).policy };
  return world({ kernel: '6.18', thp, policy, knobs: { pages_to_scan: 10_000, ...knobs } });
}

describe('the scanners on a huge zero PMD (ksm_next_page_pmd_entry, folio_walk_start without FW_ZEROPAGE)', () => {
  // A MADV_HUGEPAGE region of two PMDs: the first read-faulted (the huge zero PMD, use_zero_page),
  // the second write-faulted (a THP) with unique contents. One full scan.
  function build(stack: string) {
    const w = world({ kernel: '6.18', thp: MADVISE, policy: policyOf(getStack(stack).variants), knobs: { pages_to_scan: 10_000 } });
    const mm = w.proc('p0');
    const s = do_mmap(mm, 1024, { hugepage: true });
    assert.equal(read_page(mm, s), 0);
    for (let i = 0; i < 512; i++) assert.equal(write_page(mm, s + 512 + i, 1000 + i), 'ok');
    w.merge(mm, s, 1024);
    w.fullScans(1);
    return w;
  }

  it('walk-page-range (v6.18): the zero PMD costs one PMD read and one pmd_entry call for its whole 2 MiB', () => {
    // mm/ksm.c ksm_next_page_pmd_entry (7.3.4 :2550-2564): pmd_leaf → vm_normal_page_pmd() is
    // NULL for the huge zero page → not_found → return 0: the walk goes on to the next PMD. The
    // first walk reads pgd, pud, pmd0 (zero), pmd1 (THP); the 511 walks after it pgd, pud, pmd1.
    const w = build('v6.18');
    assert.deepEqual(nonZero(w.ksm), {
      pt_reads: 4 + 511 * 3,
      pt_reads_pgd: 512,
      pt_reads_pud: 512,
      pt_reads_pmd: 513,
      pt_reads_scan: 4 + 511 * 3,
      ptl_locks: 513, // pmd_lock on each PMD leaf the pmd_entry meets (the zero PMD once, the THP 512 times)
      ptl_locks_scan: 513,
      walk_range_calls: 512,
      pmd_entry_calls: 513,
      pages_returned: 512,
      rmap_items_allocated: 512, // get_next_rmap_item: a new item for every page returned
      checksums: 512,
      pages_scanned: 512,
      pages_volatile: 512,
      full_scans: 1,
      general_profit: -512 * 64,
      ksmd_batches: 1,
      ksmd_batches_no_merge: 1,
    });
  });

  it('folio-walk (v6.17): every address of the zero PMD is one folio_walk_start that reads pgd, pud, pmd and finds nothing', () => {
    // mm/pagewalk.c folio_walk_start (7.3.4 :960-993): pmd_leaf → vm_normal_page_pmd() NULL, and
    // without FW_ZEROPAGE the huge zero PMD is not_found, per address.
    const w = build('v6.17');
    assert.deepEqual(nonZero(w.ksm), {
      pt_reads: 1024 * 3,
      pt_reads_pgd: 1024,
      pt_reads_pud: 1024,
      pt_reads_pmd: 1024,
      pt_reads_scan: 1024 * 3,
      ptl_locks: 1024, // folio_walk_start's pmd_lock on a PMD leaf, at every address
      ptl_locks_scan: 1024,
      folio_walk_calls: 1024,
      pages_returned: 512,
      rmap_items_allocated: 512, // get_next_rmap_item: a new item for every page returned
      checksums: 512,
      pages_scanned: 512,
      pages_volatile: 512,
      full_scans: 1,
      general_profit: -512 * 64,
      ksmd_batches: 1,
      ksmd_batches_no_merge: 1,
    });
  });
});

/** One process, `thps` THPs under THP=always (the first write of each 2 MiB faults in a THP), contents per subpage, made mergeable, `scans` full scans. */
function splitRun(split: string, opts: { thps: number; content: (i: number) => number; scans: number; use_zero_pages?: number; shrink_underused?: boolean }) {
  const w = zeroWorld(split, { ...ALWAYS, shrink_underused: opts.shrink_underused ?? true }, { use_zero_pages: opts.use_zero_pages ?? 0 });
  const mm = w.proc('p0');
  const s = do_mmap(mm, opts.thps * 512);
  for (let i = 0; i < opts.thps * 512; i++) assert.equal(write_page(mm, s + i, opts.content(i % 512)), 'ok');
  assert.equal(w.m.allocatedPages, opts.thps * 512, 'one THP per 2 MiB');
  w.merge(mm, s, opts.thps * 512);
  w.fullScans(opts.scans);
  return { counters: nonZero(w.ksm), allocated: w.m.allocatedPages };
}

describe('the split zero-page remap against KSM (b1f202060afe; Tighten control over zero-page remapping v1)', () => {
  // One THP: pages 0 and 1 hold content 7, the other 510 are zero-filled; use_zero_pages=0.
  // Pass 1: every page is new (volatile). Pass 2: page 1 finds page 0 in the unstable tree, both
  // in one THP: try_to_merge_one_page's split_huge_page fails (KSM holds both pages), then
  // cmp_and_merge_page splits it (7.3.4 mm/ksm.c:2372-2414). Pass 3: pages 0 and 1 merge.
  // Accounts: 8 unstable-tree lookups (7 reach a PTE, one meets the still-whole THP's PMD leaf:
  // 7 × 4 + 3 reads, a lock each); every try_to_merge_one_page reads pgd, pud, pmd and pte and
  // takes one lock in write_protect_page, and again in replace_page when it replaces (1021 locks).
  const keep = {
    pt_reads: 9745, pt_reads_pgd: 2565, pt_reads_pud: 2565, pt_reads_pmd: 2565, pt_reads_pte: 2050,
    pt_reads_scan: 5630, pt_reads_lookup: 7 * 4 + 3, pt_reads_merge: 1021 * 4,
    ptl_locks: 2565, ptl_locks_scan: 1536, ptl_locks_lookup: 8, ptl_locks_merge: 1021,
    walk_range_calls: 1536, pmd_entry_calls: 1536, pages_returned: 1536, checksums: 1026, memcmps: 1029,
    // 1022 compares of equal pages (the whole 4096 bytes), 7 of content 7 against zeroes (they
    // differ in the 8th byte, the id's low byte)
    memcmp_bytes: 1022 * 4096 + 7 * 8, rmap_items_allocated: 512, thp_split_pages: 512,
    pages_scanned: 1536, pages_shared: 3, pages_sharing: 509, full_scans: 3, stable_node_chains: 1, stable_node_dups: 2,
    general_profit: 2052096, ksmd_batches: 3, ksmd_batches_no_merge: 1,
  };
  // remap: __folio_split's remap_page(…, TTU_USE_SHARED_ZEROPAGE) maps the 510 zero subpages to
  // the shared zero page (try_to_map_unused_to_zeropage, 7.3.4 mm/migrate.c:299-341) and frees
  // them; the scanner skips their special PTEs from then on (vm_normal_page NULL), so only pages
  // 0 and 1 merge and one page stays allocated.
  // Two lookups (4 + 3 reads); one merge of two pages: write_protect_page of the scanned page,
  // then write_protect_page and replace_page of the tree page (3 × (4 reads, 1 lock)).
  const remapped = {
    pt_reads: 2595, pt_reads_pgd: 523, pt_reads_pud: 523, pt_reads_pmd: 523, pt_reads_pte: 1026,
    pt_reads_scan: 2576, pt_reads_lookup: 7, pt_reads_merge: 12,
    ptl_locks: 523, ptl_locks_scan: 518, ptl_locks_lookup: 2, ptl_locks_merge: 3,
    walk_range_calls: 518, pmd_entry_calls: 518, pages_returned: 516, checksums: 516, memcmps: 3,
    // three compares of the two equal pages; the 510 remapped pages' items go stale and are freed
    // when the scanner passes their addresses (get_next_rmap_item)
    memcmp_bytes: 3 * 4096, rmap_items_allocated: 512, rmap_items_freed: 510, thp_split_pages: 512,
    pages_scanned: 516, pages_shared: 1, pages_sharing: 1, full_scans: 3, general_profit: 3968,
    split_zero_checks: 512, split_zero_remapped: 510, split_zero_remapped_batch_max: 510, ksmd_batches: 3, ksmd_batches_no_merge: 2,
  };
  const A = { thps: 1, content: (i: number) => (i < 2 ? 7 : 0), scans: 3 };

  it('none (≤ 6.11): the 510 zero subpages stay and merge into one KSM page (a chain of 2 dups at max_page_sharing 256)', () => {
    assert.deepEqual(splitRun('none', A), { counters: keep, allocated: 3 });
  });
  it('remap (6.12+): the split frees the 510 zero subpages itself, outside pages_to_scan; they never merge', () => {
    assert.deepEqual(splitRun('remap', A), { counters: remapped, allocated: 1 });
  });
  it('skip-ksm-mergeable (v1 2/3): KSM runs and the VMA is VM_MERGEABLE: no remap, as none', () => {
    assert.deepEqual(splitRun('skip-ksm-mergeable', A), { counters: keep, allocated: 3 });
  });
  it('underused-gated (v1 3/3): remaps while shrink_underused=1, keeps them with shrink_underused=0', () => {
    assert.deepEqual(splitRun('underused-gated', A), { counters: remapped, allocated: 1 });
    assert.deepEqual(splitRun('underused-gated', { ...A, shrink_underused: false }), { counters: keep, allocated: 3 });
  });

  it('remap: a tree item whose page the remap freed aborts every later unstable-tree search of the pass (unstable_tree_search_insert: get_mergeable_page NULL → return NULL)', () => {
    // Two zero-filled THPs. Pass 2: THP 0's page 0 goes into the unstable tree, page 1 matches it
    // (same THP: the split of cmp_and_merge_page remaps all 512, page 0 included). Every page of
    // THP 1 then meets THP 0's page 0 at the root: folio_walk_start finds the shared zero page
    // (no FW_ZEROPAGE) → NULL → the search gives up (7.3.4 mm/ksm.c:2183-2185): 512 aborts, 512
    // more volatile pages, nothing merged, THP 1 still whole.
    const B = { thps: 2, content: () => 0, scans: 2 };
    assert.deepEqual(splitRun('remap', B), {
      counters: {
        // 513 lookups (one meets THP 0's PMD leaf: 3 reads), a lock each; nothing merged
        pt_reads: 7176, pt_reads_pgd: 2051, pt_reads_pud: 2051, pt_reads_pmd: 2052, pt_reads_pte: 1022,
        pt_reads_scan: 5125, pt_reads_lookup: 513 * 4 - 1, ptl_locks: 2052, ptl_locks_scan: 1539, ptl_locks_lookup: 513,
        walk_range_calls: 1538, pmd_entry_calls: 1539, pages_returned: 1538, checksums: 1538, memcmps: 1,
        // page 1 against page 0 (both zero); THP 1's 512 items stay, THP 0's 510 remapped others go
        memcmp_bytes: 4096, rmap_items_allocated: 1024, rmap_items_freed: 510, thp_split_pages: 512,
        pages_scanned: 1538, pages_unshared: 1, pages_volatile: 513, full_scans: 2, general_profit: -32896,
        split_zero_checks: 512, split_zero_remapped: 512, split_zero_remapped_batch_max: 512, unstable_search_aborts: 512,
        ksmd_batches: 2, ksmd_batches_no_merge: 2,
      },
      allocated: 512,
    });
    assert.deepEqual(splitRun('none', B).counters.unstable_search_aborts, undefined);
  });

  it('remap with use_zero_pages=1: the page being merged with the zero page is itself remapped by the split, so write_protect_page gets -EFAULT and ksm_zero_pages stays 0', () => {
    // try_to_merge_with_zero_page → try_to_merge_one_page: split_huge_page(page) succeeds (one
    // KSM reference), remaps all 512 subpages (page included: FINDINGS §g.1), then
    // write_protect_page finds no PTE mapping page (page_vma_mapped_walk fails, 7.3.4
    // mm/ksm.c:1316-1317) → -EFAULT; cmp_and_merge_page goes on and inserts it into the unstable
    // tree. All 512 pages are freed in one batch (the pages_to_scan bypass of the v1 2/3 changelog).
    const C = { thps: 1, content: () => 0, scans: 2, use_zero_pages: 1 };
    assert.deepEqual(splitRun('remap', C), {
      counters: {
        // write_protect_page's page_vma_mapped_walk reads 4 entries and locks the present PTE,
        // which now maps the shared zero page: check_pte fails
        pt_reads: 2057, pt_reads_pgd: 515, pt_reads_pud: 515, pt_reads_pmd: 515, pt_reads_pte: 512,
        pt_reads_scan: 2053, pt_reads_merge: 4, ptl_locks: 515, ptl_locks_scan: 514, ptl_locks_merge: 1,
        walk_range_calls: 514, pmd_entry_calls: 514, pages_returned: 513, checksums: 513, pages_scanned: 513,
        rmap_items_allocated: 512, rmap_items_freed: 511, thp_split_pages: 512, // every page but the one in the unstable tree
        pages_unshared: 1, full_scans: 2, general_profit: -64,
        split_zero_checks: 512, split_zero_remapped: 512, split_zero_remapped_batch_max: 512, ksmd_batches: 2, ksmd_batches_no_merge: 2,
      },
      allocated: 0,
    });
    // none / skip-ksm-mergeable: KSM maps every zero page to the zero page itself, counted
    // 512 zero-page merges: write_protect_page and replace_page, 4 reads and a lock each
    const kept = {
      pt_reads: 7679, pt_reads_pgd: 2048, pt_reads_pud: 2048, pt_reads_pmd: 2048, pt_reads_pte: 1535,
      pt_reads_scan: 3583, pt_reads_merge: 512 * 8, ptl_locks: 2048, ptl_locks_scan: 1024, ptl_locks_merge: 1024,
      walk_range_calls: 1024, pmd_entry_calls: 1024, pages_returned: 1024, checksums: 1024, memcmps: 512, pages_scanned: 1024,
      memcmp_bytes: 512 * 4096, rmap_items_allocated: 512, thp_split_pages: 512, // each page against the zero page, whole
      pages_volatile: 512, full_scans: 2, ksm_zero_pages: 512, general_profit: 2064384, ksmd_batches: 2, ksmd_batches_no_merge: 1,
    };
    assert.deepEqual(splitRun('none', C), { counters: kept, allocated: 0 });
    assert.deepEqual(splitRun('skip-ksm-mergeable', C), { counters: kept, allocated: 0 });
  });
});

describe('skip-ksm-mergeable: its condition (v1 2/3: ksm_is_running() && VM_MERGEABLE)', () => {
  it('refuses the remap only while KSM runs and only in a VM_MERGEABLE VMA', () => {
    const refuse = getVariant('split-zeropage', 'skip-ksm-mergeable').policy.refuse_for_vma!;
    const w = world();
    const p = w.proc('p0');
    const merged = w.region(p, 4, () => 1); // MADV_MERGEABLE
    const plain = do_mmap(p, 4);
    const vmaAt = (vpn: number) => p.vmas.find((v) => v.vm_start <= vpn && vpn < v.vm_end)!;
    assert.equal(refuse(w.m, vmaAt(merged)), true, 'run=1, VM_MERGEABLE');
    assert.equal(refuse(w.m, vmaAt(plain)), false, 'run=1, not VM_MERGEABLE');
    w.ksm.knobs.run = 0;
    assert.equal(refuse(w.m, vmaAt(merged)), false, 'run=0: ksm_is_running() is false');
  });
});
