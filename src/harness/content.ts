// Deterministic page contents for scenario ops: the same (seed, region, page) gives the same
// content id on every machine.
import type { Content } from '../../bench/format.ts';

/** A 32-bit hash of a string and numbers (FNV-1a then a murmur finaliser). */
export function hash32(key: string, ...nums: number[]): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  for (const n of nums) {
    h = Math.imul(h ^ (n % 2 ** 32), 0x01000193);
    h = Math.imul(h ^ Math.floor(n / 2 ** 32), 0x01000193);
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The first content id of "unique" pages; each next one counts up from it, over the whole scenario. */
export const UNIQUE_CONTENT_FIRST = 2 ** 40;

/** Content ids the mix draws its duplicates from: a pool shared by every region (e.g. a guest OS image). */
const POOL_BASE = 2 ** 32;
/** Content ids of unique pages of a mix: derived from the hash, far from any pool or user id. */
const UNIQUE_BASE = 2 ** 44;

/** The content id of page `i` of `region` for a non-"unique" content spec. */
export function contentFor(c: Exclude<Content, 'unique'>, seed: number, region: string, i: number): number {
  if (typeof c === 'number') return c;
  if (c === 'zero') return 0;
  if ('mod' in c) return i % c.mod;
  const u = hash32(region, seed, i) / 2 ** 32;
  if (u < c.mix.zero) return 0;
  if (u < c.mix.zero + c.mix.dup) return POOL_BASE + (hash32('pool', seed, i, 1) % c.mix.pool);
  return UNIQUE_BASE + hash32(region, seed, i, 2) * 64 + (i % 64);
}
