// ksmd's scan (mm/ksm.c): the cursor walk over mm slots and VMAs in scan_get_next_rmap_item,
// get_next_rmap_item, smart scan and ksm_do_scan. The page lookup inside the loop is the
// scanner variant's (variants/scanner/).
import type { Folio, PageRef } from '../mm/folio.ts';
import type { ScanLookup } from './policy.ts';
import { folio_put } from '../mm/machine.ts';
import { ksm_test_exit } from '../mm/mm.ts';
import { ACCOUNT_SCAN } from '../mm/pgtable.ts';
import { find_vma, VM_MERGEABLE, type VmAreaStruct } from '../mm/vma.ts';
import { digest_scanned, sample_lifetime } from './lifetime.ts';
import { cmp_and_merge_page } from './merge.ts';
import { type KsmRmapItem, NULL_ITEM, STABLE_FLAG } from './rmap-item.ts';
import { KSM_RUN_MERGE, type Ksm, type KsmMmSlot, type RmapLink, rmap_link_get, rmap_link_set } from './state.ts';
import { remove_rmap_item_from_tree, remove_trailing_rmap_items } from './trees.ts';

/** The answer of the scanner's page lookup, filled in by each call (the skeleton reads it at once). */
const scan_lookup_answer = { folio: null as Folio | null, page: 0, address: 0 };

/** What a scanner variant's next_page returns: the found page and the cursor after the lookup. */
export function scan_lookup(folio: Folio | null, page: number, address: number): ScanLookup {
  scan_lookup_answer.folio = folio;
  scan_lookup_answer.page = page;
  scan_lookup_answer.address = address;
  return scan_lookup_answer;
}

/** mm/ksm.c: get_next_rmap_item — the item for addr, freeing stale ones below it. */
export function get_next_rmap_item(ksm: Ksm, slot: KsmMmSlot, rmap_list: RmapLink, addr: number): KsmRmapItem {
  const items = ksm.items;
  for (let item = rmap_link_get(items, rmap_list); item; item = rmap_link_get(items, rmap_list)) {
    const vpn = items.vpn(item); // rmap_item->address & PAGE_MASK
    if (vpn === addr) return item;
    if (vpn > addr) break;
    rmap_link_set(items, rmap_list, items.rmap_list(item));
    remove_rmap_item_from_tree(ksm, item);
    ksm.freeRmapItem(item);
  }
  const item = ksm.allocRmapItem(); // zeroed
  const mm = slot.mm!;
  items.set_mm(item, mm);
  mm.ksm_rmap_items++;
  items.setAddress(item, addr, 0);
  items.set_rmap_list(item, rmap_link_get(items, rmap_list));
  rmap_link_set(items, rmap_list, item);
  return item;
}

/** mm/ksm.c: skip_age */
export function skip_age(age: number): number {
  if (age <= 3) return 1;
  if (age <= 5) return 2;
  if (age <= 8) return 4;
  return 8;
}

/** The smart-scan state machine of should_skip_rmap_item on one (age, remaining_skips) pair. */
function smart_scan_step(age: number, skips: number): { skip: boolean; age: number; skips: number } {
  const newAge = age !== 255 ? age + 1 : age;
  if (age < 3) return { skip: false, age: newAge, skips };
  if (!skips) return { skip: false, age: newAge, skips: skip_age(age) };
  return { skip: true, age: newAge, skips: skips - 1 };
}

/**
 * mm/ksm.c: should_skip_rmap_item — smart scan: back off pages that never merge. The same
 * step runs on the item's shadow; a skip the shadow would not take is a wrong skip caused by
 * bytes a stored index left behind (pages_wrongly_skipped).
 */
export function should_skip_rmap_item(ksm: Ksm, page: PageRef, item: KsmRmapItem): boolean {
  if (!ksm.knobs.smart_scan) return false;
  if (ksm.machine.folios.ksm(page.folio)) return false; // never skip KSM pages
  const items = ksm.items;
  if (ksm.policy.rmap.skip_stable_in_smart_scan && (items.addressFlags(item) & STABLE_FLAG) !== 0) return false;
  const c = ksm.counters;
  const age = items.age(item);
  const remaining_skips = items.remaining_skips(item);
  const real = smart_scan_step(age, remaining_skips);
  // Only a stored index overlays these bytes: without one the shadow always equals them.
  let right = real;
  if (ksm.policy.rmap.store_index) {
    const shAge = items.shadow_age(item);
    if (age !== shAge || (age >= 3 && remaining_skips !== items.shadow_remaining_skips(item))) c.stale_overlay_reads++;
    right = smart_scan_step(shAge, items.shadow_remaining_skips(item));
    items.set_shadow_age(item, right.age);
    items.set_shadow_remaining_skips(item, right.skips);
  }
  items.set_age(item, real.age);
  items.set_remaining_skips(item, real.skips);
  if (!real.skip) return false;
  if (!right.skip) c.pages_wrongly_skipped++;
  c.pages_skipped++;
  remove_rmap_item_from_tree(ksm, item);
  return true;
}

/** list_add_tail(new, before): insert `slot` just before `before` in the mm_slot list. */
export function slot_insert_before(slot: KsmMmSlot, before: KsmMmSlot): void {
  slot.prev = before.prev;
  slot.next = before;
  before.prev.next = slot;
  before.prev = slot;
}

/** list_del */
export function slot_unlink(slot: KsmMmSlot): void {
  slot.prev.next = slot.next;
  slot.next.prev = slot.prev;
  slot.prev = slot;
  slot.next = slot;
}

/** Free a slot whose mm has no mergeable VMA left (hash_del + list_del + mm_slot_free). */
function drop_slot(ksm: Ksm, slot: KsmMmSlot): void {
  ksm.mm_slots_hash.delete(slot.mm!);
  slot_unlink(slot);
}

/**
 * mm/ksm.c: scan_get_next_rmap_item(struct page **page) — the next page to merge (into
 * `page`) and its rmap_item, or NULL_ITEM when a full scan has just completed (seqnr++) or
 * nothing is registered.
 */
export function scan_get_next_rmap_item(ksm: Ksm, page: PageRef): KsmRmapItem {
  const head = ksm.ksm_mm_head;
  const scan = ksm.ksm_scan;
  if (head.next === head) return NULL_ITEM;

  let slot = scan.mm_slot;
  let fresh = false;
  if (slot === head) {
    // lru_add_drain_all(); (no migrate_nodes to prune: merge_across_nodes = 1)
    ksm.root_unstable_tree = { rbNode: NULL_ITEM }; // discarded wholesale, pages_unshared untouched
    slot = head.next;
    scan.mm_slot = slot;
    if (slot === head) return NULL_ITEM;
    fresh = true;
  }
  for (;;) {
    if (fresh) {
      // next_mm:
      scan.address = 0;
      scan.rmap_list = slot;
    }
    fresh = true;
    const mm = slot.mm!;
    let vma = ksm_test_exit(mm) ? null : find_vma(mm, scan.address);
    const exiting = ksm_test_exit(mm);
    for (; vma && !exiting; vma = find_vma(mm, vma.vm_end)) {
      if ((vma.vm_flags & VM_MERGEABLE) === 0) continue;
      if (scan.address < vma.vm_start) scan.address = vma.vm_start;
      if (!vma.anon_vma) scan.address = vma.vm_end;
      while (scan.address < vma.vm_end) {
        if (ksm_test_exit(mm)) break;
        const look = next_page(ksm, vma, scan.address);
        scan.address = look.address;
        if (look.folio !== null) {
          page.folio = look.folio;
          page.index = look.page;
          const item = get_next_rmap_item(ksm, slot, scan.rmap_list, scan.address);
          scan.rmap_list = item;
          if (should_skip_rmap_item(ksm, page, item)) {
            folio_put(ksm.machine, page.folio);
          } else {
            scan.address += 1;
            digest_scanned(ksm, item, page);
            return item;
          }
        }
        // next_page:
        scan.address += 1;
      }
    }
    if (ksm_test_exit(mm)) {
      // no_vmas:
      scan.address = 0;
      scan.rmap_list = slot;
    }
    // Nuke all the rmap_items above the cursor: no VM_MERGEABLE vma holds them.
    remove_trailing_rmap_items(ksm, scan.rmap_list);
    const next = slot.next;
    scan.mm_slot = next;
    if (scan.address === 0) {
      drop_slot(ksm, slot);
      mm.mmf_vm_mergeable = false; // MMF_VM_MERGE_ANY is kept
    }
    slot = next;
    if (slot === head) break;
  }
  ksm.ksm_scan.seqnr++;
  ksm.counters.full_scans = ksm.ksm_scan.seqnr;
  return NULL_ITEM;
}

/** The scanner variant's lookup of the next page, its reads and locks charged to the scan account. */
function next_page(ksm: Ksm, vma: VmAreaStruct, address: number): ScanLookup {
  const machine = ksm.machine;
  const prev = machine.account;
  machine.account = ACCOUNT_SCAN;
  try {
    return ksm.policy.scanner.next_page(ksm, vma, address);
  } finally {
    machine.account = prev;
  }
}

/** ksm_do_scan's `page` (the model is single-threaded: one ksmd at a time). */
const ksm_do_scan_page: PageRef = { folio: 0, index: 0 };

/** mm/ksm.c: ksm_do_scan — up to scan_npages pages; a completed full scan ends the batch. */
export function ksm_do_scan(ksm: Ksm, scan_npages: number): void {
  const page = ksm_do_scan_page; // struct page *page on ksm_do_scan's stack
  while (scan_npages-- > 0) {
    const rmap_item = scan_get_next_rmap_item(ksm, page);
    if (!rmap_item) return;
    ksm.counters.pages_returned++;
    cmp_and_merge_page(ksm, page, rmap_item);
    folio_put(ksm.machine, page.folio); // put_page(page): page_folio after any split
    ksm.counters.pages_scanned++;
  }
}

/** mm/ksm.c: ksmd_should_run */
export function ksmd_should_run(ksm: Ksm): boolean {
  return (ksm.knobs.run & KSM_RUN_MERGE) !== 0 && ksm.ksm_mm_head.next !== ksm.ksm_mm_head;
}

/**
 * One wake-up of ksm_scan_thread: a batch of pages_to_scan if ksmd should run, then the
 * sleep. The model's clock advances by the batch's own time (ksm.batchMs, when a batch ran)
 * plus sleep_millisecs, at least 1 ms. Returns whether a batch ran.
 */
export function ksmd_batch(ksm: Ksm): boolean {
  const ran = ksmd_should_run(ksm);
  if (ran) {
    const c = ksm.counters;
    const pass = ksm.ksm_scan.seqnr;
    const remapped = c.split_zero_remapped;
    const merges = ksm.merges;
    sample_lifetime(ksm, pass);
    ksm_do_scan(ksm, ksm.knobs.pages_to_scan);
    sample_lifetime(ksm, pass);
    // per batch: what splits freed beside pages_to_scan, and whether anything merged
    c.ksmd_batches++;
    c.split_zero_remapped_batch_max = Math.max(c.split_zero_remapped_batch_max, c.split_zero_remapped - remapped);
    if (ksm.merges === merges) c.ksmd_batches_no_merge++;
  }
  ksm.jiffies += Math.max(1, (ran ? ksm.batchMs : 0) + ksm.knobs.sleep_millisecs);
  return ran;
}
