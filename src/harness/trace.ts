// --trace rmap: one JSON line per rmap walk of the counting execution of each run, in the shape of
// the rmap-index series' proposed rmap_walk tracepoint (v6 1/6 "mm/rmap: add tracepoint for
// rmap_walk": folio, page_type ksm/anon/file, locked), with the walk's counts beside it.
import type { RmapWalkResult } from '../mm/rmap-walk.ts';

/** What --trace accepts. */
export const TRACE_KINDS = ['rmap'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

/** One line of an rmap trace. */
export interface RmapTraceLine {
  readonly event: 'rmap_walk';
  /** The run's index in the result's runs[] (suite order). */
  readonly run: number;
  readonly scenario: string;
  /** The scenario parameters as in the result ("k=v;k=v", "" for none). */
  readonly params: string;
  readonly stack: string;
  /** The index of the rmap_walk op in the scenario's ops. */
  readonly op: number;
  /** The folio's pfn. */
  readonly folio: number;
  readonly page_type: 'ksm' | 'anon';
  /** rmap_walk_locked (the caller holds the anon_vma lock): never for these walks, which take it. */
  readonly locked: false;
  readonly anon_vma_locks: number;
  readonly iterations: number;
  readonly skip_addr: number;
  readonly skip_mm: number;
  readonly rmap_one: number;
  /** The folio's mappings (mapcount) when the walk began, those found and those missed. */
  readonly expected: number;
  readonly found: number;
  readonly missed: number;
  /** try_to_unmap / try_to_migrate would leave the folio unmapped: no mapping missed. */
  readonly could_unmap: boolean;
}

export function rmapTraceLine(where: Pick<RmapTraceLine, 'run' | 'scenario' | 'params' | 'stack'>, op: number, w: RmapWalkResult): RmapTraceLine {
  const d = w.detail;
  return {
    event: 'rmap_walk',
    ...where,
    op,
    folio: w.folio,
    page_type: w.pageType,
    locked: false,
    anon_vma_locks: d.anonVmaLocks,
    iterations: d.iterations,
    skip_addr: d.skipAddr,
    skip_mm: d.skipMm,
    rmap_one: d.rmapOne,
    expected: w.expected,
    found: w.found,
    missed: w.missed.length,
    could_unmap: w.couldUnmap,
  };
}
