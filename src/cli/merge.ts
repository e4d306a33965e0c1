// ksmbench merge (placeholder until implemented in this change).
import { UsageError } from './errors.ts';

export const MERGE_HELP = 'ksmbench merge: not implemented yet\n';

export async function mergeCommand(_argv: string[], _cwd?: string): Promise<number> {
  throw new UsageError('merge is not implemented yet');
}
