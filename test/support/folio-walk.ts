// Test support: folio_walk_start and folio_walk_range with a fresh struct folio_walk per call,
// returned as the result (null when nothing was found), so a test can keep several; each runs
// under a page-table account (the scanner's unless told), as the engine's KSM paths set it.
import { type FolioWalk, type FolioWalkAccept, folio_walk_range, folio_walk_start, newFolioWalk } from '../../src/mm/folio-walk.ts';
import { ACCOUNT_SCAN, type ReadAccount, withAccount } from '../../src/mm/pgtable.ts';
import type { VmAreaStruct } from '../../src/mm/vma.ts';

/** folio_walk_start into a new struct folio_walk: it, or null. */
export function walkOnce(vma: VmAreaStruct, vpn: number, flags: number, account: ReadAccount = ACCOUNT_SCAN): FolioWalk | null {
  const fw = newFolioWalk();
  return withAccount(vma.mm.machine, account, () => folio_walk_start(fw, vma, vpn, flags)) === null ? null : fw;
}

/** folio_walk_range into a new struct folio_walk: the address found and the walk, or null. */
export function walkRange(
  vma: VmAreaStruct,
  start: number,
  end: number,
  flags: number,
  accept: FolioWalkAccept,
  account: ReadAccount = ACCOUNT_SCAN,
): { vpn: number; fw: FolioWalk } | null {
  const fw = newFolioWalk();
  const vpn = withAccount(vma.mm.machine, account, () => folio_walk_range(fw, vma, start, end, flags, accept));
  return vpn < 0 ? null : { vpn, fw };
}
