// Mainline unmerge until the Nov 2025 series: unmerge_ksm_pages() calls break_ksm() at every
// address, and break_ksm() looks each one up with folio_walk_start (e317a8d8b4f6).
import {
  FW_MIGRATION,
  FW_ZEROPAGE,
  folio_walk_range,
  folio_walk_start,
  is_ksm_target,
  newFolioWalk,
  type Ksm,
  ksm_test_exit,
  unshare_fault,
  type VmAreaStruct,
} from '../../src/ksm/variant-api.ts';
import { defineVariant } from '../types.ts';

/** break_ksm's struct folio_walk (on its stack in C). */
const fw = newFolioWalk();

/** mm/ksm.c: break_ksm (folio_walk era) — fault the page unshared while it is KSM. */
function break_ksm(ksm: Ksm, vma: VmAreaStruct, addr: number): number {
  for (;;) {
    if (folio_walk_start(fw, vma, addr, FW_MIGRATION | FW_ZEROPAGE) === null || !is_ksm_target(ksm, fw)) return 0;
    if (unshare_fault(ksm, vma, addr) !== 'ok') return 0; // VM_FAULT_SIGSEGV ends the loop
  }
}

/**
 * mm/ksm.c: unmerge_ksm_pages — break_ksm at every address of [start, end). The addresses
 * with nothing to unshare each cost one lookup, charged in closed form: folio_walk_range finds
 * the next KSM page exactly where the per-address loop would.
 */
function unmerge_ksm_pages(ksm: Ksm, vma: VmAreaStruct, start: number, end: number): number {
  let addr = start;
  while (addr < end) {
    if (ksm_test_exit(vma.mm)) break;
    const hit = folio_walk_range(fw, vma, addr, end, FW_MIGRATION | FW_ZEROPAGE, (f) => is_ksm_target(ksm, f));
    if (hit < 0) break;
    // break_ksm(vma, hit): its first lookup was the hit; fault, then look again.
    if (unshare_fault(ksm, vma, hit) === 'ok') {
      const err = break_ksm(ksm, vma, hit);
      if (err) return err;
    }
    addr = hit + 1;
  }
  return 0;
}

export default defineVariant({
  id: 'per-address',
  axis: 'unmerge',
  title: 'break_ksm at every address',
  subject: 'mm/ksm.c unmerge_ksm_pages → break_ksm (folio_walk_start per address, e317a8d8b4f6)',
  version: 'mainline ≤ 6.18',
  date: '2024-08',
  link: 'kernel/scan.md §7.1',
  reference: null,
  policy: {
    break_ksm_range(ksm, vma, start, end) {
      return unmerge_ksm_pages(ksm, vma, start, end);
    },
  },
});
