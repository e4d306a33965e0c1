// ksmbench gate: run the baseline's suite again and fail on a regression (exit 1).
import { appendFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { buildScenario, getScenario } from '../../bench/scenarios/index.ts';
import { configOfLabel } from '../harness/config.ts';
import { getVariant } from '../../variants/registry.ts';
import { AXES } from '../../variants/types.ts';
import { isTimingMetric, parseParamsString, type ResultSet } from '../harness/results.ts';
import { selectSuite, type Suite, weightOf } from '../harness/suite.ts';
import { compareSets } from '../report/compare.ts';
import { ensureWritableDir, readResultFile, ResultFileError, writeResultFiles } from '../report/files.ts';
import { GateConfigError, gateSummary, readGateConfig, violations } from '../report/gate.ts';
import { warnProvenance } from '../report/provenance.ts';
import { pricingNote } from '../report/pricing.ts';
import { UsageError } from './errors.ts';
import { parse, SUITE_FLAGS, suiteOptions, refuseTimingWithNoTiming, timingFlags } from './options.ts';
import { existsSync } from 'node:fs';
import { jobsFlag, runPlanned, RUNNING_FLAGS } from './jobs.ts';
import { progressReporter } from './progress.ts';
import type { Plan } from './plan.ts';
import { CALIBRATION_FLAGS, calibrationOf } from './pricing.ts';

export const GATE_HELP = `ksmbench gate [--baseline FILE] [--config FILE] [--update] [suite options]

Run the suite recorded in the baseline again and compare every metric with it:
  - any change of a cost or correctness counter fails (unless the config relaxes it),
  - a run that was correct and now fails the oracle fails (known failures stay known),
  - a timing fails only when significantly slower past its threshold (baselines with timings).
Prints a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set; a summary file
that cannot be written is a warning, not the gate's verdict). A baseline with no runs, a run
twice, a run without its seed or with variants its stack does not run is bad input (exit 2);
so is a gate config with an unknown key or a negative max_increase_pct. The suite options
(--scenario, --stack, …) apply only with --update: the gate re-runs the baseline's suite.
Exit 0 pass, 1 regression, 2 bad usage or input.

  --baseline FILE   the committed baseline (default results/baseline.csv, .json beside it, in
                    the nearest directory upwards from the current one that has it)
  --config FILE     per-metric rules (default ksmbench-gate.json if present):
                    {"rules": {"pt_reads": "no-increase", "time_ns_median": "timing",
                     "general_profit": "ignore", "rmap_avc_visits": {"max_increase_pct": 5}},
                     "timing": {"alpha": 0.01, "threshold": 0.05}}
  --update          rewrite the baseline with this run (the baseline's suite, or the suite
                    options given), print every value it accepted (metric old → new) and
                    exit 0. The CSV holds only values; the provenance (commit, dirty flag,
                    environment) is in the JSON, so the CSV's diff is exactly what moved.
                    The gate says when the baseline records a dirty working tree.
  --no-timing / --time MS / --iterations N   timing of the run (default: as the baseline)
  --jobs N          split the runs over N processes and merge them before comparing (as for
                    run: at most the number of runs, a warning above the cores; a timed
                    baseline is best gated with one job, as it was made)
  --quiet           no progress on stderr (default: one line per finished run with an ETA; a
                    live line on a terminal)
  --timeout SECONDS a run that takes longer stops the gate (exit 2), naming the scenario and
                    configuration; also a tight loop in a variant (the gate runs in a child)
  --calibration FILE / --no-calibration   which calibration prices the run (as for run; default
                    the committed calibration/default.json when there is one). The predictions
                    (predicted_ksmd_ns, predicted_ksmd_ns_per_scan) are exact for a calibration:
                    rule equal, compared only when the baseline was priced by the same file
                    (sha256); otherwise the summary says they were not compared (not a failure)
`;

/** The suite a baseline was made of: its built-in scenarios with their params, its stacks. */
export function suiteOfBaseline(set: ResultSet, path: string): Suite {
  if (set.runs.length === 0) throw new ResultFileError(`baseline "${path}" has no runs: the gate would check nothing (make one with ksmbench gate --update)`);
  const runs = set.runs.map((r) => {
    try {
      getScenario(r.scenario);
    } catch {
      throw new ResultFileError(`baseline "${path}" has scenario "${r.scenario}", which is not a built-in scenario (gate re-runs built-in scenarios)`);
    }
    let config;
    try {
      config = configOfLabel(r.stack);
    } catch (e) {
      throw new ResultFileError(`baseline "${path}": run ${r.scenario} × ${r.stack}: ${(e as Error).message}`);
    }
    // The recorded variants must be the ones the stack label runs: a baseline that says otherwise
    // would gate something else than it claims.
    for (const axis of AXES) {
      const id = r.variants[axis];
      if (id === config.variants[axis]) continue;
      if (!id) continue; // a baseline written before the axis existed (no column, no key): nothing recorded to contradict
      let known = true;
      try {
        getVariant(axis, id);
      } catch {
        known = false;
      }
      throw new ResultFileError(
        `baseline "${path}": run ${r.scenario} × ${r.stack} records ${axis}=${id}${known ? '' : ', which is not a variant'}; stack "${r.stack}" runs ${axis}=${config.variants[axis]}`,
      );
    }
    return { scenario: buildScenario(r.scenario, parseParamsString(r.params), r.seed), config };
  });
  return { name: set.suite, runs };
}

/** Append the summary to $GITHUB_STEP_SUMMARY; a failure to do so is a warning, not the gate's verdict. */
function writeStepSummary(summary: string): void {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  try {
    appendFileSync(file, summary);
  } catch (e) {
    process.stderr.write(`ksmbench: warning: cannot append the summary to $GITHUB_STEP_SUMMARY "${file}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
  }
}

/**
 * Where the default baseline and gate config are: the nearest directory from `cwd` upwards
 * that holds results/baseline.csv (so the gate finds the checkout's from any directory in it),
 * else `cwd` itself.
 */
export function gateHome(cwd: string): string {
  for (let d = resolve(cwd); ; d = dirname(d)) {
    if (existsSync(join(d, 'results', 'baseline.csv'))) return d;
    if (dirname(d) === d) return cwd;
  }
}

const GATE_FLAGS = {
  ...SUITE_FLAGS,
  baseline: { type: 'string' },
  config: { type: 'string' },
  update: { type: 'boolean' },
  ...RUNNING_FLAGS,
  ...CALIBRATION_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

type GateValues = ReturnType<typeof parse<typeof GATE_FLAGS>>['values'];

/** The baseline the gate compares with (null: --update makes a new one) and the suite it runs. */
function gatePlan(values: GateValues, cwd: string): { plan: Plan; baselinePath: string; baseline: ResultSet | null; home: string } {
  const home = gateHome(cwd);
  const baselinePath = values.baseline ?? join(home, 'results', 'baseline.csv');
  if (!baselinePath.endsWith('.csv') && !baselinePath.endsWith('.json')) throw new UsageError(`--baseline "${baselinePath}" must be a .csv or .json file`);
  const suiteGiven = Boolean(values.scenario?.length || values['scenario-file'] || values.stack?.length || values.variant?.length);
  if (!values.update) {
    // The gate re-runs the baseline's suite as recorded: a suite option would silently do nothing.
    const given = (['scenario', 'scenario-file', 'param', 'stack', 'variant', 'base', 'seed', 'shard'] as const).filter((k) => {
      const v = values[k];
      return Array.isArray(v) ? v.length > 0 : v !== undefined;
    });
    if (given.length) throw new UsageError(`gate re-runs the suite recorded in the baseline: --${given[0]} applies only with --update (to make a baseline of another suite)`);
  }
  const baseline = values.update && (suiteGiven || !existsSync(baselinePath)) ? null : readResultFile(baselinePath);
  const suite = baseline ? suiteOfBaseline(baseline, baselinePath) : selectSuite(suiteOptions(values), 'baseline');
  const timed = values['no-timing'] ? false : baseline ? baseline.runs.some((r) => r.timing) : values.time !== undefined || values.iterations !== undefined;
  const timing = timed ? timingFlags(values) : null;
  return { plan: { suite, timing, weights: suite.runs.map((r) => weightOf(r.scenario.name)), calibration: calibrationOf(values) }, baselinePath, baseline, home };
}

/** The plan of `gate argv` (for a job of gate --jobs N). */
export function planGate(argv: string[], cwd: string): Plan {
  return gatePlan(parse(argv, GATE_FLAGS).values, cwd).plan;
}

export async function gateCommand(argv: string[], cwd: string): Promise<number> {
  const { values } = parse(argv, GATE_FLAGS);
  if (values.help) {
    process.stdout.write(GATE_HELP);
    return 0;
  }
  refuseTimingWithNoTiming(values);
  const { plan, baselinePath, baseline, home } = gatePlan(values, cwd);
  let config;
  try {
    const dflt = join(home, 'ksmbench-gate.json');
    config = readGateConfig(values.config ?? (existsSync(dflt) ? dflt : null));
  } catch (e) {
    if (e instanceof GateConfigError) throw new UsageError(e.message);
    throw e;
  }
  const { suite } = plan;
  const jobs = jobsFlag(values.jobs, suite.runs.length, values.shard);
  if (values.update) ensureWritableDir(dirname(baselinePath));
  const current = await runPlanned('gate', argv, plan, jobs, cwd, progressReporter(plan.suite.runs.length, values.quiet === true));
  if (values.update) {
    let previous: ResultSet | null = baseline;
    let unreadable = '';
    if (!previous && existsSync(baselinePath)) {
      try {
        previous = readResultFile(baselinePath);
      } catch (e) {
        unreadable = (e as Error).message;
      }
    }
    const base = baselinePath.replace(/\.(csv|json)$/, '');
    const files = writeResultFiles(base, { ...current, suite: baseline?.suite ?? suite.name });
    process.stdout.write(`baseline updated: ${files.csv} and ${files.json} (${current.runs.length} runs)\n`);
    process.stdout.write(acceptedText(previous, current, unreadable));
    if (current.env.git.dirty) process.stderr.write(`ksmbench: warning: the working tree has uncommitted changes: the baseline records a dirty tree (commit ${current.env.git.commit}), and the gate will say so\n`);
    return 0;
  }
  const diffs = compareSets(baseline!, current, config.timing);
  warnProvenance(baseline!, current, { old: 'the baseline', new: 'this run' });
  const bad = violations(diffs, config);
  const known = current.runs.filter((r) => !r.verdict.ok && baseline!.runs.some((b) => b.scenario === r.scenario && b.params === r.params && b.stack === r.stack && !b.verdict.ok)).length;
  const dirty = baseline!.env.git.dirty
    ? [`Note: the baseline records a dirty working tree (commit \`${baseline!.env.git.commit}\` with uncommitted changes): its values may belong to no commit. Re-make it from a clean tree with \`npx ksmbench gate --update\`.`]
    : [];
  const pricing = pricingNote(baseline!, current, { old: 'the baseline', new: 'this run' });
  const notes = [...dirty, ...(pricing ? [`Note: ${pricing}.`] : [])];
  const summary = gateSummary(relative(cwd, baselinePath) || baselinePath, diffs, bad, known, notes);
  process.stdout.write(summary);
  writeStepSummary(summary);
  return bad.length ? 1 : 0;
}

/** What an update accepted: every counter or verdict that moved (old → new), runs added or removed. */
export function acceptedText(previous: ResultSet | null, current: ResultSet, unreadable = ''): string {
  if (!previous) return unreadable ? `the previous baseline could not be read (${unreadable}): every value is new\n` : 'no previous baseline: every value is new\n';
  const diffs = compareSets(previous, current).filter((d) => d.status !== 'same' && d.status !== 'untested' && !isTimingMetric(d.metric));
  const retimed = previous.runs.some((r) => r.timing) || current.runs.some((r) => r.timing);
  const timingNote = retimed ? ' (timings re-measured, not listed)' : '';
  const pricing = pricingNote(previous, current, { old: 'the previous baseline', new: 'the new one' });
  const pricingLine = pricing ? `${pricing}\n` : '';
  if (diffs.length === 0) return `accepted no change: no counter or verdict moved${timingNote}\n${pricingLine}`;
  const lines = diffs.map((d) => {
    const where = `${d.scenario}${d.params ? ` [${d.params}]` : ''} × ${d.stack}`;
    if (d.status === 'added') return `  ${where}: run added`;
    if (d.status === 'removed') return `  ${where}: run removed`;
    return `  ${where}: ${d.metric} ${d.old} → ${d.new}`;
  });
  return `accepted ${diffs.length} change${diffs.length === 1 ? '' : 's'}${timingNote}:\n${lines.join('\n')}\n${pricingLine}`;
}
