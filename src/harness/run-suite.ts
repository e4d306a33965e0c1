// Running a suite: every (scenario, configuration) through the oracle, then timed if asked,
// into a result set with the environment it ran in.
import { environment } from './environment.ts';
import { paramsString, RESULTS_FORMAT, type ResultSet, type RunRecord, toRecord } from './results.ts';
import { type DigestCache, runScenario } from './run.ts';
import type { Suite } from './suite.ts';
import { timeScenario, type TimingOptions } from './timing.ts';
import { configLabel } from './config.ts';
import { watchEnd, watchStart } from './watch.ts';
import { type AddressSpace, checkOps } from '../../bench/format.ts';
import { type RmapTraceLine, rmapTraceLine } from './trace.ts';
import { DEFAULT_MAP_WINDOW, type PagingLevels, taskSizeMax } from '../mm/units.ts';
import { type CalibrationRef, predictRun } from '../calibrate/predict.ts';

export interface SuiteRunOptions {
  /** null: counters and verdicts only (--no-timing). */
  readonly timing: TimingOptions | null;
  /** Called after each run (progress on stderr): what ran and the milliseconds it took. */
  readonly progress?: ((what: string, ms: number) => void) | undefined;
  /**
   * The command's working directory. Not the provenance: a result records the git state of
   * the ksmbench checkout that ran it (environment.ts CHECKOUT), from whichever directory.
   */
  readonly dir: string;
  /** --trace rmap: told of every rmap walk of each run's counting execution (never of a timed one). */
  readonly rmapTrace?: ((line: RmapTraceLine) => void) | undefined;
  /** Price every run with this calibration's costs (predicted_ksmd_ns …); null or absent: no prediction. */
  readonly calibration?: CalibrationRef | null | undefined;
}

export async function runSuite(suite: Suite, o: SuiteRunOptions): Promise<ResultSet> {
  const runs: RunRecord[] = [];
  const digests: DigestCache = new WeakMap();
  const cal = o.calibration;
  // a mistake of a scenario is bad input, found before anything runs (bench/format.ts checkOps)
  for (const { scenario, config } of suite.runs) checkOps(scenario, addressSpace(scenario.paging ?? config.paging, scenario.abi ?? config.abi));
  for (const { scenario, config } of suite.runs) {
    const label = configLabel(config);
    const started = performance.now();
    watchStart(`${scenario.name}${paramsText(scenario.params)} × ${label}`);
    const trace = o.rmapTrace;
    const where = { run: runs.length, scenario: scenario.name, params: paramsString(scenario.params), stack: label };
    const r = runScenario(scenario, config, trace ? { onRmapWalk: (op, w) => trace(rmapTraceLine(where, op, w)) } : {}, label, digests);
    const timing = o.timing ? await timeScenario(scenario, config, o.timing) : null;
    watchEnd();
    runs.push(toRecord(r, timing, cal ? predictRun(cal.costs, r.ksmdCounts, r.counters.full_scans) : null));
    o.progress?.(`${scenario.name}${paramsText(scenario.params)} × ${label}`, performance.now() - started);
  }
  const calibration = cal ? { calibration: { path: cal.path, sha256: cal.sha256, kernel: cal.kernel, created: cal.created } } : {};
  return { format: RESULTS_FORMAT, suite: suite.name, created: new Date().toISOString(), env: await environment(), ...calibration, runs };
}

function paramsText(params: Parameters<typeof paramsString>[0]): string {
  const p = paramsString(params);
  return p ? ` [${p}]` : '';
}

/** The address space of a run (as src/mm/machine.ts sets it up). */
export function addressSpace(paging: PagingLevels, abi: string): AddressSpace {
  if (abi === 'ilp32-le') return { taskSize: 0xc0000, userLimit: 0xc0000, label: `${abi}, 3 GiB` };
  return { taskSize: Math.min(taskSizeMax(paging), DEFAULT_MAP_WINDOW), userLimit: taskSizeMax(paging), label: `${paging}-level paging` };
}
