// A scenario replayed on this host's kernel and compared with the simulator: what `live`, the
// matrix and `calibrate` all do on the host.
import type { Scenario } from '../../bench/format.ts';
import { configOfStack } from '../harness/config.ts';
import { compareLive, type LiveComparison } from './compare.ts';
import { asOnHost, liveUnavailable, runOnHost } from './kernel.ts';
import { livePlan } from './script.ts';

/**
 * The replay on this host under its THP knobs (the simulator takes them too), or why this host
 * cannot run it (KSM unusable or in use, another THP policy, an op the driver cannot replay);
 * a failure of the replay itself throws (LiveError, NoThpError).
 */
export function replayOnHost(s: Scenario, stack: string, timeoutMs: number): LiveComparison | { readonly why: string } {
  const unavailable = liveUnavailable();
  if (unavailable) return { why: `the real kernel cannot be used here: ${unavailable}` };
  const onHost = asOnHost(s); // the replay does not change the host's THP knobs
  if ('why' in onHost) return { why: `scenario "${s.name}" cannot be compared on this host: ${onHost.why}` };
  // the plan under the host's THP setting (which regions fault in THPs, which the driver checks)
  const plan = livePlan(onHost);
  if ('why' in plan) return { why: `scenario "${s.name}" cannot be replayed on this host: ${plan.why}` };
  return compareLive(onHost, configOfStack(stack), stack, plan, runOnHost(plan.lines, timeoutMs));
}
