// The global state of mm/ksm.c: the sysfs knobs, the scan cursor, the mm_slot list, the
// stable and unstable trees and the rmap_item slab — one instance per simulated machine.
import type { AnonVma } from '../mm/anon-vma.ts';
import type { CounterSlots } from '../mm/counters.ts';
import type { Machine } from '../mm/machine.ts';
import type { MmStruct } from '../mm/mm.ts';
import type { RbRoot, RbRootOf } from '../mm/rbtree.ts';
import type { KsmPolicy } from './policy.ts';
import { type Abi, type HandleRegistry, type KsmRmapItem, NULL_ITEM, RmapItemCache } from './rmap-item.ts';
import { KsmStableNode } from './stable-node.ts';

/** struct ksm_mm_slot (with its mm_slot): one per registered mm, on a circular list. */
export interface KsmMmSlot {
  readonly mm: MmStruct | null;
  /** head of this mm's sorted rmap_item list (NULL_ITEM: empty) */
  rmap_list: KsmRmapItem;
  prev: KsmMmSlot;
  next: KsmMmSlot;
}

/** A `struct ksm_rmap_item **`: the slot (&mm_slot->rmap_list) or item (&rmap_item->rmap_list) whose rmap_list field is the link. */
export type RmapLink = KsmMmSlot | KsmRmapItem;

/** *rmap_list */
export function rmap_link_get(items: RmapItemCache, link: RmapLink): KsmRmapItem {
  return typeof link === 'number' ? items.rmap_list(link) : link.rmap_list;
}

/** *rmap_list = item */
export function rmap_link_set(items: RmapItemCache, link: RmapLink, item: KsmRmapItem): void {
  if (typeof link === 'number') items.set_rmap_list(link, item);
  else link.rmap_list = item;
}

/** struct ksm_scan: the cursor. */
export interface KsmScan {
  mm_slot: KsmMmSlot;
  /** next address (vpn) inside that mm to be scanned */
  address: number;
  rmap_list: RmapLink;
  /** count of completed full scans */
  seqnr: number;
}

export const KSM_RUN_STOP = 0;
export const KSM_RUN_MERGE = 1;
export const KSM_RUN_UNMERGE = 2;

/** ksm_advisor: KSM_ADVISOR_NONE (0) or KSM_ADVISOR_SCAN_TIME (1). */
export const KSM_ADVISOR_NONE = 0;
export const KSM_ADVISOR_SCAN_TIME = 1;

/**
 * The writable /sys/kernel/mm/ksm knobs (kernel/scan.md §4.1, §8) with their defaults, in the
 * kernel variables' C types: unsigned int and int as numbers, the advisor's unsigned longs as
 * bigints (kstrtoul takes any 64-bit value and no check bounds them).
 */
export interface KsmKnobs {
  run: number;
  pages_to_scan: number;
  sleep_millisecs: number;
  max_page_sharing: number;
  use_zero_pages: number;
  smart_scan: number;
  merge_across_nodes: number;
  stable_node_chains_prune_millisecs: number;
  /**
   * The advisor (~6.8): KSM_ADVISOR_NONE or KSM_ADVISOR_SCAN_TIME. Writing the mode is modelled
   * (set_advisor_defaults); running ksmd under scan-time is not: that advisor retunes
   * pages_to_scan from wall-clock scan times and ksmd's CPU time, which an exact model has not.
   */
  advisor_mode: number;
  advisor_max_cpu: number;
  advisor_min_pages_to_scan: bigint;
  advisor_max_pages_to_scan: bigint;
  advisor_target_scan_time: bigint;
}

/** DEFAULT_PAGES_TO_SCAN (mm/ksm.c) */
export const DEFAULT_PAGES_TO_SCAN = 100;

export function defaultKnobs(): KsmKnobs {
  return {
    run: KSM_RUN_STOP,
    pages_to_scan: DEFAULT_PAGES_TO_SCAN,
    sleep_millisecs: 20,
    max_page_sharing: 256,
    use_zero_pages: 0,
    smart_scan: 1,
    merge_across_nodes: 1,
    stable_node_chains_prune_millisecs: 2000,
    advisor_mode: KSM_ADVISOR_NONE,
    advisor_max_cpu: 70,
    advisor_min_pages_to_scan: 500n,
    advisor_max_pages_to_scan: 30000n,
    advisor_target_scan_time: 200n,
  };
}

/**
 * The order of cmp_and_merge_page: '6.1' searches the stable tree before the checksum test
 * (≤ 6.10); '6.11' tests the checksum first (kernel/scan.md §5.1).
 */
export type MergeOrder = '6.1' | '6.11';

/** Deterministic failures to inject (merge-failure scenarios). */
export interface FaultInjection {
  /** Fail this many second try_to_merge_with_ksm_page calls of try_to_merge_two_pages. */
  secondMerge: number;
  /** Fail this many stable_tree_insert node allocations. */
  stableInsert: number;
}

export class Ksm implements HandleRegistry {
  readonly machine: Machine;
  readonly counters: CounterSlots;
  /** rmap_item_cache: every rmap_item's fields, by handle. */
  readonly items: RmapItemCache;
  readonly abi: Abi;
  readonly knobs: KsmKnobs = defaultKnobs();
  mergeOrder: MergeOrder = '6.11';
  policy: KsmPolicy;
  readonly inject: FaultInjection = { secondMerge: 0, stableInsert: 0 };

  /** ksm_mm_head: the list sentinel. */
  readonly ksm_mm_head: KsmMmSlot;
  readonly mm_slots_hash = new Map<MmStruct, KsmMmSlot>();
  readonly ksm_scan: KsmScan;
  readonly root_stable_tree: RbRoot<KsmStableNode> = { rbNode: null };
  root_unstable_tree: RbRootOf<KsmRmapItem> = { rbNode: NULL_ITEM };
  /** ksm_rmap_items: rmap_items in use. */
  ksm_rmap_items = 0;
  /**
   * The model's clock in milliseconds (jiffies): per ksmd wake-up, the batch's own time
   * (batchMs) plus sleep_millisecs, at least 1 ms (scan.ts ksmd_batch).
   */
  jiffies = 0;
  /** ksmd's own time per batch in ms (a scenario's ksmd_batch_ms; 0 by default). */
  batchMs = 0;
  /**
   * A digest of the scanner's output: every (mm, address, content) handed to
   * cmp_and_merge_page, in order. Two scanners agree iff their digests do.
   */
  readonly scanDigest = { count: 0, h1: 0x811c9dc5, h2: 0x01000193 };
  /** Zero pages replace_page has placed (model-only: lets the invariant checker skip its page-table scan while none ever was). */
  zeroPagesPlaced = 0;
  /** Mappings merged so far: stable_tree_append calls plus zero-page merges (model-only: the per-batch progress test). */
  merges = 0;
  /**
   * Model-only: stable_node_dup may answer from a chain's summary instead of walking its dups
   * (same result and effects; tests switch it off to compare with the literal walk).
   */
  chainSummary = true;
  /** Model-only statistic: dups stable_node_dup visited (walked, or accounted by the summary). */
  dupVisits = 0;
  /** Model-only statistic: stable_node_dup calls the summary answered (differs by design when chainSummary is off). */
  dupWalksSummarised = 0;
  /** Full-scan passes ksmd ran while some freed KSM page was still pinned by its stable node. */
  readonly pinnedPasses = new Set<number>();
  /**
   * What the pointer fields of the byte records resolve to, by id (arrays, not maps): stable
   * nodes (ids never reused; a freed node's entry is undefined), and caches of the machine's
   * live anon_vmas and of its mms.
   */
  private readonly nodeById: (KsmStableNode | undefined)[] = [];
  private nextNodeId = 1;
  private readonly anonVmaById: (AnonVma | undefined)[] = [];
  private readonly mmById: (MmStruct | undefined)[] = [];

  constructor(machine: Machine, abi: Abi, policy: KsmPolicy) {
    this.machine = machine;
    this.counters = machine.counters;
    this.abi = abi;
    this.items = new RmapItemCache(abi, this);
    this.policy = policy;
    const head = { mm: null, rmap_list: NULL_ITEM } as unknown as KsmMmSlot;
    head.prev = head;
    head.next = head;
    this.ksm_mm_head = head;
    this.ksm_scan = { mm_slot: head, address: 0, rmap_list: head, seqnr: 0 };
  }

  // ---- HandleRegistry ----
  /** A live anon_vma (machine.anonVmas holds exactly those; ids are never reused). */
  anonVma(id: number): AnonVma | undefined {
    let av = this.anonVmaById[id];
    if (av === undefined || av.freed) {
      av = this.machine.anonVmas.get(id);
      if (av) this.anonVmaById[id] = av;
    }
    return av;
  }
  mm(id: number): MmStruct | undefined {
    let mm = this.mmById[id];
    if (mm === undefined) {
      mm = this.machine.mms.find((m) => m.id === id);
      if (mm) this.mmById[id] = mm;
    }
    return mm;
  }
  stableNode(id: number): KsmStableNode | undefined {
    return this.nodeById[id];
  }
  /** mm/ksm.c: alloc_stable_node */
  newStableNode(): KsmStableNode {
    const node = new KsmStableNode(this.nextNodeId++);
    this.nodeById[node.id] = node;
    return node;
  }

  /** mm/ksm.c: free_stable_node */
  freeStableNode(node: KsmStableNode): void {
    node.freed = true;
    this.nodeById[node.id] = undefined;
  }

  /** mm/ksm.c: alloc_rmap_item */
  allocRmapItem(): KsmRmapItem {
    this.ksm_rmap_items++;
    this.machine.counters.rmap_items_allocated++;
    return this.items.zalloc();
  }

  /** mm/ksm.c: free_rmap_item */
  freeRmapItem(item: KsmRmapItem): void {
    this.ksm_rmap_items--;
    this.machine.counters.rmap_items_freed++;
    this.items.mm(item).ksm_rmap_items--;
    this.items.release(item);
  }
}
