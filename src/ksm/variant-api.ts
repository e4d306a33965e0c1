// The engine API for variants: everything a patch version may call or implement. A variant
// module imports from this file only (a test checks it), so every variant is measured with
// the same primitives and counters.
export type { Folio, Folios, PageRef } from '../mm/folio.ts';
export type { EntryPointer, PageTables, PtePointer } from '../mm/pgtable.ts';
export { NULL_PTR } from '../mm/pgtable.ts';
export type { VmAreaStruct } from '../mm/vma.ts';
export type { Machine } from '../mm/machine.ts';
export { VM_MERGEABLE } from '../mm/vm-flags.ts';
export type { MmWalk, MmWalkOps } from '../mm/pagewalk.ts';
export type { FolioWalk } from '../mm/folio-walk.ts';
export type {
  IndexResetSite,
  KsmPolicy,
  RmapPolicy,
  ScanLookup,
  SplitZeroPagePolicy,
  ScannerPolicy,
  StableRefPolicy,
  UnmergePolicy,
  ZeroPagePolicy,
} from './policy.ts';
export type { Ksm } from './state.ts';
export type { Abi, KsmRmapItem } from './rmap-item.ts';
export type { KsmStableNode } from './stable-node.ts';

// page-table walkers (charged primitives)
export { FW_MIGRATION, FW_ZEROPAGE, folio_walk_range, folio_walk_start, newFolioWalk } from '../mm/folio-walk.ts';
export {
  entry_folio,
  is_migration_entry,
  pmd_lock,
  pmd_present,
  pmd_trans_huge,
  pmd_vpn,
  pmdp_get,
  pmdp_get_lockless,
  pte_dirty,
  pte_offset_map_lock,
  pte_page_index,
  pte_present,
  pte_special,
  ptep_get,
  walk_page_range_vma,
} from '../mm/pagewalk.ts';
// mm helpers
export { folio_get } from '../mm/machine.ts';
export { ksm_test_exit } from '../mm/mm.ts';
export { linear_page_index } from '../mm/vma.ts';
// KSM helpers
export { is_ksm_target, is_ksm_zero_pte, unshare_fault } from './unmerge.ts';
export { scan_lookup } from './scan.ts';
export { free_node_with_last_item, pin_node_page } from './trees.ts';
export { STABLE_FLAG, UNSTABLE_FLAG } from './rmap-item.ts';
export { defineVariant } from '../../variants/types.ts'; // the one import an out-of-tree variant needs besides the engine API
