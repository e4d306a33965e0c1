// mm/ksm.c: rmap_walk_ksm — every rmap_item of the folio's stable node, two passes over the
// VMAs its anon_vma tree yields for the policy's query interval, checked against the ground
// truth: each walk counts the mappings it was expected to find, found and missed.
import { anon_vma_interval_tree_foreach, treeNodeCounter } from '../mm/anon-vma.ts';
import type { Folio } from '../mm/folio.ts';
import type { MmStruct } from '../mm/mm.ts';
import { lookupEntry } from '../mm/mm.ts';
import { type EntryPointer, isMappingKind, NULL_PTR } from '../mm/pgtable.ts';
import type { VmAreaStruct } from '../mm/vma.ts';
import type { Ksm } from './state.ts';
import { is_stable_node_chain, type KsmStableNode } from './stable-node.ts';
import { folio_stable_node } from './trees.ts';
import { rbFirst, rbNext } from '../mm/rbtree.ts';

/** One mapping the walk should have found and did not. */
export interface MissedMapping {
  readonly mm: MmStruct;
  readonly vpn: number;
}

export interface RmapWalkResult {
  readonly expected: number;
  readonly found: number;
  /** Mappings found in pass 0 (the item's own mm) and pass 1 (other mms: fork children). */
  readonly foundInPass: readonly [number, number];
  readonly missed: readonly MissedMapping[];
}

/** rwc->rmap_one as page_vma_mapped_walk sees it: does vma map this folio at vpn? */
function rmap_one(folio: Folio, vma: VmAreaStruct, vpn: number): EntryPointer {
  const pt = vma.mm.machine.pt;
  const p = lookupEntry(vma.mm, vpn);
  if (p !== NULL_PTR && isMappingKind(pt.kind[p]!) && pt.val[p] === folio) return p;
  return NULL_PTR;
}

/**
 * mm/ksm.c: rmap_walk_ksm with an rwc like try_to_migrate's: rmap_one handles each mapping,
 * done() (folio_not_mapped) ends the walk once every mapping has been handled.
 */
export function rmap_walk_ksm(ksm: Ksm, folio: Folio): RmapWalkResult {
  const c = ksm.counters;
  const machine = ksm.machine;
  if (!machine.folios.ksm(folio)) throw new Error('rmap_walk_ksm: not a KSM folio');
  c.rmap_walks++;
  const expected = machine.folios.mapcount[folio]!;
  c.rmap_mappings_expected += expected;
  const handled = new Set<EntryPointer>();
  const foundInPass: [number, number] = [0, 0];
  const stable_node = folio_stable_node(ksm, folio);
  const visits = treeNodeCounter(c);
  const items = ksm.items;
  walk: if (stable_node) {
    for (let search_new_forks = 0; search_new_forks < 2; search_new_forks++) {
      for (let item = stable_node.hlist; item; item = items.hlist_next(item)) {
        const anon_vma = items.anon_vma(item)!;
        const [first, last] = ksm.policy.rmap.query(ksm, item);
        const addr = items.vpn(item); // rmap_item->address & PAGE_MASK
        const itemMm = items.mm(item); // decoded once per item, not per avc
        for (const avc of anon_vma_interval_tree_foreach(anon_vma, first, last, visits)) {
          c.rmap_avc_visits++;
          const vma = avc.vma;
          if (addr < vma.vm_start || addr >= vma.vm_end) continue;
          if ((itemMm === vma.mm) === (search_new_forks === 1)) continue;
          c.rmap_one_calls++;
          const m = rmap_one(folio, vma, addr);
          if (m !== NULL_PTR && !handled.has(m)) {
            handled.add(m);
            if (search_new_forks === 0) foundInPass[0]++;
            else foundInPass[1]++;
          }
          if (handled.size === expected) break walk; // rwc->done: folio_not_mapped
        }
      }
    }
  }
  const pt = machine.pt;
  const missed = machine.folios
    .mappings(pt, folio)
    .filter((m) => !handled.has(m))
    .map((m) => ({ mm: machine.mmById[pt.mmIdOf(m)]!, vpn: pt.vpnOf(m) }));
  c.rmap_mappings_found += handled.size;
  c.rmap_mappings_missed += missed.length;
  return { expected, found: handled.size, foundInPass, missed };
}

/** Every stable node that points to a KSM page: regular nodes and the dups of chains, in tree order. */
export function stable_nodes(ksm: Ksm): KsmStableNode[] {
  const out: KsmStableNode[] = [];
  for (let n = rbFirst(ksm.root_stable_tree); n; n = rbNext(n)) {
    if (is_stable_node_chain(n)) out.push(...n.dups);
    else out.push(n);
  }
  return out;
}

/** The KSM folios still mapped somewhere: what migration or reclaim would walk. */
export function mapped_ksm_folios(ksm: Ksm): Folio[] {
  const out: Folio[] = [];
  for (const node of stable_nodes(ksm)) {
    const f = node.kpfn;
    const folios = ksm.machine.folios;
    if (f !== null && !folios.freed(f) && folios.ksm(f) && folios.mapcount[f]! > 0 && folio_stable_node(ksm, f) === node) out.push(f);
  }
  return out;
}

/** One rmap walk per mapped KSM folio, as a migration of all of them would do. */
export function rmap_walk_all_ksm(ksm: Ksm): RmapWalkResult[] {
  return mapped_ksm_folios(ksm).map((f) => rmap_walk_ksm(ksm, f));
}
