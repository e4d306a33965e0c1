// mm/rmap.c: rmap_walk_anon — the reverse map of an anonymous (non-KSM) folio: its anon_vma's
// interval tree queried at the folio's own index, one rmap_one per VMA it yields, checked
// against the ground truth. Also what every rmap walk reports (KSM walks: src/ksm/rmap-walk.ts).
import { anon_vma_interval_tree_foreach, treeNodeCounter } from './anon-vma.ts';
import type { Folio } from './folio.ts';
import type { Machine } from './machine.ts';
import type { MmStruct } from './mm.ts';
import { lookupEntry } from './mm.ts';
import { type EntryPointer, isMappingKind, NULL_PTR } from './pgtable.ts';
import type { VmAreaStruct } from './vma.ts';

/** One mapping the walk should have found and did not. */
export interface MissedMapping {
  readonly mm: MmStruct;
  readonly vpn: number;
}

/**
 * One anon_vma lock held: the loop over one anon_vma tree (for a KSM walk, one rmap_item in one
 * pass; for an anon walk, the folio's anon_vma). What the lock is held for is this loop.
 */
export interface RmapLoop {
  /** 0: the rmap_item's own mm (or an anon walk's only loop); 1: other mms (search_new_forks). */
  readonly pass: 0 | 1;
  /** avcs the interval tree yielded. */
  iterations: number;
  /** VMAs skipped because the rmap_item's address is outside them (KSM walks only). */
  skipAddr: number;
  /** VMAs skipped by the pass rule (rmap_item->mm == vma->vm_mm) == search_new_forks (KSM walks only). */
  skipMm: number;
  rmapOne: number;
}

/** What one rmap walk did, summed over its loops (the per-walk numbers of the rmap_walk tracepoint). */
export interface RmapWalkDetail {
  readonly iterations: number;
  readonly skipAddr: number;
  readonly skipMm: number;
  readonly rmapOne: number;
  /** anon_vma_lock_read / trylock taken: one per loop. */
  readonly anonVmaLocks: number;
}

export interface RmapWalkResult {
  readonly folio: Folio;
  readonly pageType: 'ksm' | 'anon';
  readonly expected: number;
  readonly found: number;
  /** Mappings found in pass 0 (the item's own mm) and pass 1 (other mms: fork children); anon: [found, 0]. */
  readonly foundInPass: readonly [number, number];
  readonly missed: readonly MissedMapping[];
  readonly detail: RmapWalkDetail;
  /** Every loop run under an anon_vma lock, in order. */
  readonly loops: readonly RmapLoop[];
  /**
   * The verdict of try_to_unmap / try_to_migrate (rmap_one unmaps each mapping it finds; done is
   * folio_not_mapped): true when the walk would leave the folio unmapped, false when at least
   * one mapping stays and the folio can be neither swapped out nor migrated.
   */
  readonly couldUnmap: boolean;
}

/** rwc->rmap_one as page_vma_mapped_walk sees it: does vma map this folio at vpn? */
export function rmap_one(folio: Folio, vma: VmAreaStruct, vpn: number): EntryPointer {
  const pt = vma.mm.machine.pt;
  const p = lookupEntry(vma.mm, vpn);
  if (p !== NULL_PTR && isMappingKind(pt.kind[p]!) && pt.val[p] === folio) return p;
  return NULL_PTR;
}

/** The ground truth's mappings of `folio` a walk did not handle. */
export function missedMappings(machine: Machine, folio: Folio, handled: ReadonlySet<EntryPointer>): MissedMapping[] {
  const pt = machine.pt;
  return machine.folios
    .mappings(pt, folio)
    .filter((m) => !handled.has(m))
    .map((m) => ({ mm: machine.mmById[pt.mmIdOf(m)]!, vpn: pt.vpnOf(m) }));
}

/** The per-walk sums of its loops. */
export function walkDetail(loops: readonly RmapLoop[]): RmapWalkDetail {
  let iterations = 0;
  let skipAddr = 0;
  let skipMm = 0;
  let rmapOne = 0;
  for (const l of loops) {
    iterations += l.iterations;
    skipAddr += l.skipAddr;
    skipMm += l.skipMm;
    rmapOne += l.rmapOne;
  }
  return { iterations, skipAddr, skipMm, rmapOne, anonVmaLocks: loops.length };
}

/** mm/internal.h: vma_anon_address — the first address of [pgoff, pgoff + nr_pages) in vma, or -1 (-EFAULT). */
export function vma_anon_address(vma: VmAreaStruct, pgoff: number, nr_pages: number): number {
  const start = vma.vm_pgoff; // vma_start_anon_pgoff
  if (pgoff >= start) {
    const address = vma.vm_start + (pgoff - start);
    return address < vma.vm_start || address >= vma.vm_end ? -1 : address;
  }
  return pgoff + nr_pages - 1 >= start ? vma.vm_start : -1;
}

/**
 * mm/rmap.c: rmap_walk_anon(folio, rwc, locked = false) with an rwc like try_to_migrate's:
 * rmap_walk_anon_lock takes the folio's anon_vma lock (one lock), the tree is queried at
 * [folio->index, folio->index + nr_pages - 1], rmap_one handles the folio's entries in each VMA
 * (page_vma_mapped_walk over the folio's pages from vma_anon_address), done() ends the walk when
 * every mapping has been handled (folio_not_mapped).
 */
export function rmap_walk_anon(machine: Machine, folio: Folio): RmapWalkResult {
  const c = machine.counters;
  const folios = machine.folios;
  if (folios.ksm(folio) || !folios.anon(folio)) throw new Error('rmap_walk_anon: not an anonymous non-KSM folio');
  c.rmap_anon_walks++;
  const expected = folios.mapcount[folio]!;
  const handled = new Set<EntryPointer>();
  const loops: RmapLoop[] = [];
  const anon_vma = folios.anonVma(folio); // rmap_walk_anon_lock: folio_anon_vma
  if (anon_vma) {
    c.anon_vma_locks++; // anon_vma_trylock_read / anon_vma_lock_read
    const loop: RmapLoop = { pass: 0, iterations: 0, skipAddr: 0, skipMm: 0, rmapOne: 0 };
    loops.push(loop);
    const nr = folios.nrPages(folio);
    const pgoff_start = folios.index[folio]!; // folio_pgoff
    const pgoff_end = pgoff_start + nr - 1;
    for (const avc of anon_vma_interval_tree_foreach(anon_vma, pgoff_start, pgoff_end, treeNodeCounter(c, 'rmap_anon_tree_nodes'))) {
      c.rmap_anon_avc_visits++;
      loop.iterations++;
      const vma = avc.vma;
      const address = vma_anon_address(vma, pgoff_start, nr);
      if (address < 0) throw new Error(`rmap_walk_anon: VMA [${vma.vm_start}, ${vma.vm_end}) yielded for pgoff ${pgoff_start} does not map it`); // VM_WARN_ON_ONCE_VMA
      c.rmap_anon_one_calls++;
      loop.rmapOne++;
      // page_vma_mapped_walk: every entry of the folio from address to vma_address_end
      const end = Math.min(vma.vm_end, vma.vm_start + (pgoff_end + 1 - vma.vm_pgoff));
      for (let vpn = address; vpn < end; vpn++) {
        const m = rmap_one(folio, vma, vpn);
        if (m !== NULL_PTR) handled.add(m);
      }
      if (handled.size === expected) break; // rwc->done: folio_not_mapped
    }
  }
  const missed = missedMappings(machine, folio, handled);
  c.rmap_anon_mappings_missed += missed.length;
  const detail = walkDetail(loops);
  c.rmap_anon_avc_visits_max = Math.max(c.rmap_anon_avc_visits_max, detail.iterations);
  return { folio, pageType: 'anon', expected, found: handled.size, foundInPass: [handled.size, 0], missed, detail, loops, couldUnmap: missed.length === 0 };
}

/** The anonymous non-KSM folios still mapped somewhere (the zero page is not anon), by pfn. */
export function mapped_anon_folios(machine: Machine): Folio[] {
  const folios = machine.folios;
  const out: Folio[] = [];
  for (let f = 0; f < folios.next; f++) {
    if (!folios.freed(f) && folios.anon(f) && !folios.ksm(f) && !folios.zeroPage(f) && folios.mapcount[f]! > 0) out.push(f);
  }
  return out;
}

/** One rmap_walk_anon per mapped anonymous folio, as a migration of all of them would do. */
export function rmap_walk_all_anon(machine: Machine): RmapWalkResult[] {
  return mapped_anon_folios(machine).map((f) => rmap_walk_anon(machine, f));
}
