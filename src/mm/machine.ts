// The simulated machine: paging mode, the counters (the ruler), the page allocator and the
// zero pages, the list of address spaces, and the hooks through which mm calls into KSM
// (mirroring the ksm_* calls the kernel makes from fork, exit, zap and mremap).
import { type Counters, newCounters } from './counters.ts';
import { type Folio, makeFolio } from './folio.ts';
import type { AnonVma } from './anon-vma.ts';
import type { MmStruct } from './mm.ts';
import type { PteEntry } from './pgtable.ts';
import type { VmAreaStruct } from './vma.ts';
import { DEFAULT_MAP_WINDOW, type PagingLevels, taskSizeMax } from './units.ts';

/** The calls mm makes into KSM (include/linux/ksm.h). All optional: a machine without KSM has none. */
export interface KsmHooks {
  /** include/linux/ksm.h: ksm_fork */
  ksm_fork?(mm: MmStruct, oldmm: MmStruct): void;
  /** include/linux/ksm.h: ksm_exit */
  ksm_exit?(mm: MmStruct): void;
  /** include/linux/ksm.h: ksm_might_unmap_zero_page (zap and wp_page_copy of a KSM zero PTE) */
  ksm_might_unmap_zero_page?(mm: MmStruct, pte: PteEntry): void;
  /** mm/ksm.c: ksm_madvise(MADV_UNMERGEABLE) as prep_move_vma calls it (VM_MERGEABLE left set) */
  ksm_unmerge_for_move?(vma: VmAreaStruct, start: number, end: number): void;
  /** Model-only (no kernel call): a KSM folio is being freed; KSM's chain summary notes its stable node stale. */
  ksm_folio_freed?(folio: Folio): void;
}

export class Machine {
  readonly levels: PagingLevels;
  readonly counters: Counters = newCounters();
  readonly mms: MmStruct[] = [];
  /** Live anon_vmas by id (what a pointer to one resolves to). */
  readonly anonVmas = new Map<number, AnonVma>();
  hooks: KsmHooks = {};
  /** ZERO_PAGE(0): the shared zero page, content id 0. */
  readonly zeroFolio: Folio;
  private nextPfn = 1;
  private nextAnonVmaId = 1;
  private nextMmId = 1;
  /** Pages handed out and not yet freed (for memory-use reports). */
  allocatedPages = 0;

  /**
   * TASK_SIZE in pages: the top of user space. A 32-bit ABI (ilp32) machine has 3 GiB
   * (0xC0000000), so every user address fits the 32-bit unsigned long of its rmap_items.
   */
  readonly taskSize: number;
  /** The highest user page + 1 that MAP_FIXED may reach (TASK_SIZE_MAX, or 3 GiB on 32-bit). */
  readonly userLimit: number;

  constructor(levels: PagingLevels = 4, opts: { bits32?: boolean } = {}) {
    this.levels = levels;
    this.taskSize = opts.bits32 ? 0xc0000 : Math.min(taskSizeMax(levels), DEFAULT_MAP_WINDOW);
    this.userLimit = opts.bits32 ? 0xc0000 : taskSizeMax(levels);
    this.zeroFolio = makeFolio(0, 0, 0, true);
  }

  /** mm/page_alloc.c: folio_alloc. A fresh folio with one reference held by the caller. */
  allocFolio(order: 0 | 9, content: number): Folio {
    const folio = makeFolio(this.nextPfn++, order, content);
    folio.refcount = 1;
    this.allocatedPages += order === 0 ? 1 : 512;
    return folio;
  }

  /** Page allocator side of the last folio_put: the page goes back, ->mapping is reset. */
  freeFolio(folio: Folio): void {
    if (folio.ksm) this.hooks.ksm_folio_freed?.(folio);
    folio.freed = true;
    folio.mapping = null;
    folio.ksm = false;
    folio.anon = false;
    this.allocatedPages -= folio.order === 0 ? 1 : 512;
  }

  newAnonVmaId(): number {
    return this.nextAnonVmaId++;
  }

  newMmId(): number {
    return this.nextMmId++;
  }
}

/** mm/swap.c: folio_get */
export function folio_get(folio: Folio): void {
  if (folio.zeroPage) return;
  folio.refcount++;
}

/** mm/swap.c: folio_put — the last reference frees the page. */
export function folio_put(machine: Machine, folio: Folio): void {
  if (folio.zeroPage) return;
  if (folio.refcount <= 0) throw new Error(`folio_put: pfn ${folio.pfn} has refcount ${folio.refcount}`);
  folio.refcount--;
  if (folio.refcount === 0) machine.freeFolio(folio);
}
