// ksmbench live: replay a scenario on a real kernel's KSM, step by step, and put the
// simulator's values beside the kernel's at every checkpoint (Linux with KSM, root, cc, and an
// idle KSM).
import { stringify } from 'csv-stringify/sync';
import { readScenarioFile, type Scenario } from '../../bench/format.ts';
import { buildScenario } from '../../bench/scenarios/index.ts';
import type { LiveComparison } from '../live/compare.ts';
import { DebianKernelError } from '../live/debian-kernel.ts';
import { replayOnHost } from '../live/host.ts';
import { NoThpError } from '../live/kernel.ts';
import { QemuError, qemuUnavailable } from '../live/qemu.ts';
import { livePlan } from '../live/script.ts';
import { replayInVm } from '../live/vm.ts';
import { kernelStacks, liveMatrix, MATRIX_SCENARIOS } from '../live/matrix.ts';
import { writeAtomic } from '../report/files.ts';
import { cellText } from '../report/live-matrix.ts';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fmtInt, renderTable } from '../report/table.ts';
import { UsageError } from './errors.ts';
import { intFlag, paramsFlag, parse } from './options.ts';

export const LIVE_HELP = `ksmbench live (--scenario NAME | --scenario-file F) [--param k=v] [--kernel K] [--stack S] [--format F]
       ksmbench live --matrix [--stack S]… [--scenario NAME]… [--out FILE | --no-save]

Replay a scenario on this machine's kernel (/sys/kernel/mm/ksm, through tools/live/ksm-live.c)
and on the simulator (default stack v6.18), and compare them at every checkpoint: after each
ksmd op and each expect, every live process's ksm_stat lines and ksm_merging_pages and the
global counters of both. Every op is replayed on real processes: mmap (2 MiB aligned when a
multiple of 2 MiB; "thp": MADV_HUGEPAGE), fill/write/read, madvise (all advices), mprotect,
mremap, munmap, fork (a real fork), exit (a real exit), sysfs writes (a value the kernel
refuses is reported as refused, as the simulator does), ksmd full_scans and batches (stepped
one wake-up at a time), expect. rmap_walk, memory_failure and inject have no kernel
counterpart: reported as skipped. ksmd's CPU time per ksmd op (schedstat, utime + stime) is
shown beside the simulator's time for the op. The host's THP knobs are the simulator's; THPs
the scenario faults in are checked (smaps) before ksmd runs. Every knob written is put back,
and the stable nodes the replay leaves are removed.
  --kernel K    replay on another kernel, booted under qemu-system-x86_64 (TCG, -smp 2, the
                scenario's THP policy on the command line) with an initramfs made on the fly
                (busybox-static and the driver built static): K is a bzImage path, or
                debian:VERSION (6.1, 6.12, 6.16 … 7.3: Debian's cloud kernel, downloaded once
                into the per-user cache). The results name the kernel (uname -r) and the image's
                sha256. Without --kernel: this host's kernel
  --stack S     the simulator's stack (default: the one named for the kernel's version; v6.18
                on this host's 6.18)
  --format F    table (default) | json | csv
  --timeout S   stop the replay after S seconds (default 180; 600 with --kernel)

--matrix runs the built-in scenarios that replay (${MATRIX_SCENARIOS.join(', ')}) on every
kernel stack's real kernel (this host for its own release, Debian's cloud kernel of the stack's
version under QEMU for the others; --stack and --scenario choose fewer) and prints scenario ×
stack → values equal / compared; it writes results/<date>-live-matrix.json (or --out FILE),
which \`ksmbench report\` renders. A cell that cannot run (no QEMU, no network) says why and
does not fail the command.
Exit 0 when every value is equal, 1 when one differs, 2 when it cannot run here (or timed out).
`;

const FORMATS = ['table', 'json', 'csv'] as const;
type LiveFormat = (typeof FORMATS)[number];

function formatOf(v: string | undefined): LiveFormat {
  if (v === undefined) return 'table';
  if ((FORMATS as readonly string[]).includes(v)) return v as LiveFormat;
  throw new UsageError(`--format "${v}" is not one of ${FORMATS.join(', ')}`);
}

/** The comparison as a table per checkpoint, the ksmd times, the skipped ops and the summary line. */
export function presentLive(c: LiveComparison): string {
  const out: string[] = [`${c.scenario}: simulator (${c.stack}) against kernel ${c.kernel}${c.image ? ` (${c.image.label}, sha256 ${c.image.sha256.slice(0, 12)}, under QEMU)` : ''}`];
  if (c.stackNote) out.push(`(${c.stackNote}; the simulator follows that release's mm)`);
  for (const cp of c.checkpoints) {
    const same = cp.values.filter((v) => v.same).length;
    out.push('', `after ${cp.after}: ${same}/${cp.values.length} equal`);
    out.push(renderTable(['value', 'simulator', 'kernel', ''], cp.values.map((v) => [v.name, v.simulator, v.kernel, v.same ? 'same' : 'DIFFERS']), (col) => col === 1 || col === 2));
  }
  if (c.ksmd.length) {
    out.push('', "ksmd's CPU time per ksmd op (kernel: schedstat run time and utime+stime ticks; simulator: wall time of the op)");
    const ns = (x: number) => (x < 0 ? '-' : fmtInt(x));
    out.push(renderTable(['after', 'batches', 'kernel ns', 'kernel ticks', 'simulator ns'], c.ksmd.map((k) => [k.after, fmtInt(k.batches), ns(k.kernel_ns), ns(k.kernel_ticks), ns(k.simulator_ns)]), (col) => col > 0));
  }
  for (const s of c.skipped) out.push(`skipped: ${s}`);
  out.push('', `${c.equal}/${c.compared} values equal at ${c.checkpoints.length - 1} checkpoints`);
  return `${out.join('\n')}\n`;
}

function csvOf(c: LiveComparison): string {
  const rows = c.checkpoints.flatMap((cp) => cp.values.map((v) => [cp.id, cp.after, v.name, v.simulator, v.kernel, v.same ? 1 : 0]));
  return stringify([['checkpoint', 'after', 'value', 'simulator', 'kernel', 'same'], ...rows]);
}

/** The replay on this host's kernel. */
function onThisHost(s: Scenario, stack: string, timeout: number): LiveComparison {
  const c = replayOnHost(s, stack, timeout);
  if ('why' in c) throw new UsageError(c.why);
  return c;
}

/** The replay on another kernel under QEMU; the simulator side the stack named for its release unless given. */
async function onKernel(s: Scenario, spec: string, given: string | undefined, timeout: number): Promise<LiveComparison> {
  const why = qemuUnavailable();
  if (why) throw new UsageError(`cannot boot a kernel here: ${why}`);
  return replayInVm(s, spec, { ...(given ? { stack: given } : {}), followRelease: given === undefined, timeoutMs: timeout });
}

/** live --matrix: every matrix scenario on every kernel stack's kernel; the table, and the result file. */
async function matrixCommand(values: { scenario?: string[]; stack?: string[]; kernel?: string; 'scenario-file'?: string; param?: string[]; out?: string; 'no-save'?: boolean; timeout?: string }): Promise<number> {
  if (values.kernel || values['scenario-file'] || values.param) throw new UsageError('--matrix takes its kernels from the stacks and runs built-in scenarios: --kernel, --scenario-file and --param do not go with it');
  if (values.out !== undefined && values['no-save']) throw new UsageError('--out and --no-save together: give one');
  const known = kernelStacks();
  for (const st of values.stack ?? []) if (!known.includes(st)) throw new UsageError(`--stack "${st}" is not a kernel stack (accepted: ${known.join(', ')}; series states have no released kernel)`);
  for (const sc of values.scenario ?? []) if (!MATRIX_SCENARIOS.includes(sc)) throw new UsageError(`--scenario "${sc}" is not a matrix scenario (accepted: ${MATRIX_SCENARIOS.join(', ')})`);
  const timeoutMs = intFlag('timeout', values.timeout, 600, 1) * 1000;
  const m = await liveMatrix({
    ...(values.stack?.length ? { stacks: values.stack } : {}),
    ...(values.scenario?.length ? { scenarios: values.scenario } : {}),
    timeoutMs,
    progress: (c, n, total) =>
      process.stderr.write(`[${n}/${total}] ${c.scenario} × ${c.stack}: ${c.status === 'cannot run' ? `cannot run (${c.why ?? ''})` : `${c.equal}/${c.compared} equal`}\n${(c.differing ?? []).map((d) => `  differs ${d}\n`).join('')}`),
  });
  const at = (stack: string, scenario: string) => m.cells.find((c) => c.stack === stack && c.scenario === scenario);
  process.stdout.write(`${renderTable(['scenario', ...m.stacks], m.scenarios.map((sc) => [sc, ...m.stacks.map((st) => cellText(at(st, sc)))]), (col) => col > 0)}\n`);
  for (const st of m.stacks) {
    const ran = [...new Set(m.cells.filter((x) => x.stack === st && x.kernel).map((x) => `${x.kernel} on ${x.where}`))];
    process.stdout.write(`${st}: ${ran.length ? ran.join('; ') : 'did not run'}\n`);
  }
  if (!values['no-save']) {
    const out = values.out ?? join('results', `${new Date().toISOString().slice(0, 19).replace(/[T:]/g, '-')}-live-matrix.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeAtomic(out, `${JSON.stringify(m, null, 2)}\n`);
    process.stdout.write(`wrote ${out}\n`);
  }
  return m.cells.some((c) => c.status === 'differs') ? 1 : 0;
}

export async function liveCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    scenario: { type: 'string', multiple: true },
    'scenario-file': { type: 'string' },
    param: { type: 'string', multiple: true },
    stack: { type: 'string', multiple: true },
    matrix: { type: 'boolean' },
    out: { type: 'string' },
    'no-save': { type: 'boolean' },
    kernel: { type: 'string' },
    format: { type: 'string' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(LIVE_HELP);
    return 0;
  }
  const format = formatOf(values.format);
  if (values.matrix) return matrixCommand(values);
  if (values.out !== undefined || values['no-save']) throw new UsageError('--out and --no-save go with --matrix (a single replay writes no file)');
  const scenarios = values.scenario ?? [];
  if (scenarios.length > 1) throw new UsageError(`give one --scenario (got ${scenarios.length}); --matrix runs several`);
  const stacks = values.stack ?? [];
  if (stacks.length > 1) throw new UsageError(`give one --stack (got ${stacks.length}); --matrix runs several`);
  if (!scenarios[0] === !values['scenario-file']) throw new UsageError('give one of --scenario or --scenario-file');
  const s: Scenario = values['scenario-file'] ? readScenarioFile(values['scenario-file']) : buildScenario(scenarios[0]!, paramsFlag(values.param));
  const timeout = intFlag('timeout', values.timeout, values.kernel ? 600 : 180, 1) * 1000;
  const plan = livePlan(s);
  if ('why' in plan) throw new UsageError(`scenario "${s.name}" cannot be replayed on the kernel: ${plan.why}`);
  let comparison: LiveComparison;
  try {
    comparison = values.kernel ? await onKernel(s, values.kernel, stacks[0], timeout) : onThisHost(s, stacks[0] ?? 'v6.18', timeout);
  } catch (e) {
    if (e instanceof NoThpError) throw new UsageError(`scenario "${s.name}" cannot be compared on this kernel now: ${e.message}`);
    if (e instanceof QemuError || e instanceof DebianKernelError) throw new UsageError(e.message);
    throw e;
  }
  if (format === 'json') process.stdout.write(`${JSON.stringify({ format: 'ksmbench-live/1', ...comparison }, null, 2)}\n`);
  else if (format === 'csv') process.stdout.write(csvOf(comparison));
  else process.stdout.write(presentLive(comparison));
  return comparison.equal === comparison.compared ? 0 : 1;
}
