// The simulated machine: paging mode, the counters (the ruler), the page allocator and the
// zero pages, the list of address spaces, and the hooks through which mm calls into KSM
// (mirroring the ksm_* calls the kernel makes from fork, exit, zap and mremap).
import { DEFAULT_KERNEL, type KernelVersion, mmHas } from './kernel.ts';
import { type CounterSlots, newCounterSlots } from './counters.ts';
import { type Folio, FOLIO_ANON, FOLIO_FREED, FOLIO_KSM, FOLIO_ZERO, Folios } from './folio.ts';
import type { AnonVma } from './anon-vma.ts';
import type { MmStruct } from './mm.ts';
import { ACCOUNT_NONE, type EntryPointer, PageTables, type ReadAccount } from './pgtable.ts';
import { newWalkPath } from './walk-path.ts';
import type { VmAreaStruct } from './vma.ts';
import { DEFAULT_MAP_WINDOW, type PagingLevels, taskSizeMax } from './units.ts';

/** The calls mm makes into KSM (include/linux/ksm.h). All optional: a machine without KSM has none. */
export interface KsmHooks {
  /** include/linux/ksm.h: ksm_fork */
  ksm_fork?(mm: MmStruct, oldmm: MmStruct): void;
  /** include/linux/ksm.h: ksm_exit */
  ksm_exit?(mm: MmStruct): void;
  /** include/linux/ksm.h: ksm_might_unmap_zero_page (zap and wp_page_copy of a KSM zero PTE) */
  ksm_might_unmap_zero_page?(mm: MmStruct, pte: EntryPointer): void;
  /** mm/ksm.c: ksm_madvise(MADV_UNMERGEABLE) as prep_move_vma calls it (VM_MERGEABLE left set) */
  ksm_unmerge_for_move?(vma: VmAreaStruct, start: number, end: number): void;
  /** Model-only (no kernel call): a KSM folio is being freed; KSM's chain summary notes its stable node stale. */
  ksm_folio_freed?(folio: Folio): void;
  /** ksm_is_running() (Nico Pache's "MM: Tighten control over zero-page remapping" v1 1/3): ksm_run & KSM_RUN_MERGE */
  ksm_is_running?(): boolean;
}

/** /sys/kernel/mm/transparent_hugepage/enabled (the global setting; hugepages-2048kB/enabled is "inherit"). */
export type ThpEnabled = 'always' | 'madvise' | 'never';
export const THP_ENABLED: readonly ThpEnabled[] = ['always', 'madvise', 'never'];

/** The THP knobs of /sys/kernel/mm/transparent_hugepage the model follows. */
export interface ThpKnobs {
  /** enabled: TRANSPARENT_HUGEPAGE_FLAG / TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG */
  readonly enabled: ThpEnabled;
  /** use_zero_page: a read fault in a THP-eligible range maps the huge zero PMD (TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG) */
  readonly use_zero_page: boolean;
  /** shrink_underused: split_underused_thp, the underused-THP shrinker (mm/huge_memory.c:79, default true) */
  readonly shrink_underused: boolean;
}

/**
 * The kernel's defaults: mm/Kconfig "Transparent Hugepage Support sysfs defaults" is
 * TRANSPARENT_HUGEPAGE_ALWAYS (7.3.4 mm/Kconfig:855); use_zero_page is in the default flags
 * (mm/huge_memory.c:61-70); split_underused_thp = true (:79).
 */
export const THP_KERNEL_DEFAULTS: ThpKnobs = { enabled: 'always', use_zero_page: true, shrink_underused: true };
/** A machine built without knobs (unit tests): madvise, as this project's host runs and the model was first built for. */
export const THP_MACHINE_DEFAULTS: ThpKnobs = { enabled: 'madvise', use_zero_page: true, shrink_underused: true };

/**
 * Whether splitting an anon THP remaps its zero-filled subpages to the shared zero page
 * (mm/huge_memory.c: __folio_split's ttu_flags, mm/migrate.c: try_to_map_unused_to_zeropage).
 * The split-zeropage variant axis supplies it; a machine without KSM follows its kernel.
 */
export interface SplitZeroPagePolicy {
  /** __folio_split: `if (!ret && is_anon …) ttu_flags = TTU_USE_SHARED_ZEROPAGE` (and whatever a patch adds to it). */
  use_shared_zeropage(machine: Machine): boolean;
  /** try_to_map_unused_to_zeropage: an extra refusal for the mapping in this VMA (after the PageCompound test). */
  refuse_for_vma?(machine: Machine, vma: VmAreaStruct): boolean;
}

/** The engine's two plain behaviours (variants/split-zeropage/ none and remap say the same). */
export const SPLIT_REMAPS_ZERO: SplitZeroPagePolicy = { use_shared_zeropage: () => true };
export const SPLIT_KEEPS_ZERO: SplitZeroPagePolicy = { use_shared_zeropage: () => false };

export class Machine {
  readonly levels: PagingLevels;
  readonly counters: CounterSlots = newCounterSlots();
  /** Which KSM path is running: who page-table reads and locks are charged to (pgtable.ts withAccount). */
  account: ReadAccount = ACCOUNT_NONE;
  readonly mms: MmStruct[] = [];
  /** Address spaces by id (what an mm pointer in a record resolves to). */
  readonly mmById: (MmStruct | undefined)[] = [];
  /** Every page table (struct-of-arrays storage). */
  readonly pt = new PageTables();
  /** Every folio ever allocated (struct-of-arrays storage). */
  readonly folios = new Folios();
  /** The range walker's last descent (pagewalk.ts). */
  readonly walkPath = newWalkPath();
  /** Live anon_vmas by id (what a pointer to one resolves to). */
  readonly anonVmas = new Map<number, AnonVma>();
  hooks: KsmHooks = {};
  /** ZERO_PAGE(0): the shared zero page, content id 0. */
  readonly zeroFolio: Folio;
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

  /** The kernel whose mm behaviour the machine follows (kernel.ts MM_BEHAVIOURS). */
  readonly kernel: KernelVersion;

  /** The THP knobs (/sys/kernel/mm/transparent_hugepage), fixed for the machine's life. */
  readonly thp: ThpKnobs;
  /** What a THP split does with zero-filled subpages (the split-zeropage variant, set by createKsm). */
  splitZeroPage: SplitZeroPagePolicy;
  private hugeZero: Folio | null = null;

  constructor(levels: PagingLevels = 4, opts: { bits32?: boolean; kernel?: KernelVersion; thp?: ThpKnobs } = {}) {
    this.levels = levels;
    this.kernel = opts.kernel ?? DEFAULT_KERNEL;
    this.thp = opts.thp ?? THP_MACHINE_DEFAULTS;
    this.splitZeroPage = mmHas(this.kernel, 'split_remaps_zero_subpages') ? SPLIT_REMAPS_ZERO : SPLIT_KEEPS_ZERO;
    this.taskSize = opts.bits32 ? 0xc0000 : Math.min(taskSizeMax(levels), DEFAULT_MAP_WINDOW);
    this.userLimit = opts.bits32 ? 0xc0000 : taskSizeMax(levels);
    this.zeroFolio = this.folios.make(0, 0, FOLIO_ZERO);
  }

  /**
   * mm/huge_memory.c: mm_get_huge_zero_folio — the huge zero folio (order 9, all zeroes),
   * allocated on first use as the kernel does; never refcounted by its mappings.
   */
  hugeZeroFolio(): Folio {
    if (this.hugeZero === null) this.hugeZero = this.folios.make(9, 0, FOLIO_ZERO);
    return this.hugeZero;
  }

  /** mm/page_alloc.c: folio_alloc. A fresh folio with one reference held by the caller. */
  allocFolio(order: 0 | 9, content: number): Folio {
    const folio = this.folios.make(order, content, 0);
    this.folios.refcount[folio] = 1;
    this.allocatedPages += order === 0 ? 1 : 512;
    return folio;
  }

  /** Page allocator side of the last folio_put: the page goes back, ->mapping is reset. */
  freeFolio(folio: Folio): void {
    const folios = this.folios;
    if (folios.ksm(folio)) this.hooks.ksm_folio_freed?.(folio);
    folios.setFlag(folio, FOLIO_FREED, true);
    folios.setFlag(folio, FOLIO_KSM | FOLIO_ANON, false);
    folios.mapping[folio] = null;
    folios.subAnonExclusive.delete(folio); // a freed THP's per-page flags go with it
    this.allocatedPages -= folios.nrPages(folio);
  }

  newAnonVmaId(): number {
    return this.nextAnonVmaId++;
  }

  newMmId(): number {
    return this.nextMmId++;
  }
}

/** mm/swap.c: folio_get */
export function folio_get(machine: Machine, folio: Folio): void {
  const folios = machine.folios;
  if (folios.zeroPage(folio)) return;
  folios.refcount[folio] = folios.refcount[folio]! + 1;
}

/** mm/swap.c: folio_put — the last reference frees the page. */
export function folio_put(machine: Machine, folio: Folio): void {
  const folios = machine.folios;
  if (folios.zeroPage(folio)) return;
  const ref = folios.refcount[folio]!;
  if (ref <= 0) throw new Error(`folio_put: pfn ${folio} has refcount ${ref}`);
  folios.refcount[folio] = ref - 1;
  if (ref === 1) machine.freeFolio(folio);
}
