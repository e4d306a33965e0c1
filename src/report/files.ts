// Writing and reading result files: tidy CSV (csv-stringify / csv-parse) and the JSON beside
// it with the environment and every sample. Writes are atomic: a temp file renamed into place,
// so an interrupted or failed run never leaves a half-written result.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { COUNTER_NAMES, type Counters, newCounters } from '../mm/counters.ts';
import { AXES, type Axis } from '../../variants/types.ts';
import {
  CSV_COLUMNS,
  isMetricName,
  isPredictionMetric,
  isTimingMetric,
  type PredictionName,
  RESULTS_FORMAT,
  type ResultSet,
  type RunRecord,
  recordKey,
  toRows,
} from '../harness/results.ts';
import type { Abi } from '../ksm/variant-api.ts';
import type { VariantSource } from '../../variants/registry.ts';

export class ResultFileError extends Error {}

/** Fail early (before any work) when results cannot be written to `dir`. */
export function ensureWritableDir(dir: string): void {
  try {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new ResultFileError(`results directory "${dir}" is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function cannotWrite(path: string, e: unknown): ResultFileError {
  return new ResultFileError(`cannot write "${path}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
}

/** Write `text` to a temp file beside `path`; its name. */
function writeTemp(path: string, text: string): string {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw cannotWrite(path, e);
  }
  return tmp;
}

function renameTemp(tmp: string, path: string): void {
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw cannotWrite(path, e);
  }
}

/** Write a file atomically: a temp file in the same directory, then rename. */
export function writeAtomic(path: string, text: string): void {
  renameTemp(writeTemp(path, text), path);
}

export function toCsv(set: ResultSet): string {
  return stringify(toRows(set), { header: true, columns: [...CSV_COLUMNS] });
}

export function toJson(set: ResultSet): string {
  return `${JSON.stringify(set, null, 1)}\n`;
}

/** Write `<base>.csv` and `<base>.json`; returns their paths. */
export function writeResultFiles(base: string, set: ResultSet): { csv: string; json: string } {
  const csv = `${base}.csv`;
  const json = `${base}.json`;
  const csvText = toCsv(set);
  const jsonText = toJson(set);
  // The JSON goes to a temp file first: a failed write of either leaves neither behind.
  const tmpJson = writeTemp(json, jsonText);
  try {
    writeAtomic(csv, csvText);
  } catch (e) {
    rmSync(tmpJson, { force: true });
    // the empty .json a reserved name holds (cli/run.ts resultBase) goes too
    if (existsSync(json) && statSync(json).size === 0) rmSync(json, { force: true });
    throw e;
  }
  renameTemp(tmpJson, json);
  return { csv, json };
}

function must(cond: unknown, path: string, msg: string): asserts cond {
  if (!cond) throw new ResultFileError(`"${path}" is not a ksmbench result file: ${msg}`);
}

function isSha256(v: unknown): boolean {
  return typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
}

function readJson(path: string, text: string): ResultSet {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ResultFileError(`"${path}" is not valid JSON: ${(e as Error).message}`);
  }
  const set = raw as Partial<ResultSet>;
  must(typeof raw === 'object' && raw !== null, path, 'not an object');
  must(set.format === RESULTS_FORMAT, path, `format is ${JSON.stringify(set.format)}, expected "${RESULTS_FORMAT}"`);
  must(Array.isArray(set.runs), path, '"runs" is not an array');
  set.runs.forEach((r, i) => {
    must(typeof r.scenario === 'string' && typeof r.stack === 'string' && typeof r.params === 'string', path, `runs[${i}] lacks scenario/params/stack`);
    must(typeof r.variants === 'object' && r.variants !== null, path, `runs[${i}] has no variants`);
    must(typeof r.counters === 'object' && r.counters !== null, path, `runs[${i}] has no counters`);
    // a counter added after the file was written is absent (compare calls it untested); one renamed is read under its new name
    renameLegacyCounters(r.counters as unknown as Record<string, unknown>);
    for (const c of COUNTER_NAMES) must(r.counters[c] === undefined || Number.isFinite(r.counters[c]), path, `runs[${i}].counters.${c} is not a number`);
    const v = r.verdict as Partial<RunRecord['verdict']> | undefined;
    must(typeof v?.ok === 'boolean' && Array.isArray(v.problems) && Array.isArray(v.knownWrong), path, `runs[${i}].verdict lacks ok/problems/knownWrong`);
    must(Number.isSafeInteger(r.seed) && r.seed >= 0, path, `runs[${i}] (${r.scenario} × ${r.stack}) has no seed (a non-negative integer), so it cannot be re-run`);
    const t = r.timing as Partial<NonNullable<RunRecord['timing']>> | null | undefined;
    must(t === null || (typeof t === 'object' && Number.isFinite(t.median_ns)), path, `runs[${i}].timing is neither null nor has a median_ns`);
    const k = t?.ksmd as Partial<NonNullable<NonNullable<RunRecord['timing']>['ksmd']>> | undefined;
    must(k === undefined || (typeof k === 'object' && k !== null && Number.isFinite(k.median_ns)), path, `runs[${i}].timing.ksmd has no median_ns`);
    const oe = r.op_errors as unknown;
    must(oe === undefined || (Array.isArray(oe) && oe.every((x) => typeof x === 'string')), path, `runs[${i}].op_errors is not a list of strings`);
    // where a scenario file or out-of-tree variant came from: absent when none, and in older files
    const f = r.scenario_file as Partial<NonNullable<RunRecord['scenario_file']>> | undefined;
    must(
      f === undefined || (typeof f === 'object' && f !== null && typeof f.path === 'string' && typeof f.resolved === 'string' && isSha256(f.sha256) && Array.isArray(f.ops)),
      path,
      `runs[${i}].scenario_file lacks path/resolved/sha256 (64 hex digits)/ops`,
    );
    const o = r.out_of_tree_variants as Record<string, Partial<VariantSource> | null> | undefined;
    must(o === undefined || (typeof o === 'object' && o !== null), path, `runs[${i}].out_of_tree_variants is not an object`);
    for (const [key, s] of Object.entries(o ?? {})) {
      must(typeof s === 'object' && s !== null && typeof s.path === 'string' && typeof s.resolved === 'string' && isSha256(s.sha256), path, `runs[${i}].out_of_tree_variants["${key}"] lacks path/resolved/sha256 (64 hex digits)`);
    }
    // a priced run's prediction: absent when unpriced, and in older files
    for (const m of ['predicted_ksmd_ns', 'predicted_ksmd_ns_per_scan'] as const) must(r[m] === undefined || Number.isFinite(r[m]), path, `runs[${i}].${m} is not a number`);
  });
  const cal = set.calibration as Partial<NonNullable<ResultSet['calibration']>> | undefined;
  must(
    cal === undefined || (typeof cal === 'object' && cal !== null && typeof cal.path === 'string' && isSha256(cal.sha256) && typeof cal.kernel === 'string' && typeof cal.created === 'string'),
    path,
    '"calibration" lacks path/sha256 (64 hex digits)/kernel/created',
  );
  const seen = new Map<string, number>();
  set.runs.forEach((r, i) => {
    const k = recordKey(r);
    const first = seen.get(k);
    must(first === undefined, path, `runs[${i}] repeats runs[${first}] (${r.scenario}, params "${r.params}", ${r.stack})`);
    seen.set(k, i);
  });
  must(typeof set.suite === 'string', path, '"suite" is not a string');
  must(typeof set.env === 'object' && set.env !== null && typeof set.env.git?.commit === 'string', path, '"env.git.commit" is missing');
  return set as ResultSet;
}

/**
 * Counters renamed since a result file may have been written: the old name → the new one, same
 * values. unmerge_pt_reads became pt_reads_unmerge when pt_reads was split into accounts (the
 * same break_ksm reads, break_cow's included).
 */
export const RENAMED_COUNTERS: Readonly<Record<string, string>> = { unmerge_pt_reads: 'pt_reads_unmerge' };

/** A record's counters under today's names. */
function renameLegacyCounters(counters: Record<string, unknown>): void {
  for (const [old, now] of Object.entries(RENAMED_COUNTERS)) {
    if (old in counters) {
      if (!(now in counters)) counters[now] = counters[old];
      delete counters[old];
    }
  }
}

function readCsv(path: string, text: string): ResultSet {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  } catch (e) {
    throw new ResultFileError(`"${path}" is not valid CSV: ${(e as Error).message.split('\n')[0]}`);
  }
  must(rows.length > 0, path, 'no rows');
  for (const col of ['scenario', 'params', 'stack', 'metric', 'value', 'seed']) must(col in rows[0]!, path, `no "${col}" column`);
  const metricsSeen = new Set<string>();
  const byKey = new Map<string, { rec: Omit<RunRecord, 'counters' | 'verdict' | 'timing'>; counters: Counters; ok: number; problems: number; t: Record<string, number>; p: Partial<Record<PredictionName, number>> }>();
  rows.forEach((row, i) => {
    const line = i + 2;
    const metric = RENAMED_COUNTERS[row.metric ?? ''] ?? row.metric ?? '';
    must(isMetricName(metric), path, `line ${line}: unknown metric "${metric}"`);
    const value = Number(row.value);
    must(row.value !== '' && Number.isFinite(value), path, `line ${line}: value "${row.value}" is not a number`);
    const key = recordKey({ scenario: row.scenario!, params: row.params!, stack: row.stack! });
    must(!metricsSeen.has(`${key}|${metric}`), path, `line ${line}: a second ${metric} row of ${row.scenario} × ${row.stack} (params "${row.params}")`);
    metricsSeen.add(`${key}|${metric}`);
    must(/^[0-9]+$/.test(row.seed ?? ''), path, `line ${line}: seed "${row.seed ?? ''}" is not a non-negative integer`);
    let e = byKey.get(key);
    if (!e) {
      const variants = Object.fromEntries(AXES.map((a) => [a, row[a.replace('-', '_')] ?? ''])) as Record<Axis, string>;
      e = {
        rec: {
          scenario: row.scenario!,
          params: row.params!,
          stack: row.stack!,
          seed: Number(row.seed),
          variants,
          mergeOrder: row.merge_order ?? '',
          paging: Number(row.paging ?? 4),
          abi: (row.abi ?? 'lp64-le') as Abi,
          thp: row.thp ?? '',
        },
        counters: newCounters(),
        ok: 1,
        problems: 0,
        t: {},
        p: {},
      };
      byKey.set(key, e);
    }
    if (metric === 'correct') e.ok = value;
    else if (metric === 'problems') e.problems = value;
    else if (isTimingMetric(metric)) e.t[metric] = value;
    else if (isPredictionMetric(metric)) e.p[metric] = value;
    else e.counters[metric as keyof Counters] = value;
  });
  const runs: RunRecord[] = [...byKey.values()].map((e) => ({
    ...e.rec,
    ...e.p,
    counters: e.counters,
    verdict: { ok: e.ok === 1, problems: Array.from({ length: e.problems }, () => '(problem text is in the JSON file)'), knownWrong: [] },
    timing:
      e.t.time_ns_median === undefined
        ? null
        : {
            median_ns: e.t.time_ns_median,
            mean_ns: e.t.time_ns_mean ?? e.t.time_ns_median,
            rme_pct: e.t.time_rme_pct ?? 0,
            samples: e.t.time_samples ?? 0,
            ...(e.t.ksmd_time_ns_median === undefined
              ? {}
              : {
                  ksmd: {
                    median_ns: e.t.ksmd_time_ns_median,
                    mean_ns: e.t.ksmd_time_ns_mean ?? e.t.ksmd_time_ns_median,
                    rme_pct: e.t.ksmd_time_rme_pct ?? 0,
                    samples: e.t.ksmd_time_samples ?? 0,
                  },
                }),
          },
  }));
  // Files written before the provenance moved to the JSON carry the commit in every row.
  const commit = rows[0]!.commit ?? 'unknown';
  return {
    format: RESULTS_FORMAT,
    suite: basename(path, '.csv'),
    created: '',
    env: { node: '', os: '', cpu: '', cpus: 0, ksmbench: '', git: { commit: commit.replace(/-dirty$/, ''), branch: '', dirty: commit.endsWith('-dirty') } },
    runs,
  };
}

/**
 * Read a result file: a .json, or a .csv (whose .json sibling is preferred when present, for
 * the samples and problem texts). Errors name the file and what is wrong with it.
 */
/** A result set from JSON text (e.g. a child process's output); `source` names it in errors. */
export function parseResultJson(source: string, text: string): ResultSet {
  return readJson(source, text);
}

export function readResultFile(path: string): ResultSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ResultFileError(`result file "${path}" cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (path.endsWith('.json')) return readJson(path, text);
  if (!path.endsWith('.csv')) throw new ResultFileError(`result file "${path}" is neither .csv nor .json`);
  const fromCsv = readCsv(path, text);
  const sibling = path.replace(/\.csv$/, '.json');
  if (!existsSync(sibling)) return fromCsv;
  const fromJson = readJson(sibling, readFileSync(sibling, 'utf8'));
  const keys = (s: ResultSet) => s.runs.map(recordKey).sort().join('\n');
  if (keys(fromJson) !== keys(fromCsv)) throw new ResultFileError(`"${sibling}" does not hold the runs of "${path}"`);
  return fromJson;
}
