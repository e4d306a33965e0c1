// The closed-form per-address pass must equal the literal loop of one folio_walk_start per
// page, counter by counter, on random small spaces (DESIGN.md §9).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { FW_MIGRATION, FW_ZEROPAGE, type FolioWalk, folio_walk_range, folio_walk_range_literal } from '../../src/mm/folio-walk.ts';
import { newFolioWalk } from '../../src/mm/folio-walk.ts';
import type { Machine } from '../../src/mm/machine.ts';
import { ACCOUNT_LOOKUP, ACCOUNT_SCAN, ACCOUNT_UNMERGE, ACCOUNT_UNMERGE_KSMD, type ReadAccount, withAccount } from '../../src/mm/pgtable.ts';
import { vma_lookup } from '../../src/mm/vma.ts';
import { resetCounters } from '../support/counters.ts';
import { snapshotCounters } from '../../src/mm/counters.ts';
import { buildSpace, SPACE_SHAPE } from '../support/space.ts';


const spaceArb = fc.record({
  ...SPACE_SHAPE,
  range: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
  // the range may start before the VMA and end after it (each such address is one NULL call)
  outside: fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.boolean()),
  account: fc.constantFrom<ReadAccount>(ACCOUNT_SCAN, ACCOUNT_LOOKUP, ACCOUNT_UNMERGE, ACCOUNT_UNMERGE_KSMD),
  flags: fc.constantFrom(0, FW_ZEROPAGE, FW_MIGRATION | FW_ZEROPAGE),
  acceptKind: fc.constantFrom('none', 'anon', 'odd-content', 'any', 'by-address'),
});

function acceptFor(m: Machine, kind: string): (fw: FolioWalk, vpn: number) => boolean {
  switch (kind) {
    case 'none':
      return () => false;
    case 'anon':
      return (fw) => m.folios.anon(fw.folio) && fw.page !== null;
    case 'odd-content':
      return (fw) => fw.page !== null && m.folios.content[fw.folio]! % 2 === 1;
    case 'by-address':
      // depends on the address, so a hit inside a THP must be at the right subpage
      return (fw, vpn) => fw.page !== null && vpn % 7 === 3;
    default:
      return () => true;
  }
}

let totalCalls = 0;

type Space = typeof spaceArb extends fc.Arbitrary<infer T> ? T : never;

/** Build the space, run both walkers over the range, assert equal counters and hit; the hit. */
function compareWalkers(s: Space): { vpn: number; fw: FolioWalk } | null {
  const { m, mm, start } = buildSpace(s);
  const vma = vma_lookup(mm, start);
  if (!vma) return null;
  let a = vma.vm_start + Math.floor(Math.min(s.range[0], s.range[1]) * (vma.vm_end - vma.vm_start));
  let b = vma.vm_start + Math.ceil(Math.max(s.range[0], s.range[1]) * (vma.vm_end - vma.vm_start));
  if (s.outside[2]) {
    a = Math.max(0, vma.vm_start - s.outside[0]);
    b = vma.vm_end + s.outside[1];
  }
  const accept = acceptFor(m, s.acceptKind);

  resetCounters(m.counters);
  const literalFw = newFolioWalk();
  const literalVpn = withAccount(m, s.account, () => folio_walk_range_literal(literalFw, vma, a, b, s.flags, accept));
  const literal = literalVpn < 0 ? null : { vpn: literalVpn, fw: literalFw };
  const literalCounters = snapshotCounters(m.counters);
  totalCalls += literalCounters.folio_walk_calls;
  resetCounters(m.counters);
  const fastFw = newFolioWalk();
  const fastVpn = withAccount(m, s.account, () => folio_walk_range(fastFw, vma, a, b, s.flags, accept));
  const fast = fastVpn < 0 ? null : { vpn: fastVpn, fw: fastFw };
  assert.deepEqual(snapshotCounters(m.counters), literalCounters);
  assert.equal(fast?.vpn, literal?.vpn);
  assert.equal(fast?.fw.folio, literal?.fw.folio);
  assert.equal(fast?.fw.page, literal?.fw.page);
  return literal;
}

it('folio_walk_range equals the literal per-address loop, counter by counter', () => {
  fc.assert(
    fc.property(spaceArb, (s) => {
      compareWalkers(s);
    }),
    { numRuns: 120, seed: 20261122 },
  );
  // the runs must cover real distances, not just first-page hits
  assert.ok(totalCalls > 200_000, `only ${totalCalls} lookups compared`);
});

it('… and inside THPs, where the hit is a subpage of a PMD leaf chosen by address', () => {
  let pmdHits = 0;
  // at least four PMD-sized slots (fast-check favours small sizes), the whole VMA walked
  const thpArb = spaceArb.map((s): Space => ({ ...s, thp: true, base: 0x40000, pages: 2048 + (s.pages % 20000), touches: [{ kind: 'write', at: 0.5 }, ...s.touches], range: [0, 1], acceptKind: 'by-address', outside: [0, 0, false] }));
  fc.assert(
    fc.property(thpArb, (s) => {
      if (compareWalkers(s)?.fw.level === 'pmd') pmdHits++;
    }),
    { numRuns: 60, seed: 20261123 },
  );
  assert.ok(pmdHits >= 10, `only ${pmdHits} hits in a PMD leaf`);
});
