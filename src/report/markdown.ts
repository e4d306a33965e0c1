// ksmbench report as Markdown: the sections of the HTML report as tables (correctness matrix,
// key metrics per scenario × stack, a sweep's fitted classes), for pull requests and mail.
import type { ResultSet } from '../harness/results.ts';
import {
  findRun,
  fmtCoefficient,
  calibrationText,
  fmtParamValue,
  KEY_METRICS,
  scenarioKeys,
  stackLabels,
  SWEEP_METRICS,
  usefulKeyMetrics,
} from './html.ts';
import { fitOutcome, isSweepSet, MAX_FIT_RMS, MIN_FIT_POINTS } from './sweep.ts';
import { renderMarkdown } from './table.ts';

/** Escape the characters Markdown would read as markup or inline HTML. */
function md(s: string): string {
  return s.replace(/[\\`*<>]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

export function reportMarkdown(set: ResultSet): string {
  const out: string[] = [];
  const e = set.env;
  out.push(`# ksmbench report — ${md(set.suite)}`, '');
  const git = e.git ? `\`${e.git.commit}\`${e.git.branch ? ` (${md(e.git.branch)})` : ''}${e.git.dirty ? ', dirty working tree' : ''}` : '—';
  out.push(
    `- created: ${md(set.created || '—')}`,
    `- git commit: ${git}`,
    `- ksmbench ${md(e.ksmbench || '—')}, node ${md(e.node || '—')}, ${md(e.os || '—')}`,
    `- CPU: ${md(e.cpu || '—')}${e.cpus ? ` × ${e.cpus}` : ''}`,
    `- runs: ${set.runs.length}${set.runs.some((r) => r.timing) ? ' (timed)' : ' (counters only, no timing)'}`,
    ...(set.calibration ? [`- predictions priced by calibration ${md(calibrationText(set.calibration))}`] : []),
    '',
  );

  // correctness matrix
  const keys = scenarioKeys(set);
  const stacks = stackLabels(set);
  const failing = set.runs.filter((r) => !r.verdict.ok);
  out.push('## Correctness', '');
  out.push(failing.length ? `**${failing.length} of ${set.runs.length} runs incorrect.**` : `All ${set.runs.length} runs correct.`, '');
  out.push(
    renderMarkdown(
      ['scenario', 'params', ...stacks.map(md)],
      keys.map((k) => [
        md(k.scenario),
        md(k.params),
        ...stacks.map((s) => {
          const r = findRun(set, k, s);
          return r ? (r.verdict.ok ? '✓' : '✗') : '–';
        }),
      ]),
    ),
    '',
  );
  if (failing.length) {
    out.push('### Problems found by the oracle', '');
    for (const r of failing) {
      out.push(`- **${md(r.scenario)}${r.params ? ` (${md(r.params)})` : ''} × ${md(r.stack)}**`);
      const shown = r.verdict.problems.slice(0, 20);
      for (const p of shown) out.push(`  - ${md(p)}`);
      if (r.verdict.problems.length > shown.length) out.push(`  - … and ${r.verdict.problems.length - shown.length} more`);
      for (const k of r.verdict.knownWrong) out.push(`  - known wrong: ${md(k)}`);
    }
    out.push('');
  }

  // key metrics
  const metrics = usefulKeyMetrics(set.runs);
  out.push('## Key cost metrics', '');
  if (metrics.length === 0) out.push('Every key cost metric is zero in every run.', '');
  else {
    const rows = keys.flatMap((k) =>
      stacks.flatMap((s) => {
        const r = findRun(set, k, s);
        if (!r) return [];
        return [[md(k.scenario), md(k.params), md(s), ...metrics.map((m) => { const v = m.value(r); return v === undefined ? '–' : m.format(v); }), r.verdict.ok ? '✓' : '✗']];
      }),
    );
    out.push(renderMarkdown(['scenario', 'params', 'stack', ...metrics.map((m) => m.label), 'correct'], rows), '');
    const skipped = KEY_METRICS.filter((m) => !metrics.includes(m)).map((m) => m.label);
    if (skipped.length) out.push(`Not shown (zero or absent in every run): ${skipped.join(', ')}.`, '');
  }

  // sweep fits
  if (isSweepSet(set)) {
    const { scenario, param, values } = set.sweep;
    out.push(`## Sweep: ${md(scenario)} over ${md(param)}`, '');
    out.push(`${values.length} values: ${values.map((v) => fmtParamValue(set, v)).join(', ')}. Fit y ≈ c·f(n), n = ${md(param)}; rms normalised by the mean; inconclusive below ${MIN_FIT_POINTS} values or above rms ${MAX_FIT_RMS}.`, '');
    const fits = set.sweep.fits.filter((f) => SWEEP_METRICS.includes(f.metric));
    const first = fmtParamValue(set, values[0] ?? 0);
    const last = fmtParamValue(set, values.at(-1) ?? 0);
    out.push(
      renderMarkdown(
        ['stack', 'metric', 'fitted class', 'fitted c', 'fit rms', `measured at ${first}`, `measured at ${last}`],
        fits.map((f) => [md(f.stack), md(f.metric), ((o) => (o.conclusive ? o.cls : `inconclusive (${o.why})`))(fitOutcome(f)), fmtCoefficient(f.coefficient), f.rms.toFixed(4), String(f.points[0]?.y ?? ''), String(f.points.at(-1)?.y ?? '')]),
      ),
      '',
    );
  }
  return `${out.join('\n').trimEnd()}\n`;
}
