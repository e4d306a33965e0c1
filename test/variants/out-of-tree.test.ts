// Out-of-tree variants (KSMBENCH_EXTRA_VARIANTS): defineVariant comes from the engine API for
// variants, the one module a variant may import, and the example under examples/ works — also
// copied to a directory outside the checkout.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ksmbench, ROOT } from '../support/cli.ts';

const example = join(ROOT, 'examples', 'variants');
const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-oot-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('out-of-tree variants', () => {
  it('the example imports only src/ksm/variant-api.ts, which exports defineVariant', async () => {
    const text = readFileSync(join(example, 'rmap', 'my-rmap.ts'), 'utf8');
    assert.deepEqual([...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]), ['../../../src/ksm/variant-api.ts']);
    const api = (await import('../../src/ksm/variant-api.ts')) as Record<string, unknown>;
    assert.equal(typeof api['defineVariant'], 'function');
    const text2 = readFileSync(join(ROOT, 'src', 'ksm', 'variant-api.ts'), 'utf8');
    assert.equal(text2.split('\n').filter((l) => l.includes('variants/')).length, 1, 'variant-api.ts re-exports defineVariant in one line');
  });

  it('KSMBENCH_EXTRA_VARIANTS=examples/variants: listed and run beside its reference', () => {
    const env = { KSMBENCH_EXTRA_VARIANTS: example };
    const list = ksmbench(['list', 'variants'], { env });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /rmap\s+my-rmap\s/);
    const r = ksmbench(['run', '--scenario', 'split-after-merge', '--variant', 'rmap=full-range,my-rmap', '--no-timing', '--no-save', '--format', 'json'], { env });
    assert.equal(r.status, 0, r.stderr);
    const set = JSON.parse(r.stdout) as { runs: { stack: string; variants: { rmap: string } }[] };
    assert.deepEqual(set.runs.map((x) => x.variants.rmap).sort(), ['full-range', 'my-rmap']);
  });

  it('a copy outside the checkout importing the API by absolute path works too', () => {
    const dir = join(tmp, 'my-variants');
    cpSync(example, dir, { recursive: true });
    const file = join(dir, 'rmap', 'my-rmap.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace('../../../src/ksm/variant-api.ts', join(ROOT, 'src', 'ksm', 'variant-api.ts')));
    const r = ksmbench(['run', '--scenario', 'split-after-merge', '--variant', 'rmap=my-rmap', '--no-timing', '--no-save'], { env: { KSMBENCH_EXTRA_VARIANTS: dir }, cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /v6\.18\+rmap=my-rmap/);
  });
});
