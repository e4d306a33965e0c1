// struct ksm_rmap_item stored in bytes (mm/ksm.c), one fixed-size record per item in a slab
// (the kmem_cache rmap_item_cache), with the real field offsets of an ABI (kernel/rmap.md §4).
// Pointer fields hold handles (ids) of the objects they point to, so a union really overlays
// them: writing `nid` clobbers the low half of `anon_vma`, and a stored linear page index
// really covers {oldchecksum, age, remaining_skips} on 64-bit but only oldchecksum on 32-bit.
import type { AnonVma } from '../mm/anon-vma.ts';
import type { MmStruct } from '../mm/mm.ts';
import { RB_BLACK, type RbColor, type RbNode } from '../mm/rbtree.ts';
import type { KsmStableNode } from './stable-node.ts';

/** Low bits of rmap_item->address (mm/ksm.c). */
export const SEQNR_MASK = 0x0ff;
export const UNSTABLE_FLAG = 0x100;
export const STABLE_FLAG = 0x200;
const FLAG_BITS = 0xfff;

export type Abi = 'lp64-le' | 'lp64-be' | 'ilp32-le';
export const ABIS: readonly Abi[] = ['lp64-le', 'lp64-be', 'ilp32-le'];

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

const TWO32 = 2 ** 32;

/**
 * The slab: a growing ArrayBuffer of fixed-size records and a free list, as kmem_cache_zalloc
 * and kmem_cache_free manage rmap_item_cache.
 */
export class RmapItemCache {
  readonly layout: RmapItemLayout;
  private buffer: ArrayBuffer;
  view: DataView;
  private capacity: number;
  private readonly free: number[] = [];
  private used = 0;

  constructor(abi: Abi, initialCapacity = 1024) {
    this.layout = LAYOUTS[abi];
    this.capacity = initialCapacity;
    this.buffer = new ArrayBuffer(this.capacity * this.layout.size);
    this.view = new DataView(this.buffer);
  }

  /** kmem_cache_zalloc: a zeroed record's slot. */
  zalloc(): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used === this.capacity) this.grow();
      slot = this.used++;
    }
    new Uint8Array(this.buffer, slot * this.layout.size, this.layout.size).fill(0);
    return slot;
  }

  /** kmem_cache_free */
  release(slot: number): void {
    this.free.push(slot);
  }

  /** The raw bytes of one record (for tests and dumps). */
  bytes(slot: number): Uint8Array {
    return new Uint8Array(this.buffer.slice(slot * this.layout.size, (slot + 1) * this.layout.size));
  }

  get liveRecords(): number {
    return this.used - this.free.length;
  }

  private grow(): void {
    const bigger = new ArrayBuffer(this.capacity * 2 * this.layout.size);
    new Uint8Array(bigger).set(new Uint8Array(this.buffer));
    this.buffer = bigger;
    this.view = new DataView(this.buffer);
    this.capacity *= 2;
  }

  // ---- typed accessors at (slot, field offset) ----
  u8(slot: number, off: number): number {
    return this.view.getUint8(slot * this.layout.size + off);
  }
  setU8(slot: number, off: number, v: number): void {
    this.view.setUint8(slot * this.layout.size + off, v & 0xff);
  }
  u32(slot: number, off: number): number {
    return this.view.getUint32(slot * this.layout.size + off, this.layout.littleEndian);
  }
  setU32(slot: number, off: number, v: number): void {
    this.view.setUint32(slot * this.layout.size + off, v >>> 0, this.layout.littleEndian);
  }
  /** An unsigned long (4 or 8 bytes) as an exact JS number (values < 2^53). */
  word(slot: number, off: number): number {
    if (this.layout.word === 4) return this.u32(slot, off);
    const base = slot * this.layout.size + off;
    const le = this.layout.littleEndian;
    const lo = this.view.getUint32(le ? base : base + 4, le);
    const hi = this.view.getUint32(le ? base + 4 : base, le);
    return hi * TWO32 + lo;
  }
  /** An unsigned long as its (high, low) 32-bit halves: exact for any 64-bit value. */
  wordParts(slot: number, off: number): [number, number] {
    if (this.layout.word === 4) return [0, this.u32(slot, off)];
    const base = slot * this.layout.size + off;
    const le = this.layout.littleEndian;
    return [this.view.getUint32(le ? base + 4 : base, le), this.view.getUint32(le ? base : base + 4, le)];
  }
  setWordParts(slot: number, off: number, hi: number, lo: number): void {
    if (this.layout.word === 4) {
      if (hi !== 0) throw new RangeError(`value ${hi} * 2^32 + ${lo} does not fit a 32-bit unsigned long (${this.layout.abi})`);
      this.setU32(slot, off, lo);
      return;
    }
    const base = slot * this.layout.size + off;
    const le = this.layout.littleEndian;
    this.view.setUint32(le ? base : base + 4, lo >>> 0, le);
    this.view.setUint32(le ? base + 4 : base, hi >>> 0, le);
  }
  setWord(slot: number, off: number, v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`rmap_item word ${v} is not an unsigned integer`);
    if (this.layout.word === 4) {
      if (v >= TWO32) throw new RangeError(`value ${v} does not fit a 32-bit unsigned long (${this.layout.abi})`);
      this.setU32(slot, off, v);
      return;
    }
    const base = slot * this.layout.size + off;
    const le = this.layout.littleEndian;
    this.view.setUint32(le ? base : base + 4, v % TWO32, le);
    this.view.setUint32(le ? base + 4 : base, Math.floor(v / TWO32), le);
  }
}

/**
 * One ksm_rmap_item. Its fields live in the slab record; the links of the unstable-tree
 * rb_node and the stable hlist are kept on this object (the model's pointers), while the
 * union slot they share holds `head` for stable items.
 */
export class KsmRmapItem implements RbNode<KsmRmapItem> {
  readonly cache: RmapItemCache;
  readonly slot: number;
  private readonly registry: HandleRegistry;
  /** rmap_list: next item of the mm_slot's sorted singly-linked list. */
  rmap_list: KsmRmapItem | null = null;
  // rb_node links while in the unstable tree
  parent: KsmRmapItem | null = null;
  left: KsmRmapItem | null = null;
  right: KsmRmapItem | null = null;
  color: RbColor = RB_BLACK;
  /** Still allocated (free_rmap_item not yet called). */
  live = true;
  /**
   * Model-only shadow of {oldchecksum, age, remaining_skips}: what the bytes would hold had
   * every stored rmap index been reset where seed 000 resets it. A read of a field whose bytes
   * differ from its shadow is a stale overlay read (stale_overlay_reads).
   */
  readonly shadow = { oldchecksum: 0, age: 0, remaining_skips: 0 };

  constructor(cache: RmapItemCache, registry: HandleRegistry) {
    this.cache = cache;
    this.registry = registry;
    this.slot = cache.zalloc();
  }

  private get L(): RmapItemLayout {
    return this.cache.layout;
  }

  /**
   * rmap_item->address: the byte address vpn << 12 plus the low flag bits. A 5-level address
   * reaches 2^57, past a double's exact range, so it is read and written as two 32-bit halves:
   * low = (vpn mod 2^20) << 12 | flags, high = vpn >> 20.
   */
  get vpn(): number {
    const [hi, lo] = this.cache.wordParts(this.slot, this.L.address);
    return hi * 2 ** 20 + Math.floor(lo / 4096);
  }
  get addressFlags(): number {
    return this.cache.wordParts(this.slot, this.L.address)[1] % 4096;
  }
  setAddress(vpn: number, flags: number): void {
    if (!Number.isSafeInteger(vpn) || vpn < 0) throw new RangeError(`rmap_item address: page ${vpn} is not a page number`);
    const lo = (vpn % 2 ** 20) * 4096 + (flags & FLAG_BITS);
    this.cache.setWordParts(this.slot, this.L.address, Math.floor(vpn / 2 ** 20), lo);
  }
  /** rmap_item->address |= bits */
  orAddress(bits: number): void {
    this.setAddress(this.vpn, this.addressFlags | bits);
  }
  /** rmap_item->address &= PAGE_MASK */
  maskAddress(): void {
    this.setAddress(this.vpn, 0);
  }

  get oldchecksum(): number {
    return this.cache.u32(this.slot, this.L.oldchecksum);
  }
  set oldchecksum(v: number) {
    this.cache.setU32(this.slot, this.L.oldchecksum, v);
  }
  get age(): number {
    return this.cache.u8(this.slot, this.L.age);
  }
  set age(v: number) {
    this.cache.setU8(this.slot, this.L.age, v);
  }
  get remaining_skips(): number {
    return this.cache.u8(this.slot, this.L.remaining_skips);
  }
  set remaining_skips(v: number) {
    this.cache.setU8(this.slot, this.L.remaining_skips, v);
  }

  /** union member `anon_vma` (a pointer: the anon_vma's id, 0 = NULL). */
  get anon_vma(): AnonVma | null {
    const id = this.cache.word(this.slot, this.L.anon_vma);
    if (id === 0) return null;
    const av = this.registry.anonVma(id);
    if (!av) throw new Error(`rmap_item anon_vma field holds ${id}, which is no anon_vma (clobbered union?)`);
    return av;
  }
  set anon_vma(av: AnonVma | null) {
    this.cache.setWord(this.slot, this.L.anon_vma, av ? av.id : 0);
  }
  /** union member `nid` (int) over the low bytes of anon_vma on little-endian. */
  get nid(): number {
    return this.cache.u32(this.slot, this.L.anon_vma);
  }
  set nid(v: number) {
    this.cache.setU32(this.slot, this.L.anon_vma, v);
  }

  get mm(): MmStruct {
    const id = this.cache.word(this.slot, this.L.mm);
    const mm = this.registry.mm(id);
    if (!mm) throw new Error(`rmap_item mm field holds ${id}, which is no mm`);
    return mm;
  }
  set mm(mm: MmStruct) {
    this.cache.setWord(this.slot, this.L.mm, mm.id);
  }

  /** head: the stable node heading this item's hlist (when STABLE_FLAG). */
  get head(): KsmStableNode | null {
    const id = this.cache.word(this.slot, this.L.head);
    return id === 0 ? null : (this.registry.stableNode(id) ?? null);
  }
  set head(node: KsmStableNode | null) {
    this.cache.setWord(this.slot, this.L.head, node ? node.id : 0);
  }

  /** Which of {oldchecksum, age, remaining_skips} an unsigned long at their offset covers: all on 64-bit, oldchecksum only on 32-bit. */
  get overlayCoversAge(): boolean {
    return this.L.word === 8;
  }

  /** Read the whole unsigned long at the {oldchecksum, age, remaining_skips} offset (a stored index overlays it). */
  get overlayWord(): number {
    return this.cache.word(this.slot, this.L.oldchecksum);
  }
  set overlayWord(v: number) {
    this.cache.setWord(this.slot, this.L.oldchecksum, v);
  }
}
