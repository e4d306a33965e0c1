// The opening most scenarios share: one process maps a region, fills it, makes it mergeable and
// lets ksmd merge it.
import type { Content, Op } from '../format.ts';

/** mmap `pages` of p0/a, fill them with `content`, MADV_MERGEABLE, `fullScans` ksmd full scans. */
export function mergedRegion(pages: number, content: Content, fullScans = 2): Op[] {
  return [
    { op: 'mmap', proc: 'p0', region: 'a', size: pages },
    { op: 'fill', proc: 'p0', region: 'a', content },
    { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
    { op: 'ksmd', full_scans: fullScans },
  ];
}
