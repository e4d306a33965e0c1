// The memory_failure op's bad input: one line naming the op, the field and what is accepted,
// found when the scenario is read (validateScenario) or before it runs (checkOps).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOps, ScenarioError, validateScenario } from '../../bench/format.ts';
import { addressSpace } from '../../src/harness/run-suite.ts';

const mmap = { op: 'mmap', proc: 'p0', region: 'a', size: 4 };

function refused(ops: unknown[], re: RegExp): void {
  assert.throws(
    () => {
      const s = validateScenario({ name: 'x', ops: [mmap, ...ops] });
      checkOps(s, addressSpace(4, 'lp64-le'));
    },
    (e: unknown) => e instanceof ScenarioError && re.test(e.message) && !e.message.includes('\n'),
  );
}

describe('memory_failure: bad input', () => {
  const cases: [string, unknown, RegExp][] = [
    ['no what', { op: 'memory_failure' }, /^ops\[1\] \(memory_failure\): "what" undefined is not "all-ksm" or "range"$/],
    ['unknown what', { op: 'memory_failure', what: 'all' }, /^ops\[1\] \(memory_failure\): "what" "all" is not "all-ksm" or "range"$/],
    ['unknown field', { op: 'memory_failure', what: 'all-ksm', page: 3 }, /^ops\[1\] \(memory_failure\): unknown field "page" \(accepted: what, proc, region, from, pages, early_kill, current\)$/],
    ['a range field with all-ksm', { op: 'memory_failure', what: 'all-ksm', proc: 'p0' }, /^ops\[1\] \(memory_failure\): "proc" needs "what": "range" \(accepted with "all-ksm": early_kill, current\)$/],
    ['range without a region', { op: 'memory_failure', what: 'range', proc: 'p0' }, /^ops\[1\] \(memory_failure\): "region" must be a non-empty string \(got undefined\)$/],
    ['early_kill not a boolean', { op: 'memory_failure', what: 'all-ksm', early_kill: 1 }, /^ops\[1\] \(memory_failure\): "early_kill" must be true or false \(got 1\)$/],
    ['an empty current', { op: 'memory_failure', what: 'all-ksm', current: '' }, /^ops\[1\] \(memory_failure\): "current" must be a non-empty string \(got ""\)$/],
    ['negative from', { op: 'memory_failure', what: 'range', proc: 'p0', region: 'a', from: -1 }, /"from" must be an integer ≥ 0 \(got -1\)$/],
    ['an unknown process', { op: 'memory_failure', what: 'range', proc: 'p9', region: 'a' }, /^ops\[1\] \(memory_failure\): "proc" "p9" is not a process yet \(processes so far: p0; an mmap or a fork creates one\)$/],
    ['an unknown region', { op: 'memory_failure', what: 'range', proc: 'p0', region: 'b' }, /^ops\[1\] \(memory_failure\): "region" "b" is not a region of p0 \(regions: a\)$/],
    ['pages past the region', { op: 'memory_failure', what: 'range', proc: 'p0', region: 'a', from: 3, pages: 2 }, /^ops\[1\] \(memory_failure\): pages \[3, 5\) are outside region "a" \(accepted: "from" \+ "pages" ≤ its 4 pages\)$/],
    ['an unknown current', { op: 'memory_failure', what: 'all-ksm', current: 'p1' }, /^ops\[1\] \(memory_failure\): "current" "p1" is not a process yet \(processes so far: p0\)$/],
  ];
  for (const [what, op, re] of cases) it(`refuses ${what}`, () => refused([op], re));

  it('refuses a current or a range process that has exited', () => {
    refused([{ op: 'exit', proc: 'p0' }, { op: 'memory_failure', what: 'all-ksm', current: 'p0' }], /^ops\[2\] \(memory_failure\): "current" "p0" has exited \(ops\[1\]\): only a live process can touch the page$/);
    refused([{ op: 'exit', proc: 'p0' }, { op: 'memory_failure', what: 'range', proc: 'p0', region: 'a' }], /^ops\[2\] \(memory_failure\): "proc" "p0" has exited \(ops\[1\]\): no op may use it after its exit$/);
  });

  it('accepts both forms, with early_kill and current', () => {
    const s = validateScenario({
      name: 'x',
      ops: [mmap, { op: 'memory_failure', what: 'all-ksm', early_kill: false, current: 'p0' }, { op: 'memory_failure', what: 'range', proc: 'p0', region: 'a', from: 1, pages: 3 }],
    });
    checkOps(s, addressSpace(4, 'lp64-le'));
    assert.equal(s.ops.length, 3);
  });
});
