// The fidelity matrix: the built-in scenarios that replay on a kernel, each on every kernel
// stack's real kernel — this host for its own release, Debian's cloud kernel of the stack's
// version under QEMU for the others — and how many values were equal at the checkpoints.
import { existsSync, readFileSync } from 'node:fs';
import { buildScenario } from '../../bench/scenarios/index.ts';
import type { Scenario } from '../../bench/format.ts';
import { parseKernelVersion } from '../mm/kernel.ts';
import { STACKS } from '../../variants/stacks.ts';
import type { LiveComparison } from './compare.ts';
import { replayOnHost } from './host.ts';
import { stackForRelease } from './kernel-stack.ts';
import { qemuUnavailable } from './qemu.ts';
import { replayInVm } from './vm.ts';

export const LIVE_MATRIX_FORMAT = 'ksmbench-live-matrix/1';

/** The scenarios of the matrix, at their default sizes (each boots and finishes in seconds under TCG). */
export const MATRIX_SCENARIOS: readonly string[] = [
  'split-after-merge',
  'mremap-remerge',
  'cow-churn',
  'fork-fanout',
  'zero-pages',
  'thp-zero',
  'exit-free',
  'dontneed-reclaim',
  'fork-after-munmap',
  'split-family',
];

export interface MatrixCell {
  readonly stack: string;
  readonly scenario: string;
  /** "equal", "differs", or "cannot run" (with why). */
  readonly status: 'equal' | 'differs' | 'cannot run';
  readonly equal: number;
  readonly compared: number;
  readonly checkpoints: number;
  /** The kernel that ran it (uname -r), and where: "this host" or the image booted. */
  readonly kernel?: string;
  readonly where?: string;
  readonly why?: string;
  /** The values that differ: "after ops[4] (ksmd): pages_shared simulator 3, kernel 2". */
  readonly differing?: readonly string[];
}

export interface LiveMatrix {
  readonly format: typeof LIVE_MATRIX_FORMAT;
  readonly created: string;
  readonly stacks: readonly string[];
  readonly scenarios: readonly string[];
  readonly cells: readonly MatrixCell[];
}

/** The kernel stacks (not series states): the ones a released kernel stands behind. */
export function kernelStacks(): string[] {
  return STACKS.filter((s) => /^[0-9]/.test(s.covers)).map((s) => s.name);
}

function hostRelease(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    return null;
  }
}

/** Where a stack's kernel runs: this host when its release is the stack's, else Debian's image of the stack's version. */
export function kernelOf(stack: string, host: string | null = hostRelease()): { host: true } | { spec: string } {
  if (host && existsSync('/sys/kernel/mm/ksm') && stackForRelease(host)?.stack === stack && !stackForRelease(host)?.note) return { host: true };
  const k = parseKernelVersion(STACKS.find((s) => s.name === stack)!.kernel);
  return { spec: `debian:${k.major}.${k.minor}` };
}

function cell(stack: string, scenario: string, c: LiveComparison, where: string): MatrixCell {
  const differing = c.checkpoints.flatMap((cp) => cp.values.filter((v) => !v.same).map((v) => `after ${cp.after}: ${v.name} simulator ${v.simulator}, kernel ${v.kernel}`));
  return {
    stack,
    scenario,
    status: c.equal === c.compared ? 'equal' : 'differs',
    equal: c.equal,
    compared: c.compared,
    checkpoints: c.checkpoints.length - 1,
    kernel: c.kernel,
    where,
    ...(differing.length ? { differing } : {}),
  };
}

/** One scenario on one stack's kernel. */
async function runCell(stack: string, name: string, timeoutMs: number): Promise<MatrixCell> {
  const s: Scenario = buildScenario(name);
  let where = kernelOf(stack);
  try {
    if ('host' in where) {
      const c = replayOnHost(s, stack, timeoutMs);
      if (!('why' in c)) return cell(stack, name, c, 'this host');
      // the host cannot (KSM in use, or its THP policy is not the scenario's): Debian's kernel of the version in QEMU
      if (qemuUnavailable()) return { stack, scenario: name, status: 'cannot run', equal: 0, compared: 0, checkpoints: 0, why: c.why };
      where = kernelOf(stack, null);
    }
    if ('host' in where) throw new Error('unreachable: a host kernel after the fallback');
    const why = qemuUnavailable();
    if (why) return { stack, scenario: name, status: 'cannot run', equal: 0, compared: 0, checkpoints: 0, why };
    const c = await replayInVm(s, where.spec, { stack, followRelease: true, timeoutMs });
    return cell(stack, name, c, `${c.image?.label ?? where.spec} (QEMU)`);
  } catch (e) {
    return { stack, scenario: name, status: 'cannot run', equal: 0, compared: 0, checkpoints: 0, why: (e as Error).message.split('\n')[0] };
  }
}

/** Every matrix scenario on every kernel stack, in order; `progress` told of each cell. */
export async function liveMatrix(opts: { stacks?: readonly string[]; scenarios?: readonly string[]; timeoutMs: number; progress?: (c: MatrixCell, n: number, total: number) => void }): Promise<LiveMatrix> {
  const stacks = opts.stacks ?? kernelStacks();
  const scenarios = opts.scenarios ?? MATRIX_SCENARIOS;
  const cells: MatrixCell[] = [];
  for (const stack of stacks) {
    for (const name of scenarios) {
      const c = await runCell(stack, name, opts.timeoutMs);
      cells.push(c);
      opts.progress?.(c, cells.length, stacks.length * scenarios.length);
    }
  }
  return { format: LIVE_MATRIX_FORMAT, created: new Date().toISOString(), stacks, scenarios, cells };
}

