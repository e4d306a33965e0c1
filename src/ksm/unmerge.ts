// What every unmerge variant shares (variants/unmerge/): the test for a KSM page or KSM-placed
// zero page, and the unsharing fault, counted as one break.
import type { FolioWalk } from '../mm/folio-walk.ts';
import { handle_mm_fault } from '../mm/memory.ts';
import type { EntryPointer, ReadAccount } from '../mm/pgtable.ts';
import type { VmAreaStruct } from '../mm/vma.ts';
import type { Ksm } from './state.ts';

/**
 * include/linux/ksm.h: is_ksm_zero_pte — a zero-page PTE with the dirty bit KSM sets (seed
 * 001). Kernels before that patch cannot tell a KSM-placed zero page: always false there.
 */
export function is_ksm_zero_pte(ksm: Ksm, pte: EntryPointer): boolean {
  return ksm.policy.zeroPages.is_ksm_zero_pte(ksm, pte);
}

/** break_ksm's test: a small KSM folio, or a KSM-placed zero page. */
export function is_ksm_target(ksm: Ksm, fw: FolioWalk): boolean {
  const folios = ksm.machine.folios;
  return folios.order[fw.folio] === 0 && (folios.ksm(fw.folio) || is_ksm_zero_pte(ksm, fw.ptr));
}

/** A fault that unshares (FAULT_FLAG_UNSHARE | FAULT_FLAG_REMOTE), counted as one unmerge break. */
export function unshare_fault(ksm: Ksm, vma: VmAreaStruct, vpn: number): 'ok' | 'sigsegv' {
  ksm.counters.unmerge_breaks++;
  return handle_mm_fault(vma, vpn, { unshare: true });
}

/**
 * The unmerge variant's break_ksm over [start, end) of vma (mm/ksm.c: break_ksm, or
 * unmerge_ksm_pages' per-address loop before the range walk), its page-table reads and locks
 * charged to `account`: ACCOUNT_UNMERGE for a user's request, ACCOUNT_UNMERGE_KSMD for break_cow.
 */
export function break_ksm(ksm: Ksm, vma: VmAreaStruct, start: number, end: number, lock_vma: boolean, account: ReadAccount): number {
  const machine = ksm.machine;
  const prev = machine.account;
  machine.account = account;
  try {
    return ksm.policy.unmerge.break_ksm_range(ksm, vma, start, end, lock_vma);
  } finally {
    machine.account = prev;
  }
}
