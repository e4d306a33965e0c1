// The ksmd clock (issue 10 item 6): jiffies, in ms, advance per wake-up by the batch's own time
// (a scenario's ksmd_batch_ms) plus sleep_millisecs, and chain pruning follows that clock
// (mm/ksm.c: stable_node_dup, time_before(jiffies, chain_prune_time + prune_millisecs)).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateScenario } from '../../bench/format.ts';
import { is_stable_node_chain } from '../../src/ksm/stable-node.ts';
import { rbFirst, rbNext } from '../../src/mm/rbtree.ts';
import { world } from '../support/ksm-world.ts';

/** Per batch: [jiffies after it, the chain's chain_prune_time (null: no chain yet), stable_node_dups]. */
function pruneCadence(batchMs: number): [number, number | null, number][] {
  const w = world({ knobs: { pages_to_scan: 1000, max_page_sharing: 2, stable_node_chains_prune_millisecs: 1000, sleep_millisecs: 20, smart_scan: 0 } });
  w.ksm.batchMs = batchMs;
  // six identical pages make a chain of three dups; the seventh page's stable-tree search walks
  // the chain (chain_prune: prune = true) in every batch
  w.region(w.proc('p0'), 7, (i) => (i < 6 ? 9 : 10));
  const out: [number, number | null, number][] = [];
  for (let b = 0; b < 5; b++) {
    w.batches(1);
    let prunedAt: number | null = null;
    for (let n = rbFirst(w.ksm.root_stable_tree); n; n = rbNext(n)) if (is_stable_node_chain(n)) prunedAt = n.chain_prune_time;
    out.push([w.ksm.jiffies, prunedAt, w.sysfs().stable_node_dups]);
  }
  return out;
}

describe('the ksmd clock', () => {
  it('with no batch time: 20 ms a wake-up, so a 1000 ms prune interval never comes in five batches', () => {
    assert.deepEqual(pruneCadence(0), [
      [20, null, 0],
      [40, 20, 3],
      [60, 20, 3],
      [80, 20, 3],
      [100, 20, 3],
    ]);
  });

  it('with a 1000 ms batch: 1020 ms a wake-up, so every batch prunes the chain at its first lookup', () => {
    assert.deepEqual(pruneCadence(1000), [
      [1020, null, 0],
      [2040, 1020, 3],
      [3060, 2040, 3],
      [4080, 3060, 3],
      [5100, 4080, 3],
    ]);
  });

  it('a scenario states ksmd_batch_ms; a bad value is one line naming it and the range', () => {
    const ops = [{ op: 'ksmd', batches: 1 }];
    assert.equal(validateScenario({ name: 's', ksmd_batch_ms: 2.5, ops }).ksmd_batch_ms, 2.5);
    for (const bad of [-1, 'x', 1e9]) {
      assert.throws(() => validateScenario({ name: 's', ksmd_batch_ms: bad, ops }), (e: Error) => /"ksmd_batch_ms" .* is not a number of milliseconds from 0 to 3600000/.test(e.message));
    }
  });
});
