// Replaying a scenario on the real kernel's KSM (/sys/kernel/mm/ksm), to hold the simulator
// against mm/ksm.c itself. Optional by design: it needs Linux with KSM, root, a C compiler and
// an idle KSM (no other user whose pages would mix into the global counters). Every knob it
// writes is restored, also when the process is interrupted, and the stable nodes its own
// process leaves behind are removed (run=2: KSM was idle before, nobody else's pages are there).
// All of it happens under an exclusive flock of one well-known file (KSM_LOCK).
import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Content, Scenario, ScenarioThp } from '../../bench/format.ts';
import type { ThpEnabled } from '../mm/machine.ts';
import { contentFor, UNIQUE_CONTENT_FIRST } from '../harness/content.ts';
import { parseSizePages } from '../../bench/sizes.ts';

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
const SOURCE = new URL('../../tools/live/ksm-live.c', import.meta.url);

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
function setRank(knob: string): number {
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

/**
 * The fill lines of one fill/write op: a run of equal contents is one line. Contents are the
 * executor's (src/harness/content.ts): "unique" ids count up from UNIQUE_CONTENT_FIRST as there.
 */
function fillLines(region: string, proc: string, from: number, pages: number, c: Content, seed: number, unique: { next: number }): string[] {
  if (typeof c === 'number' || c === 'zero') return [`fill ${region} ${from} ${pages} ${c === 'zero' ? 0 : c}`];
  const out: string[] = [];
  let runStart = from;
  let runContent = -1;
  for (let i = from; i <= from + pages; i++) {
    const v = i === from + pages ? -2 : c === 'unique' ? unique.next++ : contentFor(c, seed, `${proc}/${region}`, i);
    if (v !== runContent) {
      if (runContent >= 0) out.push(`fill ${region} ${runStart} ${i - runStart} ${runContent}`);
      runStart = i;
      runContent = v;
    }
  }
  return out;
}

/** 2 MiB in pages: a PMD-mapped THP. */
const HPAGE_PAGES = 512;

/** What liveScript knows of a region's 2 MiB chunks, to say how many THPs its first touches fault in. */
interface RegionThp {
  readonly pages: number;
  /** Chunks whose every page is under MADV_HUGEPAGE (or any chunk, with THP enabled=always and no MADV_NOHUGEPAGE). */
  readonly huge: Set<number>;
  /** Chunks already touched: faulted in (a THP if huge then), later touches fault nothing new. */
  readonly touched: Set<number>;
  /** THPs faulted in by the fills so far. */
  thps: number;
}

/**
 * The driver script for a scenario, or a reason it cannot be replayed: one process, and the
 * ops mmap (MADV_HUGEPAGE with "thp"), fill/write, madvise (un)mergeable / (no)hugepage,
 * mprotect, mremap, munmap, ksmd full_scans. With the scenario's THP setting (s.thp.enabled,
 * the simulator's default madvise when absent; pass asOnHost's scenario for the host's), a
 * region mapped without "thp" gets MADV_NOHUGEPAGE unless enabled=always. Where the fills fault
 * in THPs, a "thp" line before the first ksmd op has the driver check (smaps AnonHugePages) that
 * the kernel really gave them (exit 3 otherwise: runLive throws NoThpError); THP faults it cannot
 * verify so (after ksmd ran, or after a VMA change of the region) are refused.
 */
export function liveScript(s: Scenario): { lines: string[] } | { why: string } {
  const lines: string[] = [];
  const unique = { next: UNIQUE_CONTENT_FIRST };
  let proc: string | null = null;
  const pagesOf = new Map<string, number>();
  const enabled = s.thp?.enabled ?? 'madvise';
  const thpOf = new Map<string, RegionThp>();
  let scanned = false;
  /** The 2 MiB chunks lying whole in [from, from + pages) of a region, or touching it. */
  const chunks = (r: RegionThp, from: number, pages: number, whole: boolean): number[] => {
    const out: number[] = [];
    for (let c = Math.floor(from / HPAGE_PAGES); c * HPAGE_PAGES < from + pages && (c + 1) * HPAGE_PAGES <= r.pages; c++) {
      if (!whole || (c * HPAGE_PAGES >= from && (c + 1) * HPAGE_PAGES <= from + pages)) out.push(c);
    }
    return out;
  };
  for (const [i, op] of s.ops.entries()) {
    const where = `ops[${i}] (${op.op})`;
    if ('proc' in op && typeof op.proc === 'string') {
      if (proc !== null && op.proc !== proc) return { why: `${where}: more than one process` };
      proc = op.proc;
    }
    // a VMA change of a region with THPs before the check would change what the check counts
    const changesThps = (region: string): boolean => !scanned && (thpOf.get(region)?.thps ?? 0) > 0;
    switch (op.op) {
      case 'mmap': {
        if (op.at !== undefined) return { why: `${where}: fixed placement is not replayed` };
        const pages = parseSizePages(op.size);
        pagesOf.set(op.region, pages);
        // the driver places a multiple of 2 MiB 2 MiB aligned, as thp_get_unmapped_area does
        const r: RegionThp = { pages, huge: new Set(), touched: new Set(), thps: 0 };
        const huge = enabled !== 'never' && (op.thp === true || enabled === 'always');
        if (huge && pages % HPAGE_PAGES === 0) for (let c = 0; c < pages / HPAGE_PAGES; c++) r.huge.add(c);
        thpOf.set(op.region, r);
        const advice = op.thp ? ' thp' : enabled === 'always' ? ' default' : '';
        lines.push(`mmap ${op.region} ${pages}${op.noreserve ? ' noreserve' : ''}${advice}`);
        break;
      }
      case 'fill':
      case 'write': {
        const from = op.from ?? 0;
        const pages = op.pages ?? pagesOf.get(op.region)! - from;
        const r = thpOf.get(op.region);
        if (r) {
          for (const c of chunks(r, from, pages, false)) {
            if (r.touched.has(c)) continue;
            r.touched.add(c);
            if (!r.huge.has(c)) continue;
            if (scanned) return { why: `${where}: faults in a THP after ksmd ran, which the driver does not verify` };
            r.thps++;
          }
        }
        lines.push(...fillLines(op.region, op.proc, from, pages, op.content, s.seed ?? 1, unique));
        break;
      }
      case 'mprotect': {
        if (changesThps(op.region)) return { why: `${where}: changes a region holding THPs before they are verified` };
        const from = op.from ?? 0;
        const pages = op.pages ?? pagesOf.get(op.region)! - from;
        if (op.every) for (let p = from; p < from + pages; p += op.every) lines.push(`mprotect ${op.region} ${p} 1 ${op.prot}`);
        else lines.push(`mprotect ${op.region} ${from} ${pages} ${op.prot}`);
        break;
      }
      case 'mremap': {
        if (typeof op.to !== 'number') return { why: `${where}: an absolute destination is not replayed` };
        if (changesThps(op.region)) return { why: `${where}: changes a region holding THPs before they are verified` };
        const from = op.from ?? 0;
        lines.push(`mremap ${op.region} ${from} ${op.pages ?? pagesOf.get(op.region)! - from} ${op.to}`);
        break;
      }
      case 'munmap': {
        if (changesThps(op.region)) return { why: `${where}: changes a region holding THPs before they are verified` };
        const from = op.from ?? 0;
        lines.push(`munmap ${op.region} ${from} ${op.pages ?? pagesOf.get(op.region)! - from}`);
        break;
      }
      case 'madvise': {
        if (op.advice === 'dontneed') return { why: `${where}: ${op.advice} is not replayed` };
        const from = op.from ?? 0;
        const pages = op.pages ?? pagesOf.get(op.region)! - from;
        const r = thpOf.get(op.region);
        if (r && op.advice === 'hugepage' && enabled !== 'never') for (const c of chunks(r, from, pages, true)) r.huge.add(c);
        if (r && op.advice === 'nohugepage') for (const c of chunks(r, from, pages, false)) r.huge.delete(c);
        if ((op.advice === 'hugepage' || op.advice === 'nohugepage') && changesThps(op.region)) {
          return { why: `${where}: changes a region holding THPs before they are verified` };
        }
        lines.push(`madvise ${op.region} ${from} ${pages} ${op.advice}`);
        break;
      }
      case 'ksmd':
        if (op.full_scans === undefined) return { why: `${where}: batches are not replayed (wake-ups are not observable)` };
        if (!scanned) for (const [region, r] of thpOf) if (r.thps > 0) lines.push(`thp ${region} ${r.thps}`);
        scanned = true;
        lines.push(`scans ${op.full_scans}`);
        break;
      case 'expect':
      case 'rmap_walk': // walks are not observable from user space: nothing to replay
      case 'memory_failure': // reports a kill list and changes nothing: nothing to replay
        break;
      default:
        return { why: `${where}: not replayed` };
    }
  }
  return { lines };
}

export interface LiveResult {
  /** /proc/self/ksm_stat of the process at the end: every line the kernel prints, name → value text ("yes"/"no" for 6.14+'s two). */
  readonly stat: Readonly<Record<string, string>>;
  /** /sys/kernel/mm/ksm counters at the end, while the process still lives (full_scans: those of the replay). */
  readonly sysfs: Readonly<Record<string, number>>;
  /** AnonHugePages (kB) of each region the script checked, before the first ksmd op. */
  readonly thp: Readonly<Record<string, number>>;
}

const READ_BACK = ['pages_shared', 'pages_sharing', 'pages_unshared', 'pages_volatile', 'ksm_zero_pages', 'stable_node_chains', 'stable_node_dups', 'full_scans'];

/**
 * Replay a script on the real kernel with the scenario's sysfs knobs. The driver starts ksmd
 * for each `scans` op and stops it after (run 1 → 0), so ksmd pauses between ops as in the
 * simulator; a batch covers a whole pass (pages_to_scan ≥ the pages) and the 50 ms sleep after
 * it leaves the driver time to stop ksmd exactly at the end of a pass.
 */
export function runLive(lines: readonly string[], sysfs: Readonly<Record<string, number | string>>, timeoutMs = 180_000): LiveResult {
  const bin = driver();
  const knobs = { sleep_millisecs: 50, pages_to_scan: 1000, ...sysfs, run: 0 };
  // full_scans counts since boot: read before and after, the result is the replay's
  const input = ['sysfs full_scans', ...lines, 'stat', ...READ_BACK.map((n) => `sysfs ${n}`)].join('\n') + '\n';
  const r = withKsmLock(() => {
    // under the lock: nobody else's pages may mix into the global counters
    const busy = ksmBusy();
    if (busy) throw new LiveError(busy);
    return withKnobs(knobs, () => {
      const out = spawnSync(bin, [], { input, encoding: 'utf8', timeout: timeoutMs });
      // The driver's KSM pages went with it, but under the keyhole their stable nodes and the
      // counters linger until something touches them: run=2 removes them (KSM was idle before,
      // checked under the lock), so KSM is left as idle as it was found.
      writeKnob('run', 2);
      return out;
    });
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    throw new LiveError(`the replay on the kernel did not finish within ${Math.round(timeoutMs / 1000)} s (stopped; knobs restored)`);
  }
  if (r.status === 3) throw new NoThpError(`the kernel did not give the THPs the scenario faults in, nothing to compare: ${r.stderr.trim().replace(/^ksm-live: /, '')}`);
  if (r.status !== 0) throw new LiveError(`the replay on the kernel failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  const stat: Record<string, string> = {};
  const sys: Record<string, number> = {};
  const thp: Record<string, number> = {};
  for (const line of r.stdout.trim().split('\n')) {
    const [kind, name, value] = line.split(' ') as [string, string, string];
    if (kind === 'stat') stat[name] = value;
    else if (kind === 'thp') thp[name] = Number(value);
    else if (name === 'full_scans' && !('full_scans' in sys)) sys.full_scans = -Number(value);
    else sys[name] = Number(value) + (name === 'full_scans' ? (sys.full_scans ?? 0) : 0);
  }
  return { stat, sysfs: sys, thp };
}
