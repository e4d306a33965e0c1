// Suite selection: weighted shards (deterministic LPT) and the scanner-reference digest cache.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildScenario, getScenario } from '../../bench/scenarios/index.ts';
import { configOfLabel, configOfStack, configOfVariants } from '../../src/harness/config.ts';
import { runScenario, type DigestCache } from '../../src/harness/run.ts';
import { selectSuite, shardOf } from '../../src/harness/suite.ts';
import { suiteOptions } from '../../src/cli/options.ts';

describe('shardOf', () => {
  it('gives each run, heaviest first, to the lightest shard so far', () => {
    // order by weight: 14(i1) 12(i3) 1(i0) 1(i2) 1(i4) 1(i5)
    assert.deepEqual(shardOf([1, 14, 1, 12, 1, 1], 2), [1, 0, 1, 1, 0, 1]);
    assert.deepEqual(shardOf([1, 1, 1], 1), [0, 0, 0]);
    assert.deepEqual(shardOf([1, 1, 1, 1], 3), [0, 1, 2, 0]);
  });

  it('splits the default suite into shards that cover it exactly once', () => {
    const base = { scenarios: [], params: {}, stacks: [], variants: {}, seed: 1 };
    const all = selectSuite(base).runs.length;
    const parts = [1, 2, 3].map((k) => selectSuite({ ...base, shard: { k, n: 3 } }).runs.length);
    assert.equal(parts.reduce((a, b) => a + b, 0), all);
    for (const p of parts) assert.ok(p > 0);
  });

  it('balances the shards by scenario weight (guests and vma-split are heavy)', () => {
    const base = { scenarios: [], params: {}, stacks: [], variants: {}, seed: 1 };
    const weight = (name: string) => getScenario(name).weight ?? 1;
    assert.deepEqual([weight('vma-split'), weight('guests'), weight('sparse')], [14, 12, 1]);
    const loadsOf = (n: number) =>
      Array.from({ length: n }, (_, k) => selectSuite({ ...base, shard: { k: k + 1, n } }).runs.reduce((sum, r) => sum + weight(r.scenario.name), 0));
    // 180 runs (10 stacks × 18 scenarios) of total weight 420 split as evenly as the weights allow
    assert.deepEqual(loadsOf(2), [210, 210]);
    assert.deepEqual(loadsOf(3), [140, 140, 140]);
    assert.deepEqual(loadsOf(4), [105, 105, 105, 105]);
  });
});

describe('suiteOptions', () => {
  it('a stack, scenario or variant named twice is one run', () => {
    const twice = selectSuite(suiteOptions({ scenario: ['sparse', 'sparse'], stack: ['v6.18', 'v6.17', 'v6.18'] }));
    assert.deepEqual(twice.runs.map((r) => `${r.scenario.name}×${r.config.stack}`), ['sparse×v6.18', 'sparse×v6.17']);
    const matrix = selectSuite(suiteOptions({ scenario: ['sparse'], variant: ['rmap=vm-pgoff,vm-pgoff', 'rmap=full-range'] }));
    assert.deepEqual(matrix.runs.map((r) => r.config.variants.rmap), ['vm-pgoff', 'full-range']);
  });
});

describe('configOfLabel', () => {
  it('reads back the labels runs are recorded under, and refuses a misspelt axis', () => {
    assert.deepEqual(configOfLabel('v6.18+scanner=folio-walk,rmap=vm-pgoff').variants, { ...configOfStack('v6.18').variants, scanner: 'folio-walk', rmap: 'vm-pgoff' });
    assert.equal(configOfLabel('rmap-v8').stack, 'rmap-v8');
    assert.throws(() => configOfLabel('v6.18+scaner=folio-walk'), /configuration "v6.18\+scaner=folio-walk": "scaner=folio-walk" is not axis=id \(axes: scanner, rmap/);
  });
});

describe('scanner-reference digest cache', () => {
  const sc = buildScenario('guests', { size: '2MiB', guests: '2', full_scans: '2' });
  const fw = configOfVariants('v6.18', { scanner: 'folio-walk' });

  it('a shared cache gives the same verdict and counters as a fresh one, and is hit across stacks', () => {
    const cache: DigestCache = new WeakMap();
    const first = runScenario(sc, configOfStack('v6.18'), {}, undefined, cache);
    // v6.18 and its folio-walk reference
    assert.equal(cache.get(sc)?.size, 2);
    const cached = runScenario(sc, fw, {}, undefined, cache);
    // the folio-walk run is the reference v6.18 stored: no new entry
    assert.equal(cache.get(sc)?.size, 2);
    const fresh = runScenario(sc, fw);
    assert.deepEqual(cached.verdict, fresh.verdict);
    assert.deepEqual(cached.counters, fresh.counters);
    assert.equal(first.verdict.ok, true);
    assert.equal(cached.verdict.ok, true);
    // another scenario object has its own entries (folio-walk has no reference of its own)
    const other = buildScenario('guests', { size: '2MiB', guests: '2', full_scans: '2' });
    runScenario(other, fw, {}, undefined, cache);
    assert.equal(cache.get(other)?.size, 1);
  });

  it('the reference digest is read from the cache: a wrong one is reported as a scanner mismatch', () => {
    const cache: DigestCache = new WeakMap();
    runScenario(sc, configOfStack('v6.18'), {}, undefined, cache);
    const digests = cache.get(sc)!;
    for (const k of digests.keys()) digests.set(k, { count: 1, h1: 0, h2: 0 });
    const r = runScenario(sc, configOfStack('v6.18'), {}, undefined, cache);
    assert.equal(r.verdict.ok, false);
    assert.match(r.verdict.problems.join('\n'), /^scanner walk-page-range returned a different page sequence than folio-walk \([0-9]+ vs 1 pages\)$/);
  });
});
