// Stacks: a kernel or a patch series state — one variant per axis plus the model knobs it
// implies (merge order, paging levels, ABI, smart scan). Which patch landed when:
// kernel/scan.md §0 and kernel/rmap.md §3.1.
import type { Abi, KsmPolicy } from '../src/ksm/variant-api.ts';
import { getVariant } from './registry.ts';
import type { Axis } from './types.ts';

export type MergeOrder = '6.1' | '6.11';

export interface Stack {
  readonly name: string;
  readonly description: string;
  readonly variants: Readonly<Record<Axis, string>>;
  readonly mergeOrder: MergeOrder;
  readonly paging: 4 | 5;
  readonly abi: Abi;
  /** Knobs the kernel did not have are pinned off (smart scan arrived ~6.7). */
  readonly smartScan: boolean;
}

const LP64: Pick<Stack, 'paging' | 'abi'> = { paging: 4, abi: 'lp64-le' };

export const STACKS: readonly Stack[] = [
  {
    name: 'v6.1',
    description: 'Linux 6.1 (Dec 2022): per-address scan (follow_page), stable tree searched before the checksum, KSM zero pages unmarked, no smart scan',
    variants: { scanner: 'folio-walk', rmap: 'full-range', unmerge: 'per-address', 'zero-pages': 'legacy', 'stable-ref': 'keyhole' },
    mergeOrder: '6.1',
    smartScan: false,
    ...LP64,
  },
  {
    name: 'v6.17',
    description: 'Linux 6.17 (Sep 2025): folio_walk scan, checksum first, marked zero pages, smart scan',
    variants: { scanner: 'folio-walk', rmap: 'full-range', unmerge: 'per-address', 'zero-pages': 'marked', 'stable-ref': 'keyhole' },
    mergeOrder: '6.11',
    smartScan: true,
    ...LP64,
  },
  {
    name: 'v6.18',
    description: 'Linux 6.18 (Nov 2025): + range-walk scan (seed 004, f5548c318d65)',
    variants: { scanner: 'walk-page-range', rmap: 'full-range', unmerge: 'per-address', 'zero-pages': 'marked', 'stable-ref': 'keyhole' },
    mergeOrder: '6.11',
    smartScan: true,
    ...LP64,
  },
  {
    name: 'rmap-v3',
    description: 'mm tree, Feb–Apr 2026: + range-walk break_ksm series, rmap index series v3 (address >> PAGE_SHIFT)',
    variants: { scanner: 'walk-page-range', rmap: 'addr-shift', unmerge: 'range-walk', 'zero-pages': 'marked', 'stable-ref': 'keyhole' },
    mergeOrder: '6.11',
    smartScan: true,
    ...LP64,
  },
  {
    name: 'rmap-v4',
    description: 'rmap index series v4 (May 2026): stored merge-time vm_pgoff (seed 002)',
    variants: { scanner: 'walk-page-range', rmap: 'vm-pgoff', unmerge: 'range-walk', 'zero-pages': 'marked', 'stable-ref': 'keyhole' },
    mergeOrder: '6.11',
    smartScan: true,
    ...LP64,
  },
  {
    name: 'rmap-v8',
    description: 'rmap index series v8 (Jun 2026): stored linear_page_index (seed 000)',
    variants: { scanner: 'walk-page-range', rmap: 'linear-page-index', unmerge: 'range-walk', 'zero-pages': 'marked', 'stable-ref': 'keyhole' },
    mergeOrder: '6.11',
    smartScan: true,
    ...LP64,
  },
  {
    name: 'next-20260720',
    description: 'linux-next 2026-07-20: range-walk scan and unmerge, rmap index v8',
    variants: { scanner: 'walk-page-range', rmap: 'linear-page-index', unmerge: 'range-walk', 'zero-pages': 'marked', 'stable-ref': 'keyhole' },
    mergeOrder: '6.11',
    smartScan: true,
    ...LP64,
  },
];

export class UnknownStackError extends Error {}

export function getStack(name: string): Stack {
  const s = STACKS.find((x) => x.name === name);
  if (!s) throw new UnknownStackError(`unknown stack "${name}" (accepted: ${STACKS.map((x) => x.name).join(', ')})`);
  return s;
}

/** The engine policy of a set of variant ids (one per axis). */
export function policyOf(ids: Readonly<Record<Axis, string>>): KsmPolicy {
  return {
    scanner: getVariant('scanner', ids.scanner).policy,
    rmap: getVariant('rmap', ids.rmap).policy,
    unmerge: getVariant('unmerge', ids.unmerge).policy,
    zeroPages: getVariant('zero-pages', ids['zero-pages']).policy,
    stableRef: getVariant('stable-ref', ids['stable-ref']).policy,
  };
}
