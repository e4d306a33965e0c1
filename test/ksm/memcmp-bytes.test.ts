// memcmp_pages' bytes compared, in the layout the live driver writes (the content id big-endian in
// every 8 bytes, 0 all zeroes): up to and including the first byte that differs, 4096 when equal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memcmpBytesOfContents } from '../../src/ksm/pages.ts';

/** The literal reference: both pages as bytes, compared one byte at a time. */
function literal(x: number, y: number): number {
  const page = (id: number): Uint8Array => {
    const b = new Uint8Array(4096);
    const v = new DataView(b.buffer);
    for (let k = 0; k < 4096; k += 8) v.setBigUint64(k, BigInt(id), false);
    return b;
  };
  const a = page(x);
  const b = page(y);
  for (let i = 0; i < 4096; i++) if (a[i] !== b[i]) return i + 1;
  return 4096;
}

describe('memcmp_bytes', () => {
  it('counts the whole page when equal, and up to the first difference otherwise', () => {
    assert.equal(memcmpBytesOfContents(7, 7), 4096);
    assert.equal(memcmpBytesOfContents(0, 0), 4096);
    assert.equal(memcmpBytesOfContents(7, 0), 8); // 00…07 against 00…00: the low byte
    assert.equal(memcmpBytesOfContents(256, 512), 7);
    assert.equal(memcmpBytesOfContents(2 ** 40, 0), 3);
    assert.equal(memcmpBytesOfContents(2 ** 52 + 1, 2 ** 52), 8);
    assert.equal(memcmpBytesOfContents(2 ** 52, 2 ** 51), 2);
  });

  it('equals the byte-by-byte comparison of the two pages (contents up to 2^53)', () => {
    let s = 12345;
    const next = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s;
    };
    for (let i = 0; i < 400; i++) {
      const x = (next() % 2 ** 21) * 2 ** 32 + next(); // below 2^53
      // y: x with its low `bits` bits drawn again, so the two share a prefix of a random length
      const bits = next() % 54;
      const low = 2 ** bits;
      const y = x - (x % low) + ((next() * 2 ** 21 + (next() % 2 ** 21)) % low);
      assert.equal(memcmpBytesOfContents(x, y), literal(x, y), `${x} against ${y}`);
      assert.equal(memcmpBytesOfContents(y, x), literal(x, y));
    }
  });
});
