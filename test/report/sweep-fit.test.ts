// Sweep fits a reader can believe (issue 9 item 7): an "inconclusive" outcome when there are
// fewer than 4 swept values or the residual is too large; classes of timings and inconclusive
// fits are never compared as if exact; the fit tables label fitted and measured values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricName, ResultSet } from '../../src/harness/results.ts';
import { compareSweeps } from '../../src/report/compare.ts';
import { renderHtml } from '../../src/report/html.ts';
import { reportMarkdown } from '../../src/report/markdown.ts';
import { fitOutcome, type SweepFit, type SweepSet } from '../../src/report/sweep.ts';
import { presentSweep } from '../../src/cli/sweep.ts';

const env = { node: '', os: '', cpu: '', cpus: 0, ksmbench: '', git: { commit: 'c0ffee', branch: '', dirty: false } };
const linear = (ns: readonly number[], c: number) => ns.map((n) => ({ n, y: c * n }));
const NS = [64, 128, 256, 512, 1024];
// a noisy timing over the same range: no class describes it (rms ~0.3)
const NOISY = [{ n: 64, y: 900 }, { n: 128, y: 400 }, { n: 256, y: 1200 }, { n: 512, y: 500 }, { n: 1024, y: 1100 }];

function fit(stack: string, metric: MetricName, cls: SweepFit['cls'], rms: number, points = linear(NS, 2)): SweepFit {
  return { stack, metric, cls, coefficient: 2, rms, points };
}
function sweep(fits: SweepFit[]): SweepSet {
  const set: ResultSet = { format: 'ksmbench-results/1', suite: 'sweep-zero-pages-pages', created: '', env, runs: [] };
  return { ...set, sweep: { scenario: 'zero-pages', param: 'pages', values: NS, fits } };
}

describe('sweep fits', () => {
  it('fewer than 4 swept values, or a residual above 0.2, is inconclusive; otherwise the class', () => {
    assert.deepEqual(fitOutcome(fit('s', 'pt_reads', 'O(n)', 0, linear([64, 128, 256], 2))), { cls: 'inconclusive', conclusive: false, why: '3 points (a class needs 4)' });
    assert.deepEqual(fitOutcome(fit('s', 'time_ns_median', 'O(1)', 0.28, NOISY)), { cls: 'inconclusive', conclusive: false, why: 'rms 0.28 > 0.2 (best O(1))' });
    assert.deepEqual(fitOutcome(fit('s', 'pt_reads', 'O(n)', 0.0179)), { cls: 'O(n)', conclusive: true });
  });

  it('compare of two sweeps: timings are not compared as exact, inconclusive fits are not compared', () => {
    const a = sweep([fit('s', 'pt_reads', 'O(n)', 0), fit('s', 'time_ns_median', 'O(1)', 0.05), fit('s', 'rmap_avc_visits', 'O(1)', 0.3, NOISY)]);
    const b = sweep([fit('s', 'pt_reads', 'O(n)', 0), fit('s', 'time_ns_median', 'O(n)', 0.05), fit('s', 'rmap_avc_visits', 'O(n)', 0.1)]);
    const cd = compareSweeps(a, b);
    const status = (m: string) => cd.find((d) => d.metric === m)?.status;
    assert.equal(status('pt_reads'), 'same');
    assert.equal(status('time_ns_median'), 'untested', 'a timing class O(1) → O(n) is not "worse"');
    assert.equal(status('rmap_avc_visits'), 'inconclusive', 'an rms 0.3 fit is no class to compare');
    assert.match(cd.find((d) => d.metric === 'rmap_avc_visits')!.old, /^inconclusive \(rms 0\.30 > 0\.2/);
  });

  it('the sweep table, CSV, Markdown and HTML label fitted and measured values', () => {
    const s = sweep([fit('s', 'pt_reads', 'O(n)', 0), fit('s', 'time_ns_median', 'O(1)', 0.28, NOISY)]);
    const table = presentSweep(s, 'table', ['pt_reads', 'time_ns_median']);
    const [head] = table.split('\n').slice(1);
    assert.match(head!, /^stack\s+metric\s+fitted class\s+fitted c\s+fit rms\s+measured at 64\s+measured at 1024\s+fit note$/);
    assert.match(table, /\ns\s+time_ns_median\s+inconclusive\s+2\s+0\.2800\s+900\s+1100\s+rms 0\.28 > 0\.2 \(best O\(1\)\)\n/);
    assert.match(table, /\nfitted: y ≈ c·f\(n\).*measured: the metric's value at that pages\.\n$/);
    const csv = presentSweep(s, 'csv', ['pt_reads']);
    assert.equal(csv.split('\n')[0], 'stack,metric,fitted class,fitted c,fit rms,fit note,measured at 64,measured at 128,measured at 256,measured at 512,measured at 1024');
    assert.match(reportMarkdown(s), /\| stack \| metric \| fitted class \| fitted c \| fit rms \| measured at 64 \| measured at 1024 \|/);
    assert.match(reportMarkdown(s), /\| time_ns_median \| inconclusive \(rms 0\.28/);
    assert.match(renderHtml(s), /<th>fitted class<\/th><th>fitted c<\/th><th>fit rms<\/th><th>measured at 64<\/th>/);
  });
});
