// Suite selection: weighted shards (deterministic LPT) and the scanner-reference digest cache.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { configOfVariants } from '../../src/harness/config.ts';
import { runScenario, type DigestCache } from '../../src/harness/run.ts';
import { selectSuite, shardOf } from '../../src/harness/suite.ts';

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
});

describe('scanner-reference digest cache', () => {
  it('a shared cache gives the same verdict and counters as a fresh one', () => {
    const sc = buildScenario('guests', { size: '2MiB', guests: '2', full_scans: '2' });
    const cfg = configOfVariants('v6.18', { scanner: 'folio-walk' });
    const cache: DigestCache = new Map();
    const first = runScenario(sc, configOfVariants('v6.18', {}), {}, undefined, cache);
    const cached = runScenario(sc, cfg, {}, undefined, cache);
    const fresh = runScenario(sc, cfg);
    assert.ok(cache.size >= 2);
    assert.deepEqual(cached.verdict, fresh.verdict);
    assert.deepEqual(cached.counters, fresh.counters);
    assert.equal(first.verdict.ok, true);
    assert.equal(cached.verdict.ok, true);
  });
});
