// Test support: compare a whole counter object with the expected non-zero counters.
import assert from 'node:assert/strict';
import { type Counters, newCounters, snapshotCounters } from '../../src/mm/counters.ts';

/** Assert that `actual` equals `expected` on every counter, the unnamed ones being 0. */
export function assertCounters(actual: Counters, expected: Partial<Counters>, message?: string): void {
  assert.deepEqual(snapshotCounters(actual), { ...newCounters(), ...expected }, message);
}

/** Zero every counter (between two measured passes over the same world). */
export function resetCounters(c: Counters): void {
  const zero = newCounters();
  for (const k of Object.keys(zero) as (keyof Counters)[]) c[k] = 0;
}

/** An account's name as its counters spell it (pt_reads_<name>, ptl_locks_<name>). */
export type AccountName = 'scan' | 'lookup' | 'merge' | 'unmerge';

/**
 * The expected counters of a path whose reads and locks all go to one account: `expected`
 * (with its pt_reads and per-level reads) plus pt_reads_<account> = pt_reads and `locks`
 * page-table locks in ptl_locks and ptl_locks_<account>.
 */
export function onAccount(account: AccountName, expected: Partial<Counters>, locks: number): Partial<Counters> {
  const reads = expected.pt_reads ?? 0;
  return { ...expected, [`pt_reads_${account}`]: reads, ptl_locks: locks, [`ptl_locks_${account}`]: locks };
}
