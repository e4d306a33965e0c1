// ksmbench _shard k/N COMMAND ARGS: one job of `COMMAND --jobs N` (jobs.ts). Not a user
// command: it plans COMMAND's suite from ARGS as COMMAND does, runs the k-th of N slices of
// similar cost, reports each finished run to the parent (progress.ts) and prints the slice as
// result JSON on stdout.
import { runSuite } from '../harness/run-suite.ts';
import { parseShard, sliceOf } from '../harness/suite.ts';
import { UsageError } from './errors.ts';
import { planGate } from './gate.ts';
import { isPlannedCommand, PLANNED_COMMANDS, type Plan, type PlannedCommand } from './plan.ts';
import { progressReporter } from './progress.ts';
import { planRun } from './run.ts';
import { planSweep } from './sweep.ts';

const PLANNERS: Record<PlannedCommand, (argv: string[], cwd: string) => Plan> = {
  run: planRun,
  sweep: planSweep,
  gate: planGate,
};

export async function shardWorkerCommand(argv: string[], cwd: string): Promise<number> {
  const [slice, command, ...rest] = argv;
  if (slice === undefined || command === undefined) throw new UsageError('_shard takes k/N, a command and its arguments (it is the job of --jobs N)');
  if (!isPlannedCommand(command)) throw new UsageError(`_shard: command "${command}" cannot be split (accepted: ${PLANNED_COMMANDS.join(', ')})`);
  const shard = parseShard(slice);
  const { suite, timing, weights, calibration } = PLANNERS[command](rest, cwd);
  const runs = sliceOf(suite.runs, weights, shard);
  const set = await runSuite({ name: suite.name, runs }, { timing, dir: cwd, progress: progressReporter(runs.length, false), calibration });
  process.stdout.write(`${JSON.stringify(set)}\n`);
  return 0;
}
