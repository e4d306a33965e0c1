// What a command runs, before it runs: its suite and timing. A command that splits its runs over
// processes (--jobs N) and each of those processes (ksmbench _shard) compute the same plan from
// the same arguments, so a job runs exactly its slice of the parent's suite.
import type { Suite } from '../harness/suite.ts';
import type { TimingOptions } from '../harness/timing.ts';
import type { CalibrationRef } from '../calibrate/predict.ts';

export interface Plan {
  readonly suite: Suite;
  /** null: counters and verdicts only. */
  readonly timing: TimingOptions | null;
  /** The relative cost of each run (≥ 1), for slices of similar cost. */
  readonly weights: readonly number[];
  /** The calibration that prices every run (--calibration, or the committed default); null: none. */
  readonly calibration: CalibrationRef | null;
}

/** The commands whose runs can be split over processes, and how each plans from its arguments. */
export type PlannedCommand = 'run' | 'sweep' | 'gate';
export const PLANNED_COMMANDS: readonly PlannedCommand[] = ['run', 'sweep', 'gate'];

export function isPlannedCommand(name: string): name is PlannedCommand {
  return (PLANNED_COMMANDS as readonly string[]).includes(name);
}
