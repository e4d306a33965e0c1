// Parameters of built-in scenarios (--param key=value): declared per scenario with a kind, a
// default and bounds; bad values get one-line errors naming the value and what is accepted.
import { formatPages, parseSizePages, SizeError } from './sizes.ts';

export type ParamSpec =
  | { readonly kind: 'size'; readonly default: string; readonly description: string; readonly max?: number }
  | { readonly kind: 'int'; readonly default: number; readonly min: number; readonly max: number; readonly description: string }
  | { readonly kind: 'enum'; readonly default: string; readonly values: readonly string[]; readonly description: string };

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** Parsed values: sizes in pages, ints as numbers, enums as strings. */
export type ParamValues = Readonly<Record<string, number | string>>;

export class ParamError extends Error {}

function parseOne(scenario: string, name: string, spec: ParamSpec, raw: string | number): number | string {
  const what = `--param ${name}=${raw} for scenario "${scenario}"`;
  if (spec.kind === 'size') {
    try {
      const pages = parseSizePages(raw, what);
      if (spec.max !== undefined && pages > spec.max) throw new ParamError(`${what}: more than the maximum ${formatPages(spec.max)}`);
      return pages;
    } catch (e) {
      if (e instanceof SizeError) throw new ParamError(e.message);
      throw e;
    }
  }
  if (spec.kind === 'int') {
    const n = typeof raw === 'number' ? raw : /^-?[0-9]+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw new ParamError(`${what}: not an integer (accepted: ${spec.min}..${spec.max})`);
    if (n < spec.min || n > spec.max) throw new ParamError(`${what}: out of range (accepted: ${spec.min}..${spec.max})`);
    return n;
  }
  const v = String(raw);
  if (!spec.values.includes(v)) throw new ParamError(`${what}: not one of ${spec.values.join(', ')}`);
  return v;
}

/** Defaults overridden by `given`; unknown names are errors. */
export function resolveParams(scenario: string, specs: ParamSpecs, given: Readonly<Record<string, string | number>>): ParamValues {
  const out: Record<string, number | string> = {};
  for (const name of Object.keys(given)) {
    if (!(name in specs)) {
      const known = Object.keys(specs);
      throw new ParamError(`unknown parameter "${name}" for scenario "${scenario}" (accepted: ${known.length ? known.join(', ') : 'none'})`);
    }
  }
  for (const [name, spec] of Object.entries(specs)) out[name] = parseOne(scenario, name, spec, given[name] ?? spec.default);
  return out;
}

/** The parameters as they are recorded with results: sizes written back as sizes. */
export function recordParams(specs: ParamSpecs, values: ParamValues): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const v = values[name]!;
    out[name] = spec.kind === 'size' ? formatPages(v as number) : v;
  }
  return out;
}

/** Typed getters for a builder. */
export function num(values: ParamValues, name: string): number {
  const v = values[name];
  if (typeof v !== 'number') throw new Error(`parameter ${name} is not a number`);
  return v;
}
export function text(values: ParamValues, name: string): string {
  const v = values[name];
  if (typeof v !== 'string') throw new Error(`parameter ${name} is not a string`);
  return v;
}
