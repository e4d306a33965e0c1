// The invariant checker (DESIGN.md §6.3): what the kernel's VM_BUG_ONs and the sysfs
// definitions promise, checked over the whole KSM state. Returns the violations found.
import { COUNTER_NAMES } from '../mm/counters.ts';
import type { MmStruct } from '../mm/mm.ts';
import { forEachLeaf } from '../mm/leaves.ts';
import { rbFirst, rbNext } from '../mm/rbtree.ts';
import { userSpacePages } from '../mm/units.ts';
import { type KsmRmapItem, STABLE_FLAG, UNSTABLE_FLAG } from './rmap-item.ts';
import { stable_nodes } from './rmap-walk.ts';
import { is_stable_node_chain } from './stable-node.ts';
import type { Ksm } from './state.ts';

export function checkInvariants(ksm: Ksm): string[] {
  const bad: string[] = [];
  const c = ksm.counters;
  // One pass over every mm_slot's rmap_list: flags read once per item.
  const items = ksm.items;
  const stable = new Set<KsmRmapItem>();
  let unstable = 0;
  let listed = 0;
  let slotCount = 0;
  const perMm = new Map<MmStruct, { items: number; merging: number }>();
  for (let slot = ksm.ksm_mm_head.next; slot !== ksm.ksm_mm_head; slot = slot.next) {
    slotCount++;
    const mm = slot.mm!;
    const mine = perMm.get(mm) ?? { items: 0, merging: 0 };
    perMm.set(mm, mine);
    let prev = -1;
    for (let it = slot.rmap_list; it; it = items.rmap_list(it)) {
      listed++;
      mine.items++;
      if (!items.live(it)) {
        bad.push(`freed rmap_item on ${mm.name}'s list`);
        break; // a freed item's rmap_list is the slab's free list
      }
      const vpn = items.vpn(it);
      const itMm = items.mm(it);
      if (itMm !== mm) bad.push(`rmap_item at ${vpn} on ${mm.name}'s list belongs to ${itMm.name}`);
      if (vpn <= prev) bad.push(`${mm.name}'s rmap_list is not sorted at ${vpn}`);
      prev = vpn;
      const flags = items.addressFlags(it);
      if ((flags & STABLE_FLAG) !== 0) {
        stable.add(it);
        mine.merging++;
        if ((flags & UNSTABLE_FLAG) !== 0) bad.push(`rmap_item ${vpn} in both trees`);
      } else if ((flags & UNSTABLE_FLAG) !== 0) {
        unstable++;
      }
    }
  }
  if (!items.nullItemIntact()) bad.push('the NULL rmap_item (handle 0) was written through');
  if (slotCount !== ksm.mm_slots_hash.size) bad.push(`${slotCount} slots on the list, ${ksm.mm_slots_hash.size} hashed`);
  if (listed !== ksm.ksm_rmap_items) bad.push(`ksm_rmap_items ${ksm.ksm_rmap_items} != ${listed} items on the lists`);
  if (c.pages_shared + c.pages_sharing !== stable.size) {
    bad.push(`pages_shared + pages_sharing = ${c.pages_shared + c.pages_sharing} but ${stable.size} stable rmap_items`);
  }
  if (c.pages_unshared !== unstable) bad.push(`pages_unshared ${c.pages_unshared} != ${unstable} unstable rmap_items`);

  // Per-mm counts (an mm with no slot has no items), plus what a fork copied and a kernel
  // without the ksm_fork reset kept (6.1: the child's counts stay off by the parent's)
  for (const mm of ksm.machine.mms) {
    const mine = perMm.get(mm) ?? { items: 0, merging: 0 };
    const merging = mine.merging + mm.ksm_counts_inherited.merging;
    const itemsCount = mine.items + mm.ksm_counts_inherited.items;
    if (mm.ksm_merging_pages !== merging) bad.push(`${mm.name}: ksm_merging_pages ${mm.ksm_merging_pages} != ${merging}`);
    if (perMm.has(mm) && mm.ksm_rmap_items !== itemsCount) bad.push(`${mm.name}: ksm_rmap_items ${mm.ksm_rmap_items} != ${itemsCount}`);
  }

  // Stable nodes: hlists, lengths, anon_vmas, chains and dups.
  let shared = 0;
  let sharing = 0;
  let chains = 0;
  let dups = 0;
  for (let n = rbFirst(ksm.root_stable_tree); n; n = rbNext(n)) {
    if (is_stable_node_chain(n)) {
      chains++;
      // no check that a chain has dups: the kernel keeps an emptied chain in the tree until
      // the next lookup through it frees it (mm/ksm.c: stable_node_dup → free_stable_node_chain)
      dups += n.dups.length;
    }
  }
  const seen = new Set<KsmRmapItem>();
  for (const node of stable_nodes(ksm)) {
    let hlistLen = 0;
    for (let it = node.hlist; it; it = items.hlist_next(it)) {
      const vpn = items.vpn(it);
      if (seen.has(it)) {
        bad.push(`rmap_item ${vpn} on two hlists`);
        break; // the hlists are joined: do not loop
      }
      hlistLen++;
      seen.add(it);
      if ((items.addressFlags(it) & STABLE_FLAG) === 0) bad.push(`rmap_item ${vpn} on node ${node.id} lacks STABLE_FLAG`);
      if (items.head(it) !== node) bad.push(`rmap_item ${vpn}: head is not node ${node.id}`);
      const av = items.anon_vma(it);
      if (!av || av.freed) bad.push(`stable rmap_item ${vpn} has no live anon_vma`);
    }
    if (node.rmap_hlist_len !== hlistLen) bad.push(`node ${node.id}: rmap_hlist_len ${node.rmap_hlist_len} != ${hlistLen}`);
    if (hlistLen > 0) {
      shared++;
      sharing += hlistLen - 1;
    }
  }
  for (const it of stable) if (!seen.has(it)) bad.push(`stable rmap_item ${items.vpn(it)} of ${items.mm(it).name} is on no stable node`);
  if (shared !== c.pages_shared) bad.push(`pages_shared ${c.pages_shared} != ${shared} nodes with items`);
  if (sharing !== c.pages_sharing) bad.push(`pages_sharing ${c.pages_sharing} != ${sharing}`);
  if (chains !== c.stable_node_chains) bad.push(`stable_node_chains ${c.stable_node_chains} != ${chains}`);
  if (dups !== c.stable_node_dups) bad.push(`stable_node_dups ${c.stable_node_dups} != ${dups}`);

  // KSM-placed zero pages still mapped, when the kernel marks and counts them.
  const zp = ksm.policy.zeroPages;
  // Only replace_page makes a KSM zero PTE: while it never did, the counts must be 0.
  if (zp.counts_zero_pages && ksm.zeroPagesPlaced === 0) {
    if (c.ksm_zero_pages !== 0) bad.push(`ksm_zero_pages ${c.ksm_zero_pages} but KSM never placed a zero page`);
    for (const mm of ksm.machine.mms) if (mm.ksm_zero_pages !== 0) bad.push(`${mm.name}: ksm_zero_pages ${mm.ksm_zero_pages} but KSM never placed a zero page`);
  } else if (zp.counts_zero_pages) {
    let zero = 0;
    for (const mm of ksm.machine.mms) {
      let mine = 0;
      forEachLeaf(mm, 0, userSpacePages(ksm.machine.levels), (p) => {
        if (zp.is_ksm_zero_pte(ksm, p)) mine++;
      });
      if (mine !== mm.ksm_zero_pages) bad.push(`${mm.name}: ksm_zero_pages ${mm.ksm_zero_pages} != ${mine} KSM zero PTEs`);
      zero += mine;
    }
    if (zero !== c.ksm_zero_pages) bad.push(`ksm_zero_pages ${c.ksm_zero_pages} != ${zero} KSM zero PTEs`);
  }

  for (const name of COUNTER_NAMES) {
    if (name === 'general_profit') continue; // may be negative by definition
    if (c[name] < 0) bad.push(`counter ${name} is negative (${c[name]})`);
  }
  return bad;
}
