// Executing a scenario's op list on a fresh machine with KSM (DESIGN.md §7), and the checks of
// the correctness oracle that belong to one run (DESIGN.md §6): invariants, unmerge
// completeness, rmap completeness and the scenario's own expectations. A failed check is a
// problem in the verdict, never an exception.
import { type Content, type Op, type Range, type Scenario, ScenarioError } from '../../bench/format.ts';
import { parseSizePages } from '../../bench/sizes.ts';
import { createKsm } from '../ksm/index.ts';
import { checkInvariants } from '../ksm/invariants.ts';
import { sample_lifetime } from '../ksm/lifetime.ts';
import { MADV_MERGEABLE, MADV_UNMERGEABLE, madvise_ksm } from '../ksm/mm-slots.ts';
import { memory_failure_ksm } from '../ksm/memory-failure.ts';
import { mapped_ksm_folios, rmap_walk_all_ksm } from '../ksm/rmap-walk.ts';
import { rmap_walk_all_anon, type RmapWalkResult } from '../mm/rmap-walk.ts';
import { ksmd_batch, ksmd_should_run } from '../ksm/scan.ts';
import type { Ksm } from '../ksm/state.ts';
import { ksmStatMissing, sysfsMissing } from '../ksm/sysfs-attrs.ts';
import { isMissingFile, ksm_stat_lines, refresh_sysfs_counters, SysfsError, sysfs_files, sysfsMatches, sysfsText, write_sysfs } from '../ksm/sysfs.ts';
import { KSM_ADVISOR_NONE, KSM_RUN_UNMERGE } from '../ksm/state.ts';
import { COUNTER_NAMES, COUNTER_SLOT, type Counters, isMaxCounter, newCounters, snapshotCounters } from '../mm/counters.ts';
import { isMappingKind, NULL_PTR, PT_PTE, PTE_KSM_PLACED_ZERO } from '../mm/pgtable.ts';
import { Machine } from '../mm/machine.ts';
import { forEachLeaf, read_page, write_page } from '../mm/memory.ts';
import type { MmStruct } from '../mm/mm.ts';
import { lookupEntry, mm_alloc } from '../mm/mm.ts';
import type { Folio } from '../mm/folio.ts';
import { MmErrno } from '../mm/vma.ts';
import { do_exit, do_fork, do_mmap, do_mprotect, do_mremap_move, do_munmap, madvise_dontneed, madvise_flags, MmError } from '../mm/mmap.ts';
import { VM_HUGEPAGE, VM_NOHUGEPAGE } from '../mm/vma.ts';
import { type RunConfig, thpOfRun } from './config.ts';
import { contentFor, UNIQUE_CONTENT_FIRST } from './content.ts';

export type InvariantCheck = 'batch' | 'op' | 'end' | 'none';

export interface ExecuteOptions {
  /** When to run the invariant checker (default after every op). */
  readonly invariants?: InvariantCheck;
  /** Seed for "unique" and "mix" contents (default the scenario's, else 1). */
  readonly seed?: number;
  /**
   * Time the `ksmd` ops (process.hrtime.bigint() around each) and report their sum as
   * RunResult.ksmdTimeNs. Only a clock is read: no counter changes.
   */
  readonly timeKsmd?: boolean;
  /** Told of every rmap walk an `rmap_walk` op makes, with the op's index (--trace rmap). */
  readonly onRmapWalk?: (opIndex: number, walk: RmapWalkResult) => void;
  /** Told after every op, with the processes by name and the op's wall time (ns): what `live` compares at its checkpoints. */
  readonly onOpDone?: (opIndex: number, state: { readonly ksm: Ksm; readonly procs: ReadonlyMap<string, MmStruct> }, ns: number) => void;
}

export interface RunResult {
  readonly counters: Counters;
  /** Everything the oracle found wrong in this run, in order (empty: correct). */
  readonly problems: string[];
  /** The scenario's system calls the kernel refused (ENOMEM, EFAULT), in order. */
  readonly opErrors: string[];
  readonly scanDigest: { readonly count: number; readonly h1: number; readonly h2: number };
  readonly ksm: Ksm;
  /** With ExecuteOptions.timeKsmd: the wall time spent executing the `ksmd` ops, summed (ns). */
  readonly ksmdTimeNs?: number;
  /**
   * What the `ksmd` ops alone counted: each counter's growth over them, summed (the maxima are
   * 0: a maximum does not sum). The work a predicted ksmd time prices (src/calibrate/predict.ts).
   */
  readonly ksmdCounts: Counters;
}

interface Region {
  start: number;
  pages: number;
}

const MAX_PROBLEMS = 50;

class Run {
  readonly m: Machine;
  readonly ksm: Ksm;
  readonly procs = new Map<string, MmStruct>();
  readonly regions = new Map<string, Region>();
  readonly problems: string[] = [];
  /** The scenario's system calls the kernel refused, in order (their number is syscalls_failed). */
  readonly opErrors: string[] = [];
  readonly invariants: InvariantCheck;
  readonly seed: number;
  readonly onRmapWalk: ExecuteOptions['onRmapWalk'];
  uniqueNext = UNIQUE_CONTENT_FIRST;

  constructor(scenario: Scenario, config: RunConfig, opts: ExecuteOptions) {
    const paging = scenario.paging ?? config.paging;
    const abi = scenario.abi ?? config.abi;
    this.m = new Machine(paging, { bits32: abi === 'ilp32-le', kernel: config.kernel, thp: thpOfRun(scenario, config) });
    this.ksm = createKsm(this.m, {
      policy: config.policy,
      abi,
      mergeOrder: config.mergeOrder,
      knobs: { run: 1, smart_scan: config.smartScan ? 1 : 0 },
    });
    this.checkFiles(scenario);
    for (const [k, v] of Object.entries(scenario.sysfs ?? {})) this.sysfs(`scenario sysfs`, k, v);
    this.ksm.batchMs = scenario.ksmd_batch_ms ?? 0;
    this.invariants = opts.invariants ?? 'op';
    this.seed = opts.seed ?? scenario.seed ?? 1;
    this.onRmapWalk = opts.onRmapWalk;
  }

  opFailed(msg: string): void {
    this.opErrors.push(msg);
  }

  problem(msg: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(msg);
    else if (this.problems.length === MAX_PROBLEMS) this.problems.push('… more problems not listed');
  }

  checkInvariants(when: string): void {
    for (const v of checkInvariants(this.ksm)) this.problem(`invariant broken ${when}: ${v}`);
  }

  proc(where: string, name: string): MmStruct {
    const mm = this.procs.get(name);
    if (!mm) throw new ScenarioError(`${where}: no process "${name}" (processes so far: ${[...this.procs.keys()].join(', ') || 'none'})`);
    return mm;
  }

  region(where: string, proc: string, name: string): Region {
    const r = this.regions.get(`${proc}/${name}`);
    if (!r) throw new ScenarioError(`${where}: process "${proc}" has no region "${name}"`);
    return r;
  }

  /** Where page `vpn` of `proc` is in the scenario's terms: " = p0/a + 12" (empty when in no region of it). */
  locate(proc: string, vpn: number): string {
    for (const [key, r] of this.regions) {
      if (key.startsWith(`${proc}/`) && vpn >= r.start && vpn < r.start + r.pages) return ` = ${key} + ${vpn - r.start}`;
    }
    return '';
  }

  range(where: string, r: Region, o: Range): [number, number] {
    const from = o.from ?? 0;
    const pages = o.pages ?? r.pages - from;
    if (from + pages > r.pages || pages <= 0) throw new ScenarioError(`${where}: pages [${from}, ${from + pages}) are outside the region's ${r.pages} pages`);
    return [r.start + from, pages];
  }

  /**
   * Every sysfs file and ksm_stat line the scenario writes or expects exists on the machine's
   * kernel: one that does not is bad input, found before the first op runs.
   */
  checkFiles(scenario: Scenario): void {
    const k = this.m.kernel;
    const check = (where: string, why: string | null): void => {
      if (why) throw new ScenarioError(`${where}: ${why}`);
    };
    for (const name of Object.keys(scenario.sysfs ?? {})) check('scenario sysfs', sysfsMissing(name, k));
    scenario.ops.forEach((op, i) => {
      const where = `ops[${i}] (${op.op})`;
      if (op.op === 'sysfs') for (const name of Object.keys(op)) if (name !== 'op') check(where, sysfsMissing(name, k));
      if (op.op === 'expect') {
        for (const name of Object.keys(op.sysfs ?? {})) check(where, sysfsMissing(name, k));
        for (const name of Object.keys(op.stat ?? {})) check(where, ksmStatMissing(name, k));
      }
    });
  }

  /**
   * A write to a file the kernel does not have (or a read-only one) is bad input. A value the
   * kernel refuses (a store's EINVAL, ERANGE or EBUSY, run=2's unmerge error) fails as the
   * write(2) would: an op error (syscalls_failed, op_errors) naming the store and its errno, and
   * the run goes on, as a system call the kernel refuses does.
   */
  sysfs(where: string, knob: string, value: unknown): void {
    try {
      write_sysfs(this.ksm, knob, value as number | string);
    } catch (e) {
      if (!(e instanceof SysfsError)) throw e;
      if (isMissingFile(e)) throw new ScenarioError(`${where}: ${e.message}`);
      this.opFailed(`${where}: ${e.message}`);
    }
  }

  content(c: Content, regionKey: string, i: number): number {
    if (c === 'unique') return this.uniqueNext++;
    return contentFor(c, this.seed, regionKey, i);
  }

  /** Oracle check 4: after an unmerge nothing KSM is left mapped in [start, start+pages). */
  checkUnmerged(where: string, mm: MmStruct, start: number, pages: number): void {
    let ksmPages = 0;
    let zeroPages = 0;
    const pt = mm.machine.pt;
    forEachLeaf(mm, start, start + pages, (p) => {
      if (isMappingKind(pt.kind[p]!) && mm.machine.folios.ksm(pt.val[p]!)) ksmPages++;
      if (pt.kind[p] === PT_PTE && pt.has(p, PTE_KSM_PLACED_ZERO)) zeroPages++;
    });
    if (ksmPages) this.problem(`${where}: unmerge left ${ksmPages} KSM page(s) mapped in ${mm.name}`);
    if (zeroPages) this.problem(`${where}: unmerge left ${zeroPages} KSM-placed zero page(s) mapped in ${mm.name}`);
  }

  ksmd(where: string, o: { full_scans?: number; batches?: number }): void {
    if (this.ksm.knobs.advisor_mode !== KSM_ADVISOR_NONE) {
      throw new ScenarioError(
        `${where}: advisor_mode is scan-time: the advisor retunes pages_to_scan from the wall-clock time of each full scan and ksmd's CPU time, which the model does not have (accepted: write advisor_mode "none" before running ksmd)`,
      );
    }
    const scan = this.ksm.ksm_scan;
    const after = (): void => {
      if (this.invariants === 'batch') this.checkInvariants(`after a ksmd batch (${where})`);
    };
    if (o.batches !== undefined) {
      for (let i = 0; i < o.batches; i++) {
        ksmd_batch(this.ksm);
        after();
      }
      return;
    }
    const target = scan.seqnr + (o.full_scans ?? 1);
    while (scan.seqnr < target) {
      if (!ksmd_should_run(this.ksm)) {
        this.problem(`${where}: ksmd cannot run (run is ${this.ksm.knobs.run}, or no process is registered)`);
        return;
      }
      if (this.ksm.knobs.pages_to_scan === 0) {
        // ksmd wakes, scans no page and sleeps, forever: the kernel's full scan never ends
        ksmd_batch(this.ksm);
        after();
        this.problem(`${where}: ksmd makes no progress (pages_to_scan is 0): a full scan never ends; the op stopped after one wake-up`);
        return;
      }
      ksmd_batch(this.ksm);
      after();
    }
  }

  exec(i: number, op: Op): void {
    const where = `ops[${i}] (${op.op})`;
    switch (op.op) {
      case 'mmap': {
        const mm = this.procs.get(op.proc) ?? this.newProc(op.proc);
        const pages = parseSizePages(op.size, `${where} size`);
        const at = op.at === undefined ? undefined : parseSizePages(op.at, `${where} at`);
        const start = do_mmap(mm, pages, { ...(at === undefined ? {} : { at }), noreserve: op.noreserve ?? false, hugepage: op.thp ?? false });
        this.regions.set(`${op.proc}/${op.region}`, { start, pages });
        return;
      }
      case 'fill':
      case 'write': {
        const mm = this.proc(where, op.proc);
        const r = this.region(where, op.proc, op.region);
        const [start, pages] = this.range(where, r, op);
        let faults = 0;
        const key = `${op.proc}/${op.region}`;
        for (let p = 0; p < pages; p++) {
          const c = this.content(op.content, key, start - r.start + p);
          if (write_page(mm, start + p, c) !== 'ok') faults++;
        }
        if (faults) this.problem(`${where}: ${faults} write(s) faulted with SIGSEGV in ${op.proc}/${op.region}`);
        return;
      }
      case 'read': {
        const mm = this.proc(where, op.proc);
        const [start, pages] = this.range(where, this.region(where, op.proc, op.region), op);
        for (let p = 0; p < pages; p++) read_page(mm, start + p);
        return;
      }
      case 'madvise': {
        const mm = this.proc(where, op.proc);
        const [start, pages] = this.range(where, this.region(where, op.proc, op.region), op);
        if (op.advice === 'mergeable' || op.advice === 'unmergeable') {
          const err = madvise_ksm(this.ksm, mm, start, pages, op.advice === 'mergeable' ? MADV_MERGEABLE : MADV_UNMERGEABLE);
          if (err) this.problem(`${where}: madvise failed with ${err}`);
          if (op.advice === 'unmergeable') this.checkUnmerged(where, mm, start, pages);
        } else if (op.advice === 'dontneed') {
          madvise_dontneed(mm, start, pages);
        } else {
          const flag = op.advice === 'hugepage' ? VM_HUGEPAGE : VM_NOHUGEPAGE;
          madvise_flags(mm, start, pages, flag, flag === VM_HUGEPAGE ? VM_NOHUGEPAGE : VM_HUGEPAGE);
        }
        return;
      }
      case 'mprotect': {
        const mm = this.proc(where, op.proc);
        const [start, pages] = this.range(where, this.region(where, op.proc, op.region), op);
        const every = op.every ?? 0;
        if (every > 0) for (let p = 0; p < pages; p += every) do_mprotect(mm, start + p, 1, op.prot);
        else do_mprotect(mm, start, pages, op.prot);
        return;
      }
      case 'mremap': {
        const mm = this.proc(where, op.proc);
        const r = this.region(where, op.proc, op.region);
        const [start, pages] = this.range(where, r, op);
        const to = typeof op.to === 'number' ? r.start + op.to : parseSizePages(op.to.at, `${where} to.at`);
        do_mremap_move(mm, start, pages, to);
        if (to >= r.start) r.pages = Math.max(r.pages, to - r.start + pages);
        return;
      }
      case 'munmap': {
        const mm = this.proc(where, op.proc);
        const [start, pages] = this.range(where, this.region(where, op.proc, op.region), op);
        do_munmap(mm, start, pages);
        return;
      }
      case 'fork': {
        const parent = this.proc(where, op.proc);
        if (this.procs.has(op.child)) throw new ScenarioError(`${where}: process "${op.child}" already exists`);
        this.procs.set(op.child, do_fork(parent, op.child));
        for (const [key, r] of [...this.regions]) {
          const [p, name] = key.split('/') as [string, string];
          if (p === op.proc) this.regions.set(`${op.child}/${name}`, { ...r });
        }
        return;
      }
      case 'exit': {
        do_exit(this.proc(where, op.proc));
        return;
      }
      case 'sysfs': {
        for (const [k, v] of Object.entries(op)) {
          if (k === 'op') continue;
          this.sysfs(where, k, v);
          if (k === 'run' && this.ksm.knobs.run === KSM_RUN_UNMERGE) for (const mm of this.procs.values()) this.checkUnmerged(where, mm, 0, this.m.userLimit);
        }
        return;
      }
      case 'ksmd':
        this.ksmd(where, op);
        return;
      case 'rmap_walk': {
        const ksmWalks = op.what === 'all-anon' ? [] : rmap_walk_all_ksm(this.ksm);
        const anonWalks = op.what === 'all-ksm' ? [] : rmap_walk_all_anon(this.m);
        for (const r of [...ksmWalks, ...anonWalks]) {
          this.onRmapWalk?.(i, r);
          const kind = r.pageType === 'ksm' ? 'rmap walk' : 'anon rmap walk';
          for (const miss of r.missed.slice(0, 3)) {
            this.problem(`${where}: ${kind} missed the mapping of ${miss.mm.name} at page ${miss.vpn}${this.locate(miss.mm.name, miss.vpn)} (found ${r.found} of ${r.expected})`);
          }
        }
        return;
      }
      case 'memory_failure': {
        const o = { early_kill: op.early_kill ?? true, current: op.current === undefined ? null : this.proc(where, op.current) };
        for (const f of this.failedFolios(where, op)) {
          const r = memory_failure_ksm(this.ksm, f, o);
          for (const miss of r.missed.slice(0, 3)) {
            this.problem(`${where}: memory failure would not collect ${miss.mm.name}, which maps the KSM page at page ${miss.vpn}${this.locate(miss.mm.name, miss.vpn)} (collected ${r.expected.length - r.missed.length} of ${r.expected.length})`);
          }
        }
        return;
      }
      case 'inject':
        if (op.fail === 'second-merge') this.ksm.inject.secondMerge += op.count ?? 1;
        else this.ksm.inject.stableInsert += op.count ?? 1;
        return;
      case 'expect': {
        // the files and lines as the machine's kernel shows them (checkFiles: all exist)
        const show = (want: number | string, got: string): [string, string] => (typeof want === 'number' ? [String(want), got] : [JSON.stringify(want), JSON.stringify(got)]);
        const files = sysfs_files(this.ksm);
        for (const [k, want] of Object.entries(op.sysfs ?? {})) {
          const got = files[k]!;
          if (!sysfsMatches(k, want, got)) {
            const [w, g] = show(want, got);
            this.problem(`${where}: expected ${k} ${w}, got ${g}`);
          }
        }
        if (op.stat) {
          const st = new Map(ksm_stat_lines(this.ksm, this.proc(where, op.proc!)));
          for (const [k, want] of Object.entries(op.stat)) {
            const got = st.get(k)!;
            if (sysfsText(want) !== got) {
              const [w, g] = show(want, got);
              this.problem(`${where}: expected ${op.proc} ${k} ${w}, got ${g}`);
            }
          }
        }
        return;
      }
    }
  }

  /** The KSM folios a memory_failure op fails: every mapped one, or those mapped in a range (address order, once each). */
  failedFolios(where: string, op: Extract<Op, { op: 'memory_failure' }>): Folio[] {
    if (op.what === 'all-ksm') return mapped_ksm_folios(this.ksm);
    const mm = this.proc(where, op.proc!);
    const [start, pages] = this.range(where, this.region(where, op.proc!, op.region!), op);
    const pt = this.m.pt;
    const out = new Set<Folio>();
    for (let vpn = start; vpn < start + pages; vpn++) {
      const p = lookupEntry(mm, vpn);
      if (p !== NULL_PTR && isMappingKind(pt.kind[p]!) && this.m.folios.ksm(pt.val[p]!)) out.add(pt.val[p]!);
    }
    return [...out];
  }

  newProc(name: string): MmStruct {
    const mm = mm_alloc(this.m, name);
    this.procs.set(name, mm);
    return mm;
  }
}

/** A fresh machine ready to run a scenario (built outside any timed window). */
export interface PreparedRun {
  /** Execute every op, then the final checks. */
  run(): RunResult;
}

/** Build the machine, KSM and state for one execution of `scenario`. */
export function prepareScenario(scenario: Scenario, config: RunConfig, opts: ExecuteOptions = {}): PreparedRun {
  const run = new Run(scenario, config, opts);
  const timeKsmd = opts.timeKsmd ?? false;
  return { run: () => runOps(run, scenario, timeKsmd, opts.onOpDone) };
}

/** Run a scenario's ops on a fresh machine configured by `config`. */
export function executeScenario(scenario: Scenario, config: RunConfig, opts: ExecuteOptions = {}): RunResult {
  return prepareScenario(scenario, config, opts).run();
}

function runOps(run: Run, scenario: Scenario, timeKsmd: boolean, onOpDone: ExecuteOptions['onOpDone']): RunResult {
  let ksmdNs = 0n;
  const slots = run.m.counters.slots;
  const ksmdSum = new Float64Array(slots.length);
  scenario.ops.forEach((op, i) => {
    const timed = (timeKsmd && op.op === 'ksmd') || onOpDone !== undefined;
    const t0 = timed ? process.hrtime.bigint() : 0n;
    const before = op.op === 'ksmd' ? slots.slice() : null;
    let opNs = 0n;
    try {
      run.exec(i, op);
    } catch (e) {
      if (e instanceof MmError) run.problem(`ops[${i}] (${op.op}): ${e.message}`);
      // a call this kernel refuses (ENOMEM past max_map_count, EFAULT for a multi-VMA mremap
      // before 6.17) is an outcome of its mm version, the same for every variant: not a problem
      else if (e instanceof MmErrno) run.opFailed(`ops[${i}] (${op.op}): ${e.message}`);
      else throw e;
    } finally {
      if (timed) opNs = process.hrtime.bigint() - t0;
      if (timeKsmd && op.op === 'ksmd') ksmdNs += opNs;
      if (before) for (let k = 0; k < slots.length; k++) ksmdSum[k]! += slots[k]! - before[k]!;
    }
    sample_lifetime(run.ksm, null);
    onOpDone?.(i, { ksm: run.ksm, procs: run.procs }, Number(opNs));
    if (run.invariants === 'op') run.checkInvariants(`after ops[${i}] (${op.op})`);
  });
  if (run.invariants === 'end') run.checkInvariants('at the end');
  refresh_sysfs_counters(run.ksm);
  // syscalls_failed is derived: the calls the kernel refused are the run's op errors
  const counters = { ...snapshotCounters(run.m.counters), syscalls_failed: run.opErrors.length };
  const ksmdCounts = newCounters();
  for (const name of COUNTER_NAMES) if (!isMaxCounter(name)) ksmdCounts[name] = ksmdSum[COUNTER_SLOT[name]]!;
  const result: RunResult = { counters, problems: run.problems, opErrors: run.opErrors, scanDigest: { ...run.ksm.scanDigest }, ksm: run.ksm, ksmdCounts };
  return timeKsmd ? { ...result, ksmdTimeNs: Number(ksmdNs) } : result;
}
