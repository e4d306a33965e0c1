// compare --format html (issue 9 item 10): one self-contained, escaped document with the
// inputs and how timings were judged, the verdict changes first, the changed metrics with
// their direction, the tested timings with how their samples spread, and the notes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { type ResultSet, type RunRecord, toRecord } from '../../src/harness/results.ts';
import { runScenario } from '../../src/harness/run.ts';
import { timingStats } from '../../src/harness/timing.ts';
import { compareSets, DEFAULT_TIMING_RULE } from '../../src/report/compare.ts';
import { compareHtml } from '../../src/report/compare-html.ts';
import { compareMarkdown, fileInput, parseCompare, revisionInput, runsCompare, workingTreeInput } from '../../src/report/compare-report.ts';
import { ResultFileError } from '../../src/report/files.ts';

const env = (commit: string, dirty: boolean, branch = 'main'): ResultSet['env'] => ({ node: '', os: '', cpu: '', cpus: 0, ksmbench: '', git: { commit, branch, dirty } });
const rec = toRecord(runScenario(buildScenario('split-after-merge'), configOfStack('v6.18'), {}, 'v6.18'), null);
const around = (base: number, n = 20) => Array.from({ length: n }, (_, i) => base + i * 10);
const timed = (r: RunRecord, window: readonly number[]): RunRecord => ({ ...r, timing: { ...timingStats(window), ksmd: timingStats(window.map((x) => x / 10)) } });

/** old: correct and fast; new: misses two mappings, reads fewer page tables, twice as slow. */
function sets(): [ResultSet, ResultSet] {
  const old: ResultSet = { format: 'ksmbench-results/1', suite: 'suite <&>', created: '2026-01-02T03:04:05.000Z', env: env('0123456789ab', false), runs: [timed(rec, around(100_000))] };
  const bad: RunRecord = {
    ...timed(rec, around(200_000)),
    counters: { ...rec.counters, rmap_mappings_missed: 2, pt_reads: rec.counters.pt_reads - 8 },
    verdict: { ok: false, problems: ['missed <b>2</b>'], knownWrong: [] },
  };
  return [old, { ...old, env: env('89abcdef0123', true, 'patch<1>'), runs: [bad] }];
}

function count(s: string, re: RegExp): number {
  return (s.match(re) ?? []).length;
}

describe('compareHtml', () => {
  const [a, b] = sets();
  const report = runsCompare('runs', [fileInput('old', 'old<1>.json', a), fileInput('new', 'new&2.json', b)], compareSets(a, b), DEFAULT_TIMING_RULE, { kind: 'one-process' });
  const html = compareHtml(report, false);

  it('is one self-contained HTML5 document, every text escaped', () => {
    assert.ok(html.startsWith('<!doctype html>') && /<\/html>\s*$/.test(html));
    assert.doesNotMatch(html, /<script|<link|<img|url\(/i);
    for (const tag of ['table', 'section', 'svg', 'tr', 'dl']) assert.equal(count(html, new RegExp(`<${tag}[\\s>]`, 'g')), count(html, new RegExp(`</${tag}>`, 'g')), `balanced <${tag}>`);
    assert.ok(html.includes('old&lt;1&gt;.json') && html.includes('new&amp;2.json'), 'paths escaped');
    assert.ok(html.includes('suite &lt;&amp;&gt;') && html.includes('(patch&lt;1&gt;)'), 'suite and branch escaped');
    assert.ok(!html.includes('old<1>') && !html.includes('patch<1>'));
  });

  it('the header names each input with its commit and dirty flag, alpha, threshold and replication', () => {
    assert.match(html, /<dt>old<\/dt><dd>file <code>old&lt;1&gt;\.json<\/code> — commit <code title="0123456789ab">0123456789ab<\/code> \(main\) <span class="badge clean">clean<\/span>; suite suite &lt;&amp;&gt;, 1 run, created 2026-01-02T03:04:05\.000Z<\/dd>/);
    assert.match(html, /<dt>new<\/dt><dd>file <code>new&amp;2\.json<\/code> — commit <code title="89abcdef0123">89abcdef0123<\/code> \(patch&lt;1&gt;\) <span class="badge dirty">dirty: uncommitted changes<\/span>/);
    assert.match(html, /<dt>timing test<\/dt><dd>one-sided Mann-Whitney U at alpha 0\.01, noise threshold 0\.05 \(relative\), on one process per side/);
    assert.match(html, /<span class="badge fail">3 regressed<\/span>/);
  });

  it('verdict changes come first, then the changed metrics with a direction, then the timings, then the notes', () => {
    const at = (id: string) => html.indexOf(`<section id="${id}">`);
    assert.ok(at('verdicts') > 0 && at('verdicts') < at('changed') && at('changed') < at('timings') && at('timings') < at('notes'), 'in that order');
    const verdicts = html.slice(at('verdicts'), at('changed'));
    assert.match(verdicts, /<tr class="regressed">.*<code>correct<\/code>.*<td class="status">regressed<\/td><td class="worse">worse<\/td><\/tr>/);
    assert.match(verdicts, /<code>rmap_mappings_missed<\/code><\/td><td class="num">0<\/td><td class="num">2<\/td>/);
    assert.doesNotMatch(verdicts, /pt_reads/);
    const changed = html.slice(at('changed'), at('timings'));
    assert.match(changed, /<code>pt_reads<\/code>.*<td class="status">changed<\/td><td class="better">better<\/td>/);
    assert.match(changed, /<code>time_ns_median<\/code>.*<td class="status">slower \(p=[0-9.e-]+\)<\/td><td class="worse">worse<\/td>/);
    assert.doesNotMatch(changed, /<code>correct<\/code>/);
  });

  it('the tested timings: a chart of old and new with min–max whiskers and a p25–p75 box, and both spreads in a table', () => {
    const t = html.slice(html.indexOf('<section id="timings">'), html.indexOf('<section id="notes">'));
    const charts = t.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    assert.equal(charts.length, 2, 'time_ns_median and ksmd_time_ns_median');
    for (const c of charts) assert.equal(count(c, /<g class="spread">/g), 2, 'old and new');
    assert.match(t, /<td class="num">100\.1 µs \[100\.0 µs–100\.1 µs\] \(100\.0 µs–100\.2 µs, n=20\)<\/td><td class="num">200\.1 µs \[200\.0 µs–200\.1 µs\] \(200\.0 µs–200\.2 µs, n=20\)<\/td>/);
  });

  it('the notes say how far the timing verdicts go', () => {
    assert.match(html, /<ul class="notes"><li>2 timing comparisons .*one process per side/);
  });

  it('a --base compare says which commits it compared and whether the head was dirty', () => {
    const r = runsCompare('runs', [revisionInput('old', 'HEAD~1', 'ab'.repeat(20), a), workingTreeInput('new', '/src/ksmbench', b)], compareSets(a, b), DEFAULT_TIMING_RULE, { kind: 'rounds', rounds: 9 });
    const h = compareHtml(r, false);
    assert.match(h, /<dt>commits<\/dt><dd>base HEAD~1 = abababababab → head the working tree at 89abcdef0123 \(dirty: its uncommitted changes were run\)<\/dd>/);
    assert.match(h, /<dt>old<\/dt><dd>revision <code>HEAD~1<\/code> — commit <code title="(ab){20}">abababababab<\/code>/);
    assert.match(h, /on the per-round medians of 9 rounds/);
    assert.match(compareMarkdown(r, false), /\n- compared: base HEAD~1 = abababababab → head the working tree at 89abcdef0123 \(dirty: its uncommitted changes were run\)\n/);
  });

  it('parseCompare reads a compare document back, and names what is wrong with a broken one', () => {
    const back = parseCompare('c.json', JSON.parse(JSON.stringify(report)));
    assert.equal(compareHtml(back, false), html, 'the same report from the JSON');
    assert.throws(() => parseCompare('c.json', { ...JSON.parse(JSON.stringify(report)), kind: 'other' }), (e: unknown) => e instanceof ResultFileError && /"c\.json" is not a ksmbench compare file: kind "other"/.test(e.message));
    assert.throws(() => parseCompare('c.json', { ...JSON.parse(JSON.stringify(report)), inputs: [{}] }), /inputs\[0\] lacks/);
    assert.throws(() => parseCompare('c.json', { ...JSON.parse(JSON.stringify(report)), alpha: 'x' }), /alpha or threshold/);
  });
});
