// The scenario benchmarks of `npm run bench`: the dense shape, its expected counters (checked
// against the engine at sizes that exercise every case of max_page_sharing), the child's report
// and how a report is judged against its targets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { denseScenario, denseShape } from '../../bench/perf/dense.ts';
import { isScenarioReport, type ScenarioReport } from '../../bench/perf/protocol.ts';
import { denseExpected, judge, SCENARIO_BENCHES, scenarioOf, targetText } from '../../bench/perf/scenario-benches.ts';
import { validateScenario } from '../../bench/format.ts';
import { parseSizePages } from '../../bench/sizes.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { executeScenario } from '../../src/harness/execute.ts';

const v618 = configOfStack('v6.18');

function report(o: Partial<ScenarioReport> = {}): ScenarioReport {
  const one = { median: 10, mean: 10, rmePct: 1, samples: 10 };
  return { kind: 'scenario', name: 'dense 66,560', mode: 'sampled', window: one, ksmd: one, maxRssBytes: 2 ** 28, buildMs: 1, problems: [], counters: denseExpected(66_560), ...o };
}

describe('dense benchmark shape', () => {
  it('66,560 pages: 16 contents × 4,096 copies + 1,024 unique, a valid scenario', () => {
    assert.deepEqual(denseShape(66_560), { pages: 66_560, duplicated: 65_536, unique: 1_024 });
    const s = denseScenario(66_560);
    assert.deepEqual(validateScenario(JSON.parse(JSON.stringify(s))), s); // it survives a JSON file
    assert.deepEqual(s.sysfs, { max_page_sharing: 256, pages_to_scan: 1_000_000 });
    assert.deepEqual(s.ops.map((o) => o.op), ['mmap', 'madvise', 'fill', 'fill', 'madvise', 'ksmd']);
    assert.deepEqual(s.ops[1], { op: 'madvise', proc: 'p0', region: 'heap', advice: 'nohugepage' });
    assert.deepEqual(s.ops.at(-1), { op: 'ksmd', full_scans: 3 });
    assert.deepEqual(scenarioOf({ dense: 66_560 }), s);
    assert.deepEqual(denseExpected(66_560), { full_scans: 3, pages_shared: 256, pages_sharing: 65_280, pages_unshared: 1_024, stable_node_chains: 16 });
  });

  it('the expected counters are the engine’s (no chain, one leftover copy, chains)', () => {
    // 650: 40 copies a content; 4176: 257 (a last single copy stays unshared); 4177: one content
    // with 258 (a chain of two KSM pages); 8320: 512 each (16 chains)
    for (const pages of [650, 4176, 4177, 8320]) {
      const r = executeScenario(denseScenario(pages), v618, { invariants: 'end' });
      assert.deepEqual(r.problems, [], String(pages));
      const want = denseExpected(pages);
      assert.deepEqual(Object.fromEntries(Object.keys(want).map((k) => [k, r.counters[k as keyof typeof r.counters]])), want, String(pages));
    }
  });

  it('the big sizes are 1 M, 4 M and 16 M pages; 16 M runs only when asked', () => {
    const names = SCENARIO_BENCHES.map((b) => b.name);
    assert.deepEqual(names.slice(0, 4), ['dense 66,560', 'dense 1,048,576', 'dense 4,194,304', 'dense 16,777,216']);
    assert.ok(SCENARIO_BENCHES[3]!.bigOnly !== null);
    for (const b of SCENARIO_BENCHES) assert.ok(b.timeoutMs > 0, b.name);
    const guests = scenarioOf(SCENARIO_BENCHES.find((b) => b.name.startsWith('guests'))!.spec.source);
    const mapped = guests.ops.reduce((sum, o) => sum + (o.op === 'mmap' ? parseSizePages(o.size, 'size') : 0), 0);
    assert.equal(mapped, 4 * 2 ** 20); // 4 guests × 4 GiB = 4 M pages
    assert.equal(scenarioOf({ builtin: 'vma-split', params: { pieces: 20000 } }).params?.pieces, 20000);
  });
});

describe('judging a scenario report', () => {
  const dense = SCENARIO_BENCHES[0]!;

  it('passes a report within its targets and with the expected counters', () => {
    assert.ok(isScenarioReport(report()));
    assert.deepEqual(judge(dense, report()), []);
    assert.equal(targetText(dense.targets), 'ksmd ≤ 25.0 ms, window ≤ 35.0 ms');
  });

  it('names every missed target with the measured figure', () => {
    const slow = report({ window: { median: 540, mean: 550, rmePct: 2, samples: 10 }, ksmd: { median: 455, mean: 460, rmePct: 2, samples: 10 } });
    assert.deepEqual(judge(dense, slow), ['ksmd time (median) 455 ms > 25.0 ms: target missed', 'whole window (median) 540 ms > 35.0 ms: target missed']);
    const big = SCENARIO_BENCHES[3]!;
    const r = report({ mode: 'once', counters: denseExpected(16_777_216), window: { median: 90_000, mean: 90_000, rmePct: 0, samples: 1 }, maxRssBytes: 5 * 2 ** 30 });
    assert.deepEqual(judge(big, r), ['whole window (one execution) 90.00 s > 60.00 s: target missed', 'peak RSS 5120.0 MiB is not below 4096.0 MiB: target missed']);
  });

  it('fails wrong counters and oracle problems even when fast', () => {
    const wrong = report({ counters: { ...denseExpected(66_560), pages_sharing: 1 }, problems: ['ops[5] (ksmd): something'] });
    assert.deepEqual(judge(dense, wrong), ['the oracle found 1 problem(s), first: ops[5] (ksmd): something', 'counters not as expected: pages_sharing 1 (expected 65280)']);
    assert.ok(!isScenarioReport({ ...report(), window: null }));
  });
});
