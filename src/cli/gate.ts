// ksmbench gate (placeholder until implemented in this change).
import { UsageError } from './errors.ts';

export const GATE_HELP = 'ksmbench gate: not implemented yet\n';

export async function gateCommand(_argv: string[], _cwd?: string): Promise<number> {
  throw new UsageError('gate is not implemented yet');
}
