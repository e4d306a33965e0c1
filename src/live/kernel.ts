// Replaying a scenario on the real kernel's KSM (/sys/kernel/mm/ksm), to hold the simulator
// against mm/ksm.c itself. Optional by design: it needs Linux with KSM, root, a C compiler and
// an idle KSM (no other user whose pages would mix into the global counters). Every knob it
// writes is restored, also when the process is interrupted, and the stable nodes its own
// process leaves behind are removed (run=2: KSM was idle before, nobody else's pages are there).
// All of it happens under an exclusive flock of one well-known file (KSM_LOCK).
import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario, ScenarioThp } from '../../bench/format.ts';
import type { ThpEnabled } from '../mm/machine.ts';

const KSM = '/sys/kernel/mm/ksm';
const THP = '/sys/kernel/mm/transparent_hugepage';

/** The host's THP knobs (enabled shows "always [madvise] never"), or null where THP is unavailable. */
export function hostThp(): ScenarioThp | null {
  try {
    const enabled = /\[(always|madvise|never)\]/.exec(readFileSync(join(THP, 'enabled'), 'utf8'))?.[1] as ThpEnabled | undefined;
    if (!enabled) return null;
    const bit = (name: string): 0 | 1 | undefined => {
      try {
        return readFileSync(join(THP, name), 'utf8').trim() === '1' ? 1 : 0;
      } catch {
        return undefined; // a kernel without the knob (shrink_underused: before 6.12)
      }
    };
    const use_zero_page = bit('use_zero_page');
    const shrink_underused = bit('shrink_underused');
    return { enabled, ...(use_zero_page === undefined ? {} : { use_zero_page }), ...(shrink_underused === undefined ? {} : { shrink_underused }) };
  } catch {
    return null;
  }
}

/**
 * The scenario as the host will run it: the replay does not change the host's THP knobs, so the
 * simulator takes them too. A scenario that asks for other THP knobs cannot be compared here.
 */
export function asOnHost(s: Scenario, host: ScenarioThp | null = hostThp()): Scenario | { why: string } {
  if (!host) return s.thp ? { why: `THP is not available here (${THP}), the scenario sets "thp"` } : s;
  for (const [k, v] of Object.entries(s.thp ?? {})) {
    const h = (host as Record<string, unknown>)[k];
    if (h !== v) return { why: `the scenario wants thp.${k}=${String(v)}, this host has ${String(h)} (the replay does not change ${THP})` };
  }
  return { ...s, thp: { ...host, ...s.thp } };
}

/** The kernel refused or failed the replay (memory, limits): an environment error. */
export class LiveError extends Error {}
/** The kernel did not give the THPs the scenario faults in (fragmentation, THP limits): nothing to compare. */
export class NoThpError extends LiveError {}
/** The driver's source. */
export const SOURCE = new URL('../../tools/live/ksm-live.c', import.meta.url);

function knobError(name: string, e: unknown, what: string): LiveError {
  return new LiveError(`cannot ${what} ${KSM}/${name} (${(e as NodeJS.ErrnoException).code ?? String(e)}): this kernel lacks or refuses it`);
}

export function readKnob(name: string): number {
  try {
    return Number(readFileSync(join(KSM, name), 'utf8').trim().split(/\s/)[0]);
  } catch (e) {
    throw knobError(name, e, 'read');
  }
}

/** A file's text as the kernel shows it, trimmed; advisor_mode's selected mode ("[none] scan-time" → "none"). */
export function readKnobText(name: string): string {
  let text: string;
  try {
    text = readFileSync(join(KSM, name), 'utf8').trim();
  } catch (e) {
    throw knobError(name, e, 'read');
  }
  return /\[([^\]]*)\]/.exec(text)?.[1] ?? text;
}

function writeKnob(name: string, value: number | string): void {
  try {
    writeFileSync(join(KSM, name), `${value}\n`);
  } catch (e) {
    throw knobError(name, e, `write ${value} to`);
  }
}

/** Why the real kernel cannot be used here, or null when it can. */
export function liveUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (!existsSync(join(KSM, 'run'))) return `${KSM} is missing (kernel without CONFIG_KSM)`;
  try {
    accessSync(join(KSM, 'run'), constants.W_OK);
  } catch {
    return `${KSM}/run is not writable (not root)`;
  }
  if (spawnSync('cc', ['--version'], { stdio: 'ignore' }).status !== 0) return 'no C compiler (cc)';
  if (spawnSync('flock', ['--version'], { stdio: 'ignore' }).status !== 0) return 'no flock(1) to take the host KSM lock';
  // another ksmbench using KSM now holds the lock: wait for it, then look
  return withKsmLock(() => ksmBusy());
}

/** Why the host's KSM is in use by someone else (run != 0, or KSM pages), or null when idle. */
function ksmBusy(): string | null {
  try {
    if (readKnob('run') !== 0) return 'KSM is already running here (run != 0): another user';
    for (const busy of ['pages_shared', 'pages_sharing', 'pages_unshared', 'ksm_zero_pages']) {
      const n = readKnob(busy);
      if (n !== 0) return `KSM is in use here (${busy} = ${n})`;
    }
  } catch (e) {
    if (e instanceof LiveError) return e.message; // e.g. a kernel older than ksm_zero_pages
    throw e;
  }
  return mergeableElsewhere();
}

/**
 * Another process with KSM-mergeable memory (/proc/PID/ksm_stat "ksm_mergeable yes", 6.10+, or
 * rmap_items it already has): its pages would join the scan and the global counters (QEMU
 * guests are MADV_MERGEABLE by default). Null when there is none, or the kernel does not say.
 */
function mergeableElsewhere(): string | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d) && d !== String(process.pid));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/ksm_stat`, 'utf8');
    } catch {
      continue; // gone, or a kernel without ksm_stat
    }
    if (/^ksm_mergeable:? yes$/m.test(stat) || /^ksm_rmap_items [1-9]/m.test(stat)) {
      let comm = '?';
      try {
        comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        // gone meanwhile
      }
      return `KSM is in use here (process ${pid}, ${comm}, has mergeable memory)`;
    }
  }
  return null;
}

/**
 * The one well-known file every ksmbench process that touches the host's KSM locks (flock,
 * exclusive) for as long as it does: parallel tests, `live` runs and anyone else's checkout never
 * share /sys/kernel/mm/ksm.
 */
export const KSM_LOCK = '/run/lock/ksmbench-ksm.lock';

/**
 * `fn` with the host's KSM to this process: flock(LOCK_EX) on KSM_LOCK, waiting up to
 * `waitSeconds`, released when fn returns or throws. flock(1) locks the open file description
 * this process holds (passed as its fd 3), so the lock outlives the flock command and ends when
 * the descriptor is closed (or the process dies).
 */
export function withKsmLock<T>(fn: () => T, waitSeconds = 900): T {
  const fd = openSync(KSM_LOCK, 'a', 0o666);
  try {
    const r = spawnSync('flock', ['--exclusive', '--wait', String(waitSeconds), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd], encoding: 'utf8' });
    if (r.status !== 0) throw new LiveError(`could not lock ${KSM_LOCK} within ${waitSeconds} s: another process holds the host's KSM${r.stderr ? ` (${r.stderr.trim()})` : ''}`);
    return fn();
  } finally {
    closeSync(fd);
  }
}

let built: string | null = null;

/**
 * Build tools/live/ksm-live.c once per process into a fresh private directory (mkdtemp: mode
 * 0700, removed at exit), never reusing a binary found on disk: it is run as root.
 */
export function driver(): string {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'ksmbench-live-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'ksm-live');
  const r = spawnSync('cc', ['-O2', '-o', bin, fileURLToPath(SOURCE)], { encoding: 'utf8' });
  if (r.status !== 0) throw new LiveError(`cc failed to build ${fileURLToPath(SOURCE)}: ${(r.stderr || String(r.error)).trim().split('\n')[0]}`);
  built = bin;
  return bin;
}

/**
 * The order knobs are written in: advisor_mode before pages_to_scan (its store resets
 * pages_to_scan through set_advisor_defaults, and pages_to_scan_store refuses a value while the
 * advisor is active), run last (the others are in place before ksmd starts).
 */
export function setRank(knob: string): number {
  return knob === 'advisor_mode' ? 0 : knob === 'run' ? 2 : 1;
}

/** The order they are put back in: run first (ksmd stops before the others change), then advisor_mode, then the rest. */
function restoreRank(knob: string): number {
  return knob === 'run' ? 0 : knob === 'advisor_mode' ? 1 : 2;
}

/** Set knobs for the duration of fn, then put back every value it changed (also on SIGINT/SIGTERM). */
export function withKnobs<T>(knobs: Readonly<Record<string, number | string>>, fn: () => T): T {
  const saved = new Map<string, string>();
  /** Put every saved knob back (run first: ksmd stops before the others change); the ones that failed. */
  const restore = (): string[] => {
    const failed: string[] = [];
    const order = [...saved].sort(([a], [b]) => restoreRank(a) - restoreRank(b));
    for (const [k, v] of order) {
      try {
        writeKnob(k, v);
      } catch (e) {
        failed.push((e as Error).message);
      }
    }
    return failed;
  };
  const onSignal = (): void => {
    const failed = restore();
    if (failed.length) process.stderr.write(`ksmbench: could not restore ${KSM}: ${failed.join('; ')}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const finish = (): string[] => {
    const failed = restore();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    return failed;
  };
  let result: T;
  try {
    // run last: the other knobs are in place before ksmd starts
    for (const [k, v] of Object.entries(knobs).sort(([a], [b]) => setRank(a) - setRank(b))) {
      saved.set(k, readKnobText(k));
      writeKnob(k, v);
    }
    result = fn();
  } catch (e) {
    const failed = finish();
    if (failed.length) throw new LiveError(`${e instanceof Error ? e.message : String(e)}; then could not restore ${KSM}: ${failed.join('; ')}`);
    throw e;
  }
  const failed = finish();
  if (failed.length) throw new LiveError(`could not restore ${KSM}: ${failed.join('; ')}`);
  return result;
}

/** What the driver read at one checkpoint: per live process its ksm_stat lines and ksm_merging_pages, and the global counters (text as shown). */
export interface KernelCheck {
  readonly id: number;
  readonly stat: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly merging: Readonly<Record<string, number>>;
  readonly sysfs: Readonly<Record<string, string>>;
}

/** ksmd's CPU time over one ksmd op: schedstat run time (ns, -1 without it), utime + stime (ticks), batches stepped. */
export interface KernelCpu {
  readonly ns: number;
  readonly ticks: number;
  readonly batches: number;
}

export interface KernelRun {
  readonly checks: readonly KernelCheck[];
  readonly cpu: readonly KernelCpu[];
  /** Steps the kernel refused: the script line and errno name (a system call's, or a sysfs store's). */
  readonly errors: readonly { readonly step: number; readonly errno: string }[];
  /** AnonHugePages (kB) of each region the script checked, "proc/region". */
  readonly thp: Readonly<Record<string, number>>;
  /** uname -r of the kernel that ran it. */
  readonly kernel: string;
}

/** Parse the driver's output (tools/live/ksm-live.c: check / stat / merging / sysfs / cpu / knob / err / thp lines). */
export function parseDriverOutput(stdout: string, lines: readonly string[], kernel: string): KernelRun {
  const checks: { id: number; stat: Record<string, Record<string, string>>; merging: Record<string, number>; sysfs: Record<string, string> }[] = [];
  const cpu: KernelCpu[] = [];
  const errors: { step: number; errno: string }[] = [];
  const thp: Record<string, number> = {};
  const knobSteps = lines.map((l, i) => (l.startsWith('- knob ') ? i : -1)).filter((i) => i >= 0);
  let knobsSeen = 0;
  for (const line of stdout.split('\n')) {
    const w = line.split(' ');
    const cur = checks.at(-1);
    switch (w[0]) {
      case 'check':
        checks.push({ id: Number(w[1]), stat: {}, merging: {}, sysfs: {} });
        break;
      case 'stat':
        if (cur) (cur.stat[w[1]!] ??= {})[w[2]!] = w[3]!;
        break;
      case 'merging':
        if (cur) cur.merging[w[1]!] = Number(w[2]);
        break;
      case 'sysfs':
        if (cur) cur.sysfs[w[1]!] = w.slice(2).join(' ');
        break;
      case 'cpu':
        cpu.push({ ns: Number(w[1]), ticks: Number(w[2]), batches: Number(w[3]) });
        break;
      case 'knob': {
        const step = knobSteps[knobsSeen++] ?? -1;
        if (w[2] === 'err') errors.push({ step, errno: w[3]! });
        break;
      }
      case 'err':
        errors.push({ step: Number(w[1]), errno: w[3]! });
        break;
      case 'thp':
        thp[`${w[1]}/${w[2]}`] = Number(w[3]);
        break;
      default:
        break;
    }
  }
  return { checks, cpu, errors, thp, kernel };
}

/** The ksm knobs a script writes (or the driver does: run, sleep_millisecs), to put back afterwards. */
function knobsWritten(lines: readonly string[]): string[] {
  const names = new Set(['run', 'sleep_millisecs']);
  for (const l of lines) if (l.startsWith('- knob ')) names.add(l.split(' ')[2]!);
  return [...names];
}

/**
 * Run a driver script on this host's kernel: under the KSM lock, with KSM idle, every knob the
 * script or the driver writes saved and put back (also on SIGINT/SIGTERM), and run=2 after it
 * (the driver's processes are gone; their stable nodes go too: KSM is left as idle as found).
 */
export function runOnHost(lines: readonly string[], timeoutMs = 180_000): KernelRun {
  const bin = driver();
  const input = lines.join('\n') + '\n';
  const r = withKsmLock(() => {
    // under the lock: nobody else's pages may mix into the global counters
    const busy = ksmBusy();
    if (busy) throw new LiveError(busy);
    const saved = Object.fromEntries(knobsWritten(lines).filter((k) => existsSync(join(KSM, k))).map((k) => [k, readKnobText(k)]));
    return withKnobs(saved, () => {
      const out = spawnSync(bin, [], { input, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
      writeKnob('run', 2);
      return out;
    });
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    throw new LiveError(`the replay on the kernel did not finish within ${Math.round(timeoutMs / 1000)} s (stopped; knobs restored)`);
  }
  if (r.status === 3) throw new NoThpError(`the kernel did not give the THPs the scenario faults in, nothing to compare: ${r.stderr.trim().replace(/^ksm-live: /, '')}`);
  if (r.status !== 0) throw new LiveError(`the replay on the kernel failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  return parseDriverOutput(r.stdout, lines, readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
}
