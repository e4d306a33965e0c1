// ksmbench live: replay a scenario on the real kernel's KSM and show the simulator's numbers
// beside the kernel's (Linux with KSM, root, cc, and an idle KSM).
import { readScenarioFile, type Scenario } from '../../bench/format.ts';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfStack } from '../harness/config.ts';
import { executeScenario } from '../harness/execute.ts';
import { ksm_stat_lines, read_sysfs } from '../ksm/sysfs.ts';
import { asOnHost, type LiveResult, liveScript, liveUnavailable, NoThpError, runLive } from '../live/kernel.ts';
import { renderTable } from '../report/table.ts';
import { UsageError } from './errors.ts';
import { intFlag, paramsFlag, parse } from './options.ts';

export const LIVE_HELP = `ksmbench live (--scenario NAME | --scenario-file F) [--param k=v] [--stack S]

Replay a one-process scenario on this machine's kernel (/sys/kernel/mm/ksm, through
tools/live/ksm-live.c) and on the simulator (default stack v6.18), and print the per-process
ksm_stat and the global counters of both. Ops replayed: mmap (2 MiB aligned when a multiple
of 2 MiB; "thp": MADV_HUGEPAGE), fill/write, madvise mergeable/unmergeable/hugepage/nohugepage,
mprotect, mremap, munmap, ksmd full_scans (rmap walks are not observable). The host's THP
knobs are the simulator's; the THPs the fills fault in are checked (smaps) before ksmd runs,
and a host that did not give them (fragmentation) is a "cannot run here". Needs Linux with KSM, root, cc, and an
idle KSM; every knob it writes is put back, and the stable nodes its process leaves are removed.
  --timeout S   stop the replay after S seconds (default 180)
Exit 0 when both agree, 1 when they differ, 2 when it cannot run here (or timed out).
`;

export async function liveCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    scenario: { type: 'string' },
    'scenario-file': { type: 'string' },
    param: { type: 'string', multiple: true },
    stack: { type: 'string' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(LIVE_HELP);
    return 0;
  }
  if (!values.scenario === !values['scenario-file']) throw new UsageError('give one of --scenario or --scenario-file');
  const s: Scenario = values['scenario-file'] ? readScenarioFile(values['scenario-file']) : buildScenario(values.scenario!, paramsFlag(values.param));
  const script = liveScript(s);
  if ('why' in script) throw new UsageError(`scenario "${s.name}" cannot be replayed on the kernel: ${script.why}`);
  const why = liveUnavailable();
  if (why) throw new UsageError(`the real kernel cannot be used here: ${why}`);
  const onHost = asOnHost(s); // the simulator takes the host's THP knobs: the replay does not change them
  if ('why' in onHost) throw new UsageError(`scenario "${s.name}" cannot be compared on this host: ${onHost.why}`);
  // the script again under the host's THP setting (which regions fault in THPs, which the driver checks)
  const hostScript = liveScript(onHost);
  if ('why' in hostScript) throw new UsageError(`scenario "${s.name}" cannot be replayed on this host: ${hostScript.why}`);
  const sim = executeScenario(onHost, configOfStack(values.stack ?? 'v6.18'));
  const mm = sim.ksm.machine.mms[0];
  if (!mm) throw new UsageError(`scenario "${s.name}" has no process`);
  let live: LiveResult;
  try {
    live = runLive(hostScript.lines, s.sysfs ?? {}, intFlag('timeout', values.timeout, 180, 1) * 1000);
  } catch (e) {
    if (e instanceof NoThpError) throw new UsageError(`scenario "${s.name}" cannot be compared on this host now: ${e.message}`);
    throw e;
  }
  // the lines the simulated kernel prints (the stack's version) against those this kernel prints
  const simStat: Record<string, string> = Object.fromEntries(ksm_stat_lines(sim.ksm, mm));
  const simSys = read_sysfs(sim.ksm) as unknown as Record<string, number>;
  const rows: string[][] = [];
  let differ = 0;
  const row = (what: string, a: number | string | undefined, b: number | string | undefined): void => {
    const same = a === b;
    if (!same) differ++;
    rows.push([what, String(a ?? '-'), String(b ?? '-'), same ? 'same' : 'DIFFERENT']);
  };
  for (const k of Object.keys(live.stat)) row(`ksm_stat ${k}`, simStat[k], live.stat[k]);
  for (const k of Object.keys(live.sysfs)) row(k, simSys[k], live.sysfs[k]);
  process.stdout.write(`${s.name}: simulator (${values.stack ?? 'v6.18'}) against this kernel\n${renderTable(['value', 'simulator', 'kernel', ''], rows, (c) => c === 1 || c === 2)}\n`);
  if (sim.problems.length) process.stdout.write(`simulator problems:\n${sim.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  return differ ? 1 : 0;
}
