// ksmbench calibrate: fit the cost model's per-event costs (ns) on this host's kernel — the
// calibration scenarios replayed through the live driver, ksmd's CPU time per ksmd op against
// the simulator's exact counts for the op —, refit them from a file's measurements, or check a
// calibration on scenarios not in its fit.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Calibration, costsOf, fitCalibration, median, type MeasuredOp, type MeasurementSite, readCalibration } from '../calibrate/calibration.ts';
import { checkCalibration, CHECK_FORMAT, type CalibrationCheck, renderCheck } from '../calibrate/check.ts';
import { COST_FEATURES } from '../calibrate/cost-model.ts';
import { calibrationReport } from '../calibrate/report.ts';
import { TRANSFERRED_EVENT, transferCost } from '../calibrate/transfer.ts';
import { countOps, measureInVm, measureOnHost } from '../calibrate/measure.ts';
import { type CalibrationCase, CASE_SETS } from '../calibrate/scenarios.ts';
import { writeAtomic } from '../report/files.ts';
import { fmtInt, renderTable } from '../report/table.ts';
import { STACKS } from '../../variants/stacks.ts';
import { UsageError } from './errors.ts';
import { intFlag, parse } from './options.ts';

export const CALIBRATE_HELP = `ksmbench calibrate [--kernel SPEC] [--cases SET] [--repeat N] [--out FILE]
       ksmbench calibrate --refit FILE [--out FILE]
       ksmbench calibrate --check FILE [--kernel SPEC] [--cases SET] [--repeat N] [--out FILE]
       ksmbench calibrate --check FILE --measured CHECKFILE
       ksmbench calibrate --transfer VMFILE --onto FILE [--out FILE]

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
--transfer VMFILE --onto FILE carries the per-address scanner's cost (folio_walk_calls), which
a kernel that scans by range walk cannot measure, over from a calibration made under QEMU on a
kernel that has it (calibrate --kernel debian:6.16 --stack v6.17 --cases scanner): the VM's ns
per call (its sparse ops' slope), scaled by how much slower the emulator ran its dense ops than
FILE's costs predict for them; written into FILE (or --out) as "transferred", with its spread.
Replays need what ksmbench live needs (Linux with KSM, root, cc, an idle KSM).
  --kernel SPEC  replay on that kernel under QEMU instead (a bzImage path or debian:VERSION, as
                 ksmbench live --kernel; TCG unless KVM is there: its times are the emulator's)
  --stack NAME   with --kernel: the stack the kernel's counts come from (default: the one whose
                 covers hold its release, else the nearest; name it where the nearest scans
                 otherwise, e.g. v6.17 for 6.16.12, which has the per-address scanner)
  --cases SET    the scenarios: fit (the default to fit), check (the default to check), or
                 scanner (sparse memory small enough for a per-address scanner, and dense
                 pages), smoke (that in small: seconds under QEMU)
  --report FILE  also write a markdown report: the costs, the fit per case, and with --check
                 the check (calibrate --check CAL --measured CHECKFILE --report FILE remakes it)
  --repeat N     replay each scenario N times (default 2): more rows, the noise averaged
`;


const STACK_NAMES = STACKS.map((st) => st.name);

function writeJson(out: string, value: unknown): void {
  mkdirSync(dirname(out), { recursive: true });
  writeAtomic(out, `${JSON.stringify(value, null, 2)}\n`);
}

function writeReport(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeAtomic(path, text);
  process.stdout.write(`wrote ${path}\n`);
}

function printFit(cal: Calibration): void {
  process.stdout.write(`cost model fitted on ${cal.kernel} (${cal.machine.cpu}), ${cal.fit.rows} ksmd ops: r² ${cal.fit.r2.toFixed(4)}, median |relative error| ${(100 * cal.fit.median_abs_rel_error).toFixed(1)} %\n`);
  process.stdout.write(`${renderTable(['event', 'ns per event', '± stderr', 'unit'], cal.costs.map((c) => [c.event, c.identified === false ? '—' : c.ns.toFixed(3), c.identified === false ? '' : c.stderr_ns.toFixed(3), c.identified === false ? `${c.unit}: none in the fit, not measured` : c.unit]), (c) => c === 1 || c === 2)}\n`);
}

/** The measured ops of a calibration or check file, and where they were measured. */
function measuredOf(path: string, what: string): { rows: readonly MeasuredOp[]; site: MeasurementSite } {
  let raw: { format?: unknown; kernel?: unknown; stack?: unknown; thp?: unknown; vm?: unknown; rows?: unknown };
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as typeof raw;
  } catch (e) {
    throw new UsageError(`${what} "${path}" cannot be read as JSON (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const rows = raw.rows;
  if (typeof raw.kernel !== 'string' || typeof raw.stack !== 'string' || !Array.isArray(rows) || !rows.every((r: Partial<MeasuredOp>) => typeof r.scenario === 'string' && typeof r.op_index === 'number' && typeof r.measured_ns === 'number')) {
    throw new UsageError(`${what} "${path}" has no measured ops (expected "kernel", "stack" and "rows" of {scenario, params, op_index, measured_ns}, as calibrate writes)`);
  }
  const vm = raw.vm as MeasurementSite['vm'];
  return { rows: rows as MeasuredOp[], site: { kernel: raw.kernel, stack: raw.stack, thp: (raw.thp ?? null) as MeasurementSite['thp'], ...(vm ? { vm } : {}) } };
}

/** calibrate --transfer VMFILE --onto FILE: the per-address scanner's cost carried onto FILE's calibration. */
function transferCommand(vmPath: string, ontoPath: string, out: string): number {
  const host = readCalibration(ontoPath);
  const vm = readCalibration(vmPath);
  if (!vm.vm) throw new UsageError(`"${vmPath}" was not made under QEMU (calibrate --kernel): --transfer carries a VM's cost onto this host's calibration`);
  if (host.vm) throw new UsageError(`"${ontoPath}" was made under QEMU: --onto takes the calibration of a real machine`);
  const mine = host.costs.find((c) => c.event === TRANSFERRED_EVENT);
  if (mine?.identified !== false) throw new UsageError(`"${ontoPath}" measured ${TRANSFERRED_EVENT} itself: nothing to carry over`);
  const t = transferCost(host.costs.map((c) => c.ns), { kernel: vm.kernel, image: vm.vm.image, stack: vm.stack }, countOps(vm.rows, vm));
  if ('why' in t) throw new UsageError(`cannot carry ${TRANSFERRED_EVENT} over from "${vmPath}": ${t.why}`);
  const cal: Calibration = { ...host, transferred: [...(host.transferred ?? []).filter((x) => x.event !== t.event), t] };
  writeJson(out, cal);
  process.stdout.write(
    `${t.event}: ${t.vm_ns.toFixed(1)} ns per call on ${vm.kernel} under QEMU (${t.sparse_ops} sparse ops); the emulator ran the dense ops ${(1 / t.slowdown.median).toFixed(1)}× slower than this host predicts (${(1 / t.slowdown.max).toFixed(1)}–${(1 / t.slowdown.min).toFixed(1)}× over ${t.slowdown.ops} ops): ${t.ns.toFixed(2)} ns per call here (${t.ns_range[0].toFixed(2)}–${t.ns_range[1].toFixed(2)})\nwrote ${out}\n`,
  );
  return 0;
}

export async function calibrateCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    check: { type: 'string' },
    measured: { type: 'string' },
    refit: { type: 'string' },
    transfer: { type: 'string' },
    onto: { type: 'string' },
    out: { type: 'string' },
    report: { type: 'string' },
    repeat: { type: 'string' },
    kernel: { type: 'string' },
    stack: { type: 'string' },
    cases: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(CALIBRATE_HELP);
    return 0;
  }
  const repeat = intFlag('repeat', values.repeat, 2, 1);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const casesOf = (fallback: keyof typeof CASE_SETS): readonly CalibrationCase[] => {
    const name = values.cases ?? fallback;
    const set = Object.hasOwn(CASE_SETS, name) ? CASE_SETS[name as keyof typeof CASE_SETS] : undefined;
    if (!set) throw new UsageError(`--cases ${JSON.stringify(name)} is not a set of calibration cases (accepted: ${Object.keys(CASE_SETS).join(', ')})`);
    return set;
  };
  if (values.stack !== undefined && values.kernel === undefined) throw new UsageError('--stack goes with --kernel (on this host the stack is the one that covers its release)');
  if (values.stack !== undefined && !STACK_NAMES.includes(values.stack)) throw new UsageError(`--stack ${JSON.stringify(values.stack)} is not a stack (accepted: ${STACK_NAMES.join(', ')})`);
  const replay = (cases: readonly CalibrationCase[]) => (values.kernel === undefined ? measureOnHost(cases, repeat, log) : measureInVm(cases, repeat, values.kernel, values.stack, log));
  if ((values.refit !== undefined || values.measured !== undefined) && (values.kernel !== undefined || values.cases !== undefined)) throw new UsageError('--refit and --measured replay nothing: --kernel and --cases do not go with them');
  if (values.transfer !== undefined || values.onto !== undefined) {
    if (values.transfer === undefined || values.onto === undefined) throw new UsageError('--transfer VMFILE and --onto FILE go together: the calibration of a kernel under QEMU, and the one to carry its cost onto');
    if (values.check !== undefined || values.refit !== undefined || values.kernel !== undefined || values.cases !== undefined) throw new UsageError('--transfer replays nothing and fits nothing: --check, --refit, --kernel and --cases do not go with it');
    return transferCommand(values.transfer, values.onto, values.out ?? values.onto);
  }
  if (values.refit !== undefined && values.check !== undefined) throw new UsageError('--refit and --check do not go together: refit a file, or check one');
  if (values.measured !== undefined && values.check === undefined) throw new UsageError('--measured CHECKFILE goes with --check FILE');
  if (values.check !== undefined) {
    const cal = readCalibration(values.check);
    let measured: { rows: readonly MeasuredOp[]; site: MeasurementSite };
    if (values.measured !== undefined) {
      if (values.out !== undefined) throw new UsageError('--measured checks against a file: --out does not go with it');
      measured = measuredOf(values.measured, 'check file');
    } else {
      measured = await replay(casesOf('check'));
    }
    const check = checkCalibration(costsOf(cal), countOps(measured.rows, measured.site));
    const fitted = new Set(cal.rows.map((r) => r.case));
    const inFit = [...new Set(measured.rows.map((r) => r.case))].filter((c) => fitted.has(c));
    const which = inFit.length ? `${inFit.length} of the scenarios in its fit (${inFit.join('; ')}): not a check of what it was not fitted on` : 'scenarios not in its fit';
    process.stdout.write(`calibration ${values.check} (${cal.kernel}, ${cal.created.slice(0, 10)}) checked on ${measured.site.kernel}, ${which}\n`);
    process.stdout.write(renderCheck(check));
    if (values.report !== undefined) {
      writeReport(values.report, calibrationReport(cal, values.check, { result: check, path: values.measured ?? values.out ?? 'this replay', kernel: measured.site.kernel }));
    }
    if (values.out !== undefined && values.measured === undefined) {
      const file: CalibrationCheck = { format: CHECK_FORMAT, calibration: values.check, ...measured.site, created: new Date().toISOString(), rows: measured.rows };
      writeJson(values.out, file);
      process.stdout.write(`wrote ${values.out} (${fmtInt(file.rows.length)} rows)\n`);
    }
    return 0;
  }
  let measured: { rows: readonly MeasuredOp[]; site: MeasurementSite };
  if (values.refit !== undefined) measured = measuredOf(values.refit, 'calibration file');
  else measured = await replay(casesOf('fit'));
  const fitted = fitCalibration(countOps(measured.rows, measured.site), measured.site);
  // a refit keeps the costs the file carried over from another kernel
  const carried = values.refit !== undefined ? (readCalibration(values.refit).transferred ?? []) : [];
  const cal: Calibration = carried.length ? { ...fitted, transferred: carried } : fitted;
  printFit(cal);
  const out = values.out ?? join('results', `calibration-${cal.created.slice(0, 19).replace(/[T:]/g, '-')}.json`);
  writeJson(out, cal);
  if (values.report !== undefined) writeReport(values.report, calibrationReport(cal, out, null));
  process.stdout.write(`wrote ${out} (${fmtInt(cal.rows.length)} rows, median |error| ${(100 * median(cal.rows.map((r) => Math.abs((r.predicted_ns ?? 0) - r.measured_ns) / r.measured_ns))).toFixed(1)} %)\n`);
  return 0;
}
