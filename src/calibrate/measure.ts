// The calibration cases replayed on a real kernel through the live driver — this host's, or one
// booted under QEMU — for ksmd's CPU time per ksmd op; and the simulator's exact counts for the
// same ops (the same scenario as replayed, on the stack that stands for the kernel).
import { readFileSync } from 'node:fs';
import type { Scenario } from '../../bench/format.ts';
import { UsageError } from '../cli/errors.ts';
import { configOfStack } from '../harness/config.ts';
import { executeScenario } from '../harness/execute.ts';
import type { LiveComparison } from '../live/compare.ts';
import { replayOnHost } from '../live/host.ts';
import { asOnHost, hostThp } from '../live/kernel.ts';
import { stackForRelease } from '../live/kernel-stack.ts';
import { replayInVm, vmScenario } from '../live/vm.ts';
import { type Counters, opCountsRecorder } from '../mm/counters.ts';
import { parseKernelVersion } from '../mm/kernel.ts';
import type { CountedOp, MeasuredOp, MeasurementSite } from './calibration.ts';
import type { CalibrationCase } from './scenarios.ts';
import { buildCase } from './strided.ts';

export const caseName = (c: CalibrationCase): string =>
  `${c.scenario}${Object.keys(c.params).length ? ` ${Object.entries(c.params).map(([k, v]) => `${k}=${v}`).join(',')}` : ''}`;

const REPLAY_TIMEOUT_MS = 600_000;

type Replay = (s: Scenario) => Promise<LiveComparison | { readonly why: string }>;

/** Replay the cases, `repeat` times each: one row per ksmd op with ksmd's measured CPU time (replays with a value unlike the kernel's left out). */
async function measure(cases: readonly CalibrationCase[], repeat: number, replay: Replay, log: (line: string) => void): Promise<{ rows: MeasuredOp[]; last: LiveComparison | null }> {
  const rows: MeasuredOp[] = [];
  let last: LiveComparison | null = null;
  for (const c of cases) {
    const s = buildCase(c);
    for (let i = 0; i < repeat; i++) {
      const cmp = await replay(s);
      if ('why' in cmp) throw new UsageError(`calibration scenario ${caseName(c)}: ${cmp.why}`);
      last = cmp;
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
  return { rows, last };
}

/** The cases replayed on this host's kernel. */
export async function measureOnHost(cases: readonly CalibrationCase[], repeat: number, log: (line: string) => void): Promise<{ rows: MeasuredOp[]; site: MeasurementSite }> {
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  const stack = stackForRelease(kernel)?.stack;
  if (!stack) throw new UsageError(`no stack stands for this kernel (${kernel})`);
  const { rows } = await measure(cases, repeat, async (s) => replayOnHost(s, stack, REPLAY_TIMEOUT_MS), log);
  return { rows, site: { kernel, stack, thp: hostThp() } };
}

/** The cases replayed on the kernel `spec` (a path or debian:VERSION) booted under QEMU, one VM per replay. */
export async function measureInVm(cases: readonly CalibrationCase[], repeat: number, spec: string, stack: string | undefined, log: (line: string) => void): Promise<{ rows: MeasuredOp[]; site: MeasurementSite }> {
  const { rows, last } = await measure(cases, repeat, (s) => replayInVm(s, spec, { ...(stack ? { stack } : {}), followRelease: true, timeoutMs: REPLAY_TIMEOUT_MS }), log);
  if (!last) throw new UsageError('no calibration case was replayed');
  return {
    rows,
    site: { kernel: last.kernel, stack: last.stack, thp: null, vm: { image: last.image?.label ?? spec, sha256: last.image?.sha256 ?? '', ...(last.mmVersion ? { mm: last.mmVersion } : {}) } },
  };
}

/** The scenario as the site replayed it: under the host's THP knobs, or as it runs in a VM. */
function asReplayed(s: Scenario, site: MeasurementSite, name: string): Scenario {
  if (site.vm) return vmScenario(s);
  const onHost = asOnHost(s, site.thp);
  if ('why' in onHost) throw new UsageError(`calibration scenario ${name}: ${onHost.why}`);
  return onHost;
}

/**
 * The simulator's counts for each measured op: every case run once as the site replayed it, on
 * the site's stack (with a VM's release's own mm where the stack only stands near it), each ksmd
 * op's counters after − before (what the live comparison found equal to the kernel's).
 */
export function countOps(rows: readonly MeasuredOp[], site: MeasurementSite): CountedOp[] {
  const config = site.vm?.mm ? { ...configOfStack(site.stack), kernel: parseKernelVersion(site.vm.mm) } : configOfStack(site.stack);
  const byCase = new Map<string, { ops: Scenario['ops']; counts: ReadonlyMap<number, Counters> }>();
  for (const r of rows) {
    if (byCase.has(r.case)) continue;
    const s = asReplayed(buildCase(r), site, r.case);
    const counts = opCountsRecorder();
    executeScenario(s, config, { onOpDone: (i, st) => counts.record(i, st.ksm.machine.counters) });
    byCase.set(r.case, { ops: s.ops, counts: counts.byOp });
  }
  return rows.map((r) => {
    const ran = byCase.get(r.case);
    const counts = ran?.ops[r.op_index]?.op === 'ksmd' ? ran.counts.get(r.op_index) : undefined;
    if (!counts) throw new UsageError(`calibration row ${r.case} ${r.op}: op ${r.op_index} is not a ksmd op of that scenario`);
    return { ...r, counts };
  });
}
