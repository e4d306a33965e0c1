// The scenario benchmarks of `npm run bench`: the dense shape (dense.ts) at 66,560 pages
// (tinybench) and at 1 M, 4 M and 16 M pages (one execution each), guests at 4 M pages and
// vma-split at 20,000 pieces. Each runs in its own child process (scenario-child.ts) with a time
// limit; what it reported is judged here against its targets, so a missed target is a row with
// the measured figure, not a crash.
import type { Scenario } from '../format.ts';
import { buildScenario } from '../scenarios/index.ts';
import { DENSE_CONTENTS, DENSE_FULL_SCANS, DENSE_MAX_PAGE_SHARING, denseScenario, denseShape } from './dense.ts';
import { fmtMiB, fmtMs } from './format.ts';
import type { ScenarioReport } from './protocol.ts';

/** What a scenario child executes: the dense shape at a size, or a built-in with parameters. */
export type ScenarioSource = { readonly dense: number } | { readonly builtin: string; readonly params: Readonly<Record<string, string | number>> };

/** The one argument of scenario-child.ts (JSON). */
export interface ScenarioChildSpec {
  readonly name: string;
  readonly source: ScenarioSource;
  readonly stack: string;
  /** 'sampled': tinybench; 'once': one execution. */
  readonly mode: 'sampled' | 'once';
  /** tinybench budget of 'sampled': minimum time (ms) and samples. */
  readonly time?: number;
  readonly iterations?: number;
}

export function scenarioOf(source: ScenarioSource): Scenario {
  return 'dense' in source ? denseScenario(source.dense) : buildScenario(source.builtin, source.params);
}

const GiB = 2 ** 30;
/** The V8 heap of the big children, MiB: enough that they measure the engine's memory, not V8's default limit. */
export const BIG_HEAP_MB = 16384;

export interface Targets {
  /** The whole-window median must not exceed this (ms). */
  readonly windowMs?: number;
  /** The ksmd-only median must not exceed this (ms). */
  readonly ksmdMs?: number;
  /** The peak RSS must stay below this (bytes). */
  readonly rssBytes?: number;
}

export interface ScenarioBench {
  readonly name: string;
  readonly spec: ScenarioChildSpec;
  readonly timeoutMs: number;
  /** Node flags of the child (its execArgv). */
  readonly nodeFlags: readonly string[];
  /** Run only with --big (or KSMBENCH_BENCH_BIG=1); the reason it is skipped otherwise. */
  readonly bigOnly: string | null;
  readonly targets: Targets;
  /** What is wrong with the counters of the checked execution (null: as expected). */
  readonly expect: (r: ScenarioReport) => string | null;
}

/** The counters the dense shape must end with: every duplicated page merged, max_page_sharing respected. */
export function denseExpected(pages: number): Record<string, number> {
  const s = denseShape(pages);
  let shared = 0;
  let chains = 0;
  let unshared = s.unique;
  for (let c = 0; c < DENSE_CONTENTS; c++) {
    const copies = c < s.duplicated ? Math.floor((s.duplicated - 1 - c) / DENSE_CONTENTS) + 1 : 0;
    const full = Math.floor(copies / DENSE_MAX_PAGE_SHARING);
    const rest = copies % DENSE_MAX_PAGE_SHARING;
    // a KSM page holds at most max_page_sharing mappings; a last single copy has nothing to merge with
    const dups = full + (rest >= 2 ? 1 : 0);
    shared += dups;
    if (dups >= 2) chains++; // a content needs a chain once one KSM page cannot hold it
    if (rest === 1) unshared++;
  }
  return { full_scans: DENSE_FULL_SCANS, pages_shared: shared, pages_sharing: pages - unshared - shared, pages_unshared: unshared, stable_node_chains: chains };
}

function expectCounters(want: Readonly<Record<string, number>>): (r: ScenarioReport) => string | null {
  return (r) => {
    const wrong = Object.entries(want).filter(([k, v]) => r.counters[k] !== v);
    return wrong.length === 0 ? null : `counters not as expected: ${wrong.map(([k, v]) => `${k} ${String(r.counters[k])} (expected ${v})`).join(', ')}`;
  };
}

function dense(pages: number, o: { timeoutMs: number; targets: Targets; bigOnly?: string }): ScenarioBench {
  return {
    name: `dense ${pages.toLocaleString('en-US')}`,
    spec: { name: `dense ${pages.toLocaleString('en-US')}`, source: { dense: pages }, stack: 'v6.18', mode: 'once' },
    timeoutMs: o.timeoutMs,
    nodeFlags: [`--max-old-space-size=${BIG_HEAP_MB}`],
    bigOnly: o.bigOnly ?? null,
    targets: o.targets,
    expect: expectCounters(denseExpected(pages)),
  };
}

export const SCENARIO_BENCHES: readonly ScenarioBench[] = [
  {
    name: 'dense 66,560',
    spec: { name: 'dense 66,560', source: { dense: 66_560 }, stack: 'v6.18', mode: 'sampled', time: 1000, iterations: 10 },
    timeoutMs: 180_000,
    nodeFlags: [],
    bigOnly: null,
    targets: { ksmdMs: 25, windowMs: 35 },
    expect: expectCounters(denseExpected(66_560)),
  },
  dense(1_048_576, { timeoutMs: 120_000, targets: { windowMs: 1500 } }),
  dense(4_194_304, { timeoutMs: 600_000, targets: { windowMs: 8000 } }),
  dense(16_777_216, {
    timeoutMs: 3_600_000,
    targets: { windowMs: 60_000, rssBytes: 4 * GiB },
    bigOnly: 'about a minute and 2.6 GiB RSS on this machine (51.8 s measured), too long for a default run; run with --big or KSMBENCH_BENCH_BIG=1',
  }),
  {
    name: 'guests 4 × 4 GiB (4 M pages)',
    spec: { name: 'guests 4 × 4 GiB (4 M pages)', source: { builtin: 'guests', params: { guests: 4, size: '4GiB' } }, stack: 'v6.18', mode: 'once' },
    timeoutMs: 1_800_000,
    nodeFlags: [`--max-old-space-size=${BIG_HEAP_MB}`],
    bigOnly: 'it takes more than 5 minutes today (keeping the default run short); run with --big or KSMBENCH_BENCH_BIG=1',
    targets: {},
    expect: expectCounters({ full_scans: 4 }),
  },
  {
    name: 'vma-split pieces=20000',
    spec: { name: 'vma-split pieces=20000', source: { builtin: 'vma-split', params: { pieces: 20000 } }, stack: 'v6.18', mode: 'once' },
    timeoutMs: 120_000,
    nodeFlags: [],
    bigOnly: null,
    targets: {},
    expect: (r) => (r.counters.rmap_walks === 0 ? 'no rmap walk ran' : null),
  },
];

export function targetText(t: Targets): string {
  const parts: string[] = [];
  if (t.ksmdMs !== undefined) parts.push(`ksmd ≤ ${fmtMs(t.ksmdMs)}`);
  if (t.windowMs !== undefined) parts.push(`${t.ksmdMs !== undefined ? 'window ' : ''}≤ ${fmtMs(t.windowMs)}`);
  if (t.rssBytes !== undefined) parts.push(`RSS < ${fmtMiB(t.rssBytes)}`);
  return parts.length ? parts.join(', ') : 'report only';
}

/** Every reason `r` fails its benchmark: the oracle, the counters, then each missed target with the measured figure. */
export function judge(b: ScenarioBench, r: ScenarioReport): string[] {
  const out: string[] = [];
  if (r.problems.length) out.push(`the oracle found ${r.problems.length} problem(s), first: ${r.problems[0]}`);
  const wrong = b.expect(r);
  if (wrong !== null) out.push(wrong);
  const t = b.targets;
  const what = r.mode === 'sampled' ? 'median' : 'one execution';
  if (t.ksmdMs !== undefined) {
    if (r.ksmd === null) out.push('no ksmd time was reported');
    else if (!(r.ksmd.median <= t.ksmdMs)) out.push(`ksmd time (${what}) ${fmtMs(r.ksmd.median)} > ${fmtMs(t.ksmdMs)}: target missed`);
  }
  if (t.windowMs !== undefined && !(r.window.median <= t.windowMs)) out.push(`whole window (${what}) ${fmtMs(r.window.median)} > ${fmtMs(t.windowMs)}: target missed`);
  if (t.rssBytes !== undefined && !(r.maxRssBytes < t.rssBytes)) out.push(`peak RSS ${fmtMiB(r.maxRssBytes)} is not below ${fmtMiB(t.rssBytes)}: target missed`);
  return out;
}
