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
