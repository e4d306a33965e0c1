// Seed 004: "ksm: use range-walk function to jump over holes in scan_get_next_rmap_item"
// (Pedro Demarchi Gomes, v5, Oct 2025; upstream f5548c318d65): walk_page_range_vma with a
// pmd_entry that scans the PTEs of each present PMD, so holes cost one read at their level.
import {
  type EntryPointer,
  entry_folio,
  type Folio,
  folio_get,
  ksm_test_exit,
  type MmWalk,
  type MmWalkOps,
  NULL_PTR,
  pmd_lock,
  pmd_present,
  pmd_trans_huge,
  pmd_vpn,
  pmdp_get,
  pmdp_get_lockless,
  pte_offset_map_lock,
  pte_page_index,
  pte_present,
  pte_special,
  ptep_get,
  scan_lookup,
  walk_page_range_vma,
} from '../../src/ksm/variant-api.ts';
import { defineVariant } from '../types.ts';

/** struct ksm_next_page_arg */
interface KsmNextPageArg {
  folio: Folio | null;
  page: number;
  addr: number;
}

/** mm/ksm.c: ksm_next_page_pmd_entry — the first anon page in [addr, end) of this PMD. */
function ksm_next_page_pmd_entry(
  pmdp: EntryPointer,
  addr: number,
  end: number,
  walk: MmWalk<KsmNextPageArg>,
): number {
  const machine = walk.mm.machine;
  const pt = machine.pt;
  const folios = machine.folios;
  if (ksm_test_exit(walk.mm)) return 0;
  let pmd = pmdp_get_lockless(pmdp);
  // !pmd_present: a migration (or swap) PMD: the whole 2 MiB is skipped
  if (!pmd_present(pt, pmd)) return 0;
  if (pmd_trans_huge(pt, pmd)) {
    pmd_lock(walk, pmdp);
    pmd = pmdp_get(pmdp); // re-read under the lock
    if (!pmd_present(pt, pmd)) return 0; // not_found_unlock
    if (pmd_trans_huge(pt, pmd)) {
      // vm_normal_page_pmd: none for the huge zero page
      if (pte_special(pt, pmd)) return 0;
      const folio = entry_folio(pt, pmd);
      if (!folios.anon(folio)) return 0;
      // page += (addr & (PMD_SIZE - 1)) >> PAGE_SHIFT
      return found(walk, folio, addr - pmd_vpn(pt, pmd), addr);
    }
  }
  let ptep = pte_offset_map_lock(walk, pmdp, addr);
  if (ptep === NULL_PTR) return 0;
  for (; addr < end; ptep++, addr++) {
    const pte = ptep_get(walk, ptep);
    if (!pte_present(pt, pte)) continue;
    if (pte_special(pt, pte)) continue; // vm_normal_page() == NULL
    const folio = entry_folio(pt, pte);
    if (!folios.anon(folio)) continue;
    return found(walk, folio, pte_page_index(pt, pte), addr);
  }
  return 0;
}

/** found_unlock: folio_get, hand page, folio and address back through walk->private. */
function found(walk: MmWalk<KsmNextPageArg>, folio: Folio, page: number, addr: number): number {
  const priv = walk.private;
  folio_get(walk.mm.machine, folio);
  priv.page = page;
  priv.folio = folio;
  priv.addr = addr;
  return 1;
}

/** The walk's private argument, filled in by each call (single-threaded). */
const next_page_arg: KsmNextPageArg = { folio: null, page: 0, addr: 0 };

/** mm/ksm.c: ksm_next_page_ops */
const ksm_next_page_ops: MmWalkOps<KsmNextPageArg> = {
  pmd_entry: ksm_next_page_pmd_entry,
  walk_lock: 'rdlock',
};

export default defineVariant({
  id: 'walk-page-range',
  axis: 'scanner',
  title: 'range walk over the VMA (walk_page_range_vma)',
  subject: 'ksm: use range-walk function to jump over holes in scan_get_next_rmap_item',
  version: 'v5 (upstream f5548c318d65, v6.18)',
  date: '2025-10-23',
  link: 'https://lore.kernel.org/linux-mm/20251022153059.22763-1-pedrodemargomes@gmail.com/ (seed 004)',
  reference: 'folio-walk',
  policy: {
    // mm/ksm.c: scan_get_next_rmap_item (POST) — the inner while loop's lookup
    next_page(_ksm, vma, address) {
      // struct ksm_next_page_arg ksm_next_page_arg = { .page = NULL, }; (on the stack in C)
      const arg = next_page_arg;
      arg.folio = null;
      arg.page = 0;
      arg.addr = 0;
      const r = walk_page_range_vma(vma, address, vma.vm_end, ksm_next_page_ops, arg);
      if (r > 0 && arg.folio !== null) return scan_lookup(arg.folio, arg.page, arg.addr);
      // VM_WARN_ON_ONCE(found < 0); address = vm_end - PAGE_SIZE, then next_page lands on vm_end
      return scan_lookup(null, 0, vma.vm_end - 1);
    },
  },
});
