// A scenario as the live driver's script (tools/live/ksm-live.c): every op the simulator
// accepts, as steps of real processes (spawned, forked, exiting) and of the coordinator (sysfs
// knobs, ksmd stepped batch by batch, checkpoints), with the checkpoints at which the kernel's
// counters are read: after every ksmd op and every expect.
import type { Content, Scenario } from '../../bench/format.ts';
import { parseSizePages } from '../../bench/sizes.ts';
import { contentFor, UNIQUE_CONTENT_FIRST } from '../harness/content.ts';
import { setRank } from './kernel.ts';

/** A point where both sides' counters are read: after ops[opIndex] (-1: before the first op). */
export interface LiveCheckpoint {
  readonly id: number;
  readonly opIndex: number;
}

export interface LivePlan {
  readonly lines: readonly string[];
  readonly checkpoints: readonly LiveCheckpoint[];
  /** The op index of each ksmd op, in order (one "cpu" line each). */
  readonly ksmdOps: readonly number[];
  /** The op index of each step the driver may report an error for (its line number in `lines`). */
  readonly stepOp: readonly number[];
  /** Ops the kernel cannot observe, each named with why: skipped, never silently dropped. */
  readonly skipped: readonly string[];
}

/**
 * The fill lines of one fill/write op: a run of equal contents is one line. Contents are the
 * executor's (src/harness/content.ts): "unique" ids count up from UNIQUE_CONTENT_FIRST as there.
 */
function fillLines(who: string, region: string, from: number, pages: number, c: Content, seed: number, regionKey: string, unique: { next: number }): string[] {
  if (typeof c === 'number' || c === 'zero') return [`${who} fill ${region} ${from} ${pages} ${c === 'zero' ? 0 : c}`];
  const out: string[] = [];
  let runStart = from;
  let runContent = -1;
  for (let i = from; i <= from + pages; i++) {
    const v = i === from + pages ? -2 : c === 'unique' ? unique.next++ : contentFor(c, seed, regionKey, i);
    if (v !== runContent) {
      if (runContent >= 0) out.push(`${who} fill ${region} ${runStart} ${i - runStart} ${runContent}`);
      runStart = i;
      runContent = v;
    }
  }
  return out;
}

/** 2 MiB in pages: a PMD-mapped THP. */
const HPAGE_PAGES = 512;

/** What the plan knows of a region's 2 MiB chunks, to say how many THPs its first touches fault in. */
interface RegionThp {
  readonly pages: number;
  /** Chunks whose every page is under MADV_HUGEPAGE (or any chunk, with THP enabled=always and no MADV_NOHUGEPAGE). */
  readonly huge: Set<number>;
  /** Chunks already touched: faulted in (a THP if huge then), later touches fault nothing new. */
  readonly touched: Set<number>;
  /** THPs faulted in so far. */
  thps: number;
}

function copyThp(r: RegionThp): RegionThp {
  return { pages: r.pages, huge: new Set(r.huge), touched: new Set(r.touched), thps: r.thps };
}

/**
 * The driver script of a scenario, or why it cannot be replayed. With the scenario's THP
 * setting (s.thp.enabled, the simulator's default madvise when absent), a region mapped without
 * "thp" gets MADV_NOHUGEPAGE unless enabled=always. Where touches fault in THPs, a "thp" step
 * before the first ksmd op has the driver check (smaps AnonHugePages) that the kernel gave them
 * (exit 3 otherwise); THP faults it cannot verify so (after ksmd ran, or after a VMA change of
 * the region) are refused.
 */
export function livePlan(s: Scenario): LivePlan | { why: string } {
  const lines: string[] = [];
  const stepOp: number[] = [];
  const checkpoints: LiveCheckpoint[] = [];
  const ksmdOps: number[] = [];
  const skipped: string[] = [];
  const unique = { next: UNIQUE_CONTENT_FIRST };
  const enabled = s.thp?.enabled ?? 'madvise';
  const procs = new Set<string>();
  const pagesOf = new Map<string, number>(); // proc/region → pages
  const thpOf = new Map<string, RegionThp>(); // proc/region
  let scanned = false;
  const push = (opIndex: number, ...ls: string[]): void => {
    for (const l of ls) {
      lines.push(l);
      stepOp.push(opIndex);
    }
  };
  const checkpoint = (opIndex: number): void => {
    const id = checkpoints.length;
    checkpoints.push({ id, opIndex });
    push(opIndex, `- check ${id}`);
  };
  const chunks = (r: RegionThp, from: number, pages: number, whole: boolean): number[] => {
    const out: number[] = [];
    for (let c = Math.floor(from / HPAGE_PAGES); c * HPAGE_PAGES < from + pages && (c + 1) * HPAGE_PAGES <= r.pages; c++) {
      if (!whole || (c * HPAGE_PAGES >= from && (c + 1) * HPAGE_PAGES <= from + pages)) out.push(c);
    }
    return out;
  };
  const knobs = Object.entries(s.sysfs ?? {}).sort(([a], [b]) => setRank(a) - setRank(b));
  for (const [k, v] of knobs) push(-1, `- knob ${k} ${v}`);
  checkpoint(-1); // the baseline: counters before the scenario (pages_scanned counts since boot)
  for (const [i, op] of s.ops.entries()) {
    const where = `ops[${i}] (${op.op})`;
    if ('proc' in op && typeof op.proc === 'string' && op.op !== 'memory_failure' && !procs.has(op.proc)) {
      procs.add(op.proc);
      push(i, `- spawn ${op.proc}`);
    }
    const key = (proc: string, region: string): string => `${proc}/${region}`;
    // a VMA change of a region with THPs before the check would change what the check counts
    const changesThps = (k: string): boolean => !scanned && (thpOf.get(k)?.thps ?? 0) > 0;
    const span = (proc: string, region: string, from?: number, pages?: number): [number, number] => {
      const f = from ?? 0;
      return [f, pages ?? pagesOf.get(key(proc, region))! - f];
    };
    switch (op.op) {
      case 'mmap': {
        if (op.at !== undefined) return { why: `${where}: fixed placement is not replayed` };
        const pages = parseSizePages(op.size);
        const k = key(op.proc, op.region);
        pagesOf.set(k, pages);
        // the driver places a multiple of 2 MiB 2 MiB aligned, as thp_get_unmapped_area does
        const r: RegionThp = { pages, huge: new Set(), touched: new Set(), thps: 0 };
        const huge = enabled !== 'never' && (op.thp === true || enabled === 'always');
        if (huge && pages % HPAGE_PAGES === 0) for (let c = 0; c < pages / HPAGE_PAGES; c++) r.huge.add(c);
        thpOf.set(k, r);
        const advice = op.thp ? ' thp' : enabled === 'always' ? ' default' : '';
        push(i, `${op.proc} mmap ${op.region} ${pages}${op.noreserve ? ' noreserve' : ''}${advice}`);
        break;
      }
      case 'fill':
      case 'write':
      case 'read': {
        const k = key(op.proc, op.region);
        const [from, pages] = span(op.proc, op.region, op.from, op.pages);
        const r = thpOf.get(k);
        if (r) {
          for (const c of chunks(r, from, pages, false)) {
            if (r.touched.has(c)) continue;
            r.touched.add(c);
            // a read of a THP range maps the huge zero PMD while use_zero_page is on, a THP otherwise
            if (!r.huge.has(c) || (op.op === 'read' && (s.thp?.use_zero_page ?? 1) !== 0)) continue;
            if (scanned) return { why: `${where}: faults in a THP after ksmd ran, which the driver does not verify` };
            r.thps++;
          }
        }
        if (op.op === 'read') push(i, `${op.proc} read ${op.region} ${from} ${pages}`);
        else push(i, ...fillLines(op.proc, op.region, from, pages, op.content, s.seed ?? 1, k, unique));
        break;
      }
      case 'mprotect': {
        if (changesThps(key(op.proc, op.region))) return { why: `${where}: changes a region holding THPs before they are verified` };
        const [from, pages] = span(op.proc, op.region, op.from, op.pages);
        if (op.every) for (let p = from; p < from + pages; p += op.every) push(i, `${op.proc} mprotect ${op.region} ${p} 1 ${op.prot}`);
        else push(i, `${op.proc} mprotect ${op.region} ${from} ${pages} ${op.prot}`);
        break;
      }
      case 'mremap': {
        if (typeof op.to !== 'number') return { why: `${where}: an absolute destination is not replayed` };
        if (changesThps(key(op.proc, op.region))) return { why: `${where}: changes a region holding THPs before they are verified` };
        const [from, pages] = span(op.proc, op.region, op.from, op.pages);
        push(i, `${op.proc} mremap ${op.region} ${from} ${pages} ${op.to}`);
        break;
      }
      case 'munmap': {
        if (changesThps(key(op.proc, op.region))) return { why: `${where}: changes a region holding THPs before they are verified` };
        const [from, pages] = span(op.proc, op.region, op.from, op.pages);
        push(i, `${op.proc} munmap ${op.region} ${from} ${pages}`);
        break;
      }
      case 'madvise': {
        const k = key(op.proc, op.region);
        const [from, pages] = span(op.proc, op.region, op.from, op.pages);
        const r = thpOf.get(k);
        if (r && op.advice === 'hugepage' && enabled !== 'never') for (const c of chunks(r, from, pages, true)) r.huge.add(c);
        if (r && op.advice === 'nohugepage') for (const c of chunks(r, from, pages, false)) r.huge.delete(c);
        if (r && op.advice === 'dontneed') for (const c of chunks(r, from, pages, false)) r.touched.delete(c); // the next touch faults again
        if (op.advice !== 'mergeable' && op.advice !== 'unmergeable' && changesThps(k)) return { why: `${where}: changes a region holding THPs before they are verified` };
        push(i, `${op.proc} madvise ${op.region} ${from} ${pages} ${op.advice}`);
        break;
      }
      case 'fork': {
        procs.add(op.child);
        for (const [k, pages] of [...pagesOf]) {
          const [p, region] = k.split('/') as [string, string];
          if (p !== op.proc) continue;
          pagesOf.set(key(op.child, region), pages);
          const r = thpOf.get(k);
          if (r) thpOf.set(key(op.child, region), copyThp(r));
        }
        push(i, `${op.proc} fork ${op.child}`);
        break;
      }
      case 'exit':
        push(i, `${op.proc} exit`);
        break;
      case 'sysfs':
        for (const [k, v] of Object.entries(op)) if (k !== 'op') push(i, `- knob ${k} ${String(v)}`);
        break;
      case 'ksmd':
        if (!scanned) {
          for (const [k, r] of thpOf) {
            if (r.thps === 0) continue;
            const [p, region] = k.split('/') as [string, string];
            push(i, `${p} thp ${region} ${r.thps}`);
          }
        }
        scanned = true;
        ksmdOps.push(i);
        push(i, op.batches !== undefined ? `- batches ${op.batches}` : `- scans ${op.full_scans ?? 1}`);
        checkpoint(i);
        break;
      case 'expect':
        checkpoint(i);
        break;
      case 'rmap_walk':
      case 'memory_failure':
        skipped.push(`${where}: not observable from user space (the kernel's rmap walks and kill lists have no counter), skipped`);
        break;
      case 'inject':
        skipped.push(`${where}: a failure injected into the simulator only (the kernel's merges are not made to fail), skipped: values after it may differ`);
        break;
      default:
        return { why: `${where}: not replayed` };
    }
  }
  return { lines, checkpoints, ksmdOps, stepOp, skipped };
}
