// The calibration cases replayed on this host's kernel through the live driver: ksmd's CPU time
// per ksmd op; and the simulator's exact counts for the same ops (the same scenario, under the
// host's THP knobs, on the stack that stands for the kernel).
import { readFileSync } from 'node:fs';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { UsageError } from '../cli/errors.ts';
import { configOfStack } from '../harness/config.ts';
import { executeScenario } from '../harness/execute.ts';
import { replayOnHost } from '../live/host.ts';
import { asOnHost, hostThp } from '../live/kernel.ts';
import { stackForRelease } from '../live/kernel-stack.ts';
import { type Counters, diffCounters, newCounters, snapshotCounters } from '../mm/counters.ts';
import type { CountedOp, MeasuredOp, MeasurementSite } from './calibration.ts';
import type { CalibrationCase } from './scenarios.ts';

export const caseName = (c: CalibrationCase): string =>
  `${c.scenario}${Object.keys(c.params).length ? ` ${Object.entries(c.params).map(([k, v]) => `${k}=${v}`).join(',')}` : ''}`;

/** Replay the cases on this host, `repeat` times each: one row per ksmd op with ksmd's measured CPU time. */
export function measureOnHost(cases: readonly CalibrationCase[], repeat: number, log: (line: string) => void): { rows: MeasuredOp[]; site: MeasurementSite } {
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  const stack = stackForRelease(kernel)?.stack;
  if (!stack) throw new UsageError(`no stack stands for this kernel (${kernel})`);
  const rows: MeasuredOp[] = [];
  for (const c of cases) {
    const s = buildScenario(c.scenario, c.params);
    for (let i = 0; i < repeat; i++) {
      const cmp = replayOnHost(s, stack, 180_000);
      if ('why' in cmp) throw new UsageError(`calibration scenario ${caseName(c)}: ${cmp.why}`);
      if (cmp.equal !== cmp.compared) {
        log(`warning: ${caseName(c)}: ${cmp.compared - cmp.equal} values differ from the kernel's: its counts do not describe the kernel's work, left out`);
        continue;
      }
      for (const op of cmp.ksmd) {
        if (op.kernel_ns >= 0) rows.push({ case: caseName(c), scenario: c.scenario, params: c.params, op_index: op.op_index, op: op.after, measured_ns: op.kernel_ns });
      }
      log(`[${caseName(c)} ${i + 1}/${repeat}] ${cmp.ksmd.length} ksmd ops`);
    }
  }
  return { rows, site: { kernel, stack, thp: hostThp() } };
}

/**
 * The simulator's counts for each measured op: every case run once on the site's stack under the
 * site's THP knobs, each ksmd op's counters after − before (what the live comparison found equal
 * to the kernel's at every checkpoint).
 */
export function countOps(rows: readonly MeasuredOp[], site: MeasurementSite): CountedOp[] {
  const byCase = new Map<string, Map<number, Counters>>();
  for (const r of rows) {
    if (byCase.has(r.case)) continue;
    const onHost = asOnHost(buildScenario(r.scenario, r.params), site.thp);
    if ('why' in onHost) throw new UsageError(`calibration scenario ${r.case}: ${onHost.why}`);
    const counts = new Map<number, Counters>();
    let before = newCounters(); // a fresh machine counts nothing
    executeScenario(onHost, configOfStack(site.stack), {
      onOpDone: (i, st) => {
        const now = snapshotCounters(st.ksm.machine.counters);
        if (onHost.ops[i]?.op === 'ksmd') counts.set(i, diffCounters(now, before));
        before = now;
      },
    });
    byCase.set(r.case, counts);
  }
  return rows.map((r) => {
    const counts = byCase.get(r.case)?.get(r.op_index);
    if (!counts) throw new UsageError(`calibration row ${r.case} ${r.op}: op ${r.op_index} is not a ksmd op of that scenario`);
    return { ...r, counts };
  });
}
