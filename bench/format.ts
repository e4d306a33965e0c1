// The scenario file format (DESIGN.md §7): a plain list of operations on named processes and
// regions, readable from JSON, with a one-line error for anything malformed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ABIS, type Abi } from '../src/ksm/rmap-item.ts';
import { KSM_ATTRS, KSM_STAT_LINES, sysfsAttr } from '../src/ksm/sysfs-attrs.ts';
import { THP_ENABLED, type ThpEnabled } from '../src/mm/machine.ts';
import { parseSizePages, SizeError } from './sizes.ts';

export type { Abi };

/** Page content: a content id, all zeroes, a unique page, page i → i mod D, or a seeded mix. */
export type Content =
  | number
  | 'zero'
  | 'unique'
  | { readonly mod: number }
  | { readonly mix: { readonly dup: number; readonly zero: number; readonly pool: number } };

/** A sub-range of a region, in pages relative to its start. */
export interface Range {
  readonly from?: number;
  readonly pages?: number;
}

export type Op =
  | ({ op: 'mmap'; proc: string; region: string; size: number | string; at?: number | string; noreserve?: boolean; thp?: boolean })
  | ({ op: 'fill'; proc: string; region: string; content: Content } & Range)
  | ({ op: 'write'; proc: string; region: string; content: Content } & Range)
  | ({ op: 'read'; proc: string; region: string } & Range)
  | ({ op: 'madvise'; proc: string; region: string; advice: Advice } & Range)
  | ({ op: 'mprotect'; proc: string; region: string; prot: 'r' | 'rw' | 'none'; every?: number } & Range)
  | ({ op: 'mremap'; proc: string; region: string; to: number | { readonly at: number | string } } & Range)
  | ({ op: 'munmap'; proc: string; region: string } & Range)
  | { op: 'fork'; proc: string; child: string }
  | { op: 'exit'; proc: string }
  | { op: 'sysfs'; [knob: string]: unknown }
  | { op: 'ksmd'; full_scans?: number; batches?: number }
  | { op: 'rmap_walk'; what: RmapWalkWhat }
  | ({ op: 'memory_failure'; what: 'all-ksm' | 'range'; proc?: string; region?: string; early_kill?: boolean; current?: string } & Range)
  | { op: 'inject'; fail: 'second-merge' | 'stable-insert'; count?: number }
  | { op: 'expect'; sysfs?: Record<string, SysfsValue>; proc?: string; stat?: Record<string, SysfsValue> };

/** A value written to, or expected of, a sysfs file or a ksm_stat line: text, or a number standing for its decimal text. */
export type SysfsValue = number | string;

/** What an rmap_walk op walks: every mapped KSM folio, every mapped anonymous non-KSM folio, or both (KSM first). */
export type RmapWalkWhat = 'all-ksm' | 'all-anon' | 'all';
export const RMAP_WALK_WHATS: readonly RmapWalkWhat[] = ['all-ksm', 'all-anon', 'all'];

export type Advice = 'mergeable' | 'unmergeable' | 'dontneed' | 'hugepage' | 'nohugepage';
export const ADVICES: readonly Advice[] = ['mergeable', 'unmergeable', 'dontneed', 'hugepage', 'nohugepage'];
export const OP_NAMES = ['mmap', 'fill', 'write', 'read', 'madvise', 'mprotect', 'mremap', 'munmap', 'fork', 'exit', 'sysfs', 'ksmd', 'rmap_walk', 'memory_failure', 'inject', 'expect'] as const;

export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly paging?: 4 | 5;
  readonly abi?: Abi;
  readonly stack?: string;
  readonly seed?: number;
  readonly sysfs?: Readonly<Record<string, SysfsValue>>;
  /**
   * /sys/kernel/mm/transparent_hugepage knobs for the run's machine (each field optional; the
   * stack's defaults fill the rest): enabled always|madvise|never, use_zero_page 0|1,
   * shrink_underused 0|1.
   */
  readonly thp?: ScenarioThp;
  /**
   * ksmd's own time per batch in milliseconds (default 0): the model's clock (jiffies, in ms)
   * advances by it plus sleep_millisecs per wake-up, as a kernel's jiffies advance by the
   * batch's CPU time plus the sleep; stable_node chain pruning follows that clock.
   */
  readonly ksmd_batch_ms?: number;
  /** The parameters a built-in scenario was built with (recorded with every result). */
  readonly params?: Readonly<Record<string, string | number>>;
  readonly ops: readonly Op[];
  /** Where a scenario file was read from (set by readScenarioFile; not a field of the file). */
  readonly source?: ScenarioSource;
}

/** A scenario's "thp" field. */
export interface ScenarioThp {
  readonly enabled?: ThpEnabled;
  readonly use_zero_page?: 0 | 1;
  readonly shrink_underused?: 0 | 1;
}

/** A scenario file as read: the path given, the absolute path and the sha256 of its bytes. */
export interface ScenarioSource {
  readonly path: string;
  readonly resolved: string;
  /** sha256 of the file's bytes, 64 lowercase hex digits. */
  readonly sha256: string;
}

export class ScenarioError extends Error {}

function fail(where: string, msg: string): never {
  throw new ScenarioError(`${where}: ${msg}`);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(where: string, o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') fail(where, `"${key}" must be a non-empty string (got ${JSON.stringify(v)})`);
  return v;
}

function count(where: string, o: Record<string, unknown>, key: string, min: number): void {
  const v = o[key];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(where, `"${key}" must be an integer ≥ ${min} (got ${JSON.stringify(v)})`);
}

function size(where: string, v: unknown, field: string): void {
  try {
    parseSizePages(v, `"${field}"`);
  } catch (e) {
    if (e instanceof SizeError) fail(where, e.message);
    throw e;
  }
}

function content(where: string, v: unknown): void {
  // ids from 2^32 up are the mix pool's and the unique pages' (src/harness/content.ts)
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < 2 ** 32) return;
  if (v === 'zero' || v === 'unique') return;
  if (isObj(v) && typeof v.mod === 'number' && Number.isSafeInteger(v.mod) && v.mod > 0) return;
  if (isObj(v) && isObj(v.mix)) {
    const m = v.mix;
    const ok = typeof m.dup === 'number' && typeof m.zero === 'number' && m.dup >= 0 && m.zero >= 0 && m.dup + m.zero <= 1;
    if (ok && typeof m.pool === 'number' && Number.isSafeInteger(m.pool) && m.pool > 0) return;
  }
  fail(where, `"content" ${JSON.stringify(v)} is not a content (accepted: a content id 0..4294967295, "zero", "unique", {"mod": D}, {"mix": {"dup": p, "zero": q, "pool": n}})`);
}

/** The fields each op accepts besides "op" (sysfs: any knob, checked when it runs). */
export const OP_FIELDS: Readonly<Record<(typeof OP_NAMES)[number], readonly string[] | null>> = {
  mmap: ['proc', 'region', 'size', 'at', 'noreserve', 'thp'],
  fill: ['proc', 'region', 'content', 'from', 'pages'],
  write: ['proc', 'region', 'content', 'from', 'pages'],
  read: ['proc', 'region', 'from', 'pages'],
  madvise: ['proc', 'region', 'advice', 'from', 'pages'],
  mprotect: ['proc', 'region', 'prot', 'every', 'from', 'pages'],
  mremap: ['proc', 'region', 'to', 'from', 'pages'],
  munmap: ['proc', 'region', 'from', 'pages'],
  fork: ['proc', 'child'],
  exit: ['proc'],
  sysfs: null,
  ksmd: ['full_scans', 'batches'],
  rmap_walk: ['what'],
  memory_failure: ['what', 'proc', 'region', 'from', 'pages', 'early_kill', 'current'],
  inject: ['fail', 'count'],
  expect: ['sysfs', 'proc', 'stat'],
};
export const SCENARIO_FIELDS = ['name', 'description', 'paging', 'abi', 'stack', 'seed', 'sysfs', 'thp', 'ksmd_batch_ms', 'params', 'ops'];
const THP_FIELDS = ['enabled', 'use_zero_page', 'shrink_underused'];

/** Check a scenario's "thp" field: one line naming the field and what is accepted. */
function validateThp(where: string, t: unknown): void {
  if (!isObj(t)) fail(where, `"thp" must be an object like {"enabled": "always", "use_zero_page": 1} (got ${JSON.stringify(t)})`);
  for (const k of Object.keys(t)) if (!THP_FIELDS.includes(k)) fail(where, `unknown field "thp.${k}" (accepted: ${THP_FIELDS.join(', ')})`);
  if (t.enabled !== undefined && !(THP_ENABLED as readonly unknown[]).includes(t.enabled)) {
    fail(where, `"thp.enabled" ${JSON.stringify(t.enabled)} is not one of ${THP_ENABLED.join(', ')}`);
  }
  for (const k of ['use_zero_page', 'shrink_underused']) {
    if (t[k] !== undefined && t[k] !== 0 && t[k] !== 1) fail(where, `"thp.${k}" ${JSON.stringify(t[k])} is not 0 or 1`);
  }
}

/**
 * A write to /sys/kernel/mm/ksm: a file of some kernel version that is writable, and a string
 * or a number (its decimal text). Whether the machine's kernel has the file, and whether its
 * store takes the text, is known when the scenario runs (src/ksm/sysfs.ts write_sysfs).
 */
function sysfsWrite(where: string, name: string, v: unknown): void {
  const a = sysfsAttr(name);
  if (!a) fail(where, `unknown ksm sysfs knob "${name}" (accepted: ${WRITABLE.join(', ')})`);
  if (a.parser === null) fail(where, `"${name}" is a read-only file of /sys/kernel/mm/ksm (accepted knobs: ${WRITABLE.join(', ')})`);
  if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) fail(where, `knob "${name}" must be a string or a number, the text written (got ${JSON.stringify(v)})`);
}

const WRITABLE = KSM_ATTRS.filter((a) => a.parser !== null).map((a) => a.name);

function sysfsExpect(where: string, name: string, v: unknown): void {
  if (!sysfsAttr(name)) fail(where, `unknown sysfs value "${name}"`);
  if (typeof v !== 'string' && typeof v !== 'number') fail(where, `"sysfs.${name}" must be a number or a string (got ${JSON.stringify(v)})`);
  if (name === 'advisor_mode' && !['none', 'scan-time', '[none] scan-time', 'none [scan-time]'].includes(String(v))) {
    fail(where, `"sysfs.advisor_mode" ${JSON.stringify(v)} is not a mode (accepted: "none", "scan-time", or the file's text "[none] scan-time", "none [scan-time]")`);
  }
}

function statExpect(where: string, name: string, v: unknown): void {
  const line = KSM_STAT_LINES.find((l) => l.name === name);
  if (!line) fail(where, `unknown ksm_stat value "${name}" (accepted: ${KSM_STAT_LINES.map((l) => l.name).join(', ')})`);
  if (line.kind === 'yes-no' && v !== 'yes' && v !== 'no') fail(where, `"stat.${name}" must be "yes" or "no" (got ${JSON.stringify(v)})`);
  if (line.kind === 'number' && typeof v !== 'number' && typeof v !== 'string') fail(where, `"stat.${name}" must be a number (got ${JSON.stringify(v)})`);
}

/** Check one op; throws a ScenarioError naming the op index, the field and what is accepted. */
function validateOp(i: number, raw: unknown): Op {
  const where = `ops[${i}]`;
  if (!isObj(raw)) fail(where, 'must be an object with an "op" field');
  const op = raw.op;
  if (typeof op !== 'string' || !(OP_NAMES as readonly string[]).includes(op)) {
    fail(where, `unknown op ${JSON.stringify(op)} (accepted: ${OP_NAMES.join(', ')})`);
  }
  const w = `${where} (${op})`;
  const fields = OP_FIELDS[op as (typeof OP_NAMES)[number]];
  if (fields) {
    for (const k of Object.keys(raw)) if (k !== 'op' && !fields.includes(k)) fail(w, `unknown field "${k}" (accepted: ${fields.join(', ')})`);
  }
  if (op === 'mmap') {
    for (const k of ['noreserve', 'thp']) if (raw[k] !== undefined && typeof raw[k] !== 'boolean') fail(w, `"${k}" must be true or false (got ${JSON.stringify(raw[k])})`);
  }
  const needsRegion = ['mmap', 'fill', 'write', 'read', 'madvise', 'mprotect', 'mremap', 'munmap'].includes(op);
  if (needsRegion || op === 'fork' || op === 'exit') str(w, raw, 'proc');
  if (needsRegion) str(w, raw, 'region');
  count(w, raw, 'from', 0);
  count(w, raw, 'pages', 1);
  switch (op) {
    case 'mmap':
      size(w, raw.size, 'size');
      if (raw.at !== undefined) size(w, raw.at, 'at');
      break;
    case 'fill':
    case 'write':
      content(w, raw.content);
      break;
    case 'madvise':
      if (!(ADVICES as readonly unknown[]).includes(raw.advice)) fail(w, `"advice" ${JSON.stringify(raw.advice)} is not one of ${ADVICES.join(', ')}`);
      break;
    case 'mprotect':
      if (!['r', 'rw', 'none'].includes(raw.prot as string)) fail(w, `"prot" ${JSON.stringify(raw.prot)} is not one of r, rw, none`);
      count(w, raw, 'every', 1);
      break;
    case 'mremap':
      if (typeof raw.to === 'number') count(w, raw, 'to', 0);
      else if (isObj(raw.to) && raw.to.at !== undefined) size(w, raw.to.at, 'to.at');
      else fail(w, `"to" ${JSON.stringify(raw.to)} must be a page offset from the region start or {"at": address}`);
      break;
    case 'fork':
      str(w, raw, 'child');
      break;
    case 'ksmd':
      count(w, raw, 'full_scans', 1);
      count(w, raw, 'batches', 1);
      if ((raw.full_scans === undefined) === (raw.batches === undefined)) fail(w, 'give exactly one of "full_scans" or "batches"');
      break;
    case 'rmap_walk':
      if (!(RMAP_WALK_WHATS as readonly unknown[]).includes(raw.what)) fail(w, `"what" ${JSON.stringify(raw.what)} is not one of ${RMAP_WALK_WHATS.join(', ')}`);
      break;
    case 'memory_failure':
      if (raw.what === 'range') {
        str(w, raw, 'proc');
        str(w, raw, 'region');
      } else if (raw.what === 'all-ksm') {
        for (const k of ['proc', 'region', 'from', 'pages']) if (raw[k] !== undefined) fail(w, `"${k}" needs "what": "range" (accepted with "all-ksm": early_kill, current)`);
      } else fail(w, `"what" ${JSON.stringify(raw.what)} is not "all-ksm" or "range"`);
      if (raw.early_kill !== undefined && typeof raw.early_kill !== 'boolean') fail(w, `"early_kill" must be true or false (got ${JSON.stringify(raw.early_kill)})`);
      if (raw.current !== undefined) str(w, raw, 'current');
      break;
    case 'inject':
      if (raw.fail !== 'second-merge' && raw.fail !== 'stable-insert') fail(w, `"fail" ${JSON.stringify(raw.fail)} is not "second-merge" or "stable-insert"`);
      count(w, raw, 'count', 1);
      break;
    case 'sysfs':
      for (const [k, v] of Object.entries(raw)) if (k !== 'op') sysfsWrite(w, k, v);
      break;
    case 'expect':
      for (const key of ['sysfs', 'stat'] as const) {
        const block = raw[key];
        if (block === undefined) continue;
        if (!isObj(block)) fail(w, `"${key}" must be an object of name: value (a number or a string)`);
        for (const [k, v] of Object.entries(block)) (key === 'sysfs' ? sysfsExpect : statExpect)(w, k, v);
      }
      if (raw.stat !== undefined) str(w, raw, 'proc');
      break;
  }
  return raw as unknown as Op;
}

/** Validate a parsed scenario object. */
export function validateScenario(raw: unknown, where = 'scenario'): Scenario {
  if (!isObj(raw)) fail(where, 'must be a JSON object with "name" and "ops"');
  for (const k of Object.keys(raw)) if (!SCENARIO_FIELDS.includes(k)) fail(where, `unknown field "${k}" (accepted: ${SCENARIO_FIELDS.join(', ')})`);
  str(where, raw, 'name');
  if (raw.paging !== undefined && raw.paging !== 4 && raw.paging !== 5) fail(where, `"paging" ${JSON.stringify(raw.paging)} is not 4 or 5`);
  if (raw.abi !== undefined && !(ABIS as readonly unknown[]).includes(raw.abi)) {
    fail(where, `"abi" ${JSON.stringify(raw.abi)} is not one of ${ABIS.join(', ')}`);
  }
  if (raw.stack !== undefined && typeof raw.stack !== 'string') fail(where, '"stack" must be a string');
  if (raw.ksmd_batch_ms !== undefined && !(typeof raw.ksmd_batch_ms === 'number' && Number.isFinite(raw.ksmd_batch_ms) && raw.ksmd_batch_ms >= 0 && raw.ksmd_batch_ms <= 3_600_000)) {
    fail(where, `"ksmd_batch_ms" ${JSON.stringify(raw.ksmd_batch_ms)} is not a number of milliseconds from 0 to 3600000`);
  }
  if (raw.seed !== undefined && !(typeof raw.seed === 'number' && Number.isSafeInteger(raw.seed) && raw.seed >= 0)) {
    fail(where, `"seed" ${JSON.stringify(raw.seed)} is not a non-negative integer`);
  }
  if (raw.sysfs !== undefined) {
    if (!isObj(raw.sysfs)) fail(where, '"sysfs" must be an object of knob: value (a number or a string)');
    for (const [k, v] of Object.entries(raw.sysfs)) sysfsWrite(`${where} sysfs`, k, v);
  }
  if (raw.thp !== undefined) validateThp(where, raw.thp);
  if (!Array.isArray(raw.ops) || raw.ops.length === 0) fail(where, '"ops" must be a non-empty array');
  raw.ops.forEach((op, i) => validateOp(i, op));
  return raw as unknown as Scenario;
}

/** The address space a scenario runs in, in pages (src/mm/machine.ts). */
export interface AddressSpace {
  /** The top of the mmap window: a mapping without "at" must end below it. */
  readonly taskSize: number;
  /** The highest page + 1 a mapping at a fixed address may reach. */
  readonly userLimit: number;
  /** How the limit is described in errors ("4-level paging", "ilp32-le"). */
  readonly label: string;
}

/**
 * Check what the op list does with its processes and regions before anything runs: the
 * mistakes of the scenario itself (not of a variant) are bad input, one line naming the op,
 * the field and what is accepted. Sizes, ranges and offsets are in pages.
 */
export function checkOps(scenario: Scenario, space: AddressSpace): void {
  interface Proc {
    exited: number | null;
    readonly regions: Map<string, { pages: number }>;
  }
  const procs = new Map<string, Proc>();
  const pagesOf = (v: unknown, what: string) => parseSizePages(v, what);
  const live = (w: string, name: string): Proc => {
    const p = procs.get(name);
    if (!p) fail(w, `"proc" "${name}" is not a process yet (processes so far: ${[...procs.keys()].join(', ') || 'none'}; an mmap or a fork creates one)`);
    if (p.exited !== null) fail(w, `"proc" "${name}" has exited (ops[${p.exited}]): no op may use it after its exit`);
    return p;
  };
  scenario.ops.forEach((op, i) => {
    const w = `ops[${i}] (${op.op})`;
    switch (op.op) {
      case 'mmap': {
        const p = procs.get(op.proc) ?? { exited: null, regions: new Map() };
        if (p.exited !== null) fail(w, `"proc" "${op.proc}" has exited (ops[${p.exited}]): no op may use it after its exit`);
        procs.set(op.proc, p);
        if (p.regions.has(op.region)) fail(w, `"region" "${op.region}" is already mapped in ${op.proc} (a region name is mapped once; accepted: a new name)`);
        const pages = pagesOf(op.size, `${w} "size"`);
        if (pages < 1) fail(w, `"size" ${JSON.stringify(op.size)} maps no page (accepted: at least one page)`);
        if (op.at === undefined) {
          if (pages > space.taskSize) fail(w, `"size" ${JSON.stringify(op.size)} (${pages} pages) does not fit the address space (${space.label}: at most ${space.taskSize} pages below the mmap window)`);
        } else {
          const at = pagesOf(op.at, `${w} "at"`);
          if (at + pages > space.userLimit) fail(w, `"at" + "size" (${at} + ${pages} pages) end past the top of user space (${space.label}: ${space.userLimit} pages)`);
        }
        p.regions.set(op.region, { pages });
        return;
      }
      case 'fill':
      case 'write':
      case 'read':
      case 'madvise':
      case 'mprotect':
      case 'mremap':
      case 'munmap': {
        const p = live(w, op.proc);
        const r = p.regions.get(op.region);
        if (!r) fail(w, `"region" "${op.region}" is not a region of ${op.proc} (regions: ${[...p.regions.keys()].join(', ') || 'none'})`);
        const from = op.from ?? 0;
        const pages = op.pages ?? r.pages - from;
        if (from >= r.pages || from + pages > r.pages) fail(w, `pages [${from}, ${from + pages}) are outside region "${op.region}" (accepted: "from" + "pages" ≤ its ${r.pages} pages)`);
        if (op.op === 'mremap' && typeof op.to === 'number') {
          // mremap(2) refuses a destination that overlaps the source (EINVAL); MREMAP_FIXED
          // onto other pages of the region replaces them, as the kernel does
          if (op.to < from + pages && op.to + pages > from) {
            const below = from - pages >= 0 ? ` or ≤ ${from - pages}` : '';
            fail(w, `"to" ${op.to} overlaps the moved pages [${from}, ${from + pages}) (accepted: a page offset ≥ ${from + pages}${below} from the region's start, or {"at": address})`);
          }
          r.pages = Math.max(r.pages, op.to + pages);
        }
        return;
      }
      case 'fork': {
        const parent = live(w, op.proc);
        if (procs.has(op.child)) fail(w, `"child" "${op.child}" is already a process (accepted: a new name)`);
        procs.set(op.child, { exited: null, regions: new Map([...parent.regions].map(([k, v]) => [k, { ...v }])) });
        return;
      }
      case 'exit':
        live(w, op.proc).exited = i;
        return;
      case 'expect':
        if (op.proc !== undefined) live(w, op.proc);
        return;
      case 'memory_failure': {
        if (op.current !== undefined) {
          const c = procs.get(op.current);
          if (!c) fail(w, `"current" "${op.current}" is not a process yet (processes so far: ${[...procs.keys()].join(', ') || 'none'})`);
          if (c.exited !== null) fail(w, `"current" "${op.current}" has exited (ops[${c.exited}]): only a live process can touch the page`);
        }
        if (op.what !== 'range') return;
        const p = live(w, op.proc!);
        const r = p.regions.get(op.region!);
        if (!r) fail(w, `"region" "${op.region}" is not a region of ${op.proc} (regions: ${[...p.regions.keys()].join(', ') || 'none'})`);
        const from = op.from ?? 0;
        const pages = op.pages ?? r.pages - from;
        if (from >= r.pages || from + pages > r.pages) fail(w, `pages [${from}, ${from + pages}) are outside region "${op.region}" (accepted: "from" + "pages" ≤ its ${r.pages} pages)`);
        return;
      }
      default:
        return;
    }
  });
}

/** Read and validate a scenario file; its `source` says which file, and the hash of the bytes parsed. */
export function readScenarioFile(path: string): Scenario {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ScenarioError(`scenario file "${path}" cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new ScenarioError(`scenario file "${path}" is not valid JSON: ${(e as Error).message}`);
  }
  const source: ScenarioSource = { path, resolved: resolve(path), sha256: createHash('sha256').update(bytes).digest('hex') };
  return { ...validateScenario(json, `scenario file "${path}"`), source };
}
