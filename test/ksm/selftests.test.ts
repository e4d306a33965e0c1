// kernel selftests as oracles (kernel/scan.md §9): ksm_tests.c and ksm_functional_tests.c
// expectations on the engine, invariants checked after every ksmd batch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { write_page } from '../../src/mm/memory.ts';
import { do_munmap } from '../../src/mm/mmap.ts';
import { lookupEntry } from '../../src/mm/mm.ts';
import { entryView, folioView } from '../../src/mm/inspect.ts';
import { NULL_PTR } from '../../src/mm/pgtable.ts';
import { checkInvariants } from '../../src/ksm/invariants.ts';
import { NULL_ITEM, STABLE_FLAG, UNSTABLE_FLAG } from '../../src/ksm/rmap-item.ts';
import { write_sysfs } from '../../src/ksm/sysfs.ts';
import { expectedKsmPagesCount, world } from '../support/ksm-world.ts';

describe('ksm_tests -M: ten identical pages', () => {
  it('give pages_shared 1, pages_sharing 9 after two full scans from a fresh start', () => {
    const w = world();
    const p = w.proc('p0');
    w.region(p, 10, () => 42);
    w.fullScans(1);
    assert.deepEqual([w.sysfs().pages_shared, w.sysfs().pages_sharing, w.sysfs().pages_volatile], [0, 0, 10]);
    w.fullScans(1);
    const s = w.sysfs();
    assert.deepEqual(
      { shared: s.pages_shared, sharing: s.pages_sharing, unshared: s.pages_unshared, volatile: s.pages_volatile, full_scans: s.full_scans },
      { shared: 1, sharing: 9, unshared: 0, volatile: 0, full_scans: 2 },
    );
    assert.equal(w.stat(p).ksm_merging_pages, 10);
    // general_profit = pages_sharing × 4096 − rmap_items × 64
    assert.equal(s.general_profit, 9 * 4096 - 10 * 64);
  });

  for (const [order, mergesOn] of [
    ['6.1', 1],
    ['6.11', 2],
  ] as const) {
    it(`merge order ${order}: a new page identical to a KSM page merges on visit ${mergesOn} (kernel/scan.md §5.1)`, () => {
      const w = world({ mergeOrder: order });
      const p = w.proc('p0');
      w.region(p, 10, () => 42);
      w.fullScans(2);
      assert.equal(w.sysfs().pages_sharing, 9);
      const late = w.region(p, 1, () => 42, { at: 0x200000 });
      assert.equal(late, 0x200000);
      let visits = 0;
      while (w.sysfs().pages_sharing === 9) {
        w.fullScans(1);
        visits++;
        assert.ok(visits <= 3);
      }
      assert.equal(visits, mergesOn);
      assert.equal(w.sysfs().pages_sharing, 10);
    });
  }
});

describe('max_page_sharing: chains and dups', () => {
  it('an emptied chain stays in the stable tree until a lookup frees it, and breaks no invariant', () => {
    // mm/ksm.c: remove_node_from_stable_tree unlinks the dup (__stable_node_dup_del); the chain is
    // freed only by the next __stable_node_chain → stable_node_dup that finds it empty
    const w = world({ knobs: { pages_to_scan: 1000, max_page_sharing: 2 } });
    const p = w.proc('p0');
    const a = w.region(p, 6, () => 9);
    w.fullScans(2);
    assert.deepEqual([w.sysfs().stable_node_chains, w.sysfs().stable_node_dups, w.sysfs().pages_shared, w.sysfs().pages_sharing], [1, 3, 3, 3]);
    do_munmap(p, a, 6);
    w.fullScans(1);
    assert.deepEqual([w.sysfs().stable_node_chains, w.sysfs().stable_node_dups, w.sysfs().pages_shared], [1, 0, 0]);
    assert.deepEqual(checkInvariants(w.ksm), []);
  });

  it('512 identical pages with max_page_sharing 256: shared 2, sharing 510, one chain of two dups', () => {
    const w = world({ knobs: { pages_to_scan: 100 } });
    const p = w.proc('p0');
    w.region(p, 512, () => 0xcf);
    w.fullScans(2);
    const s = w.sysfs();
    assert.deepEqual(
      [s.pages_shared, s.pages_sharing, s.stable_node_chains, s.stable_node_dups, w.stat(p).ksm_merging_pages],
      [2, 510, 1, 2, 512],
    );
  });

  for (const n of [1, 2, 255, 256, 257, 511, 512, 513, 1000]) {
    it(`assert_ksm_pages_count(${n}) holds`, () => {
      const w = world({ knobs: { pages_to_scan: 1000 } });
      w.region(w.proc('p0'), n, () => 7);
      w.fullScans(2);
      const s = w.sysfs();
      assert.deepEqual({ shared: s.pages_shared, sharing: s.pages_sharing }, expectedKsmPagesCount(n, s.max_page_sharing));
    });
  }
});

describe('zero pages', () => {
  it('use_zero_pages 0: ten zero-filled pages merge into one KSM page (1/9)', () => {
    const w = world({ knobs: { use_zero_pages: 0 } });
    w.region(w.proc('p0'), 10, () => 0);
    w.fullScans(2);
    assert.deepEqual([w.sysfs().pages_shared, w.sysfs().pages_sharing, w.sysfs().ksm_zero_pages], [1, 9, 0]);
  });

  it('use_zero_pages 1: ten zero-filled pages map the zero page (0/0, ksm_zero_pages 10)', () => {
    const w = world({ knobs: { use_zero_pages: 1 } });
    const p = w.proc('p0');
    w.region(p, 10, () => 0);
    w.fullScans(2);
    const s = w.sysfs();
    assert.deepEqual([s.pages_shared, s.pages_sharing, s.ksm_zero_pages, w.stat(p).ksm_zero_pages], [0, 0, 10, 10]);
    // general_profit counts the zero pages: (sharing + ksm_zero_pages) × 4096 − rmap_items × 64
    assert.equal(s.general_profit, 10 * 4096 - w.ksm.ksm_rmap_items * 64);
  });

  it('test_unmerge_zero_pages: 512 → 256 after unmerging half → 0 after writing the rest', () => {
    const w = world({ knobs: { use_zero_pages: 1, pages_to_scan: 512 } });
    const p = w.proc('p0');
    const start = w.region(p, 512, () => 0);
    w.fullScans(2);
    assert.equal(w.stat(p).ksm_zero_pages, 512);
    w.unmerge(p, start, 256);
    assert.equal(w.stat(p).ksm_zero_pages, 256);
    for (let i = 256; i < 512; i++) assert.equal(write_page(p, start + i, 1000 + i), 'ok');
    assert.equal(w.stat(p).ksm_zero_pages, 0);
    assert.equal(w.sysfs().ksm_zero_pages, 0);
  });
});

describe('ksm_tests -U: COW of merged pages', () => {
  it('two merged pages both written: shared 0 and sharing 0 after the next full scan, not before', () => {
    const w = world();
    const p = w.proc('p0');
    const start = w.region(p, 2, () => 0x2a);
    w.fullScans(2);
    assert.deepEqual([w.sysfs().pages_shared, w.sysfs().pages_sharing], [1, 1]);
    assert.equal(write_page(p, start, 0x2d), 'ok');
    assert.equal(write_page(p, start + 1, 0x2b), 'ok');
    // The writes copied the pages; the counters change only when ksmd revisits them.
    assert.deepEqual([w.sysfs().pages_shared, w.sysfs().pages_sharing], [1, 1]);
    w.fullScans(1);
    assert.deepEqual([w.sysfs().pages_shared, w.sysfs().pages_sharing], [0, 0]);
  });
});

describe('smart scan (kernel/scan.md §6)', () => {
  it('a page that never merges is processed on passes 1, 2, 3, 4, 6, 9, 14, 23, 32, 41', () => {
    const w = world();
    const p = w.proc('p0');
    w.region(p, 1, () => 12345);
    const processed: number[] = [];
    for (let pass = 1; pass <= 41; pass++) {
      const before = w.sysfs().pages_scanned;
      w.fullScans(1);
      if (w.sysfs().pages_scanned > before) processed.push(pass);
    }
    assert.deepEqual(processed, [1, 2, 3, 4, 6, 9, 14, 23, 32, 41]);
    assert.equal(w.sysfs().pages_skipped, 41 - processed.length);
  });

  it('age stops at U8_MAX: past pass 255 the page is still processed every 9th pass', () => {
    const w = world();
    w.region(w.proc('p0'), 1, () => 12345);
    const processed: number[] = [];
    for (let pass = 1; pass <= 320; pass++) {
      const before = w.sysfs().pages_scanned;
      w.fullScans(1);
      if (w.sysfs().pages_scanned > before) processed.push(pass);
    }
    const expected = [1, 2, 3, 4, 6, 9, 14, 23];
    for (let pass = 32; pass <= 320; pass += 9) expected.push(pass);
    assert.deepEqual(processed, expected);
  });

  it('a KSM page is never skipped: only the page that never merges is', () => {
    const w = world();
    const p = w.proc('p0');
    w.region(p, 3, (i) => (i < 2 ? 7 : 12345));
    w.fullScans(2);
    assert.deepEqual([w.sysfs().pages_shared, w.sysfs().pages_sharing], [1, 1]);
    const scanned = w.sysfs().pages_scanned;
    w.fullScans(12);
    const s = w.sysfs();
    // the two KSM mappings on all 12 passes; the lone page on passes 3, 4, 6, 9, 14 of 3..14
    assert.deepEqual([s.pages_scanned - scanned, s.pages_skipped], [2 * 12 + 5, 7]);
  });

  it('smart_scan 0 processes it on every pass', () => {
    const w = world({ knobs: { smart_scan: 0 } });
    w.region(w.proc('p0'), 1, () => 12345);
    w.fullScans(20);
    assert.deepEqual([w.sysfs().pages_scanned, w.sysfs().pages_skipped], [20, 0]);
  });
});

describe('pages_volatile', () => {
  it('equals rmap_items − shared − sharing − unshared at every batch of a churning workload', () => {
    const w = world({ knobs: { pages_to_scan: 7 } });
    const p = w.proc('p0');
    const start = w.region(p, 40, (i) => (i % 3 === 0 ? 5 : i % 5 === 0 ? 6 : 1000 + i));
    for (let b = 0; b < 60; b++) {
      w.batches(1);
      if (b % 9 === 4) write_page(p, start + (b % 40), 2000 + b); // keep some pages volatile
      const s = w.sysfs();
      // counted from the rmap_items themselves, not from the counters the formula reads
      let items = 0;
      let stable = 0;
      let unstable = 0;
      const cache = w.ksm.items;
      for (let it = w.ksm.mm_slots_hash.get(p)?.rmap_list ?? NULL_ITEM; it; it = cache.rmap_list(it)) {
        items++;
        if (cache.addressFlags(it) & STABLE_FLAG) stable++;
        else if (cache.addressFlags(it) & UNSTABLE_FLAG) unstable++;
      }
      assert.equal(items, w.ksm.ksm_rmap_items);
      assert.deepEqual([s.pages_shared + s.pages_sharing, s.pages_unshared], [stable, unstable]);
      assert.equal(s.pages_volatile, items - stable - unstable);
    }
    assert.ok(w.sysfs().pages_sharing > 0);
  });
});

describe('run = 2 (unmerge_and_remove_all_rmap_items)', () => {
  it('unshares every page, frees every rmap_item and stable node, resets full_scans', () => {
    const w = world();
    const p = w.proc('p0');
    const start = w.region(p, 10, () => 9);
    w.fullScans(2);
    assert.equal(w.sysfs().pages_sharing, 9);
    write_sysfs(w.ksm, 'run', 2);
    const s = w.sysfs();
    assert.deepEqual(
      [s.run, s.pages_shared, s.pages_sharing, s.pages_unshared, s.full_scans, w.ksm.ksm_rmap_items, w.stat(p).ksm_merging_pages],
      [2, 0, 0, 0, 0, 0, 0],
    );
    assert.equal(w.ksm.root_stable_tree.rbNode, null);
    // test_unmerge: no two pages share a page frame any more, none is KSM, contents kept
    const pfns = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const ptr = lookupEntry(p, start + i);
      const e = ptr === NULL_PTR ? null : entryView(p.machine, ptr);
      assert.ok(e?.kind === 'pte');
      const f = folioView(p.machine, e.folio);
      assert.equal(f.ksm, false);
      assert.equal(f.content, 9);
      pfns.add(f.pfn);
    }
    assert.equal(pfns.size, 10);
    assert.deepEqual(checkInvariants(w.ksm), []);
    // slots and VM_MERGEABLE are kept: run = 1 merges again from scan 0
    write_sysfs(w.ksm, 'run', 1);
    w.fullScans(2);
    assert.deepEqual([w.sysfs().pages_shared, w.sysfs().pages_sharing, w.sysfs().full_scans], [1, 9, 2]);
  });

  it('rejects run values above 2 naming the value', () => {
    const w = world();
    assert.throws(() => write_sysfs(w.ksm, 'run', 4), /run: writing "4" fails with -EINVAL \(run_store: 4 > KSM_RUN_UNMERGE\)/);
    assert.throws(() => write_sysfs(w.ksm, 'max_page_sharing', 1), /max_page_sharing: writing "1" fails with -EINVAL/);
  });
});
