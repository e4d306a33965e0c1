// Test support: one rmap_item handle seen as an object with the kernel's field names, so tests
// read `item.oldchecksum` / `item.anon_vma = av` while the engine uses the handle accessors of
// RmapItemCache. A view allocates; the engine never makes one.
import type { AnonVma } from '../../src/mm/anon-vma.ts';
import type { MmStruct } from '../../src/mm/mm.ts';
import { type KsmRmapItem, NULL_ITEM, type RmapItemCache } from '../../src/ksm/rmap-item.ts';
import type { KsmStableNode } from '../../src/ksm/stable-node.ts';

export class ItemView {
  readonly items: RmapItemCache;
  readonly handle: KsmRmapItem;

  constructor(items: RmapItemCache, handle: KsmRmapItem) {
    if (handle === NULL_ITEM) throw new Error('ItemView of NULL');
    this.items = items;
    this.handle = handle;
  }

  /** The kmem_cache slot. */
  get slot(): number {
    return this.items.slot(this.handle);
  }
  get rmap_list(): ItemView | null {
    return view(this.items, this.items.rmap_list(this.handle));
  }
  get vpn(): number {
    return this.items.vpn(this.handle);
  }
  get addressFlags(): number {
    return this.items.addressFlags(this.handle);
  }
  setAddress(vpn: number, flags: number): void {
    this.items.setAddress(this.handle, vpn, flags);
  }
  orAddress(bits: number): void {
    this.items.orAddress(this.handle, bits);
  }
  maskAddress(): void {
    this.items.maskAddress(this.handle);
  }
  get oldchecksum(): number {
    return this.items.oldchecksum(this.handle);
  }
  set oldchecksum(v: number) {
    this.items.set_oldchecksum(this.handle, v);
  }
  get age(): number {
    return this.items.age(this.handle);
  }
  set age(v: number) {
    this.items.set_age(this.handle, v);
  }
  get remaining_skips(): number {
    return this.items.remaining_skips(this.handle);
  }
  set remaining_skips(v: number) {
    this.items.set_remaining_skips(this.handle, v);
  }
  get anon_vma(): AnonVma | null {
    return this.items.anon_vma(this.handle);
  }
  set anon_vma(av: AnonVma | null) {
    this.items.set_anon_vma(this.handle, av);
  }
  get nid(): number {
    return this.items.nid(this.handle);
  }
  set nid(v: number) {
    this.items.set_nid(this.handle, v);
  }
  get mm(): MmStruct {
    return this.items.mm(this.handle);
  }
  set mm(mm: MmStruct) {
    this.items.set_mm(this.handle, mm);
  }
  get head(): KsmStableNode | null {
    return this.items.head(this.handle);
  }
  set head(node: KsmStableNode | null) {
    this.items.set_head(this.handle, node);
  }
  get overlayWord(): number {
    return this.items.overlayWord(this.handle);
  }
  set overlayWord(v: number) {
    this.items.setOverlayWord(this.handle, v);
  }
}

/** A view of `item`, or null for NULL_ITEM. */
export function view(items: RmapItemCache, item: KsmRmapItem): ItemView | null {
  return item === NULL_ITEM ? null : new ItemView(items, item);
}
