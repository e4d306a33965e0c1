// Plain-object views of one page-table entry or one folio, decoded from the struct-of-arrays
// storage: for tests, dumps and error messages. Never used on the engine's hot paths.
import type { AnonVma } from './anon-vma.ts';
import { FOLIO_KSM, type Folio, type KsmStableNodeKey } from './folio.ts';
import type { Machine } from './machine.ts';
import type { MmStruct } from './mm.ts';
import {
  type EntryPointer,
  type PageTable,
  PT_MIGRATION,
  PT_NONE,
  PT_PMD_LEAF,
  PT_PTE,
  PT_SWAP,
  PT_TABLE,
  PTE_DIRTY,
  PTE_KSM_PLACED_ZERO,
  PTE_SPECIAL,
  PTE_WRITE,
} from './pgtable.ts';
import { PTRS_PER_TABLE, type TableLevel } from './units.ts';

export type EntryKindName = 'none' | 'table' | 'pte' | 'pmd-leaf' | 'swap' | 'migration';

const KIND_NAMES: Readonly<Record<number, EntryKindName>> = {
  [PT_NONE]: 'none',
  [PT_TABLE]: 'table',
  [PT_PTE]: 'pte',
  [PT_PMD_LEAF]: 'pmd-leaf',
  [PT_SWAP]: 'swap',
  [PT_MIGRATION]: 'migration',
};

/** One entry, decoded. Fields that do not apply to its kind are 0 / false. */
export interface EntryView {
  readonly ptr: EntryPointer;
  readonly kind: EntryKindName;
  readonly table: PageTable;
  readonly index: number;
  readonly level: TableLevel;
  /** The first vpn the entry covers. */
  readonly vpn: number;
  /** The mm whose tables hold it. */
  readonly mm: MmStruct | undefined;
  /** table: the next-level table */
  readonly child: PageTable;
  /** pte, pmd-leaf, migration: the folio */
  readonly folio: Folio;
  /** pte: which page of the folio */
  readonly page: number;
  /** swap: the content id of the swapped-out page */
  readonly content: number;
  readonly writable: boolean;
  readonly dirty: boolean;
  readonly special: boolean;
  readonly ksmPlacedZero: boolean;
}

export function entryView(machine: Machine, p: EntryPointer): EntryView {
  const pt = machine.pt;
  const kind = pt.kind[p]!;
  const val = pt.val[p]!;
  const bits = pt.bits[p]!;
  return {
    ptr: p,
    kind: KIND_NAMES[kind] ?? 'none',
    table: pt.tableOf(p),
    index: p % PTRS_PER_TABLE,
    level: pt.levelOf(p),
    vpn: pt.vpnOf(p),
    mm: machine.mmById[pt.mmIdOf(p)],
    child: kind === PT_TABLE ? val : 0,
    folio: kind === PT_PTE || kind === PT_PMD_LEAF || kind === PT_MIGRATION ? val : 0,
    page: kind === PT_PTE ? pt.page[p]! : 0,
    content: kind === PT_SWAP ? val : 0,
    writable: (bits & PTE_WRITE) !== 0,
    dirty: (bits & PTE_DIRTY) !== 0,
    special: (bits & PTE_SPECIAL) !== 0,
    ksmPlacedZero: (bits & PTE_KSM_PLACED_ZERO) !== 0,
  };
}

/** One folio, decoded. */
export interface FolioView {
  readonly pfn: Folio;
  readonly order: number;
  readonly content: number;
  readonly zeroPage: boolean;
  readonly anon: boolean;
  readonly ksm: boolean;
  readonly freed: boolean;
  /** folio_anon_vma (null for a KSM folio) */
  readonly anonVma: AnonVma | null;
  /** A KSM folio's stable node (null: none, or not KSM) */
  readonly stableNode: KsmStableNodeKey | null;
  readonly index: number;
  readonly refcount: number;
  readonly mapcount: number;
  /** The entries that map it, in order (the ground truth). */
  readonly maps: readonly EntryPointer[];
}

export function folioView(machine: Machine, f: Folio): FolioView {
  const folios = machine.folios;
  const ksm = folios.test(f, FOLIO_KSM);
  const mapping = folios.mapping[f] ?? null;
  return {
    pfn: f,
    order: folios.order[f]!,
    content: folios.content[f]!,
    zeroPage: folios.zeroPage(f),
    anon: folios.anon(f),
    ksm,
    freed: folios.freed(f),
    anonVma: folios.anonVma(f),
    stableNode: ksm ? (mapping as KsmStableNodeKey | null) : null,
    index: folios.index[f]!,
    refcount: folios.refcount[f]!,
    mapcount: folios.mapcount[f]!,
    maps: folios.mappings(machine.pt, f),
  };
}
