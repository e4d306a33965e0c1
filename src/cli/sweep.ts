// ksmbench sweep (placeholder until implemented in this change).
import { UsageError } from './errors.ts';

export const SWEEP_HELP = 'ksmbench sweep: not implemented yet\n';

export async function sweepCommand(_argv: string[], _cwd?: string): Promise<number> {
  throw new UsageError('sweep is not implemented yet');
}
