// The simulator held against the real kernel (Linux ≥ 6.18, whose KSM is the v6.18 stack):
// the same op list replayed by tools/live/ksm-live.c must end with the same per-process
// ksm_stat and the same global counters. Skipped cleanly where KSM, root or cc is missing, or
// where KSM is already in use; every knob written is restored.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type Op, type Scenario, validateScenario } from '../../bench/format.ts';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { executeScenario } from '../../src/harness/execute.ts';
import { ksm_stat_lines, read_sysfs } from '../../src/ksm/sysfs.ts';
import { asOnHost, KSM_LOCK, type LiveResult, liveScript, liveUnavailable, NoThpError, readKnob, runLive } from '../../src/live/kernel.ts';

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

// Built-in scenarios that replay on one process (rmap walks are skipped: not observable).
CASES.push(
  buildScenario('split-after-merge'),
  buildScenario('mremap-remerge'),
  buildScenario('cow-churn'),
  buildScenario('vma-split', { pages: 2000, pieces: 2000, ksm_pages: 16 }),
  buildScenario('sparse', { size: '1TiB' }),
);

describe('the simulator against the real kernel', { skip: why ?? false }, () => {
  for (const s of CASES) {
    it(`${s.name}: same ksm_stat and global counters`, (t) => {
      const script = liveScript(s);
      assert.ok('lines' in script, 'replayable');
      // the host's THP knobs (this host: madvise) as the simulator's: the replay leaves them as they are
      const onHost = asOnHost(s);
      if ('why' in onHost) return t.skip(onHost.why);
      const sim = executeScenario(onHost, configOfStack('v6.18'));
      assert.deepEqual(sim.problems, []);
      const mm = sim.ksm.machine.mms[0]!; // the one process
      // every line the host prints (6.18: with ksm_merge_any / ksm_mergeable) against the v6.18 model's
      const simStat = Object.fromEntries(ksm_stat_lines(sim.ksm, mm));
      const simSys = read_sysfs(sim.ksm);
      const live = runLive(script.lines, s.sysfs ?? {});
      assert.deepEqual(
        { ...live.stat },
        { ...simStat },
        'per-process ksm_stat',
      );
      for (const k of ['pages_shared', 'pages_sharing', 'pages_unshared', 'ksm_zero_pages', 'stable_node_chains', 'stable_node_dups'] as const) {
        assert.equal(live.sysfs[k], simSys[k], k);
      }
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
    it(`${s.name} (use_zero_pages=${s.sysfs?.use_zero_pages}): same ksm_stat and global counters`, (t) => {
      const onHost = asOnHost(s);
      if ('why' in onHost) return t.skip(onHost.why); // a host with other THP knobs
      const script = liveScript(onHost);
      assert.ok('lines' in script, 'replayable');
      assert.ok(script.lines.includes('thp heap 2'), 'the driver checks the two THPs before ksmd');
      const sim = executeScenario(onHost, configOfStack('v6.18'));
      assert.deepEqual(sim.problems, []);
      const mm = sim.ksm.machine.mms[0]!;
      let live: LiveResult;
      try {
        live = runLive(script.lines, s.sysfs ?? {});
      } catch (e) {
        if (e instanceof NoThpError) return t.skip(e.message); // fragmentation: no THP to compare
        throw e;
      }
      assert.equal(live.thp.heap, 2 * 2048, 'two 2 MiB THPs (smaps AnonHugePages) before ksmd');
      assert.deepEqual({ ...live.stat }, Object.fromEntries(ksm_stat_lines(sim.ksm, mm)), 'per-process ksm_stat');
      const simSys = read_sysfs(sim.ksm);
      for (const k of ['pages_shared', 'pages_sharing', 'pages_unshared', 'pages_volatile', 'full_scans', 'ksm_zero_pages', 'stable_node_chains', 'stable_node_dups'] as const) {
        assert.equal(live.sysfs[k], simSys[k], k);
      }
      assert.equal(readKnob('run'), 0, 'run restored');
    });
  }
});

// What the driver is given: checked everywhere, also where the kernel part above is skipped.
describe('liveScript (the driver script of a scenario)', () => {
  it('every case above replays on one process', () => {
    for (const s of CASES) assert.ok('lines' in liveScript(s), s.name);
  });

  it('writes one line per op, a run of equal contents as one fill', () => {
    const s = CASES.find((c) => c.name === 'cow-then-rescan')!;
    assert.deepEqual(liveScript(s), { lines: ['mmap a 64', 'fill a 0 64 5', 'fill a 32 32 6', 'madvise a 0 64 mergeable', 'scans 2', 'fill a 0 8 7', 'scans 2'] });
  });

  it('a THP region: mapped with MADV_HUGEPAGE, its THPs checked before the first ksmd op', () => {
    assert.deepEqual(liveScript(thpMixed(0)), {
      lines: ['mmap heap 1024 thp', 'fill heap 0 1024 0', 'fill heap 512 256 7', 'madvise heap 0 1024 mergeable', 'thp heap 2', 'scans 3'],
    });
    // madvise hugepage on the whole 2 MiB before the first touch; under never no THP is expected
    const advised = (enabled: 'madvise' | 'never'): Scenario =>
      validateScenario({
        name: 'advised',
        thp: { enabled },
        ops: [
          { op: 'mmap', proc: 'p0', region: 'a', size: 1024 },
          { op: 'madvise', proc: 'p0', region: 'a', from: 0, pages: 512, advice: 'hugepage' },
          { op: 'fill', proc: 'p0', region: 'a', content: 1 },
          { op: 'ksmd', full_scans: 1 },
        ],
      });
    assert.deepEqual(liveScript(advised('madvise')), { lines: ['mmap a 1024', 'madvise a 0 512 hugepage', 'fill a 0 1024 1', 'thp a 1', 'scans 1'] });
    assert.deepEqual(liveScript(advised('never')), { lines: ['mmap a 1024', 'madvise a 0 512 hugepage', 'fill a 0 1024 1', 'scans 1'] });
  });

  it('refuses THP faults it cannot verify', () => {
    const late = scenario('late-thp', [
      { op: 'mmap', proc: 'p0', region: 'a', size: 512, thp: true },
      { op: 'ksmd', full_scans: 1 },
      { op: 'fill', proc: 'p0', region: 'a', content: 1 },
    ]);
    assert.deepEqual(liveScript(late), { why: 'ops[2] (fill): faults in a THP after ksmd ran, which the driver does not verify' });
    const split = scenario('split-thp', [
      { op: 'mmap', proc: 'p0', region: 'a', size: 512, thp: true },
      { op: 'fill', proc: 'p0', region: 'a', content: 1 },
      { op: 'munmap', proc: 'p0', region: 'a', from: 0, pages: 1 },
    ]);
    assert.deepEqual(liveScript(split), { why: 'ops[2] (munmap): changes a region holding THPs before they are verified' });
  });

  it('refuses what it cannot replay, naming the op', () => {
    const s = scenario('fork', [
      { op: 'mmap', proc: 'p0', region: 'a', size: 4 },
      { op: 'fork', proc: 'p0', child: 'c' },
    ]);
    assert.deepEqual(liveScript(s), { why: 'ops[1] (fork): not replayed' });
  });
});

describe('the host KSM lock', { skip: why ?? false }, () => {
  it('a replay waits for the lock another process holds on the well-known file, then runs', () => {
    // another holder: flock(1) keeps KSM_LOCK for 2 s in a child of its own
    const holder = spawn('flock', ['--exclusive', KSM_LOCK, 'sleep', '2'], { stdio: 'ignore' });
    const started = Date.now();
    // give the holder time to take it
    spawnSync('sleep', ['0.3']);
    const r = runLive(['mmap a 4', 'madvise a 0 4 mergeable'], {});
    const waited = Date.now() - started;
    holder.kill();
    assert.ok(waited >= 1500, `runLive waited ${waited} ms for the lock`);
    assert.equal(r.sysfs.pages_shared, 0);
    assert.equal(readKnob('run'), 0, 'run restored');
  });
});
