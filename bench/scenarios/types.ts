// A built-in scenario: a seeded, parameterised builder of an op list, with the real situation
// it models and the patch it illuminates.
import type { Scenario, ScenarioThp } from '../format.ts';
import type { ParamSpecs, ParamValues } from '../params.ts';

export interface BuiltinScenario {
  readonly name: string;
  /** One line for `ksmbench list`. */
  readonly summary: string;
  /** The real situation it models. */
  readonly situation: string;
  /** Which seed / patch it illuminates, and what to look at. */
  readonly illuminates: string;
  readonly params: ParamSpecs;
  /** Relative cost of one run at the default sizes (for balancing shards; default 1). */
  readonly weight?: number;
  build(p: ParamValues, seed: number): Omit<Scenario, 'name' | 'params' | 'seed'>;
}

/**
 * The THP setting of the scenarios written before THP was a knob: they were designed (and their
 * baseline made) under madvise semantics — THPs only where an mmap asks for MADV_HUGEPAGE —, as
 * this project's host runs. They pin it, so a stack's kernel default (always) does not turn
 * their ordinary regions into THPs; a scenario about THP policy says its own.
 */
export const THP_MADVISE: ScenarioThp = { enabled: 'madvise' };
