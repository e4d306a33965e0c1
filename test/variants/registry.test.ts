// The variant registry: ids, axes, file names and references agree; every required id exists;
// variants use only the engine API for variants; stacks name existing variants.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { getVariant, idOfFile, REGISTRY, variantsOf } from '../../variants/registry.ts';
import { STACKS, getStack, policyOf } from '../../variants/stacks.ts';
import { AXES } from '../../variants/types.ts';

const REQUIRED: Record<string, string[]> = {
  scanner: ['folio-walk', 'walk-page-range'],
  rmap: ['full-range', 'addr-shift', 'vm-pgoff', 'linear-page-index', 'linear-page-index-no-cow-reset'],
  unmerge: ['per-address', 'range-walk'],
  'zero-pages': ['legacy', 'marked'],
  'stable-ref': ['page-ref', 'keyhole'],
  'split-zeropage': ['none', 'remap', 'skip-ksm-mergeable', 'underused-gated'],
};

describe('variant registry', () => {
  it('holds exactly the required ids on each axis (DESIGN.md §4)', () => {
    for (const axis of AXES) {
      assert.deepEqual(variantsOf(axis).map((v) => v.id).sort(), [...REQUIRED[axis]!].sort(), axis);
    }
  });

  it('each module lives at variants/<axis>/<id>.ts and declares that axis and id', () => {
    for (const { variant, file } of REGISTRY) {
      assert.equal(file, `${variant.axis}/${variant.id}.ts`);
      assert.equal(idOfFile(file), variant.id);
    }
  });

  it('ids are unique per axis; every reference names a variant of the same axis without a cycle', () => {
    for (const axis of AXES) {
      const ids = variantsOf(axis).map((v) => v.id);
      assert.equal(new Set(ids).size, ids.length);
      for (const v of variantsOf(axis)) {
        const seen = new Set<string>();
        for (let r = v.reference; r; r = getVariant(axis, r).reference) {
          assert.ok(ids.includes(r), `${axis}/${v.id} references unknown ${r}`);
          assert.ok(!seen.has(r), `reference cycle at ${r}`);
          seen.add(r);
        }
      }
    }
  });

  it('every variant carries its provenance (title, subject, version, date, link)', () => {
    for (const { variant } of REGISTRY) {
      for (const key of ['title', 'subject', 'version', 'date', 'link'] as const) assert.ok(variant[key].length > 0, `${variant.id}.${key}`);
      assert.match(variant.date, /^\d{4}-\d{2}(-\d{2})?$/);
    }
  });

  it('variant modules import only the engine API for variants (and each other / types)', () => {
    for (const { file } of REGISTRY) {
      const text = readFileSync(new URL(`../../variants/${file}`, import.meta.url), 'utf8');
      for (const m of text.matchAll(/from '([^']+)'/g)) {
        const spec = m[1]!;
        assert.ok(
          spec === '../../src/ksm/variant-api.ts' || spec === '../types.ts' || /^\.\/[a-z-]+\.ts$/.test(spec),
          `${file} imports ${spec}`,
        );
      }
    }
  });

  it('unknown ids are rejected naming the value and the accepted ids', () => {
    assert.throws(() => getVariant('rmap', 'vm-pgof'), /unknown rmap variant "vm-pgof" \(accepted: .*vm-pgoff/);
  });
});

describe('stacks', () => {
  it('include the required kernel and series states, each naming registered variants', () => {
    for (const name of ['v6.1', 'v6.17', 'v6.18', 'next-20260720', 'rmap-v3', 'rmap-v4', 'rmap-v8']) {
      const s = getStack(name);
      const p = policyOf(s.variants);
      assert.ok(p.scanner && p.rmap && p.unmerge && p.zeroPages && p.stableRef);
    }
    assert.throws(() => getStack('v6.2'), /unknown stack "v6.2" \(accepted: v6.1, /);
  });

  it('place each patch where kernel/scan.md §0 and kernel/rmap.md §3.1 put it', () => {
    const v = (n: string) => getStack(n).variants;
    assert.equal(v('v6.17').scanner, 'folio-walk');
    assert.equal(v('v6.18').scanner, 'walk-page-range'); // f5548c318d65
    assert.equal(v('v6.1')['zero-pages'], 'legacy'); // seed 001 landed in 6.5
    assert.equal(v('v6.1').rmap, 'full-range');
    assert.equal(v('rmap-v3').rmap, 'addr-shift');
    assert.equal(v('rmap-v4').rmap, 'vm-pgoff');
    assert.equal(v('rmap-v8').rmap, 'linear-page-index');
    assert.equal(v('next-20260720').rmap, 'linear-page-index');
    assert.equal(v('next-20260720').unmerge, 'range-walk');
    assert.equal(getStack('v6.1').mergeOrder, '6.1');
    assert.equal(getStack('v6.18').mergeOrder, '6.11');
    assert.ok(STACKS.every((s) => s.variants['stable-ref'] === 'keyhole'));
  });
});

describe('split-zeropage in the stacks', () => {
  it('every stack runs the split-zeropage variant its kernel has (src/mm/kernel.ts split_remaps_zero_subpages: none before 6.12, remap from it)', async () => {
    const { STACKS } = await import('../../variants/stacks.ts');
    const { mmHas, parseKernelVersion } = await import('../../src/mm/kernel.ts');
    for (const s of STACKS) {
      assert.equal(s.variants['split-zeropage'], mmHas(parseKernelVersion(s.kernel), 'split_remaps_zero_subpages') ? 'remap' : 'none', s.name);
      assert.ok(s.source['split-zeropage'].length > 0 && s.source.thp.length > 0, s.name);
      assert.equal(s.thp.enabled, 'always', `${s.name}: the kernel default (mm/Kconfig TRANSPARENT_HUGEPAGE_ALWAYS)`);
    }
  });
});
