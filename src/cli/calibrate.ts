// ksmbench calibrate: fit the cost model's per-event costs (ns) on this host's kernel — the
// calibration scenarios replayed through the live driver, ksmd's CPU time per ksmd op against
// the simulator's exact counts for the op —, refit them from a file's measurements, or check a
// calibration on scenarios not in its fit.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Calibration, costsOf, fitCalibration, median, type MeasuredOp, type MeasurementSite, readCalibration } from '../calibrate/calibration.ts';
import { checkCalibration, CHECK_FORMAT, type CalibrationCheck, renderCheck } from '../calibrate/check.ts';
import { COST_FEATURES } from '../calibrate/cost-model.ts';
import { countOps, measureOnHost } from '../calibrate/measure.ts';
import { CHECK_CASES, FIT_CASES } from '../calibrate/scenarios.ts';
import { writeAtomic } from '../report/files.ts';
import { fmtInt, renderTable } from '../report/table.ts';
import { UsageError } from './errors.ts';
import { intFlag, parse } from './options.ts';

export const CALIBRATE_HELP = `ksmbench calibrate [--repeat N] [--out FILE]
       ksmbench calibrate --refit FILE [--out FILE]
       ksmbench calibrate --check FILE [--repeat N] [--out FILE]
       ksmbench calibrate --check FILE --measured CHECKFILE

Fit the cost model on this machine's kernel: every calibration scenario (src/calibrate/scenarios.ts)
is replayed through the live driver (as ksmbench live does: every value compared at every
checkpoint; a replay with a value that differs is left out), ksmd's CPU time (schedstat) is
measured per ksmd op, and the per-event costs are fitted by non-negative least squares on the
relative error (weights 1/measured²) over the simulator's exact counts for the same op:
  predicted ksmd ns = Σ cost(event) × count(event), events: ${COST_FEATURES.map((f) => f.name).join(', ')}
The calibration file (JSON: kernel, stack, machine, date, the costs with their standard errors,
the fit's quality and every measured op) goes to --out (default results/calibration-<date>.json).
--refit FILE fits again on FILE's measured ops, their counts made again by this ksmbench (no
kernel needed): after the model or the engine changed.
--check FILE replays scenarios not in the fit and prints predicted against measured ksmd CPU per
op with the relative error, and whether the configurations rank the same by predicted and by
measured time; --out writes those measurements, --measured CHECKFILE checks against them again
without a kernel.
Replays need what ksmbench live needs (Linux with KSM, root, cc, an idle KSM).
  --repeat N   replay each scenario N times (default 2): more rows, the noise averaged
`;


function writeJson(out: string, value: unknown): void {
  mkdirSync(dirname(out), { recursive: true });
  writeAtomic(out, `${JSON.stringify(value, null, 2)}\n`);
}

function printFit(cal: Calibration): void {
  process.stdout.write(`cost model fitted on ${cal.kernel} (${cal.machine.cpu}), ${cal.fit.rows} ksmd ops: r² ${cal.fit.r2.toFixed(4)}, median |relative error| ${(100 * cal.fit.median_abs_rel_error).toFixed(1)} %\n`);
  process.stdout.write(`${renderTable(['event', 'ns per event', '± stderr', 'unit'], cal.costs.map((c) => [c.event, c.ns.toFixed(3), c.stderr_ns.toFixed(3), c.unit]), (c) => c === 1 || c === 2)}\n`);
}

/** The measured ops of a calibration or check file, and where they were measured. */
function measuredOf(path: string, what: string): { rows: readonly MeasuredOp[]; site: MeasurementSite } {
  let raw: { format?: unknown; kernel?: unknown; stack?: unknown; thp?: unknown; rows?: unknown };
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as typeof raw;
  } catch (e) {
    throw new UsageError(`${what} "${path}" cannot be read as JSON (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const rows = raw.rows;
  if (typeof raw.kernel !== 'string' || typeof raw.stack !== 'string' || !Array.isArray(rows) || !rows.every((r: Partial<MeasuredOp>) => typeof r.scenario === 'string' && typeof r.op_index === 'number' && typeof r.measured_ns === 'number')) {
    throw new UsageError(`${what} "${path}" has no measured ops (expected "kernel", "stack" and "rows" of {scenario, params, op_index, measured_ns}, as calibrate writes)`);
  }
  return { rows: rows as MeasuredOp[], site: { kernel: raw.kernel, stack: raw.stack, thp: (raw.thp ?? null) as MeasurementSite['thp'] } };
}

export async function calibrateCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    check: { type: 'string' },
    measured: { type: 'string' },
    refit: { type: 'string' },
    out: { type: 'string' },
    repeat: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(CALIBRATE_HELP);
    return 0;
  }
  const repeat = intFlag('repeat', values.repeat, 2, 1);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  if (values.refit !== undefined && values.check !== undefined) throw new UsageError('--refit and --check do not go together: refit a file, or check one');
  if (values.measured !== undefined && values.check === undefined) throw new UsageError('--measured CHECKFILE goes with --check FILE');
  if (values.check !== undefined) {
    const cal = readCalibration(values.check);
    let measured: { rows: readonly MeasuredOp[]; site: MeasurementSite };
    if (values.measured !== undefined) {
      if (values.out !== undefined) throw new UsageError('--measured checks against a file: --out does not go with it');
      measured = measuredOf(values.measured, 'check file');
    } else {
      measured = measureOnHost(CHECK_CASES, repeat, log);
    }
    const check = checkCalibration(costsOf(cal), countOps(measured.rows, measured.site));
    process.stdout.write(`calibration ${values.check} (${cal.kernel}, ${cal.created.slice(0, 10)}) checked on ${measured.site.kernel}, scenarios not in its fit\n`);
    process.stdout.write(renderCheck(check));
    if (values.out !== undefined && values.measured === undefined) {
      const file: CalibrationCheck = { format: CHECK_FORMAT, calibration: values.check, ...measured.site, created: new Date().toISOString(), rows: check.rows.map(({ counts: _c, ...r }) => r) };
      writeJson(values.out, file);
      process.stdout.write(`wrote ${values.out} (${fmtInt(file.rows.length)} rows)\n`);
    }
    return 0;
  }
  let measured: { rows: readonly MeasuredOp[]; site: MeasurementSite };
  if (values.refit !== undefined) measured = measuredOf(values.refit, 'calibration file');
  else measured = measureOnHost(FIT_CASES, repeat, log);
  const cal = fitCalibration(countOps(measured.rows, measured.site), measured.site);
  printFit(cal);
  const out = values.out ?? join('results', `calibration-${cal.created.slice(0, 19).replace(/[T:]/g, '-')}.json`);
  writeJson(out, cal);
  process.stdout.write(`wrote ${out} (${fmtInt(cal.rows.length)} rows, median |error| ${(100 * median(cal.rows.map((r) => Math.abs((r.predicted_ns ?? 0) - r.measured_ns) / r.measured_ns))).toFixed(1)} %)\n`);
  return 0;
}
