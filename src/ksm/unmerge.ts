// Unsharing KSM pages: break_ksm / unmerge_ksm_pages in their per-address (folio_walk) form,
// the mainline default until the range-walk series (variants/unmerge-range-walk.ts).
import { FW_MIGRATION, FW_ZEROPAGE, type FolioWalk, folio_walk_range, folio_walk_start } from '../mm/folio-walk.ts';
import { handle_mm_fault } from '../mm/memory.ts';
import { ksm_test_exit } from '../mm/mm.ts';
import type { PtEntry } from '../mm/pgtable.ts';
import type { VmAreaStruct } from '../mm/vma.ts';
import type { UnmergePolicy } from './policy.ts';
import type { Ksm } from './state.ts';

/**
 * include/linux/ksm.h: is_ksm_zero_pte — a zero-page PTE with the dirty bit KSM sets (seed
 * 001). Kernels before that patch cannot tell a KSM-placed zero page: always false there.
 */
export function is_ksm_zero_pte(ksm: Ksm, pte: PtEntry): boolean {
  return ksm.policy.zeroPages.mark_ksm_zero_pte && pte.kind === 'pte' && pte.folio.zeroPage && pte.dirty;
}

/** break_ksm's test: a small KSM folio, or a KSM-placed zero page. */
export function is_ksm_target(ksm: Ksm, fw: FolioWalk): boolean {
  return fw.folio.order === 0 && (fw.folio.ksm || is_ksm_zero_pte(ksm, fw.entry));
}

/** A fault that unshares (FAULT_FLAG_UNSHARE | FAULT_FLAG_REMOTE), counted as one unmerge break. */
export function unshare_fault(ksm: Ksm, vma: VmAreaStruct, vpn: number): 'ok' | 'sigsegv' {
  ksm.counters.unmerge_breaks++;
  return handle_mm_fault(vma, vpn, { unshare: true });
}

/**
 * mm/ksm.c: break_ksm (folio_walk era) — while the page at addr is KSM, fault it unshared.
 * Each folio_walk_start is charged to unmerge_pt_reads.
 */
export function break_ksm(ksm: Ksm, vma: VmAreaStruct, addr: number, _lock_vma: boolean): number {
  for (;;) {
    const fw = folio_walk_start(vma, addr, FW_MIGRATION | FW_ZEROPAGE, 'unmerge');
    if (!fw || !is_ksm_target(ksm, fw)) return 0;
    if (unshare_fault(ksm, vma, addr) !== 'ok') return 0; // VM_FAULT_SIGSEGV ends the loop
  }
}

/**
 * mm/ksm.c: unmerge_ksm_pages — break_ksm at every address of [start, end). The addresses
 * with nothing to unshare are each charged one lookup, in closed form (folio_walk_range
 * finds the next KSM page exactly as the per-address loop would).
 */
export function unmerge_ksm_pages(ksm: Ksm, vma: VmAreaStruct, start: number, end: number, lock_vma: boolean): number {
  let addr = start;
  while (addr < end) {
    if (ksm_test_exit(vma.mm)) break;
    const hit = folio_walk_range(vma, addr, end, FW_MIGRATION | FW_ZEROPAGE, (fw) => is_ksm_target(ksm, fw), 'unmerge');
    if (!hit) break;
    // break_ksm(vma, hit): its first lookup was the hit; fault, then look again.
    if (unshare_fault(ksm, vma, hit.vpn) === 'ok') {
      const err = break_ksm(ksm, vma, hit.vpn, lock_vma);
      if (err) return err;
    }
    addr = hit.vpn + 1;
  }
  return 0;
}

/** The mainline unmerge: per-address break_ksm over the range. */
export const perAddressUnmerge: UnmergePolicy = {
  break_ksm_range(ksm, vma, start, end, lock_vma) {
    return unmerge_ksm_pages(ksm, vma, start, end, lock_vma);
  },
};
