// The flags every command shares (DESIGN.md §8) and their parsing.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseShard, parseVariantFlag, type SuiteOptions } from '../harness/suite.ts';
import { AXES, type Axis } from '../../variants/types.ts';
import { UsageError } from './errors.ts';
import { DEFAULT_TIMING, type TimingOptions } from '../harness/timing.ts';
export const FORMATS = ['table', 'csv', 'json', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export const SUITE_FLAGS = {
  scenario: { type: 'string', multiple: true },
  'scenario-file': { type: 'string' },
  param: { type: 'string', multiple: true },
  stack: { type: 'string', multiple: true },
  variant: { type: 'string', multiple: true },
  base: { type: 'string' },
  seed: { type: 'string' },
  shard: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const OUTPUT_FLAGS = {
  format: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, allowPositionals = false) {
  return parseArgs({ args: negativeValuesJoined(argv, options), options, allowPositionals, strict: true });
}

/**
 * `--jobs -1` as `--jobs=-1`: parseArgs calls a value that starts with a dash "ambiguous";
 * joined, the flag's own check names the value and the range it accepts.
 */
export function negativeValuesJoined(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (a.startsWith('--') && !a.includes('=') && options[a.slice(2)]?.type === 'string' && next !== undefined && /^-[0-9.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** A non-negative integer flag ("--seed 3"), or the default. */
export function intFlag(name: string, v: string | undefined, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  if (!/^[0-9]+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(`--${name} "${v}" is not an integer ≥ ${min}`);
  }
  return Number(v);
}

/** --time MS and --iterations N: the timing budget per run (defaults DEFAULT_TIMING). */
export function timingFlags(v: { time?: string; iterations?: string }): TimingOptions {
  return { time: intFlag('time', v.time, DEFAULT_TIMING.time), iterations: intFlag('iterations', v.iterations, DEFAULT_TIMING.iterations, 1) };
}

/** --time and --iterations do nothing with --no-timing: refuse the combination. */
export function refuseTimingWithNoTiming(v: { time?: string; iterations?: string; 'no-timing'?: boolean }): void {
  if (!v['no-timing']) return;
  const given = v.time !== undefined ? '--time' : v.iterations !== undefined ? '--iterations' : null;
  if (given) throw new UsageError(`${given} sets the timing budget, which --no-timing turns off: give one of them`);
}

export function formatFlag(v: string | undefined): Format | null {
  if (v === undefined) return null;
  if (!(FORMATS as readonly string[]).includes(v)) throw new UsageError(`--format "${v}" is not one of ${FORMATS.join(', ')}`);
  return v as Format;
}

/** --param key=value → {key: value}. */
export function paramsFlag(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list ?? []) {
    const m = /^([a-z_][a-z0-9_]*)=(.*)$/i.exec(p);
    if (!m) throw new UsageError(`--param "${p}" is not key=value`);
    if (m[1]! in out) throw new UsageError(`--param ${m[1]} is given twice (${m[1]}=${out[m[1]!]} and ${p}): give each parameter once`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

export interface SuiteValues {
  scenario?: string[];
  'scenario-file'?: string;
  param?: string[];
  stack?: string[];
  variant?: string[];
  base?: string;
  seed?: string;
  shard?: string;
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

export function suiteOptions(v: SuiteValues): SuiteOptions {
  if (v['scenario-file'] && v.scenario?.length) throw new UsageError('give --scenario or --scenario-file, not both');
  if (v.stack?.length && v.variant?.length) throw new UsageError('give --stack or --variant, not both (a --variant matrix sits on --base)');
  const variants: Partial<Record<Axis, string[]>> = {};
  for (const f of v.variant ?? []) {
    const [axis, ids] = parseVariantFlag(f);
    variants[axis] = unique([...(variants[axis] ?? []), ...ids]);
  }
  if (v.base !== undefined && !v.variant?.length) throw new UsageError(`--base "${v.base}" is the stack a --variant matrix sits on: without --variant it does nothing (give --variant axis=id,… or --stack ${v.base})`);
  // a name given twice is one run, not two runs with the same key
  return {
    scenarios: unique(v.scenario ?? []),
    ...(v['scenario-file'] ? { scenarioFile: v['scenario-file'] } : {}),
    params: paramsFlag(v.param),
    stacks: unique(v.stack ?? []),
    variants,
    ...(v.base ? { base: v.base } : {}),
    seed: intFlag('seed', v.seed, 1, 0),
    ...(v.shard ? { shard: parseShard(v.shard) } : {}),
  };
}

export { AXES };
