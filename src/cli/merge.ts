// ksmbench merge: shard result files (--shard k/n) back into one result.
import { join } from 'node:path';
import { getScenario } from '../../bench/scenarios/index.ts';
import { recordKey, type ResultSet } from '../harness/results.ts';
import { ensureWritableDir, readResultFile, writeResultFiles } from '../report/files.ts';
import { fitSweep, isSweepSet, type SweepSet } from '../report/sweep.ts';
import { UsageError } from './errors.ts';
import { parse } from './options.ts';
import { resultBase } from './run.ts';

export const MERGE_HELP = `ksmbench merge FILE... [--out DIR] [--name SUITE]

Merge result files (typically the shards of one run or sweep, made with --shard k/n on
several CI machines) into one result: runs are concatenated, a run present twice is an
error, sweeps get their complexity fits recomputed over all points. Files priced by
different calibrations (or some priced and some not) are refused: one line naming them.

  --out DIR     where the merged files go (default results/)
  --name SUITE  suite name of the merged result (default: the shards' name without .shardKofN)
`;

/** The shards were priced by one calibration (or none was): else one line naming the first that differs. */
function refuseMixedPricing(sets: readonly ResultSet[]): void {
  const of = (s: ResultSet) => (s.calibration ? `calibration ${s.calibration.path} (sha256:${s.calibration.sha256.slice(0, 12)})` : 'no calibration');
  const i = sets.findIndex((s) => s.calibration?.sha256 !== sets[0]!.calibration?.sha256);
  if (i > 0) throw new UsageError(`file 1 was priced by ${of(sets[0]!)}, file ${i + 1} by ${of(sets[i]!)}: merge results priced by one calibration (run them with the same --calibration, or --no-calibration)`);
}

export function mergeSets(sets: readonly ResultSet[], name?: string): ResultSet {
  const first = sets[0]!;
  refuseMixedPricing(sets);
  const seen = new Map<string, number>();
  const runs = sets.flatMap((s, i) =>
    s.runs.map((r) => {
      const k = recordKey(r);
      if (seen.has(k)) throw new UsageError(`run ${r.scenario} [${r.params}] × ${r.stack} is in file ${seen.get(k)! + 1} and file ${i + 1}`);
      seen.set(k, i);
      return r;
    }),
  );
  const suite = name ?? first.suite.replace(/\.shard[0-9]+of[0-9]+$/, '');
  const merged: ResultSet = { ...first, suite, created: new Date().toISOString(), runs };
  if (sets.every(isSweepSet)) {
    const s0 = (sets as readonly SweepSet[])[0]!.sweep;
    getScenario(s0.scenario);
    const values = [...new Set((sets as readonly SweepSet[]).flatMap((s) => s.sweep.values))].sort((a, b) => a - b);
    return { ...merged, sweep: { ...s0, values, fits: fitSweep(runs, s0.scenario, s0.param) } } as SweepSet;
  }
  return merged;
}

export async function mergeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    process.stdout.write(MERGE_HELP);
    return 0;
  }
  if (positionals.length < 2) throw new UsageError('merge takes at least two result files');
  const sets = positionals.map((p) => readResultFile(p));
  const out = values.out ?? join(process.cwd(), 'results');
  ensureWritableDir(out);
  const merged = mergeSets(sets, values.name);
  const files = writeResultFiles(resultBase(out, merged), merged);
  process.stdout.write(`merged ${sets.length} files, ${merged.runs.length} runs: wrote ${files.csv} and ${files.json}\n`);
  return 0;
}
