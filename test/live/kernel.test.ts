// The simulator held against the real kernel (Linux ≥ 6.18, whose KSM is the v6.18 stack):
// the same scenario replayed by tools/live/ksm-live.c on real processes must show the same
// per-process ksm_stat, ksm_merging_pages and global counters at every checkpoint (after each
// ksmd op and expect), and refuse the same calls. Skipped cleanly where KSM, root or cc is
// missing, or where KSM is in use; every knob written is restored.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type Op, type Scenario, validateScenario } from '../../bench/format.ts';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { compareLive } from '../../src/live/compare.ts';
import { asOnHost, KSM_LOCK, liveUnavailable, NoThpError, readKnob, runOnHost } from '../../src/live/kernel.ts';
import { livePlan } from '../../src/live/script.ts';

const why = liveUnavailable();

function scenario(name: string, ops: Op[], sysfs: Record<string, number> = {}): Scenario {
  return validateScenario({ name, sysfs, ops });
}

const CASES: Scenario[] = [
  validateScenario(JSON.parse(readFileSync(new URL('../../examples/ten-identical.json', import.meta.url), 'utf8'))),
  scenario('512-identical', [
    { op: 'mmap', proc: 'p0', region: 'a', size: 512 },
    { op: 'fill', proc: 'p0', region: 'a', content: 0xcf },
    { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
    { op: 'ksmd', full_scans: 2 },
  ]),
  scenario(
    'unmerge-zero-pages',
    [
      { op: 'mmap', proc: 'p0', region: 'a', size: 512 },
      { op: 'fill', proc: 'p0', region: 'a', content: 'zero' },
      { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
      { op: 'ksmd', full_scans: 2 },
      { op: 'madvise', proc: 'p0', region: 'a', from: 0, pages: 256, advice: 'unmergeable' },
    ],
    { use_zero_pages: 1 },
  ),
  scenario('cow-then-rescan', [
    { op: 'mmap', proc: 'p0', region: 'a', size: 64 },
    { op: 'fill', proc: 'p0', region: 'a', content: 5 },
    { op: 'fill', proc: 'p0', region: 'a', from: 32, pages: 32, content: 6 },
    { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
    { op: 'ksmd', full_scans: 2 },
    { op: 'fill', proc: 'p0', region: 'a', from: 0, pages: 8, content: 7 },
    { op: 'ksmd', full_scans: 2 },
  ]),
];

// Several processes, fork and exit, read, dontneed, batches, sysfs writes (smart_scan off and on,
// max_page_sharing refused while pages are shared, then accepted after run=2, use_zero_pages).
CASES.push(
  scenario('fork-exit-sysfs-batches', [
    { op: 'mmap', proc: 'p0', region: 'a', size: 96 },
    { op: 'fill', proc: 'p0', region: 'a', content: { mod: 3 } },
    { op: 'fill', proc: 'p0', region: 'a', from: 64, pages: 16, content: 'zero' },
    { op: 'read', proc: 'p0', region: 'a', from: 80, pages: 16 },
    { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
    { op: 'sysfs', smart_scan: 0, pages_to_scan: 40 },
    { op: 'ksmd', batches: 3 },
    { op: 'ksmd', full_scans: 2 },
    { op: 'fork', proc: 'p0', child: 'c1' },
    { op: 'fill', proc: 'c1', region: 'a', from: 0, pages: 8, content: 'unique' },
    { op: 'madvise', proc: 'c1', region: 'a', from: 8, pages: 8, advice: 'dontneed' },
    { op: 'ksmd', full_scans: 2 },
    { op: 'expect', proc: 'c1' },
    { op: 'exit', proc: 'p0' },
    { op: 'sysfs', smart_scan: 1, use_zero_pages: 1 },
    { op: 'ksmd', batches: 2 },
    { op: 'sysfs', max_page_sharing: 16 },
    { op: 'sysfs', run: 2 },
    { op: 'sysfs', max_page_sharing: 16, run: 1 },
    { op: 'ksmd', full_scans: 2 },
  ]),
);

// A move-only mremap over three VMAs (remap_move, 6.17+: each VMA unmerged, then merged again).
CASES.push(
  scenario('mremap-three-vmas', [
    { op: 'mmap', proc: 'p0', region: 'a', size: 192 },
    { op: 'munmap', proc: 'p0', region: 'a', from: 96, pages: 96 },
    { op: 'fill', proc: 'p0', region: 'a', from: 0, pages: 96, content: 4 },
    { op: 'madvise', proc: 'p0', region: 'a', from: 0, pages: 96, advice: 'mergeable' },
    { op: 'mprotect', proc: 'p0', region: 'a', from: 32, pages: 32, prot: 'r' },
    { op: 'ksmd', full_scans: 2 },
    { op: 'mremap', proc: 'p0', region: 'a', from: 0, pages: 96, to: 96 },
    { op: 'ksmd', full_scans: 2 },
  ]),
);

// Built-in scenarios (rmap walks and memory failures are skipped: not observable).
CASES.push(
  buildScenario('fork-fanout'),
  buildScenario('exit-free'),
  buildScenario('dontneed-reclaim'),
  buildScenario('split-after-merge'),
  buildScenario('mremap-remerge'),
  buildScenario('cow-churn'),
  buildScenario('vma-split', { pages: 2000, pieces: 2000, ksm_pages: 16 }),
  buildScenario('sparse', { size: '1TiB' }),
);

/** Replay on this host and compare at every checkpoint; the differing values, named. */
function replay(s: Scenario): { differing: string[]; checkpoints: number; compared: number } | { skip: string } {
  const onHost = asOnHost(s); // the host's THP knobs (this host: madvise) as the simulator's
  if ('why' in onHost) return { skip: onHost.why };
  const plan = livePlan(onHost);
  assert.ok(!('why' in plan), `replayable: ${'why' in plan ? plan.why : ''}`);
  let c;
  try {
    c = compareLive(onHost, configOfStack('v6.18'), 'v6.18', plan, runOnHost(plan.lines));
  } catch (e) {
    if (e instanceof NoThpError) return { skip: e.message }; // fragmentation: no THP to compare
    throw e;
  }
  const differing = c.checkpoints.flatMap((cp) => cp.values.filter((v) => !v.same).map((v) => `after ${cp.after}: ${v.name} simulator ${v.simulator}, kernel ${v.kernel}`));
  return { differing, checkpoints: c.checkpoints.length - 1, compared: c.compared };
}

describe('the simulator against the real kernel, at every checkpoint', { skip: why ?? false }, () => {
  for (const s of CASES) {
    it(`${s.name}: every value equal`, (t) => {
      const r = replay(s);
      if ('skip' in r) return t.skip(r.skip);
      assert.deepEqual(r.differing, []);
      assert.ok(r.checkpoints >= 1 && r.compared > 10, `${r.compared} values at ${r.checkpoints} checkpoints`);
      assert.equal(readKnob('run'), 0, 'run restored');
    });
  }
});

// Zero-filled THPs (MADV_HUGEPAGE under THP=madvise) that KSM splits to merge a subpage: on 6.18
// the split remaps every zero-filled subpage to the shared zero page (b1f202060afe), so those never
// reach KSM's trees. Two THPs each: the built-in thp-zero (both half zero, half one content), and
// one all zero beside one half zero, half content 7; with use_zero_pages 0 and 1.
function thpMixed(use_zero_pages: number): Scenario {
  return validateScenario({
    name: `thp-one-zero-one-half-uzp${use_zero_pages}`,
    thp: { enabled: 'madvise' },
    sysfs: { use_zero_pages, pages_to_scan: 1000 },
    ops: [
      { op: 'mmap', proc: 'p0', region: 'heap', size: 1024, thp: true },
      { op: 'fill', proc: 'p0', region: 'heap', content: 'zero' },
      { op: 'fill', proc: 'p0', region: 'heap', from: 512, pages: 256, content: 7 },
      { op: 'madvise', proc: 'p0', region: 'heap', advice: 'mergeable' },
      { op: 'ksmd', full_scans: 3 },
    ],
  });
}
const THP_CASES: Scenario[] = [0, 1].flatMap((u) => [
  buildScenario('thp-zero', { thp: 'madvise', thps: 2, written: 256, distinct: 1, use_zero_pages: u }),
  thpMixed(u),
]);

describe('zero-filled THPs: the simulator against the real kernel', { skip: why ?? false }, () => {
  for (const s of THP_CASES) {
    it(`${s.name} (use_zero_pages=${s.sysfs?.use_zero_pages}): every value equal`, (t) => {
      const onHost = asOnHost(s);
      if ('why' in onHost) return t.skip(onHost.why); // a host with other THP knobs
      const plan = livePlan(onHost);
      assert.ok('lines' in plan && plan.lines.includes('p0 thp heap 2'), 'the driver checks the two THPs before ksmd');
      const r = replay(s);
      if ('skip' in r) return t.skip(r.skip);
      assert.deepEqual(r.differing, []);
    });
  }
});

// What the driver is given: checked everywhere, also where the kernel part above is skipped.
describe('livePlan (the driver script of a scenario)', () => {
  it('every case above replays', () => {
    for (const s of [...CASES, ...THP_CASES]) assert.ok('lines' in livePlan(s), s.name);
  });

  it('one step per op for its process, a run of equal contents as one fill, a checkpoint after each ksmd op', () => {
    const s = CASES.find((c) => c.name === 'cow-then-rescan')!;
    const plan = livePlan(s);
    assert.ok('lines' in plan);
    assert.deepEqual(plan.lines, ['- check 0', '- spawn p0', 'p0 mmap a 64', 'p0 fill a 0 64 5', 'p0 fill a 32 32 6', 'p0 madvise a 0 64 mergeable', '- scans 2', '- check 1', 'p0 fill a 0 8 7', '- scans 2', '- check 2']);
    assert.deepEqual(plan.checkpoints, [{ id: 0, opIndex: -1 }, { id: 1, opIndex: 4 }, { id: 2, opIndex: 6 }]);
    assert.deepEqual(plan.ksmdOps, [4, 6]);
  });

  it('fork, exit, sysfs, batches and expect: steps of their owners; rmap walks and injections named as skipped', () => {
    const s = scenario('steps', [
      { op: 'mmap', proc: 'p0', region: 'a', size: 4 },
      { op: 'fork', proc: 'p0', child: 'c' },
      { op: 'write', proc: 'c', region: 'a', from: 1, pages: 1, content: 3 },
      { op: 'sysfs', run: 2 },
      { op: 'ksmd', batches: 2 },
      { op: 'rmap_walk', what: 'all-ksm' },
      { op: 'inject', fail: 'second-merge' },
      { op: 'expect', proc: 'c' },
      { op: 'exit', proc: 'c' },
    ], { pages_to_scan: 10, run: 1 });
    const plan = livePlan(s);
    assert.ok('lines' in plan);
    assert.deepEqual(plan.lines, [
      '- knob pages_to_scan 10', '- knob run 1', '- check 0', '- spawn p0', 'p0 mmap a 4', 'p0 fork c', 'c fill a 1 1 3', '- knob run 2', '- batches 2', '- check 1', '- check 2', 'c exit',
    ]);
    assert.deepEqual(plan.skipped.map((x) => x.split(':')[0]), ['ops[5] (rmap_walk)', 'ops[6] (inject)']);
  });

  it('a THP region: mapped with MADV_HUGEPAGE, its THPs checked before the first ksmd op', () => {
    const plan = livePlan(thpMixed(0));
    assert.ok('lines' in plan);
    assert.deepEqual(plan.lines.slice(-5), ['p0 fill heap 512 256 7', 'p0 madvise heap 0 1024 mergeable', 'p0 thp heap 2', '- scans 3', '- check 1']);
  });

  it('refuses THP faults it cannot verify', () => {
    const late = scenario('late-thp', [
      { op: 'mmap', proc: 'p0', region: 'a', size: 512, thp: true },
      { op: 'ksmd', full_scans: 1 },
      { op: 'fill', proc: 'p0', region: 'a', content: 1 },
    ]);
    assert.deepEqual(livePlan(late), { why: 'ops[2] (fill): faults in a THP after ksmd ran, which the driver does not verify' });
    const split = scenario('split-thp', [
      { op: 'mmap', proc: 'p0', region: 'a', size: 512, thp: true },
      { op: 'fill', proc: 'p0', region: 'a', content: 1 },
      { op: 'munmap', proc: 'p0', region: 'a', from: 0, pages: 1 },
    ]);
    assert.deepEqual(livePlan(split), { why: 'ops[2] (munmap): changes a region holding THPs before they are verified' });
  });
});

describe('the host KSM lock', { skip: why ?? false }, () => {
  it('a replay waits for the lock another process holds on the well-known file, then runs', () => {
    // another holder: flock(1) keeps KSM_LOCK for 2 s in a child of its own
    const holder = spawn('flock', ['--exclusive', KSM_LOCK, 'sleep', '2'], { stdio: 'ignore' });
    const started = Date.now();
    // give the holder time to take it
    spawnSync('sleep', ['0.3']);
    const r = runOnHost(['- spawn p0', 'p0 mmap a 4', 'p0 madvise a 0 4 mergeable', '- check 1']);
    const waited = Date.now() - started;
    holder.kill();
    assert.ok(waited >= 1500, `the replay waited ${waited} ms for the lock`);
    assert.equal(r.checks[0]?.sysfs.pages_shared, '0');
    assert.equal(readKnob('run'), 0, 'run restored');
  });
});
