// Model-only measurements the ruler needs beside the kernel's own counters: the KSM pages
// kept alive only by their stable node (freed_pages_pinned, scans_until_freed), the scanner's
// page sequence digest, and the stale-overlay bookkeeping of rmap_item smart-scan bytes.
import { pageContent } from './pages.ts';
import type { PageRef } from '../mm/folio.ts';
import type { KsmRmapItem } from './rmap-item.ts';
import { stable_nodes } from './rmap-walk.ts';
import type { Ksm } from './state.ts';

/** KSM pages with no mapping left that a pinning stable node keeps from being freed. */
export function count_unmapped_pinned(ksm: Ksm): number {
  let n = 0;
  for (const node of stable_nodes(ksm)) {
    const f = node.kpfn;
    if (node.pinned && f !== null && !ksm.machine.folios.freed(f) && ksm.machine.folios.mapcount[f] === 0) n++;
  }
  return n;
}

/**
 * Sample the pinned pages (after an operation or a ksmd batch): freed_pages_pinned keeps the
 * peak; once none is left, scans_until_freed records how many full-scan passes ksmd had to
 * run before they were all freed (0 when nothing was ever pinned).
 */
export function sample_lifetime(ksm: Ksm, duringPass: number | null): void {
  if (!ksm.policy.stableRef.on_stable_insert) return; // no stable node can pin a page
  const c = ksm.counters;
  const pinned = count_unmapped_pinned(ksm);
  if (pinned > c.freed_pages_pinned) c.freed_pages_pinned = pinned;
  if (pinned > 0 && duringPass !== null) ksm.pinnedPasses.add(duringPass);
  if (pinned === 0 && ksm.pinnedPasses.size > 0) {
    if (ksm.pinnedPasses.size > c.scans_until_freed) c.scans_until_freed = ksm.pinnedPasses.size;
    ksm.pinnedPasses.clear();
  }
}

/** Fold one scanned page into the scanner digest (FNV-1a over the mm id, address and content). */
export function digest_scanned(ksm: Ksm, item: KsmRmapItem, page: PageRef): void {
  const d = ksm.scanDigest;
  d.count++;
  digest_word(d, ksm.items.mm(item).id);
  digest_word(d, ksm.items.vpn(item));
  digest_word(d, pageContent(ksm.machine, page));
}

function digest_word(d: Ksm['scanDigest'], v: number): void {
  const hi = v < 4294967296 ? 0 : Math.floor(v / 4294967296);
  const lo = v - hi * 4294967296;
  d.h1 = Math.imul(d.h1 ^ lo, 0x01000193) >>> 0;
  d.h2 = Math.imul(d.h2 ^ hi ^ lo, 0x01000193) >>> 0;
}

/** The fields a stored index covers return to their reset values in the shadow. */
export function shadow_reset(ksm: Ksm, item: KsmRmapItem): void {
  if (!ksm.policy.rmap.store_index) return; // nothing is ever overlaid
  const items = ksm.items;
  items.set_shadow_oldchecksum(item, 0);
  if (items.overlayCoversAge) {
    items.set_shadow_age(item, 0);
    items.set_shadow_remaining_skips(item, 0);
  }
}
