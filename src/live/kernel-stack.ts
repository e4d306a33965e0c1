// Which stack stands for a kernel release (`uname -r`): the simulator side `live --kernel`
// compares with by default.
import { STACKS } from '../../variants/stacks.ts';
import { type KernelVersion, parseKernelVersion } from '../mm/kernel.ts';

function cmp(a: KernelVersion, b: KernelVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** The release's version: the leading MAJOR.MINOR[.PATCH] of `uname -r` ("6.12.48+deb13-cloud-amd64" → 6.12.48), or null. */
export function releaseVersion(release: string): KernelVersion | null {
  const m = /^([0-9]+\.[0-9]+(?:\.[0-9]+)?)/.exec(release);
  return m ? parseKernelVersion(m[1]!) : null;
}

/** A bound of a stack's `covers` ("6.1.160", "6.19.x", "6.12.118+"): x and + stand for every later patch. */
function bound(text: string, upper: boolean): KernelVersion {
  const open = text.endsWith('+') || text.endsWith('.x');
  const v = parseKernelVersion(text.replace(/\+$/, '').replace(/\.x$/, ''));
  return upper && open ? { ...v, patch: Number.MAX_SAFE_INTEGER } : v;
}

/** Whether a kernel stack's `covers` ("6.1.0–6.1.160", "6.18.x", "6.19.x–7.2.x") holds v. */
function covers(range: string, v: KernelVersion): boolean {
  const [lo, hi = lo] = range.split('–') as [string, string?];
  return cmp(bound(lo, false), v) <= 0 && cmp(v, bound(hi, true)) <= 0;
}

/**
 * The stack named for a release: the kernel stack (not a series state) whose `covers` holds it,
 * else one of the same MAJOR.MINOR, else the newest below it — then with a note saying so.
 */
export function stackForRelease(release: string): { readonly stack: string; readonly note?: string } | null {
  const v = releaseVersion(release);
  if (!v) return null;
  const kernels = STACKS.filter((s) => /^[0-9]/.test(s.covers)).map((s) => ({ s, k: parseKernelVersion(s.kernel) }));
  const covering = kernels.find(({ s }) => covers(s.covers, v));
  if (covering) return { stack: covering.s.name };
  const same = kernels.find(({ k }) => k.major === v.major && k.minor === v.minor);
  const below = kernels.filter(({ k }) => cmp(k, v) <= 0).sort((a, b) => cmp(b.k, a.k))[0];
  const pick = same ?? below;
  if (!pick) return null;
  return { stack: pick.s.name, note: `${release} is outside what ${pick.s.name} covers (${pick.s.covers}): its nearest kernel stack` };
}
