// mm/ksm.c: rmap_walk_ksm — every rmap_item of the folio's stable node, two passes over the
// VMAs its anon_vma tree yields for the policy's query interval, checked against the ground
// truth: each walk counts the mappings it was expected to find, found and missed.
import { anon_vma_interval_tree_foreach, treeNodeCounter } from '../mm/anon-vma.ts';
import type { Folio } from '../mm/folio.ts';
import { type EntryPointer, NULL_PTR } from '../mm/pgtable.ts';
import { missedMappings, type RmapLoop, rmap_one, type RmapWalkResult, walkDetail } from '../mm/rmap-walk.ts';
import type { Ksm } from './state.ts';
import { is_stable_node_chain, type KsmStableNode } from './stable-node.ts';
import { folio_stable_node } from './trees.ts';
import { rbFirst, rbNext } from '../mm/rbtree.ts';

export type { MissedMapping, RmapLoop, RmapWalkDetail, RmapWalkResult } from '../mm/rmap-walk.ts';

/**
 * mm/ksm.c: rmap_walk_ksm with an rwc like try_to_migrate's: rmap_one handles each mapping,
 * done() (folio_not_mapped) ends the walk once every mapping has been handled. Each rmap_item
 * in each pass is one loop under its anon_vma's read lock, counted by reason: the avcs the
 * tree yields (rmap_avc_visits), the VMAs that do not hold the item's address
 * (rmap_skip_addr), the ones the pass rule skips (rmap_skip_mm), the rmap_one calls.
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
  const loops: RmapLoop[] = [];
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
        c.anon_vma_locks++; // anon_vma_trylock_read, else anon_vma_lock_read
        const loop: RmapLoop = { pass: search_new_forks === 0 ? 0 : 1, iterations: 0, skipAddr: 0, skipMm: 0, rmapOne: 0 };
        loops.push(loop);
        for (const avc of anon_vma_interval_tree_foreach(anon_vma, first, last, visits)) {
          c.rmap_avc_visits++;
          loop.iterations++;
          const vma = avc.vma;
          if (addr < vma.vm_start || addr >= vma.vm_end) {
            c.rmap_skip_addr++;
            loop.skipAddr++;
            continue;
          }
          if ((itemMm === vma.mm) === (search_new_forks === 1)) {
            c.rmap_skip_mm++;
            loop.skipMm++;
            continue;
          }
          c.rmap_one_calls++;
          loop.rmapOne++;
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
  const missed = missedMappings(machine, folio, handled);
  c.rmap_mappings_found += handled.size;
  c.rmap_mappings_missed += missed.length;
  const detail = walkDetail(loops);
  c.rmap_avc_visits_max = Math.max(c.rmap_avc_visits_max, detail.iterations);
  c.rmap_skip_addr_max = Math.max(c.rmap_skip_addr_max, detail.skipAddr);
  c.rmap_skip_mm_max = Math.max(c.rmap_skip_mm_max, detail.skipMm);
  c.rmap_one_calls_max = Math.max(c.rmap_one_calls_max, detail.rmapOne);
  // try_to_unmap / try_to_migrate: reclaim or migration frees the folio only when no mapping stays
  if (missed.length === 0) c.rmap_folios_unmappable++;
  else c.rmap_folios_stuck++;
  return { folio, pageType: 'ksm', expected, found: handled.size, foundInPass, missed, detail, loops, couldUnmap: missed.length === 0 };
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
