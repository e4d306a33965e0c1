// Transparent huge pages (mm/huge_memory.c): where a THP may be faulted in, splitting a
// PMD mapping into PTEs, splitting the folio itself, and the split a VMA boundary forces.
import type { Folio, PageRef } from './folio.ts';
import { entryPointer, type MmStruct } from './mm.ts';
import { type EntryPointer, NULL_PTR, PT_PMD_LEAF, PT_PTE, PT_TABLE } from './pgtable.ts';
import { folio_put, type Machine } from './machine.ts';
import { addMapping } from './rmap.ts';
import { HPAGE_PMD_NR, PMD_LEVEL, PTRS_PER_TABLE } from './units.ts';
import { VM_HUGEPAGE, VM_NOHUGEPAGE } from './vm-flags.ts';
import { type VmAreaStruct, vma_lookup } from './vma.ts';
import { PTE_SPECIAL } from './pgtable.ts';

/**
 * include/linux/huge_mm.h: thp_vma_allowable_orders(vma, vm_flags, TVA_PAGEFAULT, BIT(PMD_ORDER))
 * for an anonymous VMA (7.3.4 huge_mm.h:320-344, mm/huge_memory.c:__thp_vma_allowable_orders:182-271).
 * The PMD order is in huge_anon_orders_inherit only (hugepages-2048kB/enabled = "inherit",
 * mm/huge_memory.c:988), so it is allowed when the global setting is always, or the VMA has
 * VM_HUGEPAGE and the setting is not never; then vma_thp_disabled refuses VM_NOHUGEPAGE. In a
 * page fault neither the alignment (the fault handler checks it) nor an anon_vma is required.
 * (MMF_DISABLE_THP*, DAX, temporary stacks: not modelled.)
 */
export function thp_vma_allowable_pmd(vma: VmAreaStruct): boolean {
  const vm_flags = vma.vm_flags;
  const enabled = vma.mm.machine.thp.enabled;
  // mask |= huge_anon_orders_inherit if hugepage_global_always() || (VM_HUGEPAGE && hugepage_global_enabled())
  const inherit = enabled === 'always' || ((vm_flags & VM_HUGEPAGE) !== 0 && enabled !== 'never');
  if (!inherit) return false; // orders &= mask; if (!orders) return 0
  // __thp_vma_allowable_orders: vma_thp_disabled — VM_NOHUGEPAGE
  return (vm_flags & VM_NOHUGEPAGE) === 0;
}

/**
 * include/linux/huge_mm.h: thp_vma_suitable_order(vma, addr, PMD_ORDER) — the 2 MiB aligned
 * range around `vpn` (haddr) if it lies wholly inside the VMA, else null (anon: no pgoff check).
 */
export function thp_vma_suitable_pmd(vma: VmAreaStruct, vpn: number): number | null {
  const haddr = vpn - (vpn % HPAGE_PMD_NR);
  return haddr >= vma.vm_start && haddr + HPAGE_PMD_NR <= vma.vm_end ? haddr : null;
}

/** is_huge_zero_pmd: a PMD leaf that maps the huge zero folio. */
export function is_huge_zero_pmd(machine: Machine, pmd: EntryPointer): boolean {
  return machine.pt.kind[pmd] === PT_PMD_LEAF && machine.folios.zeroPage(machine.pt.val[pmd]!);
}

/**
 * mm/huge_memory.c: __split_huge_zero_page_pmd — the huge zero PMD becomes a PTE table of 512
 * special PTEs of the small zero page (pfn_pte(my_zero_pfn(addr)), pte_mkspecial; 6.12.118
 * :2675-2714). Nothing is in the rmap: no mapping to move.
 */
function __split_huge_zero_page_pmd(mm: MmStruct, pmd: EntryPointer): void {
  const machine = mm.machine;
  const pt = machine.pt;
  const base = pt.vpnOf(pmd);
  const ptes = pt.alloc(0, base, mm.id); // pgtable_trans_huge_withdraw: the deposited table
  pt.set(pmd, PT_TABLE, ptes, 0, 0); // pmdp_huge_clear_flush, then pmd_populate after the PTEs
  for (let i = 0; i < HPAGE_PMD_NR; i++) pt.set(ptes * PTRS_PER_TABLE + i, PT_PTE, machine.zeroFolio, 0, PTE_SPECIAL);
}

/** mm/huge_memory.c: __split_huge_pmd — a PMD-mapped THP becomes 512 PTEs of the same folio. */
export function __split_huge_pmd(mm: MmStruct, pmd: EntryPointer): void {
  const machine = mm.machine;
  const pt = machine.pt;
  if (pt.kind[pmd] !== PT_PMD_LEAF) return;
  if (is_huge_zero_pmd(machine, pmd)) {
    __split_huge_zero_page_pmd(mm, pmd); // __split_huge_pmd_locked: if (is_huge_zero_pmd(*pmd)) return __split_huge_zero_page_pmd(…)
    return;
  }
  const base = pt.vpnOf(pmd);
  const folio = pt.val[pmd]!;
  const bits = pt.bits[pmd]!;
  // __split_huge_pmd_locked: anon_exclusive = PageAnonExclusive(page) — the head's, propagated to
  // every page (7.2.13 mm/huge_memory.c:3286-3295 folio_add_anon_rmap_ptes(…, RMAP_EXCLUSIVE);
  // 6.1.192 :2206, :2248-2249 SetPageAnonExclusive(page + i))
  const anon_exclusive = machine.folios.anon(folio) && machine.folios.pageAnonExclusive(folio, 0);
  const ptes = pt.alloc(0, base, mm.id);
  // the leaf's mapping leaves the list before the PMD entry becomes a table pointer
  machine.folios.unlinkMapping(pt, folio, pmd);
  pt.set(pmd, PT_TABLE, ptes, 0, 0);
  for (let i = 0; i < HPAGE_PMD_NR; i++) {
    const p = ptes * PTRS_PER_TABLE + i;
    pt.set(p, PT_PTE, folio, i, bits);
    addMapping(machine, folio, p);
    if (anon_exclusive) machine.folios.setPageAnonExclusive(folio, i, true);
  }
  folio_put(machine, folio); // the leaf's mapping reference (removeMapping without the list entry, unlinked above)
}

/**
 * mm/huge_memory.c: split_huge_page — a THP becomes 512 base folios, each mapped where its
 * page was. Refuses (returns null) when references other than the mappings and the caller's
 * one exist. The caller's reference moves to the folio of page `callerPage`.
 *
 * The mappings come back as remap_page → remove_migration_pte does it (6.12.118
 * mm/huge_memory.c:__split_huge_page:3403, 7.3.4 __folio_split:4290-4293): with
 * TTU_USE_SHARED_ZEROPAGE (the machine's split-zeropage policy) each PTE of a zero-filled part is
 * instead remapped to the shared zero page by try_to_map_unused_to_zeropage, taking no reference,
 * so the part is freed at once unless the caller holds it.
 */
export function split_folio(mm: MmStruct, page: PageRef): Folio[] | null {
  const machine = mm.machine;
  const pt = machine.pt;
  const folios = machine.folios;
  const folio = page.folio;
  const callerPage = page.index;
  if (folios.order[folio] === 0) return [folio];
  const extra = folios.refcount[folio]! - folios.mapcount[folio]!;
  if (extra !== 1) return null;
  for (const m of folios.mappings(pt, folio)) {
    if (pt.kind[m] === PT_PMD_LEAF) {
      const owner = machine.mmById[pt.mmIdOf(m)]!;
      const ptr = entryPointer(owner, pt.vpnOf(m), PMD_LEVEL, false);
      if (ptr !== NULL_PTR) __split_huge_pmd(owner, ptr);
    }
  }
  const parts: Folio[] = [];
  machine.counters.thp_split_pages += folios.nrPages(folio);
  for (let i = 0; i < folios.nrPages(folio); i++) {
    const part = machine.allocFolio(0, folios.pageContent(folio, i));
    folios.refcount[part] = 0;
    folios.flags[part] = folios.flags[folio]!; // anon (a THP is never KSM)
    folios.mapping[part] = folios.mapping[folio] ?? null;
    folios.index[part] = folios.index[folio]! + i;
    // PG_anon_exclusive goes with each page: unmap_folio → try_to_migrate_one stores it in an
    // exclusive migration entry and remove_migration_pte maps the part back with RMAP_EXCLUSIVE
    // (6.12.118 mm/rmap.c:2130, :2226; mm/migrate.c:343-344)
    folios.setPageAnonExclusive(part, 0, folios.pageAnonExclusive(folio, i));
    parts.push(part);
  }
  // if (!ret && is_anon && !folio_is_device_private(folio)) ttu_flags = TTU_USE_SHARED_ZEROPAGE;
  const policy = machine.splitZeroPage;
  const useZero = folios.anon(folio) && policy.use_shared_zeropage(machine);
  for (const m of folios.mappings(pt, folio)) {
    if (pt.kind[m] !== PT_PTE) continue;
    const part = parts[pt.page[m]!]!;
    folios.unlinkMapping(pt, folio, m);
    if (useZero && try_to_map_unused_to_zeropage(machine, m, part)) continue;
    pt.val[m] = part;
    pt.page[m] = 0;
    folios.linkMapping(pt, part, m);
    folios.refcount[part] = folios.refcount[part]! + 1;
  }
  folios.refcount[parts[callerPage]!] = folios.refcount[parts[callerPage]!]! + 1;
  // __split_huge_page: a part nothing maps or holds goes straight back to the allocator
  for (const part of parts) if (folios.refcount[part] === 0) machine.freeFolio(part);
  folios.refcount[folio] = 0;
  machine.freeFolio(folio);
  page.folio = parts[callerPage]!;
  page.index = 0;
  return parts;
}

/**
 * mm/migrate.c: try_to_map_unused_to_zeropage (6.12.118 :241-277, 7.3.4 :299-341) for the PTE
 * `m` of an order-0 part after the split: a zero-filled page is mapped by
 * pte_mkspecial(pfn_pte(my_zero_pfn(addr), vm_page_prot)) — clean, read-only, not a KSM zero page
 * — instead of by its own PTE, and takes no reference (dec_mm_counter; remove_migration_pte
 * `continue`s before folio_get). mlock, HWPoison and mm_forbids_zeropage are not modelled.
 */
function try_to_map_unused_to_zeropage(machine: Machine, m: EntryPointer, part: Folio): boolean {
  const pt = machine.pt;
  const policy = machine.splitZeroPage;
  if (policy.refuse_for_vma) {
    const owner = machine.mmById[pt.mmIdOf(m)]!;
    const vma = vma_lookup(owner, pt.vpnOf(m));
    if (vma && policy.refuse_for_vma(machine, vma)) return false;
  }
  machine.counters.split_zero_checks++;
  if (machine.folios.pageContent(part, 0) !== 0) return false; // !pages_identical(page, ZERO_PAGE(0))
  pt.set(m, PT_PTE, machine.zeroFolio, 0, PTE_SPECIAL);
  machine.counters.split_zero_remapped++;
  return true;
}

/**
 * mm/huge_memory.c: split_huge_pmd_address (as vma_adjust_trans_huge calls it) — a VMA
 * boundary at `vpn` that is not 2 MiB aligned cannot cut through a PMD mapping: split it.
 */
export function split_huge_pmd_address(mm: MmStruct, vpn: number): void {
  if (vpn % HPAGE_PMD_NR === 0) return;
  const ptr = entryPointer(mm, vpn, PMD_LEVEL, false);
  if (ptr !== NULL_PTR && mm.machine.pt.kind[ptr] === PT_PMD_LEAF) __split_huge_pmd(mm, ptr);
}
