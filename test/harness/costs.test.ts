// What each patch version costs, on the scenarios that show it (issue: seed patches as
// variants): exact counters where they can be derived by hand, growth laws elsewhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfVariants } from '../../src/harness/config.ts';
import { runScenario } from '../../src/harness/run.ts';
import type { Counters } from '../../src/mm/counters.ts';

function run(name: string, params: Record<string, string>, replace: Record<string, string>) {
  return runScenario(buildScenario(name, params), configOfVariants('v6.18', replace));
}

describe('vma-split (the series\' rmap_bench shape): 20,000 pages, 32 KSM pages', () => {
  const pages = 20000;
  const k = 32;
  /** The piece (VMA) holding page p when the region is cut into `s` pieces. */
  const piece = (p: number, s: number) => {
    let i = Math.floor((p * s) / pages);
    while (Math.floor(((i + 1) * pages) / s) <= p) i++;
    while (Math.floor((i * pages) / s) > p) i--;
    return i;
  };
  for (const s of [10, 100, 1000]) {
    it(`S = ${s}: full-range visits K·S + Σ(piece(a)+1) VMAs, linear-page-index visits 2 per KSM page`, () => {
      const full = run('vma-split', { pieces: String(s) }, { rmap: 'full-range' });
      const idx = run('vma-split', { pieces: String(s) }, { rmap: 'linear-page-index' });
      // Each KSM page is mapped at a = j·stride and b = a + stride/2. b merged last, so its item
      // heads the hlist: its walk visits all S VMAs (the mapcount is not reached until a is
      // found); a's walk stops at a's own VMA, the (piece(a)+1)-th in pgoff order.
      const stride = Math.floor(pages / k);
      let expected = 0;
      for (let j = 0; j < k; j++) expected += s + piece(j * stride, s) + 1;
      assert.equal(full.counters.rmap_avc_visits, expected);
      assert.deepEqual([idx.counters.rmap_avc_visits, idx.counters.rmap_walks], [2 * k, k]);
      assert.equal(full.counters.rmap_mappings_missed + idx.counters.rmap_mappings_missed, 0);
    });
  }
});

describe('scanner cost (seed 004)', () => {
  it('sparse 32 TiB: per-pass pt_reads of folio-walk / walk-page-range exceeds 10^6', () => {
    const a = run('sparse', {}, { scanner: 'folio-walk' }).counters;
    const b = run('sparse', {}, { scanner: 'walk-page-range' }).counters;
    assert.equal(a.full_scans, b.full_scans);
    const ratio = a.pt_reads / a.full_scans / (b.pt_reads / b.full_scans);
    assert.ok(ratio > 1e6, `ratio ${ratio}`);
    assert.ok(a.folio_walk_calls >= 2 * 2 ** 33, 'every address of 32 TiB looked up on each of 2 passes');
  });

  it('dense guests (the defaults): the scanners cost the same, 4 reads and one PTE lock per page, and the tree lookups are their own account', () => {
    // 4 guests × 4096 pages × 4 full scans = 65,536 pages looked at. On dense memory the range
    // walk finds the next page in the first PTE it reads, as folio_walk_start does: pgd, pud,
    // pmd, pte and one pte_offset_map_lock each. The unstable-tree lookups (get_mergeable_page
    // per tree node compared) are 71.5 % of the scanner + lookup reads on both: pt_reads alone
    // would pull any scanner ratio towards 1.
    const scannerOnly = (c: Counters) => ({ reads: c.pt_reads_scan, locks: c.ptl_locks_scan });
    const rest = (c: Counters) => ({ lookup: [c.pt_reads_lookup, c.ptl_locks_lookup], merge: [c.pt_reads_merge, c.ptl_locks_merge], unmerge: [c.pt_reads_unmerge, c.ptl_locks_unmerge] });
    const a = run('guests', {}, { scanner: 'folio-walk' }).counters;
    const b = run('guests', {}, { scanner: 'walk-page-range' }).counters;
    assert.deepEqual(scannerOnly(a), { reads: 65_536 * 4, locks: 65_536 });
    assert.deepEqual(scannerOnly(b), { reads: 65_536 * 4, locks: 65_536 });
    assert.deepEqual([a.folio_walk_calls, b.walk_range_calls, b.pmd_entry_calls], [65_536, 65_536, 65_536]);
    const other = { lookup: [657_700, 164_425], merge: [85_832, 21_458], unmerge: [0, 0] };
    assert.deepEqual(rest(a), other);
    assert.deepEqual(rest(b), other);
    assert.equal(a.pt_reads_lookup / (a.pt_reads_scan + a.pt_reads_lookup), 657_700 / 919_844);
  });
});

describe('unmerge cost (break_ksm range walk)', () => {
  it('unmerge-sparse: per-address reads grow with the virtual size, range-walk with the populated tables', () => {
    const sizes = ['1GiB', '64GiB', '32TiB'];
    const per = sizes.map((size) => run('unmerge-sparse', { size }, { unmerge: 'per-address' }).counters.pt_reads_unmerge);
    const range = sizes.map((size) => run('unmerge-sparse', { size }, { unmerge: 'range-walk' }).counters.pt_reads_unmerge);
    // per-address: at least one read per page of the area, every time
    assert.ok(per[0]! >= 2 ** 18 && per[1]! >= 64 * 2 ** 18 && per[2]! >= 2 ** 33, String(per));
    assert.ok(per[2]! / per[0]! > 10_000);
    // range walk: the 8 populated PTE tables (512 reads each at most) plus the upper levels
    for (const r of range) assert.ok(r < 8 * 512 + 8 * 3 * 512 + 64, String(range));
  });
});

describe('zero pages (seed 001)', () => {
  it('legacy leaves the KSM-placed zero pages mapped after MADV_UNMERGEABLE and cannot count them', () => {
    const r = run('zero-pages', {}, { 'zero-pages': 'legacy' });
    assert.equal(r.verdict.ok, false);
    assert.deepEqual(r.verdict.problems, ['ops[5] (madvise): unmerge left 512 KSM-placed zero page(s) mapped in p0']);
    assert.equal(r.counters.ksm_zero_pages, 0);
  });

  it('marked unshares them and ksm_zero_pages returns to 0 from 512', () => {
    const s = buildScenario('zero-pages');
    const ops = [...s.ops];
    ops.splice(5, 0, { op: 'expect', sysfs: { ksm_zero_pages: 512 } });
    const r = runScenario({ ...s, ops }, configOfVariants('v6.18', { 'zero-pages': 'marked' }));
    assert.deepEqual(r.verdict.problems, []);
    assert.equal(r.counters.ksm_zero_pages, 0);
    assert.ok(r.counters.unmerge_breaks >= 512);
  });
});

describe('stable-ref lifetime (seed 003)', () => {
  it('exit-free: page-ref keeps freed KSM pages pinned until ksmd reaches their node; keyhole frees them at exit', () => {
    const pin = run('exit-free', {}, { 'stable-ref': 'page-ref' }).counters;
    const key = run('exit-free', {}, { 'stable-ref': 'keyhole' }).counters;
    assert.equal(pin.freed_pages_pinned, 16); // content i mod 16: 16 KSM pages, all unmapped by the exits
    assert.ok(pin.scans_until_freed >= 1);
    assert.deepEqual([key.freed_pages_pinned, key.scans_until_freed], [0, 0]);
    assert.deepEqual([pin.pages_shared, key.pages_shared], [0, 0]);
  });
});

describe('merge failures and the break_cow reset (seed 000)', () => {
  it('lp64-le: without the reset the index is read as smart-scan state and pages are wrongly skipped', () => {
    const bad = run('merge-failure', { abi: 'lp64-le' }, { rmap: 'linear-page-index-no-cow-reset' }).counters;
    const good = run('merge-failure', { abi: 'lp64-le' }, { rmap: 'linear-page-index' }).counters;
    assert.ok(bad.stale_overlay_reads > 0 && bad.pages_wrongly_skipped > 0, JSON.stringify(bad));
    assert.deepEqual([good.stale_overlay_reads, good.pages_wrongly_skipped], [0, 0]);
    assert.ok(good.pages_sharing > bad.pages_sharing, 'the wrong skips delay merging');
  });

  it('ilp32-le: the 4-byte index never overlays age, so nothing is wrongly skipped (only oldchecksum goes stale)', () => {
    const bad = run('merge-failure', { abi: 'ilp32-le' }, { rmap: 'linear-page-index-no-cow-reset' }).counters;
    const good = run('merge-failure', { abi: 'ilp32-le' }, { rmap: 'linear-page-index' }).counters;
    assert.equal(bad.pages_wrongly_skipped, 0);
    assert.ok(bad.stale_overlay_reads > 0);
    assert.deepEqual([good.stale_overlay_reads, good.pages_wrongly_skipped], [0, 0]);
    assert.equal(bad.pages_sharing, good.pages_sharing);
  });
});
