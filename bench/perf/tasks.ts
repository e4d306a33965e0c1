// The timed scan tasks: each builds a fresh world (machine, mm, one huge mapping, one page)
// outside the timed window, runs one scan in it, and checks afterwards — from the counters
// and what the scan returned — that the scan really covered the whole mapping.
import { folio_walk_range, newFolioWalk } from '../../src/mm/folio-walk.ts';
import { ACCOUNT_SCAN } from '../../src/mm/pgtable.ts';
import { NULL_PTR } from '../../src/mm/pgtable.ts';
import { Machine } from '../../src/mm/machine.ts';
import { write_page } from '../../src/mm/memory.ts';
import { mm_alloc } from '../../src/mm/mm.ts';
import { do_mmap } from '../../src/mm/mmap.ts';
import {
  type MmWalkOps,
  pmd_none,
  pmd_present,
  pmd_trans_huge,
  pmdp_get_lockless,
  pte_offset_map_lock,
  pte_present,
  pte_special,
  ptep_get,
  walk_page_range_vma,
} from '../../src/mm/pagewalk.ts';
import type { PagingLevels } from '../../src/mm/units.ts';
import { vma_lookup, type VmAreaStruct } from '../../src/mm/vma.ts';

/** 32 TiB in 4 KiB pages. */
export const PAGES_32TIB = 2 ** 33;
const CONTENT = 7;

export interface World {
  readonly machine: Machine;
  readonly vma: VmAreaStruct;
  /** The one populated page. */
  readonly page: number;
}

/**
 * A machine with one process, one 32 TiB MAP_NORESERVE anon mapping (top-down placement)
 * and one written page, at the mapping's first page or its last.
 */
export function buildWorld(levels: PagingLevels, where: 'first' | 'last'): World {
  const machine = new Machine(levels);
  const mm = mm_alloc(machine, 'p0');
  const start = do_mmap(mm, PAGES_32TIB, { noreserve: true });
  const page = where === 'first' ? start : start + PAGES_32TIB - 1;
  if (write_page(mm, page, CONTENT) !== 'ok') throw new Error(`write_page(${page}) failed`);
  const vma = vma_lookup(mm, start);
  if (!vma || vma.vm_start !== start || vma.vm_end !== start + PAGES_32TIB) {
    throw new Error(`the 32 TiB mapping at ${start} is not one VMA`);
  }
  return { machine, vma, page };
}

/**
 * A benchmark body. `setup` runs before every iteration (untimed), `run` is the timed part,
 * `verify` runs after every iteration (untimed) and returns what was wrong, or null.
 */
export interface TaskBody {
  setup(): void;
  run(): void;
  verify(): string | null;
  /** Facts about the last verified iteration, for the details section. */
  notes(): string[];
}

function need<T>(v: T | null): T {
  if (v === null) throw new Error('benchmark body used before setup');
  return v;
}

/**
 * One whole-VMA per-address pass, `folio_walk_range(vma, vm_start, vm_end, 0, () => false)`:
 * the pre-6.18 KSM scan loop charged in closed form. It must count exactly one
 * folio_walk_start per page and offer the one populated page to `accept` exactly once.
 */
export function perAddressPass(levels: PagingLevels): TaskBody {
  let world: World | null = null;
  let callsBefore = 0;
  let readsBefore = 0;
  let accepted: number[] = [];
  let hit: number | undefined;
  return {
    setup(): void {
      world = buildWorld(levels, 'first');
      world.machine.account = ACCOUNT_SCAN; // the pass is the scanner's (its reads and calls are charged to the scan)
      callsBefore = world.machine.counters.folio_walk_calls;
      readsBefore = world.machine.counters.pt_reads;
      accepted = [];
      hit = undefined;
    },
    run(): void {
      const { vma } = need(world);
      hit = folio_walk_range(newFolioWalk(), vma, vma.vm_start, vma.vm_end, 0, (_fw, vpn) => {
        accepted.push(vpn);
        return false;
      });
    },
    verify(): string | null {
      const w = need(world);
      const calls = w.machine.counters.folio_walk_calls - callsBefore;
      if (hit === undefined) return 'the pass did not run';
      if (hit !== -1) return `the pass returned a hit at ${hit}; accept() always refuses`;
      if (calls !== PAGES_32TIB) return `folio_walk_calls advanced by ${calls}, expected exactly 2^33 = ${PAGES_32TIB}`;
      if (accepted.length !== 1 || accepted[0] !== w.page) {
        return `accept() saw [${accepted.slice(0, 5).join(', ')}], expected exactly the populated page ${w.page}`;
      }
      const reads = w.machine.counters.pt_reads - readsBefore;
      if (reads < PAGES_32TIB) return `pt_reads advanced by ${reads}: fewer than one read per address`;
      return null;
    },
    notes(): string[] {
      const w = need(world);
      return [
        `folio_walk_calls +${w.machine.counters.folio_walk_calls - callsBefore} per pass (2^33), ` +
          `pt_reads +${w.machine.counters.pt_reads - readsBefore}`,
      ];
    },
  };
}

interface NextPage {
  vpn: number | null;
}

/**
 * The pmd_entry of a "next present page" range walk (as mm/ksm.c's ksm_next_page_pmd_entry):
 * map the PTE table under the lock and read PTEs until one is present and not special.
 */
const nextPageOps: MmWalkOps<NextPage> = {
  walk_lock: 'rdlock',
  pmd_entry(pmdp, addr, end, walk): number {
    const pt = walk.mm.machine.pt;
    const pmd = pmdp_get_lockless(pmdp);
    if (pmd_none(pt, pmd)) return 0;
    if (pmd_trans_huge(pt, pmd)) {
      if (pte_special(pt, pmd)) return 0;
      walk.private.vpn = addr;
      return 1;
    }
    if (!pmd_present(pt, pmd)) return 0;
    let ptep = pte_offset_map_lock(walk, pmdp, addr);
    if (ptep === NULL_PTR) return 0;
    for (let a = addr; a < end; a++, ptep++) {
      const pte = ptep_get(walk, ptep);
      if (!pte_present(pt, pte) || pte_special(pt, pte)) continue;
      walk.private.vpn = a;
      return 1;
    }
    return 0;
  },
};

/**
 * One `walk_page_range_vma` over the whole 32 TiB VMA looking for the first present page.
 * The page is the mapping's LAST page, so the walk crosses the whole VMA before it finds it.
 */
export function rangeWalk(levels: PagingLevels): TaskBody {
  let world: World | null = null;
  let before = { walk_range_calls: 0, pmd_entry_calls: 0, pt_reads: 0 };
  let ret: number | undefined;
  let found: NextPage = { vpn: null };
  const snapshot = (m: Machine): typeof before => ({
    walk_range_calls: m.counters.walk_range_calls,
    pmd_entry_calls: m.counters.pmd_entry_calls,
    pt_reads: m.counters.pt_reads,
  });
  return {
    setup(): void {
      world = buildWorld(levels, 'last');
      world.machine.account = ACCOUNT_SCAN; // the walk is the scanner's
      before = snapshot(world.machine);
      ret = undefined;
      found = { vpn: null };
    },
    run(): void {
      const { vma } = need(world);
      ret = walk_page_range_vma(vma, vma.vm_start, vma.vm_end, nextPageOps, found);
    },
    verify(): string | null {
      const w = need(world);
      const now = snapshot(w.machine);
      if (ret !== 1) return `walk_page_range_vma returned ${String(ret)}, expected 1 (page found)`;
      if (found.vpn !== w.page) return `the walk found page ${String(found.vpn)}, expected ${w.page}`;
      if (now.walk_range_calls - before.walk_range_calls !== 1) return 'walk_range_calls did not advance by 1';
      const pmdCalls = now.pmd_entry_calls - before.pmd_entry_calls;
      if (pmdCalls !== 1) return `pmd_entry ran ${pmdCalls} times, expected once (one populated PMD entry)`;
      return null;
    },
    notes(): string[] {
      const w = need(world);
      const now = snapshot(w.machine);
      return [
        `page at the VMA's last address ${w.page}; pmd_entry_calls +${now.pmd_entry_calls - before.pmd_entry_calls}, ` +
          `pt_reads +${now.pt_reads - before.pt_reads}`,
      ];
    },
  };
}
