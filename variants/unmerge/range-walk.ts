// "ksm: perform a range-walk to jump over holes in break_ksm" (Pedro Demarchi Gomes, v4,
// Nov 2025, acked by David Hildenbrand; mm-unstable): break_ksm(vma, addr, end) walks the range
// with walk_page_range_vma and break_ksm_pmd_entry, unsharing each KSM page it finds.
import {
  type EntryPointer,
  entry_folio,
  type Folio,
  is_ksm_zero_pte,
  is_migration_entry,
  ksm_test_exit,
  type Ksm,
  type MmWalk,
  type MmWalkOps,
  NULL_PTR,
  pte_offset_map_lock,
  pte_present,
  pte_special,
  ptep_get,
  unshare_fault,
  type VmAreaStruct,
  walk_page_range_vma,
} from '../../src/ksm/variant-api.ts';
import { defineVariant } from '../types.ts';

interface BreakKsmArg {
  readonly ksm: Ksm;
  /** unsigned long *found_addr */
  addr: number;
}

/** mm/ksm.c (series 2/3): break_ksm_pmd_entry — the first KSM page or KSM zero page in [addr, end). */
function break_ksm_pmd_entry(pmdp: EntryPointer, addr: number, end: number, walk: MmWalk<BreakKsmArg>): number {
  if (ksm_test_exit(walk.mm)) return 0;
  // (signal_pending: no signals in the model)
  const pt = walk.mm.machine.pt;
  const folios = walk.mm.machine.folios;
  let ptep = pte_offset_map_lock(walk, pmdp, addr);
  if (ptep === NULL_PTR) return 0; // a PMD-mapped THP is never KSM
  for (; addr < end; ptep++, addr++) {
    const pte = ptep_get(walk, ptep);
    let folio: Folio | null = null;
    if (pte_present(pt, pte)) folio = pte_special(pt, pte) ? null : entry_folio(pt, pte); // vm_normal_folio
    else if (is_migration_entry(pt, pte)) folio = entry_folio(pt, pte); // KSM pages stay KSM until freed
    const found = (folio !== null && folios.ksm(folio)) || (pte_present(pt, pte) && is_ksm_zero_pte(walk.private.ksm, pte));
    if (found) {
      walk.private.addr = addr;
      return 1;
    }
  }
  return 0;
}

/** break_ksm_ops / break_ksm_lock_vma_ops (PGWALK_RDLOCK / PGWALK_WRLOCK) */
const break_ksm_ops: MmWalkOps<BreakKsmArg> = { pmd_entry: break_ksm_pmd_entry, walk_lock: 'rdlock' };
const break_ksm_lock_vma_ops: MmWalkOps<BreakKsmArg> = { pmd_entry: break_ksm_pmd_entry, walk_lock: 'wrlock' };

/** mm/ksm.c (series 2/3): break_ksm(vma, addr, end, lock_vma) */
function break_ksm(ksm: Ksm, vma: VmAreaStruct, addr: number, end: number, lock_vma: boolean): number {
  const ops = lock_vma ? break_ksm_lock_vma_ops : break_ksm_ops;
  const arg: BreakKsmArg = { ksm, addr };
  for (;;) {
    const ksm_page = walk_page_range_vma(vma, arg.addr, end, ops, arg);
    if (ksm_page <= 0) return ksm_page;
    if (unshare_fault(ksm, vma, arg.addr) !== 'ok') return 0; // VM_FAULT_SIGSEGV ends the loop
  }
}

export default defineVariant({
  id: 'range-walk',
  axis: 'unmerge',
  title: 'break_ksm as a range walk',
  subject: 'ksm: perform a range-walk to jump over holes in break_ksm',
  version: 'v4 1-3/3',
  date: '2025-11-05',
  link: 'kernel/scan.md §7.2 (Pedro Demarchi Gomes, linux-mm, Nov 2025)',
  reference: 'per-address',
  policy: {
    break_ksm_range(ksm, vma, start, end, lock_vma) {
      return break_ksm(ksm, vma, start, end, lock_vma);
    },
  },
});
