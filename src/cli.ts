// The ksmbench command (DESIGN.md §8): list, run, compare, gate, sweep, report, merge.
import { readFileSync } from 'node:fs';
import { isUserError, oneLine } from './cli/errors.ts';
import { LIST_HELP, listCommand } from './cli/list.ts';
import { RUN_HELP, runCommand } from './cli/run.ts';

const USAGE = `ksmbench — compare versions of Linux KSM patches numerically

usage: ksmbench <command> [options]   (ksmbench help <command>, or <command> --help, for each)
       ksmbench --version

  list      variants, stacks, scenarios and metrics
  run       run scenarios on stacks or a variant matrix; table + results/*.csv,json
  compare   two result files, two git revisions, or stacks within one result
  gate      compare a run with the committed baseline; exit 1 on a regression
  sweep     one parameter over a range; fit each metric's complexity class
  report    a self-contained HTML (or Markdown) report of a result file
  merge     merge shard result files into one
  live      replay a scenario on a real kernel's KSM (this host's, or one in QEMU) and compare
  calibrate fit ksmd's per-event costs (ns) on this kernel, or check a calibration

Exit codes: 0 ok, 1 regression (gate; compare: a verdict or correctness counter regressed),
2 bad usage or input (also a run past --timeout SECONDS on run, gate, sweep, compare, and a
variant module that cannot be loaded), 130 / 143 interrupted by SIGINT / SIGTERM.
`;

type Command = (argv: string[]) => Promise<number> | number;

async function loadCommands(): Promise<Record<string, { run: Command; help: string }>> {
  const cwd = process.cwd();
  const { COMPARE_HELP, compareCommand } = await import('./cli/compare.ts');
  const { GATE_HELP, gateCommand } = await import('./cli/gate.ts');
  const { SWEEP_HELP, sweepCommand } = await import('./cli/sweep.ts');
  const { REPORT_HELP, reportCommand } = await import('./cli/report.ts');
  const { MERGE_HELP, mergeCommand } = await import('./cli/merge.ts');
  const { LIVE_HELP, liveCommand } = await import('./cli/live.ts');
  const { CALIBRATE_HELP, calibrateCommand } = await import('./cli/calibrate.ts');
  return {
    list: { run: listCommand, help: LIST_HELP },
    run: { run: (argv) => runCommand({ argv, cwd }), help: RUN_HELP },
    compare: { run: (argv) => compareCommand(argv, cwd), help: COMPARE_HELP },
    gate: { run: (argv) => gateCommand(argv, cwd), help: GATE_HELP },
    sweep: { run: (argv) => sweepCommand(argv, cwd), help: SWEEP_HELP },
    report: { run: (argv) => reportCommand(argv), help: REPORT_HELP },
    merge: { run: (argv) => mergeCommand(argv), help: MERGE_HELP },
    live: { run: (argv) => liveCommand(argv), help: LIVE_HELP },
    calibrate: { run: (argv) => calibrateCommand(argv), help: CALIBRATE_HELP },
  };
}

/** The package's version (package.json of this checkout). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    if (rest.length) {
      process.stderr.write(`ksmbench: ${cmd} takes no arguments (got ${rest.join(' ')})\n`);
      return 2;
    }
    process.stdout.write(`ksmbench ${version()}\n`);
    return 0;
  }
  if (!cmd || cmd === '--help' || cmd === '-h' || (cmd === 'help' && rest.length === 0)) {
    process.stdout.write(USAGE);
    return cmd ? 0 : 2;
  }
  try {
    const commands = await loadCommands();
    if (cmd === 'help') {
      const [topic, ...extra] = rest;
      const c = commands[topic!];
      if (!c || extra.length) {
        process.stderr.write(`ksmbench: help ${rest.join(' ')}: ${c ? 'give one command' : `unknown command "${topic}"`} (accepted: ${Object.keys(commands).join(', ')})\n`);
        return 2;
      }
      process.stdout.write(c.help);
      return 0;
    }
    if (cmd === '_shard') {
      // a job of --jobs N (not listed: the parent starts it)
      const { shardWorkerCommand } = await import('./cli/shard-worker.ts');
      return await shardWorkerCommand(rest, process.cwd());
    }
    const c = commands[cmd];
    if (!c) {
      process.stderr.write(`ksmbench: unknown command "${cmd}" (accepted: ${Object.keys(commands).join(', ')})\n`);
      return 2;
    }
    const { isWatched, runWatched, timeoutOf, WATCHED_COMMANDS } = await import('./cli/watchdog.ts');
    if (WATCHED_COMMANDS.includes(cmd) && !isWatched()) {
      const seconds = timeoutOf(rest);
      if (seconds !== null) return await runWatched(argv, seconds);
    }
    return await c.run(rest);
  } catch (e) {
    if (isUserError(e)) {
      process.stderr.write(`${oneLine(e)}\n`);
      return 2;
    }
    throw e;
  }
}
