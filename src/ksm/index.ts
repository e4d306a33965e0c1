// The KSM engine's entry point: a Ksm attached to a machine, with one variant of each
// mechanism a patch changes (the policy: variants/ supplies them, stacks name the sets).
import type { Machine } from '../mm/machine.ts';
import { ksmHooks } from './mm-slots.ts';
import type { KsmPolicy } from './policy.ts';
import type { Abi } from './rmap-item.ts';
import { Ksm, type KsmKnobs, type MergeOrder } from './state.ts';

export interface KsmOptions {
  readonly policy: KsmPolicy;
  readonly abi?: Abi;
  readonly mergeOrder?: MergeOrder;
  readonly knobs?: Partial<KsmKnobs>;
}

/** Attach KSM to a machine: its state, its policy, and the hooks mm calls. */
export function createKsm(machine: Machine, opts: KsmOptions): Ksm {
  const abi = opts.abi ?? 'lp64-le';
  if (abi === 'ilp32-le' && machine.taskSize > 0xc0000) {
    throw new Error('the ilp32-le ABI needs a 32-bit machine (new Machine(levels, { bits32: true }))');
  }
  const ksm = new Ksm(machine, abi, opts.policy);
  ksm.mergeOrder = opts.mergeOrder ?? '6.11';
  Object.assign(ksm.knobs, opts.knobs);
  machine.hooks = ksmHooks(ksm);
  machine.splitZeroPage = opts.policy.splitZeroPage;
  return ksm;
}

export { Ksm };
