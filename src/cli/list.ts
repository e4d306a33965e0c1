// ksmbench list: variants, stacks, scenarios and metrics.
import { SCENARIOS } from '../../bench/scenarios/index.ts';
import { REGISTRY } from '../../variants/registry.ts';
import { STACKS } from '../../variants/stacks.ts';
import { AXES } from '../../variants/types.ts';
import { METRIC_NAMES, unitOf } from '../harness/results.ts';
import { renderTable } from '../report/table.ts';
import { parse } from './options.ts';
import { UsageError } from './errors.ts';

export const LIST_HELP = `ksmbench list [variants|stacks|scenarios|metrics]

List what ksmbench knows: the variants of each axis (one per patch version), the stacks
(kernel or series states), the built-in scenarios with their parameters, and the metrics.
`;

const WHAT = ['variants', 'stacks', 'scenarios', 'metrics'] as const;

export function listCommand(argv: string[]): number {
  const { values, positionals } = parse(argv, { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    process.stdout.write(LIST_HELP);
    return 0;
  }
  const what = positionals.length ? positionals : [...WHAT];
  for (const w of what) if (!(WHAT as readonly string[]).includes(w)) throw new UsageError(`cannot list "${w}" (accepted: ${WHAT.join(', ')})`);
  const parts: string[] = [];
  if (what.includes('variants')) {
    const rows = AXES.flatMap((a) =>
      REGISTRY.filter((r) => r.variant.axis === a).map((r) => [a, r.variant.id, r.variant.version, r.variant.date, r.variant.reference ?? '-', r.variant.title]),
    );
    parts.push(`Variants\n${renderTable(['axis', 'id', 'version', 'date', 'reference', 'title'], rows)}`);
  }
  if (what.includes('stacks')) {
    const rows = STACKS.map((s) => [s.name, ...AXES.map((a) => s.variants[a]), s.mergeOrder, String(s.paging), s.abi]);
    parts.push(`Stacks\n${renderTable(['stack', ...AXES, 'merge', 'paging', 'abi'], rows)}`);
  }
  if (what.includes('scenarios')) {
    const rows = SCENARIOS.map((s) => [
      s.name,
      Object.entries(s.params)
        .map(([k, p]) => `${k}=${p.default}`)
        .join(' '),
      s.summary,
    ]);
    parts.push(`Scenarios\n${renderTable(['scenario', 'parameters (defaults)', 'what it models'], rows)}`);
  }
  if (what.includes('metrics')) {
    parts.push(`Metrics\n${renderTable(['metric', 'unit'], METRIC_NAMES.map((m) => [m, unitOf(m)]))}`);
  }
  process.stdout.write(`${parts.join('\n\n')}\n`);
  return 0;
}
