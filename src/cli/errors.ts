// Errors a user can cause: each becomes one line on stderr and exit code 2.
import { ScenarioError } from '../../bench/format.ts';
import { ParamError } from '../../bench/params.ts';
import { UnknownScenarioError } from '../../bench/scenarios/index.ts';
import { SizeError } from '../../bench/sizes.ts';
import { UnknownVariantError } from '../../variants/registry.ts';
import { UnknownStackError } from '../../variants/stacks.ts';
import { SuiteError } from '../harness/suite.ts';
import { SysfsError } from '../ksm/sysfs.ts';
import { ResultFileError } from '../report/files.ts';
import { LiveError } from '../live/kernel.ts';
import { DebianKernelError } from '../live/debian-kernel.ts';
import { QemuError } from '../live/qemu.ts';

/** Bad usage or input (exit 2). */
export class UsageError extends Error {}

const USER_ERRORS = [LiveError, QemuError, DebianKernelError, UsageError, ScenarioError, ParamError, UnknownScenarioError, SizeError, UnknownVariantError, UnknownStackError, SuiteError, SysfsError, ResultFileError];

export function isUserError(e: unknown): e is Error {
  if (USER_ERRORS.some((C) => e instanceof C)) return true;
  // node:util parseArgs errors (unknown option, missing value, …)
  const code = (e as { code?: string } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** The one line a user error prints. */
export function oneLine(e: Error): string {
  return `ksmbench: ${e.message.split('\n')[0]}`;
}
