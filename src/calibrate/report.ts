// A calibration's report (markdown): where it was made, the costs, how well the fit describes
// its own ops (per case), and the check on scenarios not in the fit.
import { renderMarkdown } from '../report/table.ts';
import type { Calibration } from './calibration.ts';
import { type CheckResult, ms, pct, renderCheck } from './check.ts';

/** The fit's ops per (case, op): measured time averaged over the replays, beside the prediction. */
function fitByCase(cal: Calibration): string[][] {
  const groups = new Map<string, { case: string; op: string; measured: number[]; predicted: number }>();
  for (const r of cal.rows) {
    const key = `${r.case}|${r.op_index}`;
    const g = groups.get(key) ?? { case: r.case, op: r.op, measured: [], predicted: r.predicted_ns ?? 0 };
    g.measured.push(r.measured_ns);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => {
    const mean = g.measured.reduce((s, x) => s + x, 0) / g.measured.length;
    const spread = (Math.max(...g.measured) - Math.min(...g.measured)) / mean;
    return [g.case, g.op, String(g.measured.length), ms(mean), `±${(50 * spread).toFixed(0)} %`, ms(g.predicted), pct((g.predicted - mean) / mean)];
  });
}

export function calibrationReport(cal: Calibration, calPath: string, check: { readonly result: CheckResult; readonly path: string; readonly kernel: string } | null): string {
  const where = cal.vm ? `${cal.vm.image} under QEMU` : 'this host';
  const lines = [
    `# Calibration ${calPath}`,
    '',
    `Made with \`ksmbench calibrate\` on ${where}: kernel ${cal.kernel} (stack ${cal.stack}), ${cal.machine.cpu} × ${cal.machine.cores}, ${cal.created.slice(0, 10)}.`,
    `${cal.fit.rows} ksmd ops; r² ${cal.fit.r2.toFixed(4)}, median |relative error| ${(100 * cal.fit.median_abs_rel_error).toFixed(1)} %.`,
    'Predicted ksmd CPU ns of an op = Σ cost(event) × count(event) (src/calibrate/cost-model.ts).',
    '',
    '## Costs',
    '',
    renderMarkdown(
      ['event', 'ns per event', '± stderr', 'one event is'],
      cal.costs.map((c) => (c.identified === false ? [c.event, '—', '', `${c.unit} (no fitted op has one: not measured here, priced 0)`] : [c.event, c.ns.toFixed(3), c.stderr_ns.toFixed(3), c.unit])),
    ),
    '',
    ...(cal.transferred?.length
      ? [
          'Carried over from a kernel that has the event (calibrate --transfer), in place of the 0 above:',
          '',
          renderMarkdown(
            ['event', 'ns per event', 'range', 'from', 'VM ns per event', 'emulator slowdown (median, range, ops)'],
            cal.transferred.map((t) => [t.event, t.ns.toFixed(2), `${t.ns_range[0].toFixed(2)}–${t.ns_range[1].toFixed(2)}`, `${t.from.kernel} (${t.from.stack}) under QEMU`, t.vm_ns.toFixed(1), `${(1 / t.slowdown.median).toFixed(1)}× (${(1 / t.slowdown.max).toFixed(1)}–${(1 / t.slowdown.min).toFixed(1)}×, ${t.slowdown.ops} ops)`]),
          ),
          '',
        ]
      : []),
    '## The fit on its own ops',
    '',
    'Measured: the mean of the replays (± half their spread).',
    '',
    renderMarkdown(['case', 'op', 'replays', 'measured ms', 'spread', 'predicted ms', 'error'], fitByCase(cal)),
    '',
  ];
  if (check) {
    lines.push(`## Check on scenarios not in the fit (${check.path}, ${check.kernel})`, '', '```', renderCheck(check.result).trimEnd(), '```', '');
  }
  return `${lines.join('\n')}`;
}
