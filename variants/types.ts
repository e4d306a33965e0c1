// What a variant is: one version of one mechanism (DESIGN.md §4), with its provenance and the
// functions its patch changes.
import type { RmapPolicy, ScannerPolicy, SplitZeroPagePolicy, StableRefPolicy, UnmergePolicy, ZeroPagePolicy } from '../src/ksm/variant-api.ts';

export const AXES = ['scanner', 'rmap', 'unmerge', 'zero-pages', 'stable-ref', 'split-zeropage'] as const;
export type Axis = (typeof AXES)[number];

export interface VariantMeta {
  /** The id the CLI accepts; the module's file name is variants/<axis>/<id>.ts. */
  readonly id: string;
  readonly axis: Axis;
  readonly title: string;
  /** The patch's subject line (or the mainline code it stands for). */
  readonly subject: string;
  /** Patch or kernel version, e.g. "v8 1/3" or "mainline ≤ 6.17". */
  readonly version: string;
  /** Date of the patch or of the code (YYYY-MM or YYYY-MM-DD). */
  readonly date: string;
  /** Where the text is: a lore/lkml link, a commit id, or a seed file. */
  readonly link: string;
  /** The id of the variant whose results this one must agree with (correctness), or null. */
  readonly reference: string | null;
  /** What it gets wrong, when it is known to (shown beside the numbers). */
  readonly knownWrong?: string;
}

interface PolicyOfAxis {
  scanner: ScannerPolicy;
  rmap: RmapPolicy;
  unmerge: UnmergePolicy;
  'zero-pages': ZeroPagePolicy;
  'stable-ref': StableRefPolicy;
  'split-zeropage': SplitZeroPagePolicy;
}

export type VariantOf<A extends Axis> = VariantMeta & { readonly axis: A; readonly policy: PolicyOfAxis[A] };
export type Variant = { [A in Axis]: VariantOf<A> }[Axis];

/** Identity helper that checks a variant module's shape. */
export function defineVariant<A extends Axis>(v: VariantOf<A>): VariantOf<A> {
  return v;
}
