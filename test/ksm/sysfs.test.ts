// /sys/kernel/mm/ksm and /proc/<pid>/ksm_stat as each kernel version has them: the files of
// ksm_attrs[] (mm/ksm.c), what each *_store accepts and refuses, and the lines of
// proc_pid_ksm_stat (fs/proc/base.c). Each test names the C function it follows (Debian
// 6.1.192, 6.12.118, 7.2.13, 7.3.4; the stores are the same in the last three).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Op, ScenarioError, validateScenario } from '../../bench/format.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { executeScenario } from '../../src/harness/execute.ts';
import { ksm_stat_lines, proc_pid_ksm_stat, read_ksm_stat, read_sysfs, sysfs_files, SysfsError, write_sysfs } from '../../src/ksm/sysfs.ts';
import { world } from '../support/ksm-world.ts';

const OLD_14 = [
  'sleep_millisecs', 'pages_to_scan', 'run', 'pages_shared', 'pages_sharing', 'pages_unshared', 'pages_volatile', 'full_scans',
  'merge_across_nodes', 'max_page_sharing', 'stable_node_chains', 'stable_node_dups', 'stable_node_chains_prune_millisecs', 'use_zero_pages',
];
const NEW_24 = [
  'sleep_millisecs', 'pages_to_scan', 'run', 'pages_scanned', 'pages_shared', 'pages_sharing', 'pages_unshared', 'pages_volatile', 'pages_skipped',
  'ksm_zero_pages', 'full_scans', 'merge_across_nodes', 'max_page_sharing', 'stable_node_chains', 'stable_node_dups',
  'stable_node_chains_prune_millisecs', 'use_zero_pages', 'general_profit', 'smart_scan', 'advisor_mode', 'advisor_max_cpu',
  'advisor_min_pages_to_scan', 'advisor_max_pages_to_scan', 'advisor_target_scan_time',
];

/** The message write_sysfs refuses `text` with (or null when it is accepted). */
function refusal(name: string, text: string | number, kernel = '6.18'): string | null {
  const w = world({ kernel });
  try {
    write_sysfs(w.ksm, name, text);
    return null;
  } catch (e) {
    if (e instanceof SysfsError) return e.message;
    throw e;
  }
}

function knobAfter(name: string, text: string | number, kernel = '6.18'): string {
  const w = world({ kernel });
  write_sysfs(w.ksm, name, text);
  return sysfs_files(w.ksm)[name]!;
}

describe('ksm_attrs[] by version (mm/ksm.c)', () => {
  it('6.1.192 has 14 files, 6.12.118 / 7.2.13 / 7.3.4 have 24, in ksm_attrs[] order, with the boot values', () => {
    const files = (kernel: string) => {
      const w = world({ kernel });
      w.ksm.knobs.run = 0; // the world helper starts ksmd; the kernel's default is 0
      return sysfs_files(w.ksm);
    };
    assert.deepEqual(Object.keys(files('6.1.0')), OLD_14);
    for (const k of ['6.12.59', '6.18', '7.3']) assert.deepEqual(Object.keys(files(k)), NEW_24, k);
    const f = files('6.18');
    assert.deepEqual(
      [f.sleep_millisecs, f.pages_to_scan, f.run, f.merge_across_nodes, f.max_page_sharing, f.stable_node_chains_prune_millisecs, f.use_zero_pages, f.smart_scan],
      ['20', '100', '0', '1', '256', '2000', '0', '1'],
    );
    // advisor_mode_show
    assert.deepEqual([f.advisor_mode, f.advisor_max_cpu, f.advisor_min_pages_to_scan, f.advisor_max_pages_to_scan, f.advisor_target_scan_time], ['[none] scan-time', '70', '500', '30000', '200']);
  });

  it('writing a file the kernel lacks is refused, naming the file and the version', () => {
    assert.match(refusal('smart_scan', 1, '6.1.0')!, /^\/sys\/kernel\/mm\/ksm\/smart_scan does not exist on kernel 6\.1 \(since 6\.7:/);
    assert.match(refusal('advisor_mode', 'none', '6.1.0')!, /advisor_mode does not exist on kernel 6\.1 \(since 6\.8/);
    assert.match(refusal('pages_to_scn', 1)!, /has no file "pages_to_scn" in any version/);
    // a read-only file: KSM_ATTR_RO, mode 0444
    assert.match(refusal('pages_shared', 0)!, /^pages_shared is read-only/);
  });
});

describe('kstrtouint knobs (sleep_millisecs_store, pages_to_scan_store, stable_node_chains_prune_millisecs_store)', () => {
  it('accept decimal digits with one leading "+" and one trailing newline; a number is its decimal text', () => {
    assert.equal(knobAfter('sleep_millisecs', '+5'), '5');
    assert.equal(knobAfter('sleep_millisecs', '7\n'), '7');
    assert.equal(knobAfter('sleep_millisecs', 9), '9');
    assert.equal(knobAfter('pages_to_scan', '0'), '0');
    assert.equal(knobAfter('stable_node_chains_prune_millisecs', '4294967295'), '4294967295');
    assert.equal(knobAfter('sleep_millisecs', '007'), '7'); // base 10: a leading 0 is not octal
  });

  it('refuse with -EINVAL what kstrtouint refuses (its -ERANGE too)', () => {
    assert.equal(refusal('sleep_millisecs', '0x10'), 'sleep_millisecs: writing "0x10" fails with -EINVAL (sleep_millisecs_store: kstrtouint returns -EINVAL)');
    assert.equal(refusal('sleep_millisecs', ' 5'), 'sleep_millisecs: writing " 5" fails with -EINVAL (sleep_millisecs_store: kstrtouint returns -EINVAL)');
    assert.equal(refusal('pages_to_scan', -1), 'pages_to_scan: writing "-1" fails with -EINVAL (pages_to_scan_store: kstrtouint returns -EINVAL)');
    assert.equal(refusal('pages_to_scan', 1.5), 'pages_to_scan: writing "1.5" fails with -EINVAL (pages_to_scan_store: kstrtouint returns -EINVAL)');
    assert.equal(refusal('pages_to_scan', '5\n\n'), 'pages_to_scan: writing "5\\n\\n" fails with -EINVAL (pages_to_scan_store: kstrtouint returns -EINVAL)');
    assert.equal(refusal('pages_to_scan', '++5'), 'pages_to_scan: writing "++5" fails with -EINVAL (pages_to_scan_store: kstrtouint returns -EINVAL)');
    assert.equal(
      refusal('stable_node_chains_prune_millisecs', 4294967296),
      'stable_node_chains_prune_millisecs: writing "4294967296" fails with -EINVAL (stable_node_chains_prune_millisecs_store: kstrtouint returns -ERANGE)',
    );
  });

  it('sysfs_kf_write: a write of no bytes never reaches the store', () => {
    assert.equal(knobAfter('sleep_millisecs', ''), '20');
  });
});

describe('run_store', () => {
  it('0, 1, 2; above KSM_RUN_UNMERGE is -EINVAL (4, the internal offline bit, too)', () => {
    assert.equal(knobAfter('run', '0'), '0');
    assert.equal(refusal('run', 3), 'run: writing "3" fails with -EINVAL (run_store: 3 > KSM_RUN_UNMERGE)');
    assert.equal(refusal('run', '4'), 'run: writing "4" fails with -EINVAL (run_store: 4 > KSM_RUN_UNMERGE)');
    assert.equal(refusal('run', 'one'), 'run: writing "one" fails with -EINVAL (run_store: kstrtouint returns -EINVAL)');
  });

  it('run=2 unmerges every KSM page (unmerge_and_remove_all_rmap_items)', () => {
    const w = world();
    const p = w.proc('p0');
    w.region(p, 4, () => 3);
    w.fullScans(2);
    assert.equal(w.sysfs().pages_sharing, 3);
    write_sysfs(w.ksm, 'run', '2\n');
    assert.deepEqual([w.sysfs().pages_shared, w.sysfs().pages_sharing, w.sysfs().run], [0, 0, 2]);
  });
});

describe('kstrtobool knobs (use_zero_pages_store, smart_scan_store)', () => {
  it('the first character decides: y Y t T 1 / n N f F 0, and o/O + n/N or f/F; the rest is ignored', () => {
    for (const t of ['y', 'Y', 'yes', 'true', 'T', '1', '1x', 'on', 'ON', 'oN\n']) assert.equal(knobAfter('use_zero_pages', t), '1', t);
    for (const t of ['n', 'N', 'no', 'false', 'F', '0', 'off', 'Offline']) assert.equal(knobAfter('smart_scan', t), '0', t);
    assert.equal(knobAfter('smart_scan', 0), '0');
  });

  it('refuse anything else with -EINVAL', () => {
    for (const t of ['2', 'o', 'x', '-1', ' y']) {
      assert.equal(refusal('use_zero_pages', t), `use_zero_pages: writing ${JSON.stringify(t)} fails with -EINVAL (use_zero_pages_store: kstrtobool returns -EINVAL)`, t);
    }
    assert.equal(refusal('smart_scan', 2), 'smart_scan: writing "2" fails with -EINVAL (smart_scan_store: kstrtobool returns -EINVAL)');
  });

  it('"enable" / "disabled" from 6.16 (ae5b3500856f; this host\'s 6.18 takes them), -EINVAL before', () => {
    assert.equal(knobAfter('use_zero_pages', 'enable'), '1');
    assert.equal(knobAfter('smart_scan', 'disabled'), '0');
    assert.equal(refusal('use_zero_pages', 'enable', '6.12.59'), 'use_zero_pages: writing "enable" fails with -EINVAL (use_zero_pages_store: kstrtobool returns -EINVAL)');
  });
});

describe('max_page_sharing_store (kstrtoint, signed)', () => {
  it('a negative parses and is refused by knob < 2; the parse errors are returned as they are', () => {
    assert.equal(refusal('max_page_sharing', '-5'), 'max_page_sharing: writing "-5" fails with -EINVAL (max_page_sharing_store: -5 < 2)');
    assert.equal(refusal('max_page_sharing', 1), 'max_page_sharing: writing "1" fails with -EINVAL (max_page_sharing_store: 1 < 2)');
    assert.equal(refusal('max_page_sharing', '2147483648'), 'max_page_sharing: writing "2147483648" fails with -ERANGE (max_page_sharing_store: kstrtoint returns -ERANGE)');
    assert.equal(refusal('max_page_sharing', '-'), 'max_page_sharing: writing "-" fails with -EINVAL (max_page_sharing_store: kstrtoint returns -EINVAL)');
    assert.equal(knobAfter('max_page_sharing', '+2147483647'), '2147483647');
  });

  it('a change is -EBUSY while KSM pages exist; the same value succeeds without locking', () => {
    const w = world();
    const p = w.proc('p0');
    w.region(p, 2, () => 5);
    w.fullScans(2);
    assert.throws(() => write_sysfs(w.ksm, 'max_page_sharing', 128), { message: 'max_page_sharing: writing "128" fails with -EBUSY (max_page_sharing_store: pages_shared is 1)' });
    write_sysfs(w.ksm, 'max_page_sharing', '256');
    write_sysfs(w.ksm, 'run', 2);
    write_sysfs(w.ksm, 'max_page_sharing', 128);
    assert.equal(sysfs_files(w.ksm).max_page_sharing, '128');
  });
});

describe('merge_across_nodes_store (kstrtoul; one NUMA node modelled)', () => {
  it('0 and 1; > 1 is -EINVAL, the parse error is returned as it is; a change is -EBUSY while KSM pages exist', () => {
    assert.equal(knobAfter('merge_across_nodes', 0), '0');
    assert.equal(refusal('merge_across_nodes', 2), 'merge_across_nodes: writing "2" fails with -EINVAL (merge_across_nodes_store: 2 > 1)');
    assert.equal(
      refusal('merge_across_nodes', '18446744073709551616'),
      'merge_across_nodes: writing "18446744073709551616" fails with -ERANGE (merge_across_nodes_store: kstrtoul returns -ERANGE)',
    );
    const w = world();
    w.region(w.proc('p0'), 2, () => 5);
    w.fullScans(2);
    assert.throws(() => write_sysfs(w.ksm, 'merge_across_nodes', 0), /-EBUSY \(merge_across_nodes_store: pages_shared is 1\)/);
    write_sysfs(w.ksm, 'merge_across_nodes', 1); // no change: no check
  });
});

describe('the advisor (advisor_mode_store, set_advisor_defaults, advisor_*_store)', () => {
  it('advisor_mode takes "none" or "scan-time" (sysfs_streq); a change applies set_advisor_defaults', () => {
    const w = world();
    write_sysfs(w.ksm, 'pages_to_scan', 1234);
    write_sysfs(w.ksm, 'advisor_mode', 'scan-time\n');
    assert.deepEqual([sysfs_files(w.ksm).advisor_mode, sysfs_files(w.ksm).pages_to_scan], ['none [scan-time]', '500']);
    // pages_to_scan_store refuses before parsing while the advisor tunes it
    assert.throws(() => write_sysfs(w.ksm, 'pages_to_scan', 10), { message: 'pages_to_scan: writing "10" fails with -EINVAL (pages_to_scan_store: advisor_mode is scan-time)' });
    write_sysfs(w.ksm, 'advisor_mode', 'scan-time'); // no change: no defaults
    write_sysfs(w.ksm, 'advisor_mode', 'none');
    assert.deepEqual([sysfs_files(w.ksm).advisor_mode, sysfs_files(w.ksm).pages_to_scan], ['[none] scan-time', '100']);
    for (const t of ['None', 'none ', 'scan_time', '0', '1']) {
      assert.equal(refusal('advisor_mode', t), `advisor_mode: writing ${JSON.stringify(t)} fails with -EINVAL (advisor_mode_store: neither "scan-time" nor "none")`, t);
    }
  });

  it('advisor_max_cpu has no range check and keeps the low 32 bits (an unsigned int)', () => {
    assert.equal(knobAfter('advisor_max_cpu', 200), '200');
    assert.equal(knobAfter('advisor_max_cpu', 0), '0');
    assert.equal(knobAfter('advisor_max_cpu', '4294967297'), '1');
    assert.equal(refusal('advisor_max_cpu', '18446744073709551616'), 'advisor_max_cpu: writing "18446744073709551616" fails with -EINVAL (advisor_max_cpu_store: kstrtoul returns -ERANGE)');
  });

  it('advisor_{min,max}_pages_to_scan take any unsigned long; advisor_target_scan_time refuses 0', () => {
    assert.equal(knobAfter('advisor_min_pages_to_scan', '18446744073709551615'), '18446744073709551615');
    assert.equal(knobAfter('advisor_max_pages_to_scan', 0), '0');
    assert.equal(refusal('advisor_target_scan_time', 0), 'advisor_target_scan_time: writing "0" fails with -EINVAL (advisor_target_scan_time_store: 0 < 1)');
    assert.equal(knobAfter('advisor_target_scan_time', 1), '1');
    // set_advisor_defaults stores the unsigned long in the unsigned int pages_to_scan
    const w = world();
    write_sysfs(w.ksm, 'advisor_min_pages_to_scan', 4294967296 + 7);
    write_sysfs(w.ksm, 'advisor_mode', 'scan-time');
    assert.equal(sysfs_files(w.ksm).pages_to_scan, '7');
  });
});

describe('proc_pid_ksm_stat by version (fs/proc/base.c)', () => {
  const lines = (kernel: string, unmergeAll = false) => {
    const w = world({ kernel, knobs: { use_zero_pages: 1 } });
    const p = w.proc('p0');
    const start = w.region(p, 6, (i) => (i < 4 ? 9 : 0));
    w.fullScans(2);
    if (unmergeAll) w.unmerge(p, start, 6);
    return proc_pid_ksm_stat(w.ksm, p);
  };

  it('6.1.192: ksm_rmap_items only', () => {
    assert.equal(lines('6.1.0'), 'ksm_rmap_items 6\n');
  });

  it('6.12.118: + ksm_zero_pages, ksm_merging_pages, ksm_process_profit', () => {
    assert.equal(lines('6.12.59'), `ksm_rmap_items 6\nksm_zero_pages 2\nksm_merging_pages 4\nksm_process_profit ${(4 + 2) * 4096 - 6 * 64}\n`);
  });

  it('7.2.13 / 7.3.4 (and 6.14+): + ksm_merge_any (MMF_VM_MERGE_ANY) and ksm_mergeable (ksm_process_mergeable)', () => {
    const profit = (4 + 2) * 4096 - 6 * 64;
    assert.equal(lines('7.3'), `ksm_rmap_items 6\nksm_zero_pages 2\nksm_merging_pages 4\nksm_process_profit ${profit}\nksm_merge_any: no\nksm_mergeable: yes\n`);
    // MADV_UNMERGEABLE clears VM_MERGEABLE: no VMA is mergeable any more
    assert.match(lines('6.18', true), /ksm_merge_any: no\nksm_mergeable: no\n$/);
    const w = world({ kernel: '6.18' });
    assert.deepEqual(ksm_stat_lines(w.ksm, w.proc('p1')).map(([k]) => k), ['ksm_rmap_items', 'ksm_zero_pages', 'ksm_merging_pages', 'ksm_process_profit', 'ksm_merge_any', 'ksm_mergeable']);
  });

  it('ksm_process_profit = (merging + zero pages) × 4096 − rmap_items × sizeof(ksm_rmap_item); general_profit counts pages_sharing', () => {
    const w = world({ knobs: { use_zero_pages: 1 } });
    const p = w.proc('p0');
    w.region(p, 6, (i) => (i < 4 ? 9 : 0));
    w.fullScans(2);
    assert.deepEqual(read_ksm_stat(w.ksm, p), { ksm_rmap_items: 6, ksm_zero_pages: 2, ksm_merging_pages: 4, ksm_process_profit: (4 + 2) * 4096 - 6 * 64 });
    assert.equal(read_sysfs(w.ksm).general_profit, (3 + 2) * 4096 - 6 * 64);
  });
});

describe('scenarios: string values, versions, expectations (execute.ts sysfs and expect ops)', () => {
  const ops = (extra: Op[]): Op[] => [
    { op: 'mmap', proc: 'p0', region: 'a', size: 4 },
    { op: 'fill', proc: 'p0', region: 'a', content: 3 },
    { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
    ...extra,
  ];
  const run = (stack: string, extra: Op[], sysfs: Record<string, number | string> = {}) => executeScenario(validateScenario({ name: 't', sysfs, ops: ops(extra) }), configOfStack(stack));

  it('string values are written as text; expectations compare the file\'s text', () => {
    const r = run('v6.18', [
      { op: 'sysfs', smart_scan: 'off', advisor_mode: 'none\n', max_page_sharing: '+2' },
      { op: 'ksmd', full_scans: 2 },
      { op: 'expect', sysfs: { smart_scan: 0, advisor_mode: 'none', max_page_sharing: '2', pages_shared: 2, pages_sharing: 2 }, proc: 'p0', stat: { ksm_merge_any: 'no', ksm_mergeable: 'yes', ksm_merging_pages: 4 } },
      { op: 'expect', sysfs: { advisor_mode: 'scan-time' }, proc: 'p0', stat: { ksm_merge_any: 'yes' } },
    ], { use_zero_pages: 'n', pages_to_scan: '1000' });
    assert.deepEqual(r.problems, ['ops[6] (expect): expected advisor_mode "scan-time", got "[none] scan-time"', 'ops[6] (expect): expected p0 ksm_merge_any "yes", got "no"']);
  });

  it('a file or a line the stack\'s kernel lacks is bad input, naming it and the version', () => {
    assert.throws(() => run('v6.1', [{ op: 'sysfs', smart_scan: 1 }]), (e) => e instanceof ScenarioError && /^ops\[3\] \(sysfs\): \/sys\/kernel\/mm\/ksm\/smart_scan does not exist on kernel 6\.1 /.test(e.message));
    assert.throws(() => run('v6.1', [], { advisor_max_cpu: 50 }), (e) => e instanceof ScenarioError && /^scenario sysfs: \/sys\/kernel\/mm\/ksm\/advisor_max_cpu does not exist on kernel 6\.1 /.test(e.message));
    assert.throws(() => run('v6.1', [{ op: 'expect', sysfs: { ksm_zero_pages: 0 } }]), /ops\[3\] \(expect\): \/sys\/kernel\/mm\/ksm\/ksm_zero_pages does not exist on kernel 6\.1/);
    assert.throws(() => run('v6.1', [{ op: 'expect', proc: 'p0', stat: { ksm_merging_pages: 0 } }]), /ops\[3\] \(expect\): \/proc\/<pid>\/ksm_stat has no "ksm_merging_pages" line on kernel 6\.1 \(since 6\.4/);
    assert.throws(() => run('v6.12', [{ op: 'expect', proc: 'p0', stat: { ksm_mergeable: 'yes' } }]), /ops\[3\] \(expect\): \/proc\/<pid>\/ksm_stat has no "ksm_mergeable" line on kernel 6\.12\.59 \(since 6\.14/);
    // checked before the first op runs: nothing is half done
    assert.throws(() => run('v6.1', [{ op: 'ksmd', full_scans: 1 }, { op: 'expect', sysfs: { pages_scanned: 4 } }]), /ops\[4\] \(expect\): \/sys\/kernel\/mm\/ksm\/pages_scanned does not exist/);
    assert.deepEqual(run('v6.1', [{ op: 'ksmd', full_scans: 2 }, { op: 'expect', sysfs: { pages_sharing: 3 }, proc: 'p0', stat: { ksm_rmap_items: 4 } }]).problems, []);
  });

  it('a value the kernel refuses fails as the write would: an op error naming the store and the errno, the run goes on', () => {
    const r = run('v6.18', [{ op: 'sysfs', run: 3 }, { op: 'ksmd', full_scans: 2 }, { op: 'expect', sysfs: { run: 1, pages_sharing: 3 } }]);
    assert.deepEqual(r.opErrors, ['ops[3] (sysfs): run: writing "3" fails with -EINVAL (run_store: 3 > KSM_RUN_UNMERGE)']);
    assert.deepEqual([r.counters.syscalls_failed, r.problems], [1, []]);
  });

  it('ksmd does not run under the scan-time advisor (it retunes pages_to_scan from wall-clock scan times)', () => {
    assert.throws(
      () => run('v6.18', [{ op: 'sysfs', advisor_mode: 'scan-time' }, { op: 'ksmd', full_scans: 1 }]),
      (e) => e instanceof ScenarioError && /^ops\[4\] \(ksmd\): advisor_mode is scan-time: the advisor retunes pages_to_scan/.test(e.message),
    );
    assert.deepEqual(run('v6.18', [{ op: 'sysfs', advisor_mode: 'scan-time' }, { op: 'expect', sysfs: { pages_to_scan: 500 } }, { op: 'sysfs', advisor_mode: 'none' }, { op: 'ksmd', full_scans: 2 }]).problems, []);
  });
});
