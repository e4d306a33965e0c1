// RunResult.ksmdCounts, what a prediction prices, is what the ksmd ops alone counted: the sum,
// over the scenario's ksmd ops, of each counter's growth across the op (maxima excluded: 0).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { executeScenario } from '../../src/harness/execute.ts';
import { COUNTER_NAMES, type Counters, isMaxCounter, newCounters, snapshotCounters } from '../../src/mm/counters.ts';

describe('ksmdCounts', () => {
  it('equals the sum of the counter diffs of every ksmd op (cow-churn on v6.18, the whole Counters object)', () => {
    const scenario = buildScenario('cow-churn', {});
    const ksmdOps = scenario.ops.flatMap((op, i) => (op.op === 'ksmd' ? [i] : []));
    assert.ok(ksmdOps.length >= 2, 'the scenario runs ksmd more than once');
    assert.notEqual(scenario.ops[0]!.op, 'ksmd', 'op 0 is not ksmd: every ksmd op has a previous op to diff against');
    const expected = newCounters();
    let previous: Counters | null = null;
    const result = executeScenario(scenario, configOfStack('v6.18'), {
      onOpDone: (i, { ksm }) => {
        const now = snapshotCounters(ksm.counters);
        if (scenario.ops[i]!.op === 'ksmd') {
          for (const name of COUNTER_NAMES) if (!isMaxCounter(name)) expected[name] += now[name] - previous![name];
        }
        previous = now;
      },
    });
    assert.deepEqual(result.ksmdCounts, expected);
    // a real value: ksmd scanned and merged, and the workload's own work is not in it
    assert.ok(result.ksmdCounts.pages_returned > 0 && result.ksmdCounts.checksums > 0 && result.ksmdCounts.ksmd_batches > 0, JSON.stringify(result.ksmdCounts));
    assert.ok(COUNTER_NAMES.some((n) => !isMaxCounter(n) && result.ksmdCounts[n] < result.counters[n]), 'some counted work was not ksmd\'s');
  });
});
