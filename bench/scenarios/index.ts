// The built-in scenarios (DESIGN.md §7) and building one from --param values.
import type { Scenario } from '../format.ts';
import { recordParams, resolveParams } from '../params.ts';
import { cowChurn } from './cow-churn.ts';
import { dontneedReclaim } from './dontneed-reclaim.ts';
import { forkAfterMunmap } from './fork-after-munmap.ts';
import { mremapMulti } from './mremap-multi.ts';
import { exitFree } from './exit-free.ts';
import { fewVmas } from './few-vmas.ts';
import { forkFanout } from './fork-fanout.ts';
import { guests } from './guests.ts';
import { mergeFailure } from './merge-failure.ts';
import { mremapRemerge } from './mremap-remerge.ts';
import { sparse } from './sparse.ts';
import { splitAfterMerge } from './split-after-merge.ts';
import { splitFamily } from './split-family.ts';
import { thpMixed } from './thp-mixed.ts';
import { thpZero } from './thp-zero.ts';
import type { BuiltinScenario } from './types.ts';
import { unmergeSparse } from './unmerge-sparse.ts';
import { vmaSplit } from './vma-split.ts';
import { zeroPages } from './zero-pages.ts';

export const SCENARIOS: readonly BuiltinScenario[] = [
  sparse,
  guests,
  forkFanout,
  vmaSplit,
  splitAfterMerge,
  mremapRemerge,
  cowChurn,
  zeroPages,
  unmergeSparse,
  thpMixed,
  thpZero,
  exitFree,
  mergeFailure,
  mremapMulti,
  dontneedReclaim,
  forkAfterMunmap,
  splitFamily,
  fewVmas,
];

export class UnknownScenarioError extends Error {}

export function getScenario(name: string): BuiltinScenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new UnknownScenarioError(`unknown scenario "${name}" (accepted: ${SCENARIOS.map((x) => x.name).join(', ')})`);
  return s;
}

/** Build a built-in scenario's op list with its parameters (defaults overridden by `given`). */
export function buildScenario(name: string, given: Readonly<Record<string, string | number>> = {}, seed = 1): Scenario {
  const b = getScenario(name);
  const values = resolveParams(name, b.params, given);
  return { name, description: b.situation, seed, params: recordParams(b.params, values), ...b.build(values, seed) };
}
