// ksmbench report: the HTML document (well-formed enough, self-contained, escaped), the
// correctness matrix of split-after-merge on v6.18 (✓) and rmap-v4 (✗), the sweep's log-log
// charts and fits, the SVG builders, the Markdown version and the command's files and errors.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configLabel, configOfStack, configOfVariants } from '../../src/harness/config.ts';
import { RESULTS_FORMAT, type ResultSet, type RunRecord, toRecord } from '../../src/harness/results.ts';
import { runScenario } from '../../src/harness/run.ts';
import { timingStats } from '../../src/harness/timing.ts';
import type { RunConfig } from '../../src/harness/config.ts';
import { reportCommand } from '../../src/cli/report.ts';
import { UsageError } from '../../src/cli/errors.ts';
import { ResultFileError, toJson } from '../../src/report/files.ts';
import { renderHtml } from '../../src/report/html.ts';
import { reportMarkdown } from '../../src/report/markdown.ts';
import { fitSweep, type SweepSet } from '../../src/report/sweep.ts';
import { barChart, escapeXml, lineChartLogLog } from '../../src/report/svg.ts';

const ENV: ResultSet['env'] = { node: 'v20.0.0', os: 'Linux test', cpu: 'Test CPU <&>', cpus: 4, ksmbench: '0.1.0', git: { commit: 'abcdef123456', branch: 'main', dirty: true } };
const NASTY = 'weird <b>bold</b> & "quoted" problem';

function record(scenario: string, params: Record<string, string>, config: RunConfig): RunRecord {
  const label = configLabel(config);
  return toRecord(runScenario(buildScenario(scenario, params), config, {}, label), null);
}

function set(runs: RunRecord[], suite = 'split-after-merge'): ResultSet {
  return { format: RESULTS_FORMAT, suite, created: '2026-01-02T03:04:05.000Z', env: ENV, runs };
}

/** split-after-merge on v6.18 and rmap-v4, the failing run given one more problem text to escape. */
function splitSet(): ResultSet {
  const runs = ['v6.18', 'rmap-v4'].map((s) => record('split-after-merge', {}, configOfStack(s)));
  const bad = runs[1]!;
  assert.equal(bad.verdict.ok, false, 'rmap-v4 fails split-after-merge');
  runs[1] = { ...bad, verdict: { ...bad.verdict, problems: [...bad.verdict.problems, NASTY] } };
  return set(runs);
}

function sweepSet(): SweepSet {
  const sizes = ['64MiB', '256MiB', '1GiB', '4GiB'];
  const configs = [configOfStack('v6.18'), configOfVariants('v6.18', { scanner: 'folio-walk' })];
  const runs = sizes.flatMap((size) => configs.map((c) => record('sparse', { size }, c)));
  const values = [16384, 65536, 262144, 1048576];
  return { ...set(runs, 'sweep-sparse-size'), sweep: { scenario: 'sparse', param: 'size', values, fits: fitSweep(runs, 'sparse', 'size') } };
}

function count(s: string, re: RegExp): number {
  return (s.match(re) ?? []).length;
}

/** The cells of the correctness matrix row of `scenario`: [header stacks, cell classes]. */
function matrixRow(html: string, scenario: string): { stacks: string[]; cells: { cls: string; text: string; title: string }[] } {
  const table = /<table class="matrix">([\s\S]*?)<\/table>/.exec(html)?.[1];
  assert.ok(table, 'a correctness matrix table');
  const stacks = [...table.matchAll(/<th class="stack">([\s\S]*?)<\/th>/g)].map((m) => m[1]!.replace(/<wbr>/g, ''));
  const row = table.split('<tr>').find((r) => r.includes(`>${scenario}<`));
  assert.ok(row, `a matrix row for ${scenario}`);
  const cells = [...row.matchAll(/<td class="cell (\w+)" title="([^"]*)">([^<]*)<\/td>/g)].map((m) => ({ cls: m[1]!, title: m[2]!, text: m[3]! }));
  return { stacks, cells };
}

function assertWellFormed(html: string): void {
  assert.ok(html.startsWith('<!doctype html>'), 'starts with <!doctype html>');
  assert.match(html, /<\/html>\s*$/);
  assert.equal(count(html, /<svg[\s>]/g), count(html, /<\/svg>/g), 'balanced <svg> tags');
  for (const tag of ['table', 'section', 'details', 'ul', 'tr', 'g', 'text']) {
    assert.equal(count(html, new RegExp(`<${tag}[\\s>]`, 'g')), count(html, new RegExp(`</${tag}>`, 'g')), `balanced <${tag}> tags`);
  }
  assert.doesNotMatch(html, /<script/i, 'no scripts');
  assert.doesNotMatch(html, /<(link|img|iframe|object|embed)\b/i, 'nothing loaded from elsewhere');
  assert.doesNotMatch(html, /@import|url\(/i, 'no CSS imports or urls');
  // The only absolute URL is the SVG namespace.
  assert.deepEqual([...new Set(html.match(/https?:\/\/[^\s"'<>]+/g) ?? [])], ['http://www.w3.org/2000/svg']);
}

describe('renderHtml', () => {
  const html = renderHtml(splitSet());

  it('is a complete, self-contained HTML5 document with the suite in the title', () => {
    assertWellFormed(html);
    assert.match(html, /<title>ksmbench report — split-after-merge<\/title>/);
    assert.ok(html.includes('abcdef123456'));
    assert.ok(html.includes('Test CPU &lt;&amp;&gt; × 4'), 'the CPU, escaped');
  });

  it('has the correctness matrix: ✓ for v6.18, ✗ for rmap-v4 with the problems as a tooltip', () => {
    const { stacks, cells } = matrixRow(html, 'split-after-merge');
    assert.deepEqual(stacks, ['v6.18', 'rmap-v4']);
    assert.deepEqual(
      cells.map((c) => [c.cls, c.text]),
      [
        ['ok', '✓'],
        ['fail', '✗'],
      ],
    );
    assert.match(cells[1]!.title, /rmap walk missed the mapping/);
    assert.match(cells[1]!.title, /known: rmap=vm-pgoff/);
    assert.ok(html.includes('Problems found by the oracle'));
    assert.match(html, /known wrong: rmap=vm-pgoff/);
  });

  it('escapes problem texts in the list and in the tooltip', () => {
    assert.ok(!html.includes(NASTY), 'never raw');
    assert.ok(html.includes('<li>weird &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; problem</li>'));
    const { cells } = matrixRow(html, 'split-after-merge');
    assert.ok(cells[1]!.title.includes('weird &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; problem'));
  });

  it('compares the non-zero key metrics of each scenario in a bar chart, and keeps every counter', () => {
    assert.match(html, /split-after-merge: cost counters by stack/);
    assert.ok(html.includes('scanner pt_reads per full scan') && html.includes('rmap_avc_visits'));
    assert.match(html, /Not shown \(zero or absent for every stack\): pt_reads_unmerge, time \(median\)/);
    assert.ok(count(html, /<rect class="bar/g) >= 4);
    assert.match(html, /<details><summary>Every counter of every run \(2 runs/);
  });

  it('plots a sweep: one log-log chart per non-zero metric, one line per stack, and the fitted classes', () => {
    const s = sweepSet();
    const out = renderHtml(s);
    assertWellFormed(out);
    assert.match(out, /Sweep: sparse over size/);
    const charts = out.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    assert.equal(charts.length, 1, 'pt_reads only: pt_reads_unmerge and rmap_avc_visits are zero');
    assert.equal(count(charts[0]!, /<polyline class="series-line"/g), 2);
    assert.ok(charts[0]!.includes('>1G</text>') && charts[0]!.includes('>64M</text>'), 'binary size ticks');
    assert.match(out, /<td><b>O\(n\)<\/b><\/td>/);
    assert.match(out, /<td><b>O\(1\)<\/b><\/td>/);
    assert.match(out, />size=(<wbr>)?64MiB</, "the swept value in the matrix");
  });
});

describe('time charts show how the samples spread', () => {
  /** The runs of splitSet, timed: v6.18 with samples 100..140 µs, rmap-v4 200..1000 µs (ksmd a tenth). */
  function timedSet(keepSamples: boolean): ResultSet {
    const base = splitSet();
    const samples = [[100_000, 110_000, 120_000, 130_000, 140_000], [200_000, 210_000, 220_000, 230_000, 1_000_000]];
    const runs = base.runs.map((r, i) => {
      const t = timingStats(samples[i]!);
      const k = timingStats(samples[i]!.map((x) => x / 10));
      const strip = <T extends { sample_ns?: readonly number[] }>(x: T): T => {
        if (keepSamples) return x;
        const { sample_ns: _, ...rest } = x;
        return rest as T;
      };
      return { ...r, timing: { ...strip(t), ksmd: strip(k) } };
    });
    return { ...base, runs };
  }

  it('each time bar has whiskers from the fastest to the slowest sample (or to the top, marked, when far above) and a box over p25–p75', () => {
    const html = renderHtml(timedSet(true));
    assertWellFormed(html);
    const chart = (title: string) => (html.match(/<svg[\s\S]*?<\/svg>/g) ?? []).find((c) => c.includes(title))!;
    for (const title of ['split-after-merge: median time<', 'split-after-merge: median time of the ksmd ops']) {
      const svg = chart(title);
      assert.ok(svg, title);
      assert.equal(count(svg, /<g class="spread">/g), 2, `${title}: one whisker per stack`);
      assert.match(svg, /class="spread-note">whiskers: min–max of the samples; box: p25–p75/);
    }
    assert.match(chart('split-after-merge: median time<'), /time \(median\) — rmap-v4: 220,000 \(220\.0 µs; min 200\.0 µs · p25 210\.0 µs · p75 230\.0 µs · max 1\.0 ms\)/);
    assert.match(chart('of the ksmd ops'), /rmap-v4: 22,000 \(22\.0 µs; min 20\.0 µs · p25 21\.0 µs · p75 23\.0 µs · max 100\.0 µs\)/);
    assert.doesNotMatch(chart('cost counters'), /class="spread"/, 'counters are exact: no whiskers');
    assert.doesNotMatch(html, /no whiskers/);
  });

  it('without samples (a result read from CSV) the bars have no whiskers, and the report says why', () => {
    const html = renderHtml(timedSet(false));
    assert.doesNotMatch(html, /<g class="spread">/);
    assert.match(html, /4 timings have no whiskers: the result holds no samples for them \(read from CSV/);
  });

  it('a sweep\'s time chart has whiskers on each point', () => {
    const s = sweepSet();
    const runs = s.runs.map((r, i) => ({ ...r, timing: timingStats([1000 + i, 1100 + i * 10, 1200 + i * 100, 5000]) }));
    const timed: SweepSet = { ...s, runs, sweep: { ...s.sweep, fits: fitSweep(runs, 'sparse', 'size') } };
    const out = renderHtml(timed);
    assertWellFormed(out);
    const chart = (out.match(/<svg[\s\S]*?<\/svg>/g) ?? []).find((c) => c.includes('time_ns_median vs size'))!;
    assert.ok(chart, 'a time chart');
    assert.equal(count(chart, /<g class="spread">/g), runs.length, 'one whisker per point');
    assert.match(chart, /class="spread-note"/);
    const pt = (out.match(/<svg[\s\S]*?<\/svg>/g) ?? []).find((c) => c.includes('pt_reads vs size'))!;
    assert.doesNotMatch(pt, /class="spread"/);
  });
});

describe('SVG builders', () => {
  it('lineChartLogLog: one polyline per series, decade ticks, a legend, escaped text', () => {
    const svg = lineChartLogLog(
      [
        { name: 'a<1>', points: [1e3, 1e4, 1e5, 1e6].map((x) => ({ x, y: 2 * x })) },
        { name: 'b & c', points: [1e3, 1e4, 1e5, 1e6].map((x) => ({ x, y: 1200 })) },
      ],
      { title: 'pt_reads <vs> n', xLabel: 'n', yLabel: 'reads' },
    );
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"') && svg.endsWith('</svg>'));
    assert.equal(count(svg, /<polyline /g), 2);
    for (const t of ['1k', '10k', '100k', '1M']) assert.ok(svg.includes(`class="tick x-tick" x=`) && svg.includes(`>${t}</text>`), `decade tick ${t}`);
    assert.ok(svg.includes('>a&lt;1&gt;</text>') && svg.includes('>b &amp; c</text>'), 'legend, escaped');
    assert.ok(svg.includes('pt_reads &lt;vs&gt; n'));
    assert.doesNotMatch(svg, /<[^a-z/!?]/i, 'no stray < in the markup');
  });

  it('lineChartLogLog: y = 0 is clamped to the smallest positive value / 10 and noted', () => {
    const svg = lineChartLogLog([{ name: 's', points: [{ x: 1, y: 0 }, { x: 10, y: 500 }, { x: 100, y: 5000 }] }], { title: 't', xLabel: 'x', yLabel: 'y' });
    assert.match(svg, /y = 0 is drawn at 50 \(the smallest positive value \/ 10\)/);
    assert.match(svg, /font-style="italic">0<\/text>/);
    assert.doesNotMatch(svg, /NaN|Infinity/);
  });

  it('barChart: grouped bars with value labels; log scale when values span more than 3 decades', () => {
    const groups = [
      { label: 'pt_reads', bars: [{ name: 'x', value: 72426 }, { name: 'y<', value: 72426 }] },
      { label: 'avc', bars: [{ name: 'x', value: 9495 }, { name: 'y<', value: 0 }] },
    ];
    const lin = barChart(groups.slice(1), { title: 'T', yLabel: 'count' });
    assert.doesNotMatch(lin, /log scale/);
    const log = barChart(groups, { title: 'T', yLabel: 'count', log: true });
    assert.match(log, /count \(log scale\)/);
    const auto = barChart([{ label: 'g', bars: [{ name: 'a', value: 5 }, { name: 'b', value: 50000 }] }], { title: 'T', yLabel: 'count' });
    assert.match(auto, /log scale/);
    assert.equal(count(log, /<rect class="bar/g), 4);
    assert.ok(log.includes('>72.4k</text>') && log.includes('>9,495</text>'), 'value labels');
    assert.ok(log.includes('>y&lt;</text>'), 'escaped bar name');
    assert.doesNotMatch(log, /NaN|Infinity/);
  });

  it('barChart: a bar\'s spread is drawn as whiskers and a box, inside the axis, noted under the title', () => {
    const svg = barChart([{ label: 't', bars: [{ name: 'a', value: 100, spread: { min: 50, p25: 90, p75: 120, max: 400 } }, { name: 'b', value: 200 }] }], { title: 'T', yLabel: 'time' });
    assert.equal(count(svg, /<g class="spread">/g), 1);
    assert.match(svg, /class="spread-note"/);
    assert.match(svg, /t — a: 100 \(100; min 50 · p25 90 · p75 120 · max 400\)/);
    assert.ok(svg.includes('>400</text>'), 'the axis reaches the slowest sample');
    assert.doesNotMatch(svg, /NaN|Infinity/);
    assert.doesNotMatch(barChart([{ label: 't', bars: [{ name: 'a', value: 1 }] }], { title: 'T', yLabel: 'y' }), /spread/);
    // a pause of the machine (a sample 100 times the median) does not flatten the bars: its
    // whisker ends at the top of the plot with an arrowhead, and the axis stays near the bars
    const paused = barChart([{ label: 't', bars: [{ name: 'a', value: 100, spread: { min: 90, p25: 95, p75: 110, max: 10_000 } }, { name: 'b', value: 120 }] }], { title: 'T', yLabel: 'time' });
    assert.equal(count(paused, /<polygon class="beyond"/g), 1);
    assert.match(paused, /▲ max beyond the axis/);
    assert.ok(!paused.includes('>10k</text>') && paused.includes('>100</text>'), 'the axis ends near the bars');
    assert.match(paused, /max 10k\)/, 'the slowest sample is in the tooltip');
    assert.equal(count(svg, /class="beyond"/g), 0, 'within reach: a cap, no arrowhead');
  });

  it('escapeXml escapes the five XML specials', () => {
    assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('reportMarkdown', () => {
  it('has the correctness matrix, the problems, the key metrics and a sweep’s fits', () => {
    const md = reportMarkdown(splitSet());
    assert.match(md, /^# ksmbench report — split-after-merge$/m);
    assert.ok(md.includes('| scenario | params | v6.18 | rmap-v4 |'));
    assert.ok(md.includes('| split-after-merge |  | ✓ | ✗ |'));
    assert.ok(md.includes('weird \\<b\\>bold\\</b\\> & "quoted" problem'), 'markup escaped');
    assert.match(md, /\| scenario \| params \| stack \| scanner pt_reads per full scan \| pt_reads_lookup \| ptl_locks \| rmap_avc_visits \| correct \|/);
    const sw = reportMarkdown(sweepSet());
    assert.match(sw, /## Sweep: sparse over size/);
    assert.match(sw, /\| v6\.18\+scanner=folio-walk \| pt_reads \| O\(n\) \|/);
    assert.match(sw, /4 values: 64MiB, 256MiB, 1GiB, 4GiB/);
  });
});

describe('ksmbench report', () => {
  let dir = '';
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ksmbench-report-'));
    process.stdout.write = ((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    }) as typeof process.stdout.write;
  });
  after(() => {
    process.stdout.write = write;
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes <input>.html (default) and <input>.md next to the result file, or to --out / stdout', async () => {
    const json = join(dir, 'r.json');
    writeFileSync(json, toJson(splitSet()));
    out = '';
    assert.equal(await reportCommand([json]), 0);
    assert.equal(out, `wrote ${join(dir, 'r.html')}\n`);
    assertWellFormed(readFileSync(join(dir, 'r.html'), 'utf8'));
    assert.equal(await reportCommand([json, '--format', 'markdown']), 0);
    assert.match(readFileSync(join(dir, 'r.md'), 'utf8'), /\| split-after-merge \|  \| ✓ \| ✗ \|/);
    assert.equal(await reportCommand([json, '--out', join(dir, 'x.html')]), 0);
    assert.ok(existsSync(join(dir, 'x.html')));
    out = '';
    assert.equal(await reportCommand([json, '--format', 'markdown', '--out', '-']), 0);
    assert.match(out, /^# ksmbench report/);
  });

  it('rejects a wrong --format (UsageError) and a missing or corrupt file (ResultFileError)', async () => {
    const json = join(dir, 'r.json');
    await assert.rejects(reportCommand([json, '--format', 'pdf']), (e: unknown) => e instanceof UsageError && /--format "pdf" is not one of html, markdown/.test(e.message));
    await assert.rejects(reportCommand([]), UsageError);
    await assert.rejects(reportCommand([join(dir, 'missing.json')]), ResultFileError);
    writeFileSync(join(dir, 'bad.json'), '{not json');
    await assert.rejects(reportCommand([join(dir, 'bad.json')]), ResultFileError);
    assert.ok(!existsSync(join(dir, 'bad.html')));
  });
});
