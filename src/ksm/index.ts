// The KSM engine's entry point: a Ksm attached to a machine with the mainline (v6.18)
// behaviour unless a policy (a variant of each mechanism) is given.
import type { Machine } from '../mm/machine.ts';
import { ksmHooks } from './mm-slots.ts';
import type { KsmPolicy } from './policy.ts';
import type { Abi } from './rmap-item.ts';
import { fullRangeRmap } from './rmap-walk.ts';
import { folioWalkScanner } from './scan.ts';
import { Ksm, type KsmKnobs, type MergeOrder } from './state.ts';
import { perAddressUnmerge } from './unmerge.ts';

/** The mainline behaviour of every mechanism a seed patch changes (before those patches, but zero pages marked and the keyhole). */
export function defaultPolicy(): KsmPolicy {
  return {
    scanner: folioWalkScanner,
    rmap: fullRangeRmap,
    unmerge: perAddressUnmerge,
    zeroPages: { mark_ksm_zero_pte: true },
    stableRef: { node_pins_page: false },
  };
}

export interface KsmOptions {
  readonly abi?: Abi;
  readonly mergeOrder?: MergeOrder;
  readonly policy?: Partial<KsmPolicy>;
  readonly knobs?: Partial<KsmKnobs>;
}

/** Attach KSM to a machine: its state, its policy, and the hooks mm calls. */
export function createKsm(machine: Machine, opts: KsmOptions = {}): Ksm {
  const abi = opts.abi ?? 'lp64-le';
  if (abi === 'ilp32-le' && machine.taskSize > 0xc0000) {
    throw new Error('the ilp32-le ABI needs a 32-bit machine (new Machine(levels, { bits32: true }))');
  }
  const ksm = new Ksm(machine, abi, { ...defaultPolicy(), ...opts.policy });
  ksm.mergeOrder = opts.mergeOrder ?? '6.11';
  Object.assign(ksm.knobs, opts.knobs);
  machine.hooks = ksmHooks(ksm);
  return ksm;
}

export { Ksm };
