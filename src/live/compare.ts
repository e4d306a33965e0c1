// The simulator beside the kernel at every checkpoint of a live replay: the same values read
// from both (per live process its ksm_stat lines and ksm_merging_pages, the global counters),
// the system calls and sysfs stores each refused, and ksmd's CPU time per ksmd op beside the
// simulator's time for the same op.
import type { Scenario } from '../../bench/format.ts';
import type { RunConfig } from '../harness/config.ts';
import { executeScenario } from '../harness/execute.ts';
import { ksm_stat_lines, read_sysfs } from '../ksm/sysfs.ts';
import { type Counters, newCounters, opCountsRecorder } from '../mm/counters.ts';
import { ksm_test_exit } from '../mm/mm.ts';
import type { KernelRun } from './kernel.ts';
import type { LivePlan } from './script.ts';

/** One value read on both sides at one checkpoint. */
export interface LiveValue {
  readonly name: string;
  readonly simulator: string;
  readonly kernel: string;
  readonly same: boolean;
}

export interface LiveCheckpointResult {
  readonly id: number;
  /** The op the checkpoint follows ("ops[3] (ksmd)"). */
  readonly after: string;
  readonly values: readonly LiveValue[];
}

export interface LiveKsmdTime {
  /** The op's index in the scenario's ops, and its label ("ops[3] (ksmd)"). */
  readonly op_index: number;
  readonly after: string;
  readonly batches: number;
  /** ksmd's run time over the op (schedstat, ns; -1 where the kernel has none). */
  readonly kernel_ns: number;
  /** ksmd's utime + stime over the op (clock ticks). */
  readonly kernel_ticks: number;
  /** The simulator's wall time for the same op (ns). */
  readonly simulator_ns: number;
  /** The simulator's counters over the op (after − before): the work a cost model prices. */
  readonly counts: Counters;
}

export interface LiveComparison {
  readonly scenario: string;
  readonly stack: string;
  readonly kernel: string;
  readonly checkpoints: readonly LiveCheckpointResult[];
  readonly ksmd: readonly LiveKsmdTime[];
  readonly skipped: readonly string[];
  readonly equal: number;
  readonly compared: number;
  /** With --kernel: the image booted under QEMU. */
  readonly image?: { readonly spec: string; readonly label: string; readonly sha256: string };
  /** Why the stack is only the nearest one for this kernel. */
  readonly stackNote?: string;
  /** With stackNote: the release whose mm behaviour the simulator followed (the stack's variants, this kernel's mm). */
  readonly mmVersion?: string;
}

/** Counters the kernel counts since boot: compared as the growth since the baseline checkpoint. */
const SINCE_BOOT = new Set(['pages_scanned']);

interface SimCheck {
  stat: Map<string, Map<string, string>>;
  merging: Map<string, number>;
  sysfs: Record<string, string>;
}

/** The scenario on the simulator, its values read at the plan's checkpoints (the baseline: all zero). */
function simulate(s: Scenario, config: RunConfig, plan: LivePlan): { checks: Map<number, SimCheck>; opNs: Map<number, number>; opCounts: Map<number, Counters>; failedOps: Set<number> } {
  const byOp = new Map(plan.checkpoints.map((c) => [c.opIndex, c.id]));
  const checks = new Map<number, SimCheck>();
  const opNs = new Map<number, number>();
  const opCounts = opCountsRecorder();
  const r = executeScenario(s, config, {
    invariants: 'end',
    onOpDone: (i, { ksm, procs }, ns) => {
      opNs.set(i, ns);
      opCounts.record(i, ksm.counters);
      const id = byOp.get(i);
      if (id === undefined) return;
      const stat = new Map<string, Map<string, string>>();
      const merging = new Map<string, number>();
      for (const [name, mm] of procs) {
        if (ksm_test_exit(mm)) continue; // exited
        stat.set(name, new Map(ksm_stat_lines(ksm, mm)));
        merging.set(name, mm.ksm_merging_pages);
      }
      const v = read_sysfs(ksm) as unknown as Record<string, number>;
      checks.set(id, { stat, merging, sysfs: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) });
    },
  });
  const failedOps = new Set(r.opErrors.map((e) => Number(/^ops\[(\d+)\]/.exec(e)?.[1] ?? -1)).filter((i) => i >= 0));
  return { checks, opNs, opCounts: opCounts.byOp, failedOps };
}

const opName = (s: Scenario, i: number): string => (i < 0 ? 'the start' : `ops[${i}] (${s.ops[i]!.op})`);

/** Compare a kernel's replay with the simulator on `config`, checkpoint by checkpoint. */
export function compareLive(s: Scenario, config: RunConfig, stack: string, plan: LivePlan, k: KernelRun): LiveComparison {
  const sim = simulate(s, config, plan);
  const base = k.checks.find((c) => c.id === 0);
  const results: LiveCheckpointResult[] = [];
  let equal = 0;
  let compared = 0;
  const value = (values: LiveValue[], name: string, a: string | undefined, b: string | undefined): void => {
    const same = a !== undefined && a === b;
    values.push({ name, simulator: a ?? '-', kernel: b ?? '-', same });
    compared++;
    if (same) equal++;
  };
  for (const cp of plan.checkpoints) {
    if (cp.id === 0) continue; // the baseline: read for the since-boot counters only
    const kc = k.checks.find((c) => c.id === cp.id);
    const sc = sim.checks.get(cp.id);
    const values: LiveValue[] = [];
    const procs = [...new Set([...Object.keys(kc?.stat ?? {}), ...(sc?.stat.keys() ?? [])])];
    for (const p of procs) {
      const ks = kc?.stat[p] ?? {};
      const ss = sc?.stat.get(p) ?? new Map<string, string>();
      for (const name of new Set([...Object.keys(ks), ...ss.keys()])) value(values, `${p} ksm_stat ${name}`, ss.get(name), ks[name]);
      value(values, `${p} ksm_merging_pages`, sc?.merging.has(p) ? String(sc.merging.get(p)) : undefined, kc?.merging[p] !== undefined ? String(kc.merging[p]) : undefined);
    }
    for (const [name, text] of Object.entries(kc?.sysfs ?? {})) {
      const kv = SINCE_BOOT.has(name) && base?.sysfs[name] !== undefined ? String(Number(text) - Number(base.sysfs[name])) : text;
      value(values, name, sc?.sysfs[name], kv);
    }
    results.push({ id: cp.id, after: opName(s, cp.opIndex), values });
  }
  // the calls each side refused, by op
  const kernelFailed = [...new Set(k.errors.map((e) => plan.stepOp[e.step] ?? -1))].filter((i) => i >= 0).sort((a, b) => a - b);
  const simFailed = [...sim.failedOps].sort((a, b) => a - b);
  const failed: LiveValue[] = [];
  value(failed, 'ops refused (by index)', simFailed.join(',') || 'none', kernelFailed.join(',') || 'none');
  results.push({ id: plan.checkpoints.length, after: 'the end', values: failed });
  const ksmd = plan.ksmdOps.map((i, n): LiveKsmdTime => {
    const c = k.cpu[n];
    return { op_index: i, after: opName(s, i), batches: c?.batches ?? 0, kernel_ns: c?.ns ?? -1, kernel_ticks: c?.ticks ?? -1, simulator_ns: sim.opNs.get(i) ?? 0, counts: sim.opCounts.get(i) ?? newCounters() };
  });
  return { scenario: s.name, stack, kernel: k.kernel, checkpoints: results, ksmd, skipped: plan.skipped, equal, compared };
}
