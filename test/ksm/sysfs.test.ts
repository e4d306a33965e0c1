// /sys/kernel/mm/ksm and /proc/<pid>/ksm_stat as kernel/scan.md §4.1 and §8 define them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { read_ksm_stat, read_sysfs, write_sysfs } from '../../src/ksm/sysfs.ts';
import { world } from '../support/ksm-world.ts';

describe('sysfs', () => {
  it('has every file of kernel/scan.md §8, with the kernel defaults', () => {
    const w = world();
    w.ksm.knobs.run = 0; // the world helper starts ksmd; the kernel's default is 0
    const s = read_sysfs(w.ksm);
    assert.deepEqual(Object.keys(s).sort(), [
      'advisor_max_cpu', 'advisor_max_pages_to_scan', 'advisor_min_pages_to_scan', 'advisor_mode', 'advisor_target_scan_time',
      'full_scans', 'general_profit', 'ksm_zero_pages', 'max_page_sharing', 'merge_across_nodes', 'pages_scanned', 'pages_shared',
      'pages_sharing', 'pages_skipped', 'pages_to_scan', 'pages_unshared', 'pages_volatile', 'run', 'sleep_millisecs', 'smart_scan',
      'stable_node_chains', 'stable_node_chains_prune_millisecs', 'stable_node_dups', 'use_zero_pages',
    ]);
    assert.deepEqual(
      [s.run, s.pages_to_scan, s.sleep_millisecs, s.max_page_sharing, s.use_zero_pages, s.smart_scan, s.merge_across_nodes, s.stable_node_chains_prune_millisecs],
      [0, 100, 20, 256, 0, 1, 1, 2000],
    );
    assert.deepEqual([s.advisor_mode, s.advisor_max_cpu, s.advisor_min_pages_to_scan, s.advisor_max_pages_to_scan, s.advisor_target_scan_time], [0, 70, 500, 30000, 200]);
  });

  it('ksm_stat: ksm_process_profit = (merging + zero pages) × 4096 − rmap_items × sizeof(ksm_rmap_item)', () => {
    const w = world({ knobs: { use_zero_pages: 1 } });
    const p = w.proc('p0');
    w.region(p, 6, (i) => (i < 4 ? 9 : 0));
    w.fullScans(2);
    const st = read_ksm_stat(w.ksm, p);
    assert.deepEqual(st, { ksm_rmap_items: 6, ksm_zero_pages: 2, ksm_merging_pages: 4, ksm_process_profit: (4 + 2) * 4096 - 6 * 64 });
    // the global profit counts pages_sharing, not merging pages
    assert.equal(w.sysfs().general_profit, (3 + 2) * 4096 - 6 * 64);
  });

  it('validates knobs as the *_store functions do', () => {
    const w = world();
    assert.throws(() => write_sysfs(w.ksm, 'smart_scan', 2), /smart_scan: 2 is not a boolean/);
    assert.throws(() => write_sysfs(w.ksm, 'advisor_mode', 1), /advisor_mode: 1 \(scan-time\) is not modelled/);
    assert.throws(() => write_sysfs(w.ksm, 'pages_to_scn', 1), /unknown ksm sysfs knob "pages_to_scn"/);
    const p = w.proc('p0');
    w.region(p, 2, () => 5);
    w.fullScans(2);
    assert.throws(() => write_sysfs(w.ksm, 'max_page_sharing', 128), /max_page_sharing: EBUSY/);
    write_sysfs(w.ksm, 'pages_to_scan', 7);
    assert.equal(w.ksm.knobs.pages_to_scan, 7);
  });
});
