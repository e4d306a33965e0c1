// Sizes in scenario files and --param values: 4K, 4KiB, 2M, 1G, 32T, 32TiB, or a page count.

const UNITS: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 };

export class SizeError extends Error {}

/** A size as a number of 4 KiB pages. A bare number is a page count. */
export function parseSizePages(value: unknown, what = 'size'): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value <= 0) throw new SizeError(`${what} ${value} is not a positive whole number of pages (accepted: a page count or 4K, 4KiB, 2M, 1G, 32T, 32TiB)`);
    return value;
  }
  if (typeof value !== 'string') throw new SizeError(`${what} ${JSON.stringify(value)} is not a size (accepted: a page count or 4K, 4KiB, 2M, 1G, 32T, 32TiB)`);
  if (/^0x[0-9a-f]+$/i.test(value.trim())) {
    // BigInt: 5-level addresses reach 2^57, beyond the exact range of a double
    const bytes = BigInt(value.trim());
    if (bytes <= 0n || bytes % 4096n !== 0n || bytes > 2n ** 57n) throw new SizeError(`${what} ${value} is not a page-aligned user address`);
    return Number(bytes / 4096n);
  }
  const m = /^([0-9]+)([KMGTP])(i?B)?$/.exec(value.trim());
  if (!m) {
    if (/^[0-9]+$/.test(value.trim())) return parseSizePages(Number(value.trim()), what);
    throw new SizeError(`${what} "${value}" is not a size (accepted: a page count or 4K, 4KiB, 2M, 1G, 32T, 32TiB)`);
  }
  const bytes = Number(m[1]) * UNITS[m[2]!]!;
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes % 4096 !== 0) {
    throw new SizeError(`${what} "${value}" is not a positive multiple of 4 KiB`);
  }
  return bytes / 4096;
}

/** Pages as the shortest exact binary size string (32TiB, 40KiB) for reports. */
export function formatPages(pages: number): string {
  const bytes = pages * 4096;
  for (const [u, f] of [['PiB', 2 ** 50], ['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${u}`;
  }
  return `${bytes}B`;
}
