// The library entry point: run scenarios for stacks or a variant matrix and return exact
// counters and a correctness verdict per (scenario, configuration) (DESIGN.md §6).
import { kernelVersionText } from '../mm/kernel.ts';
import type { Scenario } from '../../bench/format.ts';
import { getVariant, outOfTreeSource, type VariantSource } from '../../variants/registry.ts';
import { AXES, type Axis } from '../../variants/types.ts';
import type { Counters } from '../mm/counters.ts';
import { configLabel, configOfVariants, type RunConfig, thpText } from './config.ts';
import { type ExecuteOptions, executeScenario, type RunResult } from './execute.ts';

export interface Verdict {
  /** No problem found: every check of the oracle passed. */
  readonly ok: boolean;
  readonly problems: readonly string[];
  /** What the variants in this run are known to get wrong (from their metadata), shown beside a failing verdict. */
  readonly knownWrong: readonly string[];
}

export interface ScenarioRun {
  readonly scenario: Scenario;
  readonly config: RunConfig;
  readonly label: string;
  readonly counters: Counters;
  /** What the scenario's ksmd ops alone counted (RunResult.ksmdCounts): what a prediction prices. */
  readonly ksmdCounts: Counters;
  readonly verdict: Verdict;
  /** The scenario's system calls the kernel refused (an outcome of its mm version, not a problem). */
  readonly opErrors: readonly string[];
  /**
   * The out-of-tree variants (KSMBENCH_EXTRA_VARIANTS) the run used, by "axis=id": its own and
   * the scanner reference the oracle compared it with. Absent when it used none.
   */
  readonly outOfTree?: Readonly<Record<string, VariantSource>>;
}

/** A configuration with its scanner replaced by that scanner's reference, if it has one. */
function scannerReference(config: RunConfig): RunConfig | null {
  const ref = getVariant('scanner', config.variants.scanner).reference;
  if (!ref) return null;
  const c = configOfVariants(config.base, { ...config.variants, scanner: ref }, { paging: config.paging, abi: config.abi });
  return { ...c, mergeOrder: config.mergeOrder, smartScan: config.smartScan };
}

function knownWrongOf(config: RunConfig): string[] {
  const out: string[] = [];
  for (const [axis, id] of Object.entries(config.variants)) {
    const v = getVariant(axis as keyof RunConfig['variants'], id);
    if (v.knownWrong) out.push(`${axis}=${id}: ${v.knownWrong}`);
  }
  return out;
}

type Digest = RunResult['scanDigest'];

/**
 * Scanner digests already computed, per scenario object, keyed by what decides a run's page
 * sequence: the variant of every axis, merge order, paging, ABI, smart scan and the seed. Stacks
 * with the same variants share entries (v6.18's folio-walk reference is v6.17's run).
 */
export type DigestCache = WeakMap<Scenario, Map<string, Digest>>;

function digestKey(config: RunConfig, opts: ExecuteOptions): string {
  return [...AXES.map((a) => config.variants[a]), config.mergeOrder, config.paging, config.abi, config.smartScan, kernelVersionText(config.kernel), thpText(config.thp), opts.seed ?? ''].join('|');
}

/** Run one scenario on one configuration, with every check of the oracle. */
export function runScenario(
  scenario: Scenario,
  config: RunConfig,
  opts: ExecuteOptions = {},
  label = configLabel(config),
  cache: DigestCache = new WeakMap(),
): ScenarioRun {
  const result: RunResult = executeScenario(scenario, config, opts);
  const digests = cache.get(scenario) ?? new Map<string, Digest>();
  cache.set(scenario, digests);
  digests.set(digestKey(config, opts), result.scanDigest);
  const problems = [...result.problems];
  const ref = scannerReference(config);
  if (ref) {
    // Oracle check 2: the scanner returns the same (mm, address, page) sequence as its reference.
    const refKey = digestKey(ref, opts);
    let b = digests.get(refKey);
    if (!b) {
      // only its page sequence is used: not traced
      b = executeScenario(scenario, ref, { ...opts, invariants: 'none', onRmapWalk: undefined }).scanDigest;
      digests.set(refKey, b);
    }
    const a = result.scanDigest;
    if (a.count !== b.count || a.h1 !== b.h1 || a.h2 !== b.h2) {
      problems.push(`scanner ${config.variants.scanner} returned a different page sequence than ${ref.variants.scanner} (${a.count} vs ${b.count} pages)`);
    }
  }
  const ok = problems.length === 0;
  const outOfTree = outOfTreeOf([...AXES.map((a) => [a, config.variants[a]] as const), ...(ref ? [['scanner', ref.variants.scanner] as const] : [])]);
  return { scenario, config, label, counters: result.counters, ksmdCounts: result.ksmdCounts, verdict: { ok, problems, knownWrong: ok ? [] : knownWrongOf(config) }, opErrors: result.opErrors, ...(outOfTree ? { outOfTree } : {}) };
}

/** The out-of-tree variants among `used`, by "axis=id"; null when none is. */
function outOfTreeOf(used: readonly (readonly [Axis, string])[]): Record<string, VariantSource> | null {
  const out: Record<string, VariantSource> = {};
  for (const [axis, id] of used) {
    const source = outOfTreeSource(axis, id);
    if (source) out[`${axis}=${id}`] = source;
  }
  return Object.keys(out).length ? out : null;
}

/** Every scenario × every configuration. */
export function runMatrix(scenarios: readonly Scenario[], configs: readonly RunConfig[], opts: ExecuteOptions = {}): ScenarioRun[] {
  const out: ScenarioRun[] = [];
  const cache: DigestCache = new WeakMap();
  for (const s of scenarios) for (const c of configs) out.push(runScenario(s, c, opts, configLabel(c), cache));
  return out;
}
