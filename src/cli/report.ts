// ksmbench report (placeholder until implemented in this change).
import { UsageError } from './errors.ts';

export const REPORT_HELP = 'ksmbench report: not implemented yet\n';

export async function reportCommand(_argv: string[], _cwd?: string): Promise<number> {
  throw new UsageError('report is not implemented yet');
}
