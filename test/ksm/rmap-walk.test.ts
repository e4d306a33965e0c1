// rmap_walk_ksm against the ground truth (kernel/rmap.md §1): the two passes after fork, and
// the cost of the full-range query over a split anon_vma, derived by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapped_ksm_folios, rmap_walk_ksm } from '../../src/ksm/rmap-walk.ts';
import { do_fork, do_mprotect } from '../../src/mm/mmap.ts';
import { assertCounters, resetCounters } from '../support/counters.ts';
import { world } from '../support/ksm-world.ts';

describe('rmap_walk_ksm after fork (kernel/rmap.md §1.2)', () => {
  it("finds the child's mappings in the second pass before ksmd visits the child, in the first pass after", () => {
    const w = world();
    const parent = w.proc('parent');
    w.region(parent, 2, () => 77);
    w.fullScans(2);
    const [folio] = mapped_ksm_folios(w.ksm);
    assert.ok(folio);
    assert.equal(w.ksm.machine.folios.mapcount[folio], 2);

    const child = do_fork(parent, 'child');
    assert.equal(w.ksm.machine.folios.mapcount[folio], 4);
    const before = rmap_walk_ksm(w.ksm, folio);
    assert.deepEqual([before.expected, before.found, before.foundInPass, before.missed.length], [4, 4, [2, 2], 0]);
    // Both of the parent's items see the parent's VMA then the child's (fork links it after, same
    // key): pass 0 handles the parent's mapping and skips the child's VMA by mm, pass 1 the
    // reverse; the walk ends at the last child mapping (done). One lock per item per pass.
    const loopRows = (r: typeof before) => r.loops.map((l) => [l.pass, l.iterations, l.skipAddr, l.skipMm, l.rmapOne]);
    assert.deepEqual(loopRows(before), [[0, 2, 0, 1, 1], [0, 2, 0, 1, 1], [1, 2, 0, 1, 1], [1, 2, 0, 1, 1]]);
    assert.deepEqual([before.detail, before.couldUnmap], [{ iterations: 8, skipAddr: 0, skipMm: 4, rmapOne: 4, anonVmaLocks: 4 }, true]);

    // ksmd reaches the child: its items join the node through the "ksm page forked" path.
    w.fullScans(1);
    assert.equal(w.stat(child).ksm_merging_pages, 2);
    assert.deepEqual([w.sysfs().pages_shared, w.sysfs().pages_sharing], [1, 3]);
    const after = rmap_walk_ksm(w.ksm, folio);
    assert.deepEqual([after.expected, after.found, after.foundInPass, after.missed.length], [4, 4, [4, 0], 0]);
    // The child's items (newest first) have the child's own anon_vma, whose tree holds only its
    // VMA; the parent's first item then skips the child's VMA in the root's tree, its second
    // ends the walk at the parent's own VMA.
    assert.deepEqual(loopRows(after), [[0, 1, 0, 0, 1], [0, 1, 0, 0, 1], [0, 2, 0, 1, 1], [0, 1, 0, 0, 1]]);
  });
});

describe('full-range rmap walk cost over split VMAs', () => {
  for (const [N, S] of [
    [3, 4],
    [5, 10],
  ] as const) {
    it(`a KSM page mapped by ${N} processes, each region split into ${S} VMAs on one anon_vma`, () => {
      const w = world();
      const pages = 2 * S - 1; // S pieces after mprotecting every odd page
      const procs = Array.from({ length: N }, (_, k) => w.proc(`p${k}`));
      const starts = procs.map((p, k) => w.region(p, pages, (i) => (i === 0 ? 555 : 10_000 * (k + 1) + i), { at: 0x1000 * (k + 1) }));
      procs.forEach((p, k) => {
        for (let i = 1; i < pages; i += 2) do_mprotect(p, starts[k]! + i, 1, 'r');
      });
      for (const p of procs) {
        assert.equal(p.vmas.length, pages);
        const av = p.vmas[0]!.anon_vma!;
        assert.ok(p.vmas.every((v) => v.anon_vma === av));
        assert.equal(av.rb_root.size, pages);
      }
      w.fullScans(2);
      const folios = mapped_ksm_folios(w.ksm);
      assert.equal(folios.length, 1);
      resetCounters(w.m.counters);
      const r = rmap_walk_ksm(w.ksm, folios[0]!);
      assert.deepEqual([r.expected, r.found, r.foundInPass, r.missed.length], [N, N, [N, 0], 0]);
      // Items are walked newest first; each one's own VMA is the first of its tree (lowest
      // pgoff), so every tree but the last is walked whole (`pages` avcs), and the walk stops
      // at the first avc of the last tree when the mapcount is reached (folio_not_mapped).
      // A whole [0, ULONG_MAX] traversal examines 2 × size nodes; the stopped one only ran
      // iter_first: the root, the cached leftmost, and each left child on the way down to it.
      const lastTree = procs[0]!.vmas[0]!.anon_vma!.rb_root; // p0's item was appended first: walked last
      let depth = 0;
      for (let n = lastTree.root.rbNode; n?.left; n = n.left) depth++;
      // In every tree walked whole only the item's own piece holds its address (the others are
      // addr skips), and no other mm is in these trees: no pass-rule skip. One lock per item.
      assertCounters(w.m.counters, {
        rmap_walks: 1,
        rmap_avc_visits: (N - 1) * pages + 1,
        rmap_tree_nodes: (N - 1) * 2 * pages + 2 + depth,
        rmap_one_calls: N,
        rmap_mappings_expected: N,
        rmap_mappings_found: N,
        rmap_skip_addr: (N - 1) * (pages - 1),
        anon_vma_locks: N,
        rmap_avc_visits_max: (N - 1) * pages + 1,
        rmap_skip_addr_max: (N - 1) * (pages - 1),
        rmap_one_calls_max: N,
        rmap_folios_unmappable: 1,
      });
      assert.deepEqual(
        r.loops.map((l) => [l.pass, l.iterations, l.skipAddr, l.skipMm, l.rmapOne]),
        [...Array.from({ length: N - 1 }, () => [0, pages, pages - 1, 0, 1]), [0, 1, 0, 0, 1]],
      );
    });
  }
});
