// Registering address spaces with KSM and the calls mm makes into it (mm/ksm.c,
// include/linux/ksm.h): __ksm_enter, __ksm_exit, ksm_fork, ksm_exit, ksm_madvise,
// ksm_might_unmap_zero_page, and unmerge_and_remove_all_rmap_items (run = 2).
import { mmHas } from '../mm/kernel.ts';
import type { KsmHooks } from '../mm/machine.ts';
import type { MmStruct } from '../mm/mm.ts';
import { ksm_test_exit } from '../mm/mm.ts';
import { ACCOUNT_UNMERGE, type EntryPointer } from '../mm/pgtable.ts';
import {
  find_vma,
  VM_DONTEXPAND,
  VM_HUGETLB,
  VM_IO,
  VM_MAYSHARE,
  VM_MERGEABLE,
  VM_MIXEDMAP,
  VM_PFNMAP,
  VM_SHARED,
  type VmAreaStruct,
  vma_modify_flags,
} from '../mm/vma.ts';
import { NULL_ITEM } from './rmap-item.ts';
import { slot_insert_before, slot_unlink } from './scan.ts';
import { KSM_RUN_MERGE, KSM_RUN_UNMERGE, type Ksm, type KsmMmSlot } from './state.ts';
import {
  is_stable_node_chain,
  type KsmStableNode,
} from './stable-node.ts';
import { folio_set_stable_node, ksm_folio_freed, ksm_get_folio, remove_node_from_stable_tree, remove_trailing_rmap_items } from './trees.ts';
import { free_stable_node_chain } from './stable-node.ts';
import { folio_put } from '../mm/machine.ts';
import { rbFirst } from '../mm/rbtree.ts';
import { break_ksm } from './unmerge.ts';

/** mm/ksm.c: __ksm_enter — a new slot, inserted just behind the cursor (or at the tail while unmerging). */
export function __ksm_enter(ksm: Ksm, mm: MmStruct): void {
  const slot: KsmMmSlot = { mm, rmap_list: NULL_ITEM } as KsmMmSlot;
  slot.prev = slot;
  slot.next = slot;
  ksm.mm_slots_hash.set(mm, slot);
  if ((ksm.knobs.run & KSM_RUN_UNMERGE) !== 0) slot_insert_before(slot, ksm.ksm_mm_head);
  else slot_insert_before(slot, ksm.ksm_scan.mm_slot);
  mm.mmf_vm_mergeable = true;
}

/** mm/ksm.c: __ksm_exit — free an idle slot now; a slot with items waits for ksmd just after the cursor. */
export function __ksm_exit(ksm: Ksm, mm: MmStruct): void {
  const slot = ksm.mm_slots_hash.get(mm);
  if (!slot || ksm.ksm_scan.mm_slot === slot) return;
  if (!slot.rmap_list) {
    ksm.mm_slots_hash.delete(mm);
    slot_unlink(slot);
    mm.mmf_vm_merge_any = false;
    mm.mmf_vm_mergeable = false;
  } else {
    // list_move(&slot->mm_node, &ksm_scan.mm_slot->slot.mm_node): just after the cursor
    slot_unlink(slot);
    slot_insert_before(slot, ksm.ksm_scan.mm_slot.next);
  }
}

/** mm/ksm.c: ksm_compatible */
export function vma_ksm_compatible(vma: VmAreaStruct): boolean {
  const bad = VM_SHARED | VM_MAYSHARE | VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP | VM_HUGETLB;
  return (vma.vm_flags & bad) === 0;
}

export const MADV_MERGEABLE = 12;
export const MADV_UNMERGEABLE = 13;

/**
 * mm/ksm.c: ksm_madvise — returns the VMA's new vm_flags for [start, end) (or an error):
 * MADV_MERGEABLE registers the mm; MADV_UNMERGEABLE unshares every KSM page first.
 */
export function ksm_madvise(ksm: Ksm, vma: VmAreaStruct, start: number, end: number, advice: number, vm_flags: number): number | { err: number } {
  const mm = vma.mm;
  if (advice === MADV_MERGEABLE) {
    if ((vma.vm_flags & VM_MERGEABLE) !== 0) return vm_flags;
    if (!vma_ksm_compatible(vma)) return vm_flags;
    if (!mm.mmf_vm_mergeable) __ksm_enter(ksm, mm);
    return vm_flags | VM_MERGEABLE;
  }
  if ((vm_flags & VM_MERGEABLE) === 0) return vm_flags; // just ignore the advice
  if (vma.anon_vma) {
    const err = break_ksm(ksm, vma, start, end, true, ACCOUNT_UNMERGE);
    if (err) return { err };
  }
  return vm_flags & ~VM_MERGEABLE;
}

/** mm/madvise.c: madvise(MADV_MERGEABLE / MADV_UNMERGEABLE) over every VMA of a range. */
export function madvise_ksm(ksm: Ksm, mm: MmStruct, start: number, pages: number, advice: number): number {
  const end = start + pages;
  let vma = find_vma(mm, start);
  while (vma && vma.vm_start < end) {
    const s = Math.max(start, vma.vm_start);
    const e = Math.min(end, vma.vm_end);
    const r = ksm_madvise(ksm, vma, s, e, advice, vma.vm_flags);
    if (typeof r !== 'number') return r.err;
    const held = vma_modify_flags(vma, s, e, r);
    vma = find_vma(mm, held.vm_end);
  }
  return 0;
}

/**
 * include/linux/ksm.h: ksm_fork — the child is registered (best effort). Kernels with
 * 4d6fc29f3634 (6.18, 6.12.54, 6.17.y) reset the counts dup_mm copied from the parent; 6.1's
 * keeps them (6.1.192 include/linux/ksm.h:24-29). Where dup_mmap calls it (6.1 before the VMA
 * copy, later kernels after) changes nothing here: the copy moves no KSM counter.
 */
function ksm_fork(ksm: Ksm, mm: MmStruct, oldmm: MmStruct): void {
  if (!oldmm.mmf_vm_mergeable) return;
  if (mmHas(ksm.machine.kernel, 'ksm_fork_resets_counters')) {
    mm.ksm_merging_pages = 0;
    mm.ksm_rmap_items = 0;
  } else {
    mm.ksm_counts_inherited = { merging: mm.ksm_merging_pages, items: mm.ksm_rmap_items };
  }
  if (ksm.policy.zeroPages.counts_zero_pages) ksm.counters.ksm_zero_pages += mm.ksm_zero_pages;
  else mm.ksm_zero_pages = 0;
  __ksm_enter(ksm, mm);
}

/** include/linux/ksm.h: ksm_exit */
function ksm_exit(ksm: Ksm, mm: MmStruct): void {
  if (mm.mmf_vm_mergeable) __ksm_exit(ksm, mm);
}

/** include/linux/ksm.h: ksm_might_unmap_zero_page — a KSM zero PTE going away (zap or COW). */
function ksm_might_unmap_zero_page(ksm: Ksm, mm: MmStruct, pte: EntryPointer): void {
  if (ksm.policy.zeroPages.counts_zero_pages && ksm.policy.zeroPages.is_ksm_zero_pte(ksm, pte)) {
    ksm.counters.ksm_zero_pages--;
    mm.ksm_zero_pages--;
  }
}

/** The hooks mm calls (installed by createKsm). */
export function ksmHooks(ksm: Ksm): KsmHooks {
  return {
    ksm_fork: (mm, oldmm) => ksm_fork(ksm, mm, oldmm),
    ksm_exit: (mm) => ksm_exit(ksm, mm),
    ksm_might_unmap_zero_page: (mm, pte) => ksm_might_unmap_zero_page(ksm, mm, pte),
    // mm/mremap.c prep_move_vma: ksm_madvise(MADV_UNMERGEABLE, &dummy) — VM_MERGEABLE stays set.
    ksm_unmerge_for_move: (vma, start, end) => {
      ksm_madvise(ksm, vma, start, end, MADV_UNMERGEABLE, vma.vm_flags);
    },
    ksm_folio_freed: (folio) => ksm_folio_freed(ksm, folio), // model-only: keeps the chain summary of stable_node_dup exact
    // ksm_is_running() (Tighten control over zero-page remapping v1 1/3): ksm_run & KSM_RUN_MERGE
    ksm_is_running: () => (ksm.knobs.run & KSM_RUN_MERGE) !== 0,
  };
}

/** mm/ksm.c: remove_stable_node — sysfs / run=2 removal of a node whose page is unmapped. */
function remove_stable_node(ksm: Ksm, node: KsmStableNode): boolean {
  const folio = ksm_get_folio(ksm, node, 'lock');
  if (folio === null) return false; // ksm_get_folio removed it
  let busy = true;
  if (ksm.machine.folios.mapcount[folio] === 0) {
    folio_set_stable_node(ksm, folio, null);
    remove_node_from_stable_tree(ksm, node);
    busy = false;
  }
  folio_put(ksm.machine, folio);
  return busy;
}

/** mm/ksm.c: remove_stable_node_chain */
function remove_stable_node_chain(ksm: Ksm, node: KsmStableNode): boolean {
  if (!is_stable_node_chain(node)) return remove_stable_node(ksm, node);
  for (const dup of [...node.dups]) if (remove_stable_node(ksm, dup)) return true;
  free_stable_node_chain(ksm.counters, node, ksm.root_stable_tree);
  ksm.freeStableNode(node);
  return false;
}

/** mm/ksm.c: remove_all_stable_nodes */
export function remove_all_stable_nodes(ksm: Ksm): number {
  let node = rbFirst(ksm.root_stable_tree);
  while (ksm.root_stable_tree.rbNode) {
    node = ksm.root_stable_tree.rbNode;
    if (remove_stable_node_chain(ksm, node)) return -16; // -EBUSY
  }
  return 0;
}

/** mm/ksm.c: unmerge_and_remove_all_rmap_items — run = 2. */
export function unmerge_and_remove_all_rmap_items(ksm: Ksm): number {
  const head = ksm.ksm_mm_head;
  ksm.ksm_scan.mm_slot = head.next;
  for (let slot = ksm.ksm_scan.mm_slot; slot !== head; slot = ksm.ksm_scan.mm_slot) {
    const mm = slot.mm!;
    if (!ksm_test_exit(mm)) {
      for (const vma of [...mm.vmas]) {
        if ((vma.vm_flags & VM_MERGEABLE) === 0 || !vma.anon_vma) continue;
        const err = break_ksm(ksm, vma, vma.vm_start, vma.vm_end, false, ACCOUNT_UNMERGE);
        if (err) {
          ksm.ksm_scan.mm_slot = head;
          return err;
        }
      }
    }
    remove_trailing_rmap_items(ksm, slot);
    ksm.ksm_scan.mm_slot = slot.next;
    if (ksm_test_exit(mm)) {
      ksm.mm_slots_hash.delete(mm);
      slot_unlink(slot);
      mm.mmf_vm_mergeable = false;
      mm.mmf_vm_merge_any = false;
    }
  }
  remove_all_stable_nodes(ksm);
  ksm.ksm_scan.seqnr = 0;
  ksm.counters.full_scans = 0;
  return 0;
}
