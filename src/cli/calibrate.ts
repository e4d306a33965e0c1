// ksmbench calibrate: fit the cost model's per-event costs (ns) on this host's kernel — the
// calibration scenarios replayed through the live driver, ksmd's CPU time per ksmd op against
// the simulator's exact counts for the op — or check a calibration on scenarios not in its fit.
import { cpus } from 'node:os';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { type CalibrationCase, CHECK_CASES, FIT_CASES } from '../calibrate/scenarios.ts';
import { COST_FEATURES, features, predictNs } from '../calibrate/cost-model.ts';
import { replayOnHost } from '../live/host.ts';
import { stackForRelease } from '../live/kernel-stack.ts';
import type { Counters } from '../mm/counters.ts';
import { writeAtomic } from '../report/files.ts';
import { nnls } from '../report/nnls.ts';
import { fmtInt, renderTable } from '../report/table.ts';
import { UsageError } from './errors.ts';
import { intFlag, parse } from './options.ts';

export const CALIBRATE_HELP = `ksmbench calibrate [--repeat N] [--out FILE]
       ksmbench calibrate --check FILE [--repeat N]

Fit the cost model on this machine's kernel: every calibration scenario (guests dense unique,
identical, zero and volatile; sparse at 1 TiB and 32 TiB; cow-churn; fork-fanout) is replayed
through the live driver (as ksmbench live does: every value compared at every checkpoint),
ksmd's CPU time (schedstat) is measured per ksmd op, and the per-event costs are fitted by
non-negative least squares on the relative error (weights 1/measured²) over the simulator's
exact counts for the same op:
  predicted ksmd ns = Σ cost(event) × count(event), events: ${COST_FEATURES.map((f) => f.name).join(', ')}
The calibration file (JSON: kernel, machine, date, the costs with their standard errors, the
fit's residuals) goes to --out (default results/calibration-<date>.json).
--check FILE replays scenarios not in the fit (guests mixes, split-family, thp-zero) and prints
predicted against measured ksmd CPU per op, with the relative error.
Needs what ksmbench live needs (Linux with KSM, root, cc, an idle KSM).
  --repeat N   replay each scenario N times (default 2): more rows, the noise averaged
`;

export const CALIBRATION_FORMAT = 'ksmbench-calibration/1';

export interface Calibration {
  readonly format: typeof CALIBRATION_FORMAT;
  readonly kernel: string;
  readonly machine: { readonly cpu: string; readonly cores: number };
  readonly created: string;
  readonly costs: readonly { readonly event: string; readonly unit: string; readonly ns: number; readonly stderr_ns: number }[];
  readonly fit: { readonly rows: number; readonly r2: number; readonly rmse_ns: number; readonly median_abs_rel_error: number };
  readonly rows: readonly MeasuredOp[];
}

interface MeasuredOp {
  readonly case: string;
  readonly op: string;
  readonly measured_ns: number;
  readonly predicted_ns?: number;
}

interface Row extends MeasuredOp {
  readonly counts: Counters;
}

const caseName = (c: CalibrationCase): string => `${c.scenario}${Object.keys(c.params).length ? ` ${Object.entries(c.params).map(([k, v]) => `${k}=${v}`).join(',')}` : ''}`;

/** Replay the cases on this host: one row per ksmd op with its measured ksmd CPU time and the simulator's counts. */
function measure(cases: readonly CalibrationCase[], repeat: number): { rows: Row[]; kernel: string } {
  const release = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  const stack = stackForRelease(release)?.stack;
  if (!stack) throw new UsageError(`no stack stands for this kernel (${release})`);
  const rows: Row[] = [];
  for (const c of cases) {
    const s = buildScenario(c.scenario, c.params);
    for (let i = 0; i < repeat; i++) {
      const cmp = replayOnHost(s, stack, 180_000);
      if ('why' in cmp) throw new UsageError(`calibration scenario ${caseName(c)}: ${cmp.why}`);
      if (cmp.equal !== cmp.compared) {
        process.stderr.write(`ksmbench: warning: ${caseName(c)}: ${cmp.compared - cmp.equal} values differ from the kernel's: its counts do not describe the kernel's work, left out\n`);
        continue;
      }
      for (const op of cmp.ksmd) if (op.kernel_ns >= 0) rows.push({ case: caseName(c), op: op.after, measured_ns: op.kernel_ns, counts: op.counts });
      process.stderr.write(`[${caseName(c)} ${i + 1}/${repeat}] ${cmp.ksmd.length} ksmd ops\n`);
    }
  }
  return { rows, kernel: release };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
}

/** Fit the per-event costs on the rows (relative error: each row weighted 1/measured²). */
export function fitCalibration(rows: readonly Row[], kernel: string): Calibration {
  const used = rows.filter((r) => r.measured_ns > 0);
  if (used.length < COST_FEATURES.length) throw new UsageError(`${used.length} measured ksmd ops are too few to fit ${COST_FEATURES.length} costs`);
  const fit = nnls(
    used.map((r) => features(r.counts)),
    used.map((r) => r.measured_ns),
    { weights: used.map((r) => 1 / (r.measured_ns * r.measured_ns)) },
  );
  const withPrediction = used.map((r) => ({ case: r.case, op: r.op, measured_ns: r.measured_ns, predicted_ns: Math.round(predictNs(fit.coef, r.counts)) }));
  return {
    format: CALIBRATION_FORMAT,
    kernel,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    created: new Date().toISOString(),
    costs: COST_FEATURES.map((f, i) => ({ event: f.name, unit: f.unit, ns: fit.coef[i]!, stderr_ns: fit.stderr[i]! })),
    fit: { rows: used.length, r2: fit.r2, rmse_ns: fit.rmse, median_abs_rel_error: median(withPrediction.map((r) => Math.abs(r.predicted_ns - r.measured_ns) / r.measured_ns)) },
    rows: withPrediction,
  };
}

/** A calibration file, or one clear line why not. */
export function readCalibration(path: string): Calibration {
  let raw: Partial<Calibration>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<Calibration>;
  } catch (e) {
    throw new UsageError(`calibration file "${path}" cannot be read as JSON (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (raw.format !== CALIBRATION_FORMAT || !Array.isArray(raw.costs)) throw new UsageError(`"${path}" is not a calibration file (format ${JSON.stringify(raw.format)}, expected "${CALIBRATION_FORMAT}")`);
  const names = raw.costs.map((c) => c.event).join(',');
  if (names !== COST_FEATURES.map((f) => f.name).join(',')) throw new UsageError(`calibration file "${path}" prices the events ${names}; this ksmbench's model has ${COST_FEATURES.map((f) => f.name).join(',')}: calibrate again`);
  return raw as Calibration;
}

const ms = (ns: number): string => (ns / 1e6).toFixed(ns < 1e7 ? 2 : 1);

export async function calibrateCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    check: { type: 'string' },
    out: { type: 'string' },
    repeat: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(CALIBRATE_HELP);
    return 0;
  }
  const repeat = intFlag('repeat', values.repeat, 2, 1);
  if (values.check !== undefined) {
    if (values.out !== undefined) throw new UsageError('--check writes no file: --out does not go with it');
    const cal = readCalibration(values.check);
    const coef = cal.costs.map((c) => c.ns);
    const { rows, kernel } = measure(CHECK_CASES, repeat);
    const table = rows.map((r) => {
      const p = predictNs(coef, r.counts);
      return { ...r, predicted_ns: p, err: (p - r.measured_ns) / r.measured_ns };
    });
    process.stdout.write(`calibration ${values.check} (${cal.kernel}, ${cal.created.slice(0, 10)}) checked on ${kernel}, scenarios not in its fit\n`);
    process.stdout.write(
      `${renderTable(
        ['scenario', 'after', 'measured ms', 'predicted ms', 'error'],
        table.map((r) => [r.case, r.op, ms(r.measured_ns), ms(r.predicted_ns), `${r.err >= 0 ? '+' : ''}${(100 * r.err).toFixed(1)} %`]),
        (c) => c >= 2,
      )}\n`,
    );
    const big = table.filter((r) => r.measured_ns >= 5e6);
    const within = big.filter((r) => Math.abs(r.err) <= 0.25).length;
    process.stdout.write(`${within} of ${big.length} ksmd ops of ≥ 5 ms predicted within ±25 %; median |error| ${(100 * median(table.map((r) => Math.abs(r.err)))).toFixed(1)} %\n`);
    return 0;
  }
  const { rows, kernel } = measure(FIT_CASES, repeat);
  const cal = fitCalibration(rows, kernel);
  process.stdout.write(`cost model fitted on ${kernel} (${cal.machine.cpu}), ${cal.fit.rows} ksmd ops: r² ${cal.fit.r2.toFixed(4)}, median |relative error| ${(100 * cal.fit.median_abs_rel_error).toFixed(1)} %\n`);
  process.stdout.write(`${renderTable(['event', 'ns per event', '± stderr', 'unit'], cal.costs.map((c) => [c.event, c.ns.toFixed(2), c.stderr_ns.toFixed(2), c.unit]), (c) => c === 1 || c === 2)}\n`);
  const out = values.out ?? join('results', `calibration-${cal.created.slice(0, 19).replace(/[T:]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeAtomic(out, `${JSON.stringify(cal, null, 2)}\n`);
  process.stdout.write(`wrote ${out} (${fmtInt(cal.rows.length)} rows)\n`);
  return 0;
}
