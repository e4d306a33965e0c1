// A built-in scenario: a seeded, parameterised builder of an op list, with the real situation
// it models and the patch it illuminates.
import type { Scenario } from '../format.ts';
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
