// A cost this host's kernel cannot measure, carried over from a kernel under QEMU that has it:
// the per-address scanner's folio_walk_start calls (6.18 scans by range walk; Debian's 6.16.12
// still walks every virtual page). The VM's cost per call is the slope of ksmd time over calls
// between its sparse ops (same pages, sizes apart), and the emulator's slowdown is how much
// faster the host's calibration says the VM's dense ops (the per-address scanner aside) run here.
import { type CountedOp, median, type TransferredCost } from './calibration.ts';
import { COST_FEATURES, features } from './cost-model.ts';

export const TRANSFERRED_EVENT = 'folio_walk_calls';

/** Least squares y = a + b·x: b. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

/**
 * The per-address scanner's cost on this host from `vmOps` (measured on a kernel that has it,
 * with their counts): null when the VM's ops cannot give it (fewer than two sparse sizes, or no
 * dense op to measure the slowdown on).
 */
export function transferCost(hostCosts: readonly number[], vm: { readonly kernel: string; readonly image: string; readonly stack: string }, vmOps: readonly CountedOp[]): TransferredCost | { readonly why: string } {
  const k = COST_FEATURES.findIndex((f) => f.name === TRANSFERRED_EVENT);
  const reads = COST_FEATURES.findIndex((f) => f.name === 'pt_reads_scan');
  // sparse ops: the scanner's calls carry the time (over 10,000 calls per page returned)
  const sparse = vmOps.filter((r) => r.counts.folio_walk_calls > 10_000 * Math.max(1, r.counts.pages_returned));
  const dense = vmOps.filter((r) => r.counts.folio_walk_calls <= 2 * r.counts.pages_returned && r.counts.pages_returned > 0 && r.measured_ns > 0);
  if (new Set(sparse.map((r) => r.counts.folio_walk_calls)).size < 2) return { why: 'the VM ops have fewer than two sparse sizes scanned per address: no slope per folio_walk_start call' };
  if (dense.length === 0) return { why: 'the VM ops have no dense op to measure the emulator against this host on' };
  const vm_ns = slope(sparse.map((r) => r.counts.folio_walk_calls), sparse.map((r) => r.measured_ns));
  // the host's prediction for each dense op without the per-address scanner's own events
  const ratios = dense.map((r) => {
    const x = features(r.counts);
    x[k] = 0;
    return x.reduce((s, v, i) => s + v * (hostCosts[i] ?? 0), 0) / r.measured_ns;
  });
  const s = { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), ops: ratios.length };
  // reads per call in the sparse ops: the host prices those reads already (pt_reads_scan)
  const readsPerCall = sparse.reduce((t, r) => t + r.counts.pt_reads_scan, 0) / sparse.reduce((t, r) => t + r.counts.folio_walk_calls, 0);
  const carried = (f: number): number => Math.max(0, vm_ns * f - readsPerCall * (hostCosts[reads] ?? 0));
  return { event: TRANSFERRED_EVENT, ns: carried(s.median), ns_range: [carried(s.min), carried(s.max)], from: vm, vm_ns, sparse_ops: sparse.length, slowdown: s };
}
