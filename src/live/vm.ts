// A driver script on another kernel: booted under QEMU (src/live/qemu.ts) from a kernel image
// or a Debian cloud kernel (src/live/debian-kernel.ts), with the THP policy the scenario runs
// under, the driver built static. The VM is thrown away after: nothing on the host to restore.
import { fileURLToPath } from 'node:url';
import type { Scenario } from '../../bench/format.ts';
import { parseSizePages } from '../../bench/sizes.ts';
import { THP_KERNEL_DEFAULTS, type ThpKnobs } from '../mm/machine.ts';
import { configOfStack } from '../harness/config.ts';
import { compareLive, type LiveComparison } from './compare.ts';
import { debianKernel } from './debian-kernel.ts';
import { releaseVersion, stackForRelease } from './kernel-stack.ts';
import { livePlan } from './script.ts';
import { type KernelRun, LiveError, NoThpError, parseDriverOutput, SOURCE } from './kernel.ts';
import { QemuError, runInQemu } from './qemu.ts';

/** A kernel to boot: its image and what names it in the results. */
export interface KernelImage {
  readonly path: string;
  readonly sha256?: string;
  /** "debian:6.12 → linux-image-6.12.… 6.12.…-1", or the path given. */
  readonly label: string;
  /**
   * The upstream release a Debian image is (its package version, 6.1.192-3): what names its
   * stack. Its uname -r names the ABI instead (6.1.0-57-cloud-amd64 is 6.1.192).
   */
  readonly release?: string;
}

/** `--kernel PATH | debian:VERSION` → the image (a Debian one downloaded and cached once). */
export function kernelImage(spec: string): KernelImage {
  if (!spec.startsWith('debian:')) return { path: spec, label: spec };
  const k = debianKernel(spec);
  return { path: k.path, sha256: k.sha256, label: `${spec} → ${k.package} ${k.version}`, release: k.version };
}

/** The THP knobs a scenario runs under in a VM: its own, over the kernel's defaults (as the stacks take them). */
export function vmThp(s: Scenario): ThpKnobs {
  const t = s.thp ?? {};
  return {
    enabled: t.enabled ?? THP_KERNEL_DEFAULTS.enabled,
    use_zero_page: t.use_zero_page === undefined ? THP_KERNEL_DEFAULTS.use_zero_page : t.use_zero_page === 1,
    shrink_underused: t.shrink_underused === undefined ? THP_KERNEL_DEFAULTS.shrink_underused : t.shrink_underused === 1,
  };
}

/** The scenario as it runs in a VM: the THP policy its kernel command line gets made explicit. */
export function vmScenario(s: Scenario): Scenario {
  return { ...s, thp: { enabled: vmThp(s).enabled, ...s.thp } };
}

/** The VM's RAM: 768 MiB (the kernel turns THP off below 512 MiB) plus twice what the scenario maps, within 8 GiB. */
export function vmMemoryMiB(s: Scenario): number {
  let pages = 0;
  for (const op of s.ops) if (op.op === 'mmap' && !op.noreserve) pages += parseSizePages(op.size);
  return Math.min(8192, 768 + Math.ceil((2 * pages * 4) / 1024));
}

/** Run a driver script on `image` under QEMU (TCG unless told); the lines' THP knobs set in the VM first. */
export async function runInVm(image: KernelImage, s: Scenario, lines: readonly string[], timeoutMs: number): Promise<KernelRun & { readonly sha256: string; readonly bootMs: number }> {
  const thp = vmThp(s);
  const knobs = [`- thpknob use_zero_page ${thp.use_zero_page ? 1 : 0}`, ...(s.thp?.shrink_underused !== undefined ? [`- thpknob shrink_underused ${s.thp.shrink_underused}`] : [])];
  const all = [...knobs, ...lines];
  const once = () =>
    runInQemu({
      kernelImage: image.path,
      driverSource: fileURLToPath(SOURCE),
      input: `${all.join('\n')}\n`,
      memoryMiB: vmMemoryMiB(s),
      cmdline: `transparent_hugepage=${thp.enabled}`,
      timeoutMs,
    });
  let r: Awaited<ReturnType<typeof runInQemu>>;
  try {
    r = await once();
  } catch (e) {
    // the serial console can lose or cut bytes (the checksum and the end marker say so): the VM is thrown away, boot it once more
    if (!(e instanceof QemuError && /arrived damaged|before the VM gave its result/.test(e.message))) throw e;
    r = await once();
  }
  if (!r.ksm) throw new LiveError(`kernel ${r.uname} (${image.label}) has no /sys/kernel/mm/ksm (built without CONFIG_KSM)`);
  if (r.status === 3) throw new NoThpError(`the kernel did not give the THPs the scenario faults in: ${r.stderr.trim().replace(/^ksm-live: /, '')}`);
  if (r.status !== 0) throw new LiveError(`the replay on ${r.uname} failed: ${(r.stderr || `exit ${r.status}`).trim()}`);
  const k = parseDriverOutput(r.stdout, all, r.uname);
  // the steps as the plan numbers them (the THP knob lines come first)
  return { ...k, errors: k.errors.map((e) => ({ ...e, step: e.step - knobs.length })), sha256: r.kernelSha256, bootMs: r.bootMs };
}

/**
 * A scenario replayed on `spec`'s kernel in QEMU and compared with the simulator. The stack is
 * `stack`, else the one named for the release; with `followRelease`, a release outside what the
 * stack covers runs the stack's variants with the release's own mm behaviour (noted).
 */
export async function replayInVm(s: Scenario, spec: string, opts: { readonly stack?: string; readonly followRelease: boolean; readonly timeoutMs: number }): Promise<LiveComparison> {
  const image = kernelImage(spec);
  const inVm = vmScenario(s);
  const plan = livePlan(inVm);
  if ('why' in plan) throw new LiveError(`scenario "${s.name}" cannot be replayed on the kernel: ${plan.why}`);
  const k = await runInVm(image, inVm, plan.lines, opts.timeoutMs);
  const release = image.release ?? k.kernel;
  const named = stackForRelease(release);
  const stack = opts.stack ?? named?.stack;
  if (!stack) throw new LiveError(`no stack stands for kernel ${k.kernel}: give --stack`);
  const version = releaseVersion(release);
  const outside = opts.stack ? named?.stack !== opts.stack || named?.note !== undefined : named?.note !== undefined;
  const follow = opts.followRelease && outside && version !== null;
  // a release between stacks: the nearest stack's variants, the release's own mm behaviour
  const config = follow && version ? { ...configOfStack(stack), kernel: version } : configOfStack(stack);
  const c = compareLive(inVm, config, stack, plan, k);
  const note = follow ? (named?.note ?? `${release} is not what ${stack} covers`) : undefined;
  const mm = follow && version ? { mmVersion: `${version.major}.${version.minor}.${version.patch}` } : {};
  return { ...c, image: { spec, label: image.label, sha256: k.sha256 }, ...(note ? { stackNote: note } : {}), ...mm };
}
