// ksmbench compare (placeholder until implemented in this change).
import { UsageError } from './errors.ts';

export const COMPARE_HELP = 'ksmbench compare: not implemented yet\n';

export async function compareCommand(_argv: string[], _cwd?: string): Promise<number> {
  throw new UsageError('compare is not implemented yet');
}
