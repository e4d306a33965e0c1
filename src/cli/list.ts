// ksmbench list: variants, stacks, scenarios and metrics.
import type { ParamSpec } from '../../bench/params.ts';
import { SCENARIOS } from '../../bench/scenarios/index.ts';
import type { BuiltinScenario } from '../../bench/scenarios/types.ts';
import { formatPages } from '../../bench/sizes.ts';
import { REGISTRY, type RegisteredVariant } from '../../variants/registry.ts';
import { getStack, type Stack, STACKS } from '../../variants/stacks.ts';
import { AXES, type Axis } from '../../variants/types.ts';
import { metricRows } from '../report/metrics.ts';
import { renderTable } from '../report/table.ts';
import { parse } from './options.ts';
import { UsageError } from './errors.ts';

export const LIST_HELP = `ksmbench list [variants|stacks|scenarios|metrics …]
ksmbench list scenarios NAME…
ksmbench list variants AXIS…
ksmbench list stacks NAME…

List what ksmbench knows: the variants of each axis (one per patch version), the stacks
(kernel or series states), the built-in scenarios with their parameters, and the metrics
(each with its unit, its direction — smaller is better, or neither — and its meaning).

  list scenarios NAME   one scenario in full: what it models, what it illuminates, and each
                        parameter with its kind, default, accepted range and meaning
  list variants AXIS    every variant of an axis in full: title, patch subject, version,
                        date, link, the reference it must agree with, what it gets wrong,
                        and its source file
  list stacks NAME      one stack in full: the kernel whose mm it follows, the releases it
                        stands for, and the source evidence of each axis choice

An out-of-tree variant (loaded from KSMBENCH_EXTRA_VARIANTS) is marked in the overview by its
title, "[out-of-tree: PATH sha256:…]" (the first 12 hex digits of its file's sha256; list
variants AXIS gives the absolute path and the whole hash). Results record the same for every
run that uses one (runs[].out_of_tree_variants in the JSON).
`;

const WHAT = ['variants', 'stacks', 'scenarios', 'metrics'] as const;

function rangeOf(p: ParamSpec): string {
  if (p.kind === 'int') return `${p.min}..${p.max}`;
  if (p.kind === 'enum') return p.values.join(' | ');
  return `a size (4K, 2MiB, 32TiB or pages)${p.max !== undefined ? ` up to ${formatPages(p.max)}` : ''}`;
}

function describeScenario(s: BuiltinScenario): string {
  const params = Object.entries(s.params);
  const table = params.length
    ? renderTable(['parameter', 'kind', 'default', 'accepted', 'meaning'], params.map(([k, p]) => [k, p.kind, String(p.default), rangeOf(p), p.description]))
    : 'none';
  return `Scenario ${s.name}: ${s.summary}\nmodels: ${s.situation}\nilluminates: ${s.illuminates}\nparameters (--param key=value):\n${table}`;
}

function describeVariant({ variant: v, file, outOfTree }: RegisteredVariant): string {
  return [
    `${v.axis}=${v.id}: ${v.title}`,
    `  subject:     ${v.subject}`,
    `  version:     ${v.version} (${v.date})`,
    `  link:        ${v.link}`,
    `  reference:   ${v.reference ?? 'none (it is the reference)'}`,
    `  known wrong: ${v.knownWrong ?? 'nothing known'}`,
    ...(outOfTree
      ? [`  source:      out-of-tree (KSMBENCH_EXTRA_VARIANTS): ${outOfTree.resolved}`, `  sha256:      ${outOfTree.sha256}`]
      : [`  source:      variants/${file}`]),
  ].join('\n');
}

function describeStack(s: Stack): string {
  const width = Math.max(...Object.keys(s.source).map((k) => k.length));
  const line = (k: keyof Stack['source'], value: string) => `  ${`${k}:`.padEnd(width + 2)}${value}\n  ${' '.repeat(width + 2)}${s.source[k]}`;
  return [
    `Stack ${s.name}: ${s.description}`,
    `  covers: ${s.covers}`,
    line('kernel', `mm as in ${s.kernel}`),
    ...AXES.map((a) => line(a, s.variants[a])),
    line('merge', `merge order ${s.mergeOrder}`),
    line('smart-scan', s.smartScan ? 'smart scan' : 'no smart scan'),
  ].join('\n');
}

/** The title in the overview, an out-of-tree variant's marked with its file and hash. */
function titleOf({ variant, outOfTree }: RegisteredVariant): string {
  return outOfTree ? `${variant.title} [out-of-tree: ${outOfTree.path} sha256:${outOfTree.sha256.slice(0, 12)}]` : variant.title;
}

export function listCommand(argv: string[]): number {
  const { values, positionals } = parse(argv, { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    process.stdout.write(LIST_HELP);
    return 0;
  }
  const [first, ...names] = positionals;
  if (first === 'scenarios' && names.length && !names.some((n) => (WHAT as readonly string[]).includes(n))) {
    const parts = names.map((n) => {
      const s = SCENARIOS.find((x) => x.name === n);
      if (!s) throw new UsageError(`unknown scenario "${n}" (accepted: ${SCENARIOS.map((x) => x.name).join(', ')})`);
      return describeScenario(s);
    });
    process.stdout.write(`${parts.join('\n\n')}\n`);
    return 0;
  }
  if (first === 'variants' && names.length && !names.some((n) => (WHAT as readonly string[]).includes(n))) {
    const parts = names.map((n) => {
      if (!(AXES as readonly string[]).includes(n)) throw new UsageError(`unknown axis "${n}" (accepted: ${AXES.join(', ')})`);
      return REGISTRY.filter((r) => r.variant.axis === (n as Axis)).map(describeVariant).join('\n\n');
    });
    process.stdout.write(`${parts.join('\n\n')}\n`);
    return 0;
  }
  if (first === 'stacks' && names.length && !names.some((n) => (WHAT as readonly string[]).includes(n))) {
    process.stdout.write(`${names.map((n) => describeStack(getStack(n))).join('\n\n')}\n`);
    return 0;
  }
  const what = positionals.length ? positionals : [...WHAT];
  for (const w of what) if (!(WHAT as readonly string[]).includes(w)) throw new UsageError(`cannot list "${w}" (accepted: ${WHAT.join(', ')}; or scenarios NAME…, variants AXIS…)`);
  const parts: string[] = [];
  if (what.includes('variants')) {
    const rows = AXES.flatMap((a) =>
      REGISTRY.filter((r) => r.variant.axis === a).map((r) => [a, r.variant.id, r.variant.version, r.variant.date, r.variant.reference ?? '-', titleOf(r)]),
    );
    parts.push(`Variants (ksmbench list variants AXIS for subject, link and what each gets wrong)\n${renderTable(['axis', 'id', 'version', 'date', 'reference', 'title'], rows)}`);
  }
  if (what.includes('stacks')) {
    const rows = STACKS.map((s) => [s.name, s.kernel, ...AXES.map((a) => s.variants[a]), s.mergeOrder, String(s.paging), s.abi, s.covers]);
    parts.push(`Stacks (ksmbench list stacks NAME for the source evidence of each choice)\n${renderTable(['stack', 'kernel', ...AXES, 'merge', 'paging', 'abi', 'covers'], rows)}`);
  }
  if (what.includes('scenarios')) {
    const rows = SCENARIOS.map((s) => [
      s.name,
      Object.entries(s.params)
        .map(([k, p]) => `${k}=${p.default}`)
        .join(' '),
      s.summary,
    ]);
    parts.push(`Scenarios (ksmbench list scenarios NAME for its parameters' ranges and meaning)\n${renderTable(['scenario', 'parameters (defaults)', 'what it models'], rows)}`);
  }
  if (what.includes('metrics')) {
    parts.push(`Metrics\n${renderTable(['metric', 'unit', 'direction', 'meaning'], metricRows())}`);
  }
  process.stdout.write(`${parts.join('\n\n')}\n`);
  return 0;
}
