// The two break_cow paths of mm/ksm.c, driven by fault injection (kernel/rmap.md §5.2 items 5–6,
// kernel/scan.md §5.1, §5.3):
//  A. try_to_merge_two_pages: the scanned page became a KSM page, the second
//     try_to_merge_with_ksm_page (tree page → KSM page) fails → break_cow(rmap_item).
//  B. cmp_and_merge_page: both merges succeeded but stable_tree_insert returned NULL →
//     break_cow(tree_rmap_item); break_cow(rmap_item).
// The world helper asserts checkInvariants(ksm) == [] after every ksmd batch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Folio } from '../../src/mm/folio.ts';
import { entryView, type FolioView, folioView } from '../../src/mm/inspect.ts';
import { NULL_PTR } from '../../src/mm/pgtable.ts';
import { type MmStruct, lookupEntry } from '../../src/mm/mm.ts';
import { vma_lookup } from '../../src/mm/vma.ts';
import { do_fork } from '../../src/mm/mmap.ts';
import { NULL_ITEM, STABLE_FLAG, UNSTABLE_FLAG } from '../../src/ksm/rmap-item.ts';
import { type ItemView, view } from '../support/rmap-item-view.ts';
import { checkInvariants } from '../../src/ksm/invariants.ts';
import { getVariant } from '../../variants/registry.ts';
import { type World, type WorldOptions, world } from '../support/ksm-world.ts';

/** The folio a present PTE maps at vpn. */
function folioAt(mm: MmStruct, vpn: number): Folio {
  const p = lookupEntry(mm, vpn);
  const e = p === NULL_PTR ? null : entryView(mm.machine, p);
  assert.ok(e && e.kind === 'pte', `a present PTE at ${vpn}`);
  return e.folio;
}

/** A folio of the process's machine, decoded. */
function fv(mm: MmStruct, f: Folio): FolioView {
  return folioView(mm.machine, f);
}

/** folio->mapping as kind and target. */
function mappingOf(f: FolioView): { kind: 'anon' } | { kind: 'ksm'; node: unknown } | null {
  if (f.ksm) return { kind: 'ksm', node: f.stableNode };
  return f.anonVma ? { kind: 'anon' } : null;
}

/** An ordinary (non-KSM) anon page with this content, mapped once, held only by its mapping. */
function assertPlainAnon(mm: MmStruct, vpn: number, content: number): Folio {
  const pfn = folioAt(mm, vpn);
  const f = fv(mm, pfn);
  assert.deepEqual(
    { anon: f.anon, ksm: f.ksm, mapping: mappingOf(f)?.kind, content: f.content, maps: f.maps.length, refcount: f.refcount, freed: f.freed },
    { anon: true, ksm: false, mapping: 'anon', content, maps: 1, refcount: 1, freed: false },
    `page ${vpn} is a plain anon page`,
  );
  return pfn;
}

interface Setup {
  readonly w: World;
  readonly p: MmStruct;
  readonly a: number;
  readonly b: number;
  readonly origA: Folio;
  readonly origB: Folio;
  readonly refBefore: number;
  items(): [ItemView, ItemView];
  refcount(): number;
}

/** One process, two identical pages A < B (content 42), registered MERGEABLE. */
function setup(opts: WorldOptions = {}): Setup {
  const w = world(opts);
  const p = w.proc('p');
  const a = w.region(p, 2, () => 42);
  const b = a + 1;
  const vma = vma_lookup(p, a)!;
  const av = vma.anon_vma!;
  return {
    w,
    p,
    a,
    b,
    origA: folioAt(p, a),
    origB: folioAt(p, b),
    refBefore: av.refcount,
    items() {
      const first = view(w.ksm.items, w.ksm.mm_slots_hash.get(p)!.rmap_list)!;
      const second = first.rmap_list!;
      assert.equal(second.rmap_list, null);
      assert.deepEqual([first.vpn, second.vpn], [a, b]);
      return [first, second];
    },
    refcount: () => av.refcount,
  };
}

function counters(w: World): Record<string, number> {
  const s = w.sysfs();
  return {
    pages_shared: s.pages_shared,
    pages_sharing: s.pages_sharing,
    pages_unshared: s.pages_unshared,
    pages_volatile: s.pages_volatile,
    pages_scanned: s.pages_scanned,
    pages_skipped: s.pages_skipped,
    full_scans: s.full_scans,
    ksm_zero_pages: s.ksm_zero_pages,
    stable_node_chains: s.stable_node_chains,
    stable_node_dups: s.stable_node_dups,
    general_profit: s.general_profit,
  };
}

/** 1 KSM page mapped by A and B after a normal merge. */
function assertMerged(s: Setup, fullScans: number, scanned: number): void {
  const { w, p, a, b } = s;
  assert.deepEqual(counters(w), {
    pages_shared: 1,
    pages_sharing: 1,
    pages_unshared: 0,
    pages_volatile: 0,
    pages_scanned: scanned,
    pages_skipped: 0,
    full_scans: fullScans,
    ksm_zero_pages: 0,
    stable_node_chains: 0,
    stable_node_dups: 0,
    general_profit: 1 * 4096 - 2 * 64,
  });
  const k = folioAt(p, a);
  assert.equal(folioAt(p, b), k);
  assert.deepEqual([fv(p, k).ksm, fv(p, k).maps.length, fv(p, k).content], [true, 2, 42]);
  assert.equal(w.stat(p).ksm_merging_pages, 2);
  const [ia, ib] = s.items();
  assert.equal(ia.addressFlags, STABLE_FLAG);
  assert.equal(ib.addressFlags, STABLE_FLAG);
  assert.equal(ia.head, ib.head);
  // Each stable item holds one anon_vma reference.
  assert.equal(s.refcount(), s.refBefore + 2);
}

describe('break_cow after a failed second merge (try_to_merge_two_pages, injected)', () => {
  it('undoes the KSM page, leaks no anon_vma reference, and the pair merges on full scan 3', () => {
    const s = setup();
    const { w, p, a, b } = s;
    assert.equal(s.refBefore, 1, 'the VMA own reference only');
    w.ksm.inject.secondMerge = 1;
    w.fullScans(2);
    assert.equal(w.ksm.inject.secondMerge, 0, 'the injected failure was consumed');
    // Full scan 1 (seqnr 0): A and B get fresh zeroed rmap_items; oldchecksum 0 differs from
    //   the page checksum, so each records it and returns: 2 rmap_items, both volatile.
    // Full scan 2 (seqnr 1): A's checksum is unchanged, the stable tree is empty, so A is
    //   inserted into the unstable tree with UNSTABLE_FLAG | 1 (pages_unshared 1). B's checksum
    //   is unchanged and it finds A: try_to_merge_two_pages makes B's page a KSM page (B takes
    //   an anon_vma ref), the injected second merge fails, break_cow(B) drops the ref and
    //   unshares B's page (unmerge_breaks 1). A is untouched: it is still flagged UNSTABLE.
    // So: shared 0, sharing 0, unshared 1 (A), volatile = 2 - 0 - 0 - 1 = 1 (B),
    //   pages_scanned 2 + 2 = 4, general_profit = 0 × 4096 - 2 × 64 = -128.
    assert.deepEqual(counters(w), {
      pages_shared: 0,
      pages_sharing: 0,
      pages_unshared: 1,
      pages_volatile: 1,
      pages_scanned: 4,
      pages_skipped: 0,
      full_scans: 2,
      ksm_zero_pages: 0,
      stable_node_chains: 0,
      stable_node_dups: 0,
      general_profit: -128,
    });
    assert.equal(w.ksm.counters.unmerge_breaks, 1, 'break_cow unshared exactly one page');
    assert.equal(s.refcount(), s.refBefore, 'get_anon_vma in the first merge was undone by break_cow');
    assert.deepEqual(w.stat(p), { ksm_rmap_items: 2, ksm_zero_pages: 0, ksm_merging_pages: 0, ksm_process_profit: -128 });

    // Neither page is a KSM page: A is still its original page; B is a fresh COW copy, and
    // the short-lived KSM page B had become was freed when ksmd dropped its reference.
    assert.equal(assertPlainAnon(p, a, 42), s.origA);
    const newB = assertPlainAnon(p, b, 42);
    assert.notEqual(newB, s.origB);
    assert.deepEqual([fv(p, s.origB).freed, fv(p, s.origB).ksm, fv(p, s.origB).maps.length], [true, false, 0]);

    const [ia, ib] = s.items();
    assert.equal(ia.addressFlags, UNSTABLE_FLAG | 1, 'A was inserted into the unstable tree during the scan with seqnr 1');
    assert.equal(ib.addressFlags, 0, 'B never reached a tree');
    assert.equal(ib.head, null);
    assert.equal(w.ksm.root_unstable_tree.rbNode, ia.handle);
    assert.equal(w.ksm.root_stable_tree.rbNode, null);

    // Full scan 3 (seqnr 2): the unstable root is reset at its start. A (smart-scan age 2, not
    // skipped) leaves the old tree (age 1: no rb_erase, unshared 1 → 0), its checksum matches,
    // so it is inserted again; B's checksum (recorded in scan 1; the COW copy has the same
    // content) matches, it finds A and both merge: shared 1, sharing 1. Not before scan 3.
    w.fullScans(1);
    assertMerged(s, 3, 6);
    assert.equal(w.ksm.counters.unmerge_breaks, 1, 'no further break');
    assert.deepEqual(checkInvariants(w.ksm), []);
  });
});

describe('break_cow of both items after stable_tree_insert fails (cmp_and_merge_page, injected)', () => {
  it('unshares both pages, restores the anon_vma refcount, and the pair merges on full scan 3', () => {
    const s = setup();
    const { w, p, a, b } = s;
    w.ksm.inject.stableInsert = 1;
    w.fullScans(2);
    assert.equal(w.ksm.inject.stableInsert, 0, 'the injected failure was consumed');
    // Full scan 1: both checksums recorded (volatile 2).
    // Full scan 2 (seqnr 1): A goes into the unstable tree (unshared 1). B finds A: B's page
    //   becomes a KSM page, A's PTE is replaced by it (A leaves the unstable tree inside
    //   try_to_merge_with_ksm_page: unshared 0; A's original page is freed); both took an
    //   anon_vma reference (refcount 3). stable_tree_insert returns NULL (injected), so
    //   break_cow(A) and break_cow(B) each drop their reference (back to 1) and unshare their
    //   PTE of the KSM page (unmerge_breaks 2); that KSM page is freed.
    // So: shared 0, sharing 0, unshared 0, volatile 2 - 0 - 0 - 0 = 2, scanned 4, chains and
    //   dups 0 (nothing reached the stable tree), general_profit -128.
    assert.deepEqual(counters(w), {
      pages_shared: 0,
      pages_sharing: 0,
      pages_unshared: 0,
      pages_volatile: 2,
      pages_scanned: 4,
      pages_skipped: 0,
      full_scans: 2,
      ksm_zero_pages: 0,
      stable_node_chains: 0,
      stable_node_dups: 0,
      general_profit: -128,
    });
    assert.equal(w.ksm.counters.unmerge_breaks, 2, 'both items were broken');
    assert.equal(s.refcount(), s.refBefore);
    assert.deepEqual(w.stat(p), { ksm_rmap_items: 2, ksm_zero_pages: 0, ksm_merging_pages: 0, ksm_process_profit: -128 });

    const newA = assertPlainAnon(p, a, 42);
    const newB = assertPlainAnon(p, b, 42);
    assert.notEqual(newA, newB);
    assert.notEqual(newA, s.origA);
    assert.notEqual(newB, s.origB);
    assert.equal(fv(p, s.origA).freed, true, "A's page was replaced by the KSM page");
    assert.equal(fv(p, s.origB).freed, true, 'the KSM page (B’s old page) went when both PTEs were unshared');

    const [ia, ib] = s.items();
    assert.deepEqual([ia.addressFlags, ib.addressFlags, ia.head, ib.head], [0, 0, null, null]);
    assert.equal(w.ksm.root_unstable_tree.rbNode, NULL_ITEM, 'A was erased from the unstable tree when it merged');
    assert.equal(w.ksm.root_stable_tree.rbNode, null);

    // Full scan 3: A's and B's checksums (recorded in scan 1) still match the copies: A is
    // inserted into the unstable tree, B finds it, and this time stable_tree_insert succeeds.
    w.fullScans(1);
    assertMerged(s, 3, 6);
    assert.equal(w.ksm.counters.unmerge_breaks, 2);
  });
});

describe('with the rmap-index patch v8 (index stored in try_to_merge_with_ksm_page, reset in break_cow)', () => {
  // kernel/rmap.md §3.5, §5.3–5.4: the index overlays oldchecksum, so after break_cow the
  // item's oldchecksum is 0 and one extra full scan is needed before it can merge again.
  // variants/rmap/linear-page-index.ts (seed 000, series v8): store_index in
  // try_to_merge_with_ksm_page, reset_index (overlayWord = 0) in break_cow.
  const patched: WorldOptions = { policy: { rmap: getVariant('rmap', 'linear-page-index').policy } };

  it('failed second merge: B re-records its checksum on scan 3, the pair merges on scan 4', () => {
    const s = setup(patched);
    const { w, p, a, b } = s;
    w.ksm.inject.secondMerge = 1;
    w.fullScans(2);
    const [ia, ib] = s.items();
    assert.deepEqual([ib.oldchecksum, ib.age, ib.remaining_skips], [0, 0, 0], 'break_cow reset the overlaid bytes');
    assert.notEqual(ia.oldchecksum, 0);
    assert.equal(s.refcount(), s.refBefore);
    // Scan 3: A re-enters the unstable tree; B's checksum differs from 0 → recorded, volatile.
    w.fullScans(1);
    assert.deepEqual([w.sysfs().pages_shared, w.sysfs().pages_sharing, w.sysfs().pages_unshared, w.sysfs().pages_volatile], [0, 0, 1, 1]);
    assertPlainAnon(p, a, 42);
    assertPlainAnon(p, b, 42);
    // Scan 4: both checksums match; they merge.
    w.fullScans(1);
    assertMerged(s, 4, 8);
    // Stable items carry the stored index (here the anon linear index = the vpn).
    assert.deepEqual([ia.overlayWord, ib.overlayWord], [a, b]);
  });

  it('failed stable_tree_insert: both items re-record their checksums on scan 3, merge on scan 4', () => {
    const s = setup(patched);
    const { w, a, b } = s;
    w.ksm.inject.stableInsert = 1;
    w.fullScans(2);
    const [ia, ib] = s.items();
    assert.deepEqual([ia.overlayWord, ib.overlayWord], [0, 0]);
    w.fullScans(1);
    assert.deepEqual([w.sysfs().pages_shared, w.sysfs().pages_sharing, w.sysfs().pages_unshared, w.sysfs().pages_volatile], [0, 0, 0, 2]);
    w.fullScans(1);
    assertMerged(s, 4, 8);
    assert.deepEqual([ia.overlayWord, ib.overlayWord], [a, b]);
  });
});

describe('a KSM page with a NULL stable node left in a forked child (page_address_in_vma -EFAULT)', () => {
  it('never merges again: write_protect_page fails on it every pass, as mm/rmap.c page_address_in_vma returns -EFAULT for KSM folios', () => {
    const w = world();
    const q = w.proc('q');
    const p = w.proc('p');
    w.region(q, 1, () => 42);
    const b = w.region(p, 1, () => 42);
    const c = do_fork(p, 'c'); // p and c map one anon page, read-only
    w.ksm.inject.secondMerge = 1;
    // Full scan 2: q's page enters the unstable tree; p finds it; try_to_merge_two_pages turns
    //   the forked page into a KSM page with a NULL stable node (mapped by p and c), the second
    //   merge fails (injected) and break_cow(p) gives p a copy: c keeps the KSM page alone.
    // Full scan 3: p merges with q (shared 1, sharing 1). c's page matches the stable page,
    //   but try_to_merge_one_page → write_protect_page → page_address_in_vma is -EFAULT for a
    //   KSM folio, so c stays volatile, and pays a checksum and a memcmp on every pass.
    w.fullScans(3);
    const s = w.sysfs();
    assert.deepEqual([s.pages_shared, s.pages_sharing, s.pages_unshared, s.pages_volatile], [1, 1, 0, 1]);
    const fp = folioAt(c, b);
    const f = fv(c, fp);
    assert.deepEqual({ ksm: f.ksm, mapping: mappingOf(f), maps: f.maps.length }, { ksm: true, mapping: { kind: 'ksm', node: null }, maps: 1 });
    const before = { checksums: w.ksm.counters.checksums, memcmps: w.ksm.counters.memcmps };
    w.fullScans(2);
    const t = w.sysfs();
    assert.deepEqual([t.pages_shared, t.pages_sharing, t.pages_unshared, t.pages_volatile], [1, 1, 0, 1]);
    assert.deepEqual({ checksums: w.ksm.counters.checksums - before.checksums, memcmps: w.ksm.counters.memcmps - before.memcmps }, { checksums: 2, memcmps: 2 });
    assert.equal(folioAt(c, b), fp);
  });
});
