// ksmbench gate: run the baseline's suite again and fail on a regression (exit 1).
import { appendFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { buildScenario, getScenario } from '../../bench/scenarios/index.ts';
import { configOfLabel } from '../harness/config.ts';
import { runSuite } from '../harness/run-suite.ts';
import { parseParamsString, type ResultSet } from '../harness/results.ts';
import { selectSuite, type Suite } from '../harness/suite.ts';
import { compareSets } from '../report/compare.ts';
import { ensureWritableDir, readResultFile, ResultFileError, writeResultFiles } from '../report/files.ts';
import { GateConfigError, gateSummary, readGateConfig, violations } from '../report/gate.ts';
import { UsageError } from './errors.ts';
import { parse, SUITE_FLAGS, suiteOptions, timingFlags } from './options.ts';
import { existsSync } from 'node:fs';

export const GATE_HELP = `ksmbench gate [--baseline FILE] [--config FILE] [--update] [suite options]

Run the suite recorded in the baseline again and compare every metric with it:
  - any change of a cost or correctness counter fails (unless the config relaxes it),
  - a run that was correct and now fails the oracle fails (known failures stay known),
  - a timing fails only when significantly slower past its threshold (baselines with timings).
Prints a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set).
Exit 0 pass, 1 regression, 2 bad usage or input.

  --baseline FILE   the committed baseline (default results/baseline.csv, .json beside it)
  --config FILE     per-metric rules (default ksmbench-gate.json if present):
                    {"rules": {"pt_reads": "no-increase", "time_ns_median": "timing",
                     "general_profit": "ignore", "rmap_avc_visits": {"max_increase_pct": 5}},
                     "timing": {"alpha": 0.01, "threshold": 0.05}}
  --update          rewrite the baseline with this run (the baseline's suite, or the suite
                    options given) and exit 0
  --no-timing / --time MS / --iterations N   timing of the run (default: as the baseline)
`;

/** The suite a baseline was made of: its built-in scenarios with their params, its stacks. */
export function suiteOfBaseline(set: ResultSet, path: string): Suite {
  const runs = set.runs.map((r) => {
    try {
      getScenario(r.scenario);
    } catch {
      throw new ResultFileError(`baseline "${path}" has scenario "${r.scenario}", which is not a built-in scenario (gate re-runs built-in scenarios)`);
    }
    return { scenario: buildScenario(r.scenario, parseParamsString(r.params), r.seed), config: configOfLabel(r.stack) };
  });
  return { name: set.suite, runs };
}

export async function gateCommand(argv: string[], cwd: string): Promise<number> {
  const { values } = parse(argv, {
    ...SUITE_FLAGS,
    baseline: { type: 'string' },
    config: { type: 'string' },
    update: { type: 'boolean' },
    'no-timing': { type: 'boolean' },
    time: { type: 'string' },
    iterations: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(GATE_HELP);
    return 0;
  }
  const baselinePath = values.baseline ?? join(cwd, 'results', 'baseline.csv');
  if (!baselinePath.endsWith('.csv') && !baselinePath.endsWith('.json')) throw new UsageError(`--baseline "${baselinePath}" must be a .csv or .json file`);
  let config;
  try {
    const dflt = join(cwd, 'ksmbench-gate.json');
    config = readGateConfig(values.config ?? (existsSync(dflt) ? dflt : null));
  } catch (e) {
    if (e instanceof GateConfigError) throw new UsageError(e.message);
    throw e;
  }
  const suiteGiven = Boolean(values.scenario?.length || values['scenario-file'] || values.stack?.length || values.variant?.length);
  const baseline = values.update && (suiteGiven || !existsSync(baselinePath)) ? null : readResultFile(baselinePath);
  const suite = baseline ? suiteOfBaseline(baseline, baselinePath) : selectSuite(suiteOptions(values), 'baseline');
  const timed = values['no-timing'] ? false : baseline ? baseline.runs.some((r) => r.timing) : values.time !== undefined || values.iterations !== undefined;
  const timing = timed ? timingFlags(values) : null;
  if (values.update) ensureWritableDir(dirname(baselinePath));
  const current = await runSuite(suite, { timing, dir: cwd });
  if (values.update) {
    const base = baselinePath.replace(/\.(csv|json)$/, '');
    const files = writeResultFiles(base, { ...current, suite: baseline?.suite ?? suite.name });
    process.stdout.write(`baseline updated: ${files.csv} and ${files.json} (${current.runs.length} runs)\n`);
    return 0;
  }
  const diffs = compareSets(baseline!, current, config.timing);
  const bad = violations(diffs, config);
  const known = current.runs.filter((r) => !r.verdict.ok && baseline!.runs.some((b) => b.scenario === r.scenario && b.params === r.params && b.stack === r.stack && !b.verdict.ok)).length;
  const summary = gateSummary(relative(cwd, baselinePath) || baselinePath, diffs, bad, known);
  process.stdout.write(summary);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, summary);
  return bad.length ? 1 : 0;
}
