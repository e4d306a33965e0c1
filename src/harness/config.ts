// What one run is: the engine configuration a stack or a variant combination stands for.
import type { Abi, KsmPolicy } from '../ksm/variant-api.ts';
import { type KernelVersion, parseKernelVersion } from '../mm/kernel.ts';
import type { ThpKnobs } from '../mm/machine.ts';
import type { Scenario } from '../../bench/format.ts';
import { getStack, policyOf, type MergeOrder } from '../../variants/stacks.ts';
import { UnknownVariantError } from '../../variants/registry.ts';
import { AXES, type Axis } from '../../variants/types.ts';

export interface RunConfig {
  /** The stack's name, or null for an ad-hoc variant combination. */
  readonly stack: string | null;
  /** The stack a variant combination is built on. */
  readonly base: string;
  readonly variants: Readonly<Record<Axis, string>>;
  readonly policy: KsmPolicy;
  readonly mergeOrder: MergeOrder;
  readonly paging: 4 | 5;
  readonly abi: Abi;
  readonly smartScan: boolean;
  /** The kernel whose mm the run follows (the stack's, or the base stack's for a variant matrix). */
  readonly kernel: KernelVersion;
  /** The THP knobs the stack boots with (a scenario's "thp" field overrides them: thpOfRun). */
  readonly thp: ThpKnobs;
}

/** The THP knobs a run's machine has: the stack's, with the scenario's "thp" field over them. */
export function thpOfRun(scenario: Pick<Scenario, 'thp'>, config: Pick<RunConfig, 'thp'>): ThpKnobs {
  const t = scenario.thp;
  if (!t) return config.thp;
  return {
    enabled: t.enabled ?? config.thp.enabled,
    use_zero_page: t.use_zero_page === undefined ? config.thp.use_zero_page : t.use_zero_page === 1,
    shrink_underused: t.shrink_underused === undefined ? config.thp.shrink_underused : t.shrink_underused === 1,
  };
}

/** The THP knobs as results record them: "enabled=always;shrink_underused=1;use_zero_page=1". */
export function thpText(t: ThpKnobs): string {
  return `enabled=${t.enabled};shrink_underused=${t.shrink_underused ? 1 : 0};use_zero_page=${t.use_zero_page ? 1 : 0}`;
}

/** A stack's configuration (paging and ABI may be overridden by the scenario). */
export function configOfStack(name: string, override: { paging?: 4 | 5; abi?: Abi } = {}): RunConfig {
  const s = getStack(name);
  return {
    stack: s.name,
    base: s.name,
    variants: s.variants,
    policy: policyOf(s.variants),
    mergeOrder: s.mergeOrder,
    paging: override.paging ?? s.paging,
    abi: override.abi ?? s.abi,
    smartScan: s.smartScan,
    kernel: parseKernelVersion(s.kernel),
    thp: s.thp,
  };
}

/** A base stack with some axes replaced (a cell of a --variant matrix). */
export function configOfVariants(base: string, replace: Partial<Record<Axis, string>>, override: { paging?: 4 | 5; abi?: Abi } = {}): RunConfig {
  const b = configOfStack(base, override);
  const variants = { ...b.variants, ...replace };
  const same = AXES.every((a) => variants[a] === b.variants[a]);
  return { ...b, stack: same ? b.stack : null, base, variants, policy: policyOf(variants) };
}

/** A short label: the stack name, or "base+axis=id,…" for a variant combination. */
export function configLabel(c: RunConfig): string {
  if (c.stack) return c.stack;
  const b = getStack(c.base).variants;
  const parts = AXES.filter((a) => b[a] !== c.variants[a]).map((a) => `${a}=${c.variants[a]}`);
  return `${c.base}+${parts.join(',')}`;
}

/** The configuration a label names (a stack, or base+axis=id,…). */
export function configOfLabel(label: string, override: { paging?: 4 | 5; abi?: Abi } = {}): RunConfig {
  const plus = label.indexOf('+');
  if (plus < 0) return configOfStack(label, override);
  const replace: Partial<Record<Axis, string>> = {};
  for (const part of label.slice(plus + 1).split(',')) {
    const [axis, id] = part.split('=');
    if (!(AXES as readonly string[]).includes(axis ?? '') || !id) {
      throw new UnknownVariantError(`configuration "${label}": "${part}" is not axis=id (axes: ${AXES.join(', ')})`);
    }
    replace[axis as Axis] = id;
  }
  return configOfVariants(label.slice(0, plus), replace, override);
}

