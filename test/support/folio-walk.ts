// Test support: folio_walk_start and folio_walk_range with a fresh struct folio_walk per call,
// returned as the result (null when nothing was found), so a test can keep several.
import { type FolioWalk, type FolioWalkAccept, folio_walk_range, folio_walk_start, newFolioWalk } from '../../src/mm/folio-walk.ts';
import type { ReadAccount } from '../../src/mm/pgtable.ts';
import type { VmAreaStruct } from '../../src/mm/vma.ts';

/** folio_walk_start into a new struct folio_walk: it, or null. */
export function walkOnce(vma: VmAreaStruct, vpn: number, flags: number, account: ReadAccount = 'scan'): FolioWalk | null {
  const fw = newFolioWalk();
  return folio_walk_start(fw, vma, vpn, flags, account) === null ? null : fw;
}

/** folio_walk_range into a new struct folio_walk: the address found and the walk, or null. */
export function walkRange(
  vma: VmAreaStruct,
  start: number,
  end: number,
  flags: number,
  accept: FolioWalkAccept,
  account: ReadAccount = 'scan',
): { vpn: number; fw: FolioWalk } | null {
  const fw = newFolioWalk();
  const vpn = folio_walk_range(fw, vma, start, end, flags, accept, account);
  return vpn < 0 ? null : { vpn, fw };
}
