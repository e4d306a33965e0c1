// calibrate --transfer: the per-address scanner's cost carried over from a kernel under QEMU —
// the VM's slope per folio_walk_start call over its sparse ops, scaled by the emulator's
// slowdown on its dense ops against the host's costs, less the reads the host prices already.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { costsOf } from '../../src/calibrate/calibration.ts';
import { COST_FEATURES } from '../../src/calibrate/cost-model.ts';
import { transferCost } from '../../src/calibrate/transfer.ts';
import { newCounters } from '../../src/mm/counters.ts';

const op = (i: number, measured: number, set: (c: ReturnType<typeof newCounters>) => void) => {
  const counts = newCounters();
  set(counts);
  return { case: `c${i}`, scenario: 's', params: {}, op_index: i, op: `ops[${i}] (ksmd)`, measured_ns: measured, counts };
};

// host: checksums 1000 ns, scanner reads 2 ns; folio_walk_calls not measured
const hostCosts = COST_FEATURES.map((f) => (f.name === 'checksums' ? 1000 : f.name === 'pt_reads_scan' ? 2 : 0));
const VM = { kernel: '6.16.12', image: 'debian:6.16', stack: 'v6.17' };

describe('transferring the per-address scanner cost', () => {
  it('is the VM slope per call × the dense ops’ median slowdown, less the host’s reads per call', () => {
    const ops = [
      // sparse: 2 pages, 1M and 4M calls of 3 reads each; 150 ns per call in the VM, 5 ms besides
      op(0, 5e6 + 150e6, (c) => Object.assign(c, { folio_walk_calls: 1e6, pt_reads_scan: 3e6, pages_returned: 2 })),
      op(1, 5e6 + 600e6, (c) => Object.assign(c, { folio_walk_calls: 4e6, pt_reads_scan: 12e6, pages_returned: 2 })),
      // dense: the host predicts 1 ms (1000 checksums); the VM took 10, 20 and 40 ms
      ...[10e6, 20e6, 40e6].map((m, k) => op(2 + k, m, (c) => Object.assign(c, { checksums: 1000, pages_returned: 1000, folio_walk_calls: 1000 }))),
    ];
    const t = transferCost(hostCosts, VM, ops);
    assert.ok(!('why' in t));
    assert.equal(t.vm_ns, 150);
    assert.deepEqual(t.slowdown, { median: 0.05, min: 0.025, max: 0.1, ops: 3 });
    // 150 × 0.05 − 3 reads × 2 ns
    assert.equal(Math.round(t.ns * 1e9) / 1e9, 1.5);
    assert.deepEqual(t.ns_range.map((x) => Math.round(x * 1e9) / 1e9), [0, 9]);
    assert.equal(t.sparse_ops, 2);
  });

  it('stands for the unmeasured cost in the calibration’s costs, and only there', () => {
    const costs = COST_FEATURES.map((f) => ({ event: f.name, unit: '', ns: 1, stderr_ns: 0, identified: f.name !== 'folio_walk_calls' }));
    const t = { event: 'folio_walk_calls', ns: 7 } as const;
    const transferred = [{ ...t, ns_range: [1, 9] as const, from: VM, vm_ns: 150, sparse_ops: 2, slowdown: { median: 0.05, min: 0.025, max: 0.1, ops: 3 } }];
    assert.deepEqual(costsOf({ costs, transferred }), COST_FEATURES.map((f) => (f.name === 'folio_walk_calls' ? 7 : 1)));
    assert.deepEqual(costsOf({ costs: costs.map((c) => ({ ...c, identified: true })), transferred }), COST_FEATURES.map(() => 1));
  });

  it('says why when the VM ops cannot give it', () => {
    const one = [op(0, 1e6, (c) => Object.assign(c, { folio_walk_calls: 1e6, pages_returned: 1 }))];
    assert.deepEqual(transferCost(hostCosts, VM, one), { why: 'the VM ops have fewer than two sparse sizes scanned per address: no slope per folio_walk_start call' });
  });
});
