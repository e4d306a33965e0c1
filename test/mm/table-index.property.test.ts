// tableIndex takes the low 9 bits of floor(vpn / span) through ToInt32: it must equal the
// literal floor-and-modulo for every level and every vpn a 5-level space (and beyond) has.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { ENTRY_SPAN, type TableLevel, tableIndex } from '../../src/mm/units.ts';

function literal(vpn: number, level: TableLevel): number {
  return Math.floor(vpn / ENTRY_SPAN[level]!) % 512;
}

it('tableIndex equals floor(vpn / span) mod 512 for vpns up to 2^53', () => {
  fc.assert(
    fc.property(fc.maxSafeNat(), fc.constantFrom<TableLevel>(0, 1, 2, 3, 4), (vpn, level) => {
      assert.equal(tableIndex(vpn, level), literal(vpn, level));
    }),
    { numRuns: 20_000, seed: 20261201 },
  );
  // the edges: around 2^31, 2^32, 2^36, 2^44, 2^45 and the top of the exact range
  for (const e of [2 ** 31, 2 ** 32, 2 ** 36, 2 ** 44, 2 ** 45, 2 ** 53 - 512]) {
    for (const d of [-513, -512, -1, 0, 1, 511, 512]) {
      for (const level of [0, 1, 2, 3, 4] as const) assert.equal(tableIndex(e + d, level), literal(e + d, level), `vpn ${e + d} level ${level}`);
    }
  }
});
