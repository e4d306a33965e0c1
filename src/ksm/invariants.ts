// The invariant checker (DESIGN.md §6.3): what the kernel's VM_BUG_ONs and the sysfs
// definitions promise, checked over the whole KSM state. Returns the violations found.
import { COUNTER_NAMES } from '../mm/counters.ts';
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
  const items: KsmRmapItem[] = [];
  let slotCount = 0;
  for (let slot = ksm.ksm_mm_head.next; slot !== ksm.ksm_mm_head; slot = slot.next) {
    slotCount++;
    let prev = -1;
    for (let it = slot.rmap_list; it; it = it.rmap_list) {
      if (!it.live) bad.push(`freed rmap_item on ${slot.mm!.name}'s list`);
      if (it.mm !== slot.mm) bad.push(`rmap_item at ${it.vpn} on ${slot.mm!.name}'s list belongs to ${it.mm.name}`);
      if (it.vpn <= prev) bad.push(`${slot.mm!.name}'s rmap_list is not sorted at ${it.vpn}`);
      prev = it.vpn;
      items.push(it);
    }
  }
  if (slotCount !== ksm.mm_slots_hash.size) bad.push(`${slotCount} slots on the list, ${ksm.mm_slots_hash.size} hashed`);
  if (items.length !== ksm.ksm_rmap_items) bad.push(`ksm_rmap_items ${ksm.ksm_rmap_items} != ${items.length} items on the lists`);

  const stable = items.filter((i) => (i.addressFlags & STABLE_FLAG) !== 0);
  const unstable = items.filter((i) => (i.addressFlags & UNSTABLE_FLAG) !== 0);
  for (const i of items) {
    if ((i.addressFlags & STABLE_FLAG) !== 0 && (i.addressFlags & UNSTABLE_FLAG) !== 0) bad.push(`rmap_item ${i.vpn} in both trees`);
  }
  if (c.pages_shared + c.pages_sharing !== stable.length) {
    bad.push(`pages_shared + pages_sharing = ${c.pages_shared + c.pages_sharing} but ${stable.length} stable rmap_items`);
  }
  if (c.pages_unshared !== unstable.length) bad.push(`pages_unshared ${c.pages_unshared} != ${unstable.length} unstable rmap_items`);

  // Per-mm counts.
  const mms = new Set(items.map((i) => i.mm));
  for (const mm of ksm.machine.mms) {
    const mine = items.filter((i) => i.mm === mm);
    const merging = mine.filter((i) => (i.addressFlags & STABLE_FLAG) !== 0).length;
    if (mm.ksm_merging_pages !== merging) bad.push(`${mm.name}: ksm_merging_pages ${mm.ksm_merging_pages} != ${merging}`);
    if (mms.has(mm) && mm.ksm_rmap_items !== mine.length) bad.push(`${mm.name}: ksm_rmap_items ${mm.ksm_rmap_items} != ${mine.length}`);
  }

  // Stable nodes: hlists, lengths, anon_vmas, chains and dups.
  let shared = 0;
  let sharing = 0;
  let chains = 0;
  let dups = 0;
  for (let n = rbFirst(ksm.root_stable_tree); n; n = rbNext(n)) {
    if (is_stable_node_chain(n)) {
      chains++;
      dups += n.dups.length;
      if (n.dups.length === 0) bad.push(`chain ${n.id} has no dups`);
    }
  }
  const seen = new Set<KsmRmapItem>();
  for (const node of stable_nodes(ksm)) {
    if (node.rmap_hlist_len !== node.hlist.length) bad.push(`node ${node.id}: rmap_hlist_len ${node.rmap_hlist_len} != ${node.hlist.length}`);
    if (node.hlist.length > 0) {
      shared++;
      sharing += node.hlist.length - 1;
    }
    for (const it of node.hlist) {
      if (seen.has(it)) bad.push(`rmap_item ${it.vpn} on two hlists`);
      seen.add(it);
      if ((it.addressFlags & STABLE_FLAG) === 0) bad.push(`rmap_item ${it.vpn} on node ${node.id} lacks STABLE_FLAG`);
      if (it.head !== node) bad.push(`rmap_item ${it.vpn}: head is not node ${node.id}`);
      const av = it.anon_vma;
      if (!av || av.freed) bad.push(`stable rmap_item ${it.vpn} has no live anon_vma`);
    }
  }
  for (const it of stable) if (!seen.has(it)) bad.push(`stable rmap_item ${it.vpn} of ${it.mm.name} is on no stable node`);
  if (shared !== c.pages_shared) bad.push(`pages_shared ${c.pages_shared} != ${shared} nodes with items`);
  if (sharing !== c.pages_sharing) bad.push(`pages_sharing ${c.pages_sharing} != ${sharing}`);
  if (chains !== c.stable_node_chains) bad.push(`stable_node_chains ${c.stable_node_chains} != ${chains}`);
  if (dups !== c.stable_node_dups) bad.push(`stable_node_dups ${c.stable_node_dups} != ${dups}`);

  // KSM-placed zero pages still mapped, when the kernel marks and counts them.
  const zp = ksm.policy.zeroPages;
  if (zp.counts_zero_pages) {
    let zero = 0;
    for (const mm of ksm.machine.mms) {
      let mine = 0;
      forEachLeaf(mm, 0, userSpacePages(ksm.machine.levels), (_p, e) => {
        if (zp.is_ksm_zero_pte(e)) mine++;
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
