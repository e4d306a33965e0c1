// struct ksm_rmap_item (mm/ksm.c) as struct-of-arrays storage: the kmem_cache rmap_item_cache.
// An rmap_item is an integer handle, never an object.
//
// - The kernel's record is stored in bytes, one fixed-size record per item with the real field
//   offsets of an ABI (kernel/rmap.md §4), in one ArrayBuffer read through typed-array views
//   (Uint8Array and Uint32Array over the same bytes; a big-endian ABI byte-swaps each 32-bit
//   word on a little-endian host). Pointer fields hold ids (handles) of the objects they point
//   to, so a union really overlays them: writing `nid` clobbers the low half of `anon_vma`,
//   and a stored linear page index really covers {oldchecksum, age, remaining_skips} on 64-bit
//   but only oldchecksum on 32-bit.
// - What the model keeps beside the bytes lives in typed arrays indexed by the handle: the
//   rmap_list link, the links of the union's `struct rb_node node` (unstable tree) whose
//   left/right words double as the `struct hlist_node hlist` next/pprev of a stable item, as
//   the union in the kernel does, liveness, and the shadow of {oldchecksum, age, remaining_skips}
//   (allocated only once a policy that stores an index writes it).
//
// Handle h is record h: h = slot + 1, and handle 0 is NULL (record 0 is never handed out and
// stays zero), so zeroed links are NULL links, as after kmem_cache_zalloc.
import type { AnonVma } from '../mm/anon-vma.ts';
import { grown } from '../mm/typed-arrays.ts';
import type { MmStruct } from '../mm/mm.ts';
import type { RbColor, RbLinks } from '../mm/rbtree.ts';
import type { KsmStableNode } from './stable-node.ts';

/** Low bits of rmap_item->address (mm/ksm.c). */
export const SEQNR_MASK = 0x0ff;
export const UNSTABLE_FLAG = 0x100;
export const STABLE_FLAG = 0x200;
const FLAG_BITS = 0xfff;

export type Abi = 'lp64-le' | 'lp64-be' | 'ilp32-le';
export const ABIS: readonly Abi[] = ['lp64-le', 'lp64-be', 'ilp32-le'];

declare const rmapItemBrand: unique symbol;
/** A `struct ksm_rmap_item *`: a handle into the rmap_item_cache; NULL_ITEM (0) is NULL. */
export type KsmRmapItem = number & { readonly [rmapItemBrand]: true };
/** NULL as a `struct ksm_rmap_item *`. */
export const NULL_ITEM = 0 as KsmRmapItem;

/** Field offsets and sizes of struct ksm_rmap_item for one ABI. */
export interface RmapItemLayout {
  readonly abi: Abi;
  readonly size: number;
  readonly littleEndian: boolean;
  /** sizeof(void *) == sizeof(unsigned long) */
  readonly word: 4 | 8;
  readonly rmap_list: number;
  /** union { anon_vma (word); nid (int, 4) } */
  readonly anon_vma: number;
  readonly mm: number;
  readonly address: number;
  readonly oldchecksum: number;
  readonly age: number;
  readonly remaining_skips: number;
  /** union { rb_node node (3 words); struct { head (word); hlist_node hlist (2 words) } } */
  readonly head: number;
}

/** kernel/rmap.md §4.2 (64-bit) and §4.3 (32-bit). */
export const LAYOUTS: Readonly<Record<Abi, RmapItemLayout>> = {
  'lp64-le': { abi: 'lp64-le', size: 64, littleEndian: true, word: 8, rmap_list: 0, anon_vma: 8, mm: 16, address: 24, oldchecksum: 32, age: 36, remaining_skips: 37, head: 40 },
  'lp64-be': { abi: 'lp64-be', size: 64, littleEndian: false, word: 8, rmap_list: 0, anon_vma: 8, mm: 16, address: 24, oldchecksum: 32, age: 36, remaining_skips: 37, head: 40 },
  'ilp32-le': { abi: 'ilp32-le', size: 36, littleEndian: true, word: 4, rmap_list: 0, anon_vma: 4, mm: 8, address: 12, oldchecksum: 16, age: 20, remaining_skips: 21, head: 24 },
};

/** Handles stored in pointer fields: 0 is NULL. */
export interface HandleRegistry {
  anonVma(id: number): AnonVma | undefined;
  mm(id: number): MmStruct | undefined;
  stableNode(id: number): KsmStableNode | undefined;
}

/** A struct hlist_head of rmap_items (a stable node's `hlist`): its first item, or NULL_ITEM. */
export interface RmapItemHlist {
  hlist: KsmRmapItem;
}

const TWO32 = 2 ** 32;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function bswap32(v: number): number {
  return ((v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/**
 * The unstable tree's view of rmap_items: `struct rb_node node` of each item, in typed arrays
 * indexed by handle (the rbtree accessor for src/mm/rbtree.ts). The colour is the kernel's
 * RB_RED 0 / RB_BLACK 1.
 */
export class RmapItemRbLinks implements RbLinks<KsmRmapItem> {
  readonly nil = NULL_ITEM;
  rb_parent: Int32Array;
  rb_left: Int32Array;
  rb_right: Int32Array;
  rb_color: Uint8Array;

  constructor(records: number) {
    this.rb_parent = new Int32Array(records);
    this.rb_left = new Int32Array(records);
    this.rb_right = new Int32Array(records);
    this.rb_color = new Uint8Array(records);
  }

  parent(n: KsmRmapItem): KsmRmapItem {
    return this.rb_parent[n]! as KsmRmapItem;
  }
  left(n: KsmRmapItem): KsmRmapItem {
    return this.rb_left[n]! as KsmRmapItem;
  }
  right(n: KsmRmapItem): KsmRmapItem {
    return this.rb_right[n]! as KsmRmapItem;
  }
  color(n: KsmRmapItem): RbColor {
    return this.rb_color[n]! as RbColor;
  }
  setParent(n: KsmRmapItem, p: KsmRmapItem): void {
    this.rb_parent[n] = p;
  }
  setLeft(n: KsmRmapItem, c: KsmRmapItem): void {
    this.rb_left[n] = c;
  }
  setRight(n: KsmRmapItem, c: KsmRmapItem): void {
    this.rb_right[n] = c;
  }
  setColor(n: KsmRmapItem, color: RbColor): void {
    this.rb_color[n] = color;
  }
  setParentColor(n: KsmRmapItem, p: KsmRmapItem, color: RbColor): void {
    this.rb_parent[n] = p;
    this.rb_color[n] = color;
  }

  /** The links of records [0, records) survive; new ones are zero (NULL, red). */
  grow(records: number): void {
    this.rb_parent = grown(this.rb_parent, records);
    this.rb_left = grown(this.rb_left, records);
    this.rb_right = grown(this.rb_right, records);
    this.rb_color = grown(this.rb_color, records);
  }

  /** kmem_cache_zalloc: a zeroed rb_node. */
  clear(n: KsmRmapItem): void {
    this.rb_parent[n] = 0;
    this.rb_left[n] = 0;
    this.rb_right[n] = 0;
    this.rb_color[n] = 0;
  }
}

/**
 * The model's shadow of {oldchecksum, age, remaining_skips} by handle. Only policies that store
 * an index read or write it, so it is allocated on the first write; until then every item's
 * shadow reads as the zeroed value kmem_cache_zalloc gave it.
 */
class ItemShadow {
  oldchecksum: Uint32Array;
  age: Uint8Array;
  remaining_skips: Uint8Array;

  constructor(records: number) {
    this.oldchecksum = new Uint32Array(records);
    this.age = new Uint8Array(records);
    this.remaining_skips = new Uint8Array(records);
  }

  grow(records: number): void {
    this.oldchecksum = grown(this.oldchecksum, records);
    this.age = grown(this.age, records);
    this.remaining_skips = grown(this.remaining_skips, records);
  }

  clear(item: KsmRmapItem): void {
    this.oldchecksum[item] = 0;
    this.age[item] = 0;
    this.remaining_skips[item] = 0;
  }
}

/**
 * The slab rmap_item_cache: records in a growing (doubling) ArrayBuffer with the model's
 * per-item arrays beside it, and a free list threaded through the rmap_list links of freed
 * items, as kmem_cache_zalloc and kmem_cache_free manage it. Every field is read and written
 * through `(item)` accessors: nothing is allocated per access.
 */
export class RmapItemCache {
  readonly layout: RmapItemLayout;
  /** The unstable tree's rb_node accessor (the union's rb_node / hlist_node links). */
  readonly rb: RmapItemRbLinks;
  private readonly registry: HandleRegistry;
  private bytesView: Uint8Array;
  private words: Uint32Array;
  /** 32-bit words are stored byte-swapped (a big-endian ABI on a little-endian host). */
  private readonly swap: boolean;
  /** Record stride in 32-bit words. */
  private readonly stride: number;
  private readonly size: number;
  private readonly wide: boolean;
  // 32-bit word indices inside a record: lo/hi halves of each unsigned long (hi unused when 4 bytes)
  private readonly anonVmaLo: number;
  private readonly anonVmaHi: number;
  private readonly nidWord: number;
  private readonly mmLo: number;
  private readonly mmHi: number;
  private readonly addressLo: number;
  private readonly addressHi: number;
  private readonly overlayLo: number;
  private readonly overlayHi: number;
  private readonly oldchecksumWord: number;
  private readonly headLo: number;
  private readonly headHi: number;
  private readonly ageByte: number;
  private readonly skipsByte: number;
  // the model's per-item arrays
  private next: Int32Array;
  private liveFlags: Uint8Array;
  private shadow: ItemShadow | null = null;
  /** Usable records (handles 1..capacity). */
  private capacity: number;
  /** Handles ever handed out: 1..used. */
  private used = 0;
  private freeHead = 0;
  private freeCount = 0;

  constructor(abi: Abi, registry: HandleRegistry, initialCapacity = 1024) {
    const L = LAYOUTS[abi];
    this.layout = L;
    this.registry = registry;
    this.capacity = Math.max(1, initialCapacity);
    const records = this.capacity + 1;
    this.size = L.size;
    this.stride = L.size / 4;
    this.wide = L.word === 8;
    this.swap = L.littleEndian !== HOST_LITTLE_ENDIAN;
    // Which 32-bit half of an 8-byte word comes first in memory.
    const loFirst = L.littleEndian;
    const lo = (off: number): number => (this.wide && !loFirst ? off + 4 : off) / 4;
    const hi = (off: number): number => (this.wide ? (loFirst ? off + 4 : off) / 4 : -1);
    this.anonVmaLo = lo(L.anon_vma);
    this.anonVmaHi = hi(L.anon_vma);
    this.nidWord = L.anon_vma / 4; // the int at the union's first 4 bytes
    this.mmLo = lo(L.mm);
    this.mmHi = hi(L.mm);
    this.addressLo = lo(L.address);
    this.addressHi = hi(L.address);
    this.overlayLo = lo(L.oldchecksum);
    this.overlayHi = hi(L.oldchecksum);
    this.oldchecksumWord = L.oldchecksum / 4;
    this.headLo = lo(L.head);
    this.headHi = hi(L.head);
    this.ageByte = L.age;
    this.skipsByte = L.remaining_skips;
    this.bytesView = new Uint8Array(records * L.size);
    this.words = new Uint32Array(this.bytesView.buffer);
    this.rb = new RmapItemRbLinks(records);
    this.next = new Int32Array(records);
    this.liveFlags = new Uint8Array(records);
  }

  /** kmem_cache_zalloc: a zeroed record. */
  zalloc(): KsmRmapItem {
    if (this.freeHead === 0) {
      // a never-used record: the buffers are born zeroed
      if (this.used === this.capacity) this.grow();
      const fresh = ++this.used as KsmRmapItem;
      this.liveFlags[fresh] = 1;
      return fresh;
    }
    const item = this.freeHead as KsmRmapItem;
    this.freeHead = this.next[item]!;
    this.freeCount--;
    const words = this.words;
    for (let i = item * this.stride, end = i + this.stride; i < end; i++) words[i] = 0;
    this.next[item] = 0;
    this.rb.clear(item);
    this.liveFlags[item] = 1;
    this.shadow?.clear(item);
    return item;
  }

  /** kmem_cache_free */
  release(item: KsmRmapItem): void {
    this.liveFlags[item] = 0;
    this.next[item] = this.freeHead;
    this.freeHead = item;
    this.freeCount++;
  }

  /** The kmem_cache slot of an item (handle - 1). */
  slot(item: KsmRmapItem): number {
    return item - 1;
  }

  /** A copy of the raw bytes of one record (for tests and dumps). */
  bytes(item: KsmRmapItem): Uint8Array {
    return this.bytesView.slice(item * this.size, (item + 1) * this.size);
  }

  get liveRecords(): number {
    return this.used - this.freeCount;
  }

  /** No write ever reached handle 0 (a NULL dereference the typed arrays would not trap). */
  nullItemIntact(): boolean {
    const rb = this.rb;
    if (this.next[0] !== 0 || rb.rb_parent[0] !== 0 || rb.rb_left[0] !== 0 || rb.rb_right[0] !== 0 || rb.rb_color[0] !== 0) return false;
    for (let i = 0; i < this.stride; i++) if (this.words[i] !== 0) return false;
    return true;
  }

  /** Still allocated (free_rmap_item not yet called). */
  live(item: KsmRmapItem): boolean {
    return this.liveFlags[item] === 1;
  }

  private grow(): void {
    this.capacity *= 2;
    const records = this.capacity + 1;
    this.bytesView = grown(this.bytesView, records * this.size);
    this.words = new Uint32Array(this.bytesView.buffer);
    this.rb.grow(records);
    this.next = grown(this.next, records);
    this.liveFlags = grown(this.liveFlags, records);
    this.shadow?.grow(records);
  }

  // ---- 32-bit words and unsigned longs of a record (index = item * stride + word) ----
  private get32(i: number): number {
    const v = this.words[i]!;
    return this.swap ? bswap32(v) : v;
  }
  private set32(i: number, v: number): void {
    this.words[i] = this.swap ? bswap32(v >>> 0) : v;
  }
  /** An unsigned long as an exact JS number (values < 2^53). */
  private getWord(item: KsmRmapItem, lo: number, hi: number): number {
    const base = item * this.stride;
    const low = this.get32(base + lo);
    return this.wide ? this.get32(base + hi) * TWO32 + low : low;
  }
  private setWord(item: KsmRmapItem, lo: number, hi: number, v: number): void {
    const base = item * this.stride;
    if (v >>> 0 === v) {
      // below 2^32 (every id): the high half is 0
      this.set32(base + lo, v);
      if (this.wide) this.set32(base + hi, 0);
      return;
    }
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`rmap_item word ${v} is not an unsigned integer`);
    if (!this.wide) {
      if (v >= TWO32) throw new RangeError(`value ${v} does not fit a 32-bit unsigned long (${this.layout.abi})`);
      this.set32(base + lo, v);
      return;
    }
    this.set32(base + lo, v % TWO32);
    this.set32(base + hi, Math.floor(v / TWO32));
  }

  // ---- rmap_list: next item of the mm_slot's sorted singly-linked list (model-side) ----
  rmap_list(item: KsmRmapItem): KsmRmapItem {
    return this.next[item]! as KsmRmapItem;
  }
  set_rmap_list(item: KsmRmapItem, next: KsmRmapItem): void {
    this.next[item] = next;
  }

  // ---- address ----
  /**
   * rmap_item->address: the byte address vpn << 12 plus the low flag bits. A 5-level address
   * reaches 2^57, past a double's exact range, so it is read and written as two 32-bit halves:
   * low = (vpn mod 2^20) << 12 | flags, high = vpn >> 20.
   */
  vpn(item: KsmRmapItem): number {
    const base = item * this.stride;
    const lo = this.get32(base + this.addressLo);
    const page = lo >>> 12;
    return this.wide ? this.get32(base + this.addressHi) * 2 ** 20 + page : page;
  }
  addressFlags(item: KsmRmapItem): number {
    return this.get32(item * this.stride + this.addressLo) & FLAG_BITS;
  }
  setAddress(item: KsmRmapItem, vpn: number, flags: number): void {
    if (!Number.isSafeInteger(vpn) || vpn < 0) throw new RangeError(`rmap_item address: page ${vpn} is not a page number`);
    const hi = Math.floor(vpn / 2 ** 20);
    const lo = (vpn % 2 ** 20) * 4096 + (flags & FLAG_BITS);
    const base = item * this.stride;
    if (!this.wide) {
      if (hi !== 0) throw new RangeError(`value ${hi} * 2^32 + ${lo} does not fit a 32-bit unsigned long (${this.layout.abi})`);
      this.set32(base + this.addressLo, lo);
      return;
    }
    this.set32(base + this.addressLo, lo);
    this.set32(base + this.addressHi, hi);
  }
  /** rmap_item->address |= bits */
  orAddress(item: KsmRmapItem, bits: number): void {
    const i = item * this.stride + this.addressLo;
    this.set32(i, this.get32(i) | (bits & FLAG_BITS));
  }
  /** rmap_item->address &= PAGE_MASK */
  maskAddress(item: KsmRmapItem): void {
    const i = item * this.stride + this.addressLo;
    this.set32(i, this.get32(i) & ~FLAG_BITS);
  }

  // ---- oldchecksum, age, remaining_skips ----
  oldchecksum(item: KsmRmapItem): number {
    return this.get32(item * this.stride + this.oldchecksumWord);
  }
  set_oldchecksum(item: KsmRmapItem, v: number): void {
    this.set32(item * this.stride + this.oldchecksumWord, v);
  }
  age(item: KsmRmapItem): number {
    return this.bytesView[item * this.size + this.ageByte]!;
  }
  set_age(item: KsmRmapItem, v: number): void {
    this.bytesView[item * this.size + this.ageByte] = v;
  }
  remaining_skips(item: KsmRmapItem): number {
    return this.bytesView[item * this.size + this.skipsByte]!;
  }
  set_remaining_skips(item: KsmRmapItem, v: number): void {
    this.bytesView[item * this.size + this.skipsByte] = v;
  }

  // ---- pointer fields ----
  /** union member `anon_vma` (a pointer: the anon_vma's id, 0 = NULL). */
  anon_vma(item: KsmRmapItem): AnonVma | null {
    const id = this.getWord(item, this.anonVmaLo, this.anonVmaHi);
    if (id === 0) return null;
    const av = this.registry.anonVma(id);
    if (!av) throw new Error(`rmap_item anon_vma field holds ${id}, which is no anon_vma (clobbered union?)`);
    return av;
  }
  set_anon_vma(item: KsmRmapItem, av: AnonVma | null): void {
    this.setWord(item, this.anonVmaLo, this.anonVmaHi, av ? av.id : 0);
  }
  /** union member `nid` (int) over the first 4 bytes of anon_vma: its low half on little-endian. */
  nid(item: KsmRmapItem): number {
    return this.get32(item * this.stride + this.nidWord);
  }
  set_nid(item: KsmRmapItem, v: number): void {
    this.set32(item * this.stride + this.nidWord, v);
  }

  mm(item: KsmRmapItem): MmStruct {
    const id = this.getWord(item, this.mmLo, this.mmHi);
    const mm = this.registry.mm(id);
    if (!mm) throw new Error(`rmap_item mm field holds ${id}, which is no mm`);
    return mm;
  }
  set_mm(item: KsmRmapItem, mm: MmStruct): void {
    this.setWord(item, this.mmLo, this.mmHi, mm.id);
  }

  /** head: the stable node heading this item's hlist (when STABLE_FLAG). */
  head(item: KsmRmapItem): KsmStableNode | null {
    const id = this.getWord(item, this.headLo, this.headHi);
    return id === 0 ? null : (this.registry.stableNode(id) ?? null);
  }
  set_head(item: KsmRmapItem, node: KsmStableNode | null): void {
    this.setWord(item, this.headLo, this.headHi, node ? node.id : 0);
  }

  // ---- the union a stored page index puts over {oldchecksum, age, remaining_skips} ----
  /** Which of {oldchecksum, age, remaining_skips} an unsigned long at their offset covers: all on 64-bit, oldchecksum only on 32-bit. */
  get overlayCoversAge(): boolean {
    return this.wide;
  }
  /** Read the whole unsigned long at the {oldchecksum, age, remaining_skips} offset (a stored index overlays it). */
  overlayWord(item: KsmRmapItem): number {
    return this.getWord(item, this.overlayLo, this.overlayHi);
  }
  setOverlayWord(item: KsmRmapItem, v: number): void {
    this.setWord(item, this.overlayLo, this.overlayHi, v);
  }

  // ---- hlist: struct hlist_node of a stable item, in the union's rb_node words ----
  /** rmap_item->hlist.next */
  hlist_next(item: KsmRmapItem): KsmRmapItem {
    return this.rb.rb_left[item]! as KsmRmapItem;
  }
  /** hlist_add_head(&rmap_item->hlist, &head->hlist): the newest item first. */
  hlist_add_head(item: KsmRmapItem, head: RmapItemHlist): void {
    const first = head.hlist;
    this.rb.rb_left[item] = first; // hlist.next
    this.rb.rb_right[item] = NULL_ITEM; // hlist.pprev = &head->first
    if (first !== NULL_ITEM) this.rb.rb_right[first] = item;
    head.hlist = item;
  }
  /** hlist_del(&rmap_item->hlist) from head's list. */
  hlist_del(item: KsmRmapItem, head: RmapItemHlist): void {
    const next = this.rb.rb_left[item]! as KsmRmapItem;
    const prev = this.rb.rb_right[item]! as KsmRmapItem; // NULL_ITEM: pprev is &head->first
    if (prev === NULL_ITEM) head.hlist = next;
    else this.rb.rb_left[prev] = next;
    if (next !== NULL_ITEM) this.rb.rb_right[next] = prev;
  }

  // ---- the model's shadow of {oldchecksum, age, remaining_skips} (ItemShadow) ----
  /**
   * What the bytes would hold had every stored rmap index been reset where seed 000 resets it.
   * A read of a field whose bytes differ from its shadow is a stale overlay read
   * (stale_overlay_reads).
   */
  shadow_oldchecksum(item: KsmRmapItem): number {
    const sh = this.shadow;
    return sh === null ? 0 : sh.oldchecksum[item]!;
  }
  set_shadow_oldchecksum(item: KsmRmapItem, v: number): void {
    (this.shadow ?? this.allocShadow()).oldchecksum[item] = v;
  }
  shadow_age(item: KsmRmapItem): number {
    const sh = this.shadow;
    return sh === null ? 0 : sh.age[item]!;
  }
  set_shadow_age(item: KsmRmapItem, v: number): void {
    (this.shadow ?? this.allocShadow()).age[item] = v;
  }
  shadow_remaining_skips(item: KsmRmapItem): number {
    const sh = this.shadow;
    return sh === null ? 0 : sh.remaining_skips[item]!;
  }
  set_shadow_remaining_skips(item: KsmRmapItem, v: number): void {
    (this.shadow ?? this.allocShadow()).remaining_skips[item] = v;
  }
  private allocShadow(): ItemShadow {
    const sh = new ItemShadow(this.capacity + 1);
    this.shadow = sh;
    return sh;
  }
}
