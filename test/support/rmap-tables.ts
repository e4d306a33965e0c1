// Test support: the README's rmap tables (issue 11 items 5 and 6), made from real runs of the
// built-in scenarios: each rmap variant on the v6.19 stack (the mainline mm every series state
// sits on), so the README's figures are what the engine computes and cannot go stale.
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfVariants } from '../../src/harness/config.ts';
import { runScenario } from '../../src/harness/run.ts';
import type { Counters } from '../../src/mm/counters.ts';
import { variantsOf } from '../../variants/registry.ts';

/** The rmap variants in the series' order (mainline, v3, v4, v8, v8 without its reset), then any other. */
const SERIES_ORDER = ['full-range', 'addr-shift', 'vm-pgoff', 'linear-page-index', 'linear-page-index-no-cow-reset'];

export function rmapVariants(): string[] {
  const rank = (id: string) => (SERIES_ORDER.includes(id) ? SERIES_ORDER.indexOf(id) : SERIES_ORDER.length);
  return variantsOf('rmap')
    .map((v) => v.id)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function countersOf(scenario: string, rmap: string): Counters {
  return runScenario(buildScenario(scenario, {}), configOfVariants('v6.19', { rmap })).counters;
}

const n = (x: number) => x.toLocaleString('en-US');

/** Markdown rows: correctness of every rmap variant on the scenarios where the series went wrong. */
export function correctnessTable(): string[] {
  const rows = [
    '| scenario | rmap variant | mappings missed | could be unmapped | memory failure: found / missed / spurious | avcs: rmap walk / memory failure |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const scenario of ['split-after-merge', 'mremap-remerge', 'vma-split']) {
    for (const rmap of rmapVariants()) {
      const c = countersOf(scenario, rmap);
      const unmap = c.rmap_folios_stuck === 0 ? `yes (${c.rmap_folios_unmappable} of ${c.rmap_walks})` : `**no: ${c.rmap_folios_stuck} of ${c.rmap_walks} stuck**`;
      rows.push(`| ${scenario} | ${rmap} | ${c.rmap_mappings_missed ? `**${c.rmap_mappings_missed}**` : '0'} | ${unmap} | ${c.mf_procs_found} / ${c.mf_procs_missed} / ${c.mf_procs_spurious} | ${n(c.rmap_avc_visits)} / ${n(c.mf_avc_visits)} |`);
    }
  }
  return rows;
}

/** Markdown rows: few-vmas, every rmap variant's costs side by side. */
export function overheadTable(): string[] {
  const names = ['rmap_avc_visits', 'rmap_tree_nodes', 'rmap_one_calls', 'anon_vma_locks', 'mf_avc_visits', 'mf_tree_nodes', 'mf_procs_found'] as const;
  const rows = [`| rmap variant | ${names.join(' | ')} |`, `| --- |${names.map(() => ' --- |').join('')}`];
  for (const rmap of rmapVariants()) {
    const c = countersOf('few-vmas', rmap);
    rows.push(`| ${rmap} | ${names.map((k) => n(c[k])).join(' | ')} |`);
  }
  return rows;
}
