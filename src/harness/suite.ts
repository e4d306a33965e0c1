// Which runs a command makes: scenarios (built-in with --param, or a file) × configurations
// (--stack, or the matrix of --variant axis=id,… over a base stack), sharded if asked.
import { readScenarioFile, type Scenario } from '../../bench/format.ts';
import { buildScenario, getScenario, SCENARIOS } from '../../bench/scenarios/index.ts';
import { ParamError } from '../../bench/params.ts';
import { getVariant } from '../../variants/registry.ts';
import { getStack, STACKS } from '../../variants/stacks.ts';
import { AXES, type Axis } from '../../variants/types.ts';
import { configLabel, configOfStack, configOfVariants, type RunConfig } from './config.ts';
import { paramsString, recordKey } from './results.ts';

export class SuiteError extends Error {}

export interface SuiteOptions {
  readonly scenarios: readonly string[];
  readonly scenarioFile?: string;
  readonly params: Readonly<Record<string, string>>;
  readonly stacks: readonly string[];
  /** --variant axis=id[,id…] lists: the matrix over them. */
  readonly variants: Readonly<Partial<Record<Axis, readonly string[]>>>;
  /** Base stack for a variant matrix (default v6.18). */
  readonly base?: string;
  readonly seed: number;
  readonly shard?: { readonly k: number; readonly n: number };
}

export interface Suite {
  readonly name: string;
  readonly runs: readonly { readonly scenario: Scenario; readonly config: RunConfig }[];
}

/** The record key a run of the suite will have (results.ts recordKey). */
export function suiteKey(run: Suite['runs'][number]): string {
  return recordKey({ scenario: run.scenario.name, params: paramsString(run.scenario.params), stack: configLabel(run.config) });
}

/** Parse "axis=id[,id…]". */
export function parseVariantFlag(flag: string): [Axis, string[]] {
  const m = /^([a-z-]+)=(.+)$/.exec(flag);
  if (!m) throw new SuiteError(`--variant "${flag}" is not axis=id[,id…] (axes: ${AXES.join(', ')})`);
  const axis = m[1] as Axis;
  if (!AXES.includes(axis)) throw new SuiteError(`--variant "${flag}": unknown axis "${m[1]}" (accepted: ${AXES.join(', ')})`);
  const ids = m[2]!.split(',').filter((x) => x !== '');
  if (ids.length === 0) throw new SuiteError(`--variant "${flag}" names no variant (axis=id[,id…])`);
  for (const id of ids) getVariant(axis, id);
  return [axis, ids];
}

/** Parse "k/n" (1 ≤ k ≤ n). */
export function parseShard(flag: string): { k: number; n: number } {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(flag);
  const k = m ? Number(m[1]) : Number.NaN;
  const n = m ? Number(m[2]) : Number.NaN;
  if (!m || n < 1 || k < 1 || k > n) throw new SuiteError(`--shard "${flag}" is not k/n with 1 ≤ k ≤ n (e.g. 2/4)`);
  return { k, n };
}

function scenariosOf(o: SuiteOptions): Scenario[] {
  if (o.scenarioFile) {
    // a file holds its own values: a --param would be silently ignored
    const given = Object.keys(o.params);
    if (given.length) throw new ParamError(`--param ${given[0]}=… applies to built-in scenarios, not to --scenario-file (edit the file)`);
    const s = readScenarioFile(o.scenarioFile);
    return [s.seed === undefined ? { ...s, seed: o.seed } : s];
  }
  const names = o.scenarios.length ? o.scenarios : SCENARIOS.map((s) => s.name);
  for (const n of names) getScenario(n);
  // A --param applies to every selected scenario that declares it; it must fit at least one.
  for (const p of Object.keys(o.params)) {
    if (!names.some((n) => p in getScenario(n).params)) {
      throw new ParamError(`unknown parameter "${p}" for scenario${names.length > 1 ? 's' : ''} ${names.join(', ')}`);
    }
  }
  return names.map((n) => {
    const mine = Object.fromEntries(Object.entries(o.params).filter(([k]) => k in getScenario(n).params));
    return buildScenario(n, mine, o.seed);
  });
}

function matrix(lists: Readonly<Partial<Record<Axis, readonly string[]>>>): Partial<Record<Axis, string>>[] {
  let cells: Partial<Record<Axis, string>>[] = [{}];
  for (const axis of AXES) {
    const ids = lists[axis];
    if (!ids || ids.length === 0) continue;
    cells = cells.flatMap((c) => ids.map((id) => ({ ...c, [axis]: id })));
  }
  return cells;
}

function configsOf(o: SuiteOptions, scenario: Scenario): RunConfig[] {
  // a scenario file's own stack is not silently replaced
  if (scenario.stack !== undefined && o.stacks.length) throw new SuiteError(`the scenario file names stack "${scenario.stack}": --stack ${o.stacks[0]} would override it (remove one of them)`);
  if (scenario.stack !== undefined && o.base !== undefined) throw new SuiteError(`the scenario file names stack "${scenario.stack}": --base ${o.base} would override it as the base of the --variant matrix (remove one of them)`);
  const over = { ...(scenario.paging ? { paging: scenario.paging } : {}), ...(scenario.abi ? { abi: scenario.abi } : {}) };
  const hasVariants = Object.values(o.variants).some((l) => l && l.length > 0);
  if (hasVariants) {
    const base = o.base ?? scenario.stack ?? 'v6.18';
    getStack(base);
    return matrix(o.variants).map((cell) => configOfVariants(base, cell, over));
  }
  const stacks = o.stacks.length ? o.stacks : scenario.stack ? [scenario.stack] : STACKS.map((s) => s.name);
  return stacks.map((name) => configOfStack(name, over));
}

/** The relative cost of a built-in scenario's run (its declared weight), 1 for a scenario file. */
export function weightOf(scenario: string): number {
  try {
    return getScenario(scenario).weight ?? 1;
  } catch {
    return 1; // a scenario file
  }
}

/**
 * Shards of similar cost: runs in order of decreasing weight (ties in suite order), each to the
 * lightest shard so far (ties: the lowest). Deterministic, so every CI job computes the same split.
 */
export function shardOf(weights: readonly number[], n: number): number[] {
  const order = weights.map((w, i) => [w, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const load = new Array<number>(n).fill(0);
  const out = new Array<number>(weights.length).fill(0);
  for (const [w, i] of order) {
    let best = 0;
    for (let s = 1; s < n; s++) if (load[s]! < load[best]!) best = s;
    out[i] = best;
    load[best]! += w;
  }
  return out;
}

/** The error of a shard that selects nothing. */
export function emptyShard(k: number, n: number, total: number): string {
  return `--shard ${k}/${n} selects no run: the suite has ${total} run${total === 1 ? '' : 's'}, fewer than ${n} shards (accepted: n ≤ ${total})`;
}

/** The k-th of n slices of `runs` (shardOf by `weights`); a slice with no run is refused. */
export function sliceOf<T>(runs: readonly T[], weights: readonly number[], { k, n }: { readonly k: number; readonly n: number }): T[] {
  const mine = shardOf(weights, n);
  const slice = runs.filter((_, i) => mine[i] === k - 1);
  if (slice.length === 0) throw new SuiteError(emptyShard(k, n, runs.length));
  return slice;
}

export function selectSuite(o: SuiteOptions, name?: string): Suite {
  const scenarios = scenariosOf(o);
  let runs = scenarios.flatMap((scenario) => configsOf(o, scenario).map((config) => ({ scenario, config })));
  if (o.shard) runs = sliceOf(runs, runs.map((r) => weightOf(r.scenario.name)), o.shard);
  const suiteName =
    name ??
    (o.scenarioFile ? scenarios[0]!.name : o.scenarios.length === 0 && o.stacks.length === 0 && !Object.keys(o.variants).length ? 'default' : o.scenarios.join('+') || 'all');
  return { name: o.shard ? `${suiteName}.shard${o.shard.k}of${o.shard.n}` : suiteName, runs };
}
