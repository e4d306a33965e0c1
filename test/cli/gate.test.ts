// ksmbench gate: pass on an unchanged tree, exit 1 naming the metric a changed variant moves.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ksmbench, ROOT } from '../support/cli.ts';
import { probeVariant } from '../support/probe-variant.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-gate-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const variant = probeVariant(tmp);
const writeProbe = variant.writeQuery;
const env = variant.env;
const baseline = join(tmp, 'baseline.csv');

describe('ksmbench gate', () => {
  it('exits 0 on the unchanged tree and 1 naming the metric a changed variant moves', () => {
    writeProbe('[0, Number.MAX_SAFE_INTEGER] as const');
    const up = ksmbench(['gate', '--update', '--baseline', baseline, '--scenario', 'vma-split', '--param', 'pages=400', '--param', 'pieces=40', '--variant', 'rmap=probe,full-range', '--no-timing'], { env });
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, /baseline updated: .*baseline.csv and .*baseline.json \(2 runs\)/);

    const summary = join(tmp, 'summary.md');
    const pass = ksmbench(['gate', '--baseline', baseline], { env: { ...env, GITHUB_STEP_SUMMARY: summary } });
    assert.equal(pass.status, 0, pass.stdout + pass.stderr);
    assert.match(pass.stdout, /^## ksmbench gate: PASS/);
    assert.match(readFileSync(summary, 'utf8'), /ksmbench gate: PASS/);

    // The "patch" changes: it now queries one index instead of the whole tree.
    writeProbe('[ksm.items.vpn(item), ksm.items.vpn(item)] as const');
    const fail = ksmbench(['gate', '--baseline', baseline], { env });
    assert.equal(fail.status, 1, fail.stdout + fail.stderr);
    assert.match(fail.stdout, /^## ksmbench gate: FAIL/);
    assert.match(fail.stdout, /\| vma-split \| ksm_pages=32;pages=400;pieces=40 \| v6.18\+rmap=probe \| rmap_avc_visits \| 1895 \| \d+ \| equal \|/);
    assert.doesNotMatch(fail.stdout, /v6.18\+rmap=full-range/, 'the unchanged configuration passes');

    // A config that ignores those metrics lets it pass (the walk's addr skips and its maxima move with it).
    const cfg = join(tmp, 'gate.json');
    const moved = ['rmap_avc_visits', 'rmap_tree_nodes', 'rmap_one_calls', 'rmap_skip_addr', 'rmap_avc_visits_max', 'rmap_skip_addr_max'];
    writeFileSync(cfg, JSON.stringify({ rules: Object.fromEntries(moved.map((m) => [m, 'ignore'])) }));
    const relaxed = ksmbench(['gate', '--baseline', baseline, '--config', cfg], { env });
    assert.equal(relaxed.status, 0, relaxed.stdout);
  });

  it('rejects a config naming an unknown metric', () => {
    const cfg = join(tmp, 'bad-gate.json');
    writeFileSync(cfg, JSON.stringify({ rules: { pt_read: 'equal' } }));
    const r = ksmbench(['gate', '--baseline', baseline, '--config', cfg], { env });
    assert.equal(r.status, 2);
    assert.match(r.stderr.trim(), /^ksmbench: gate config ".*bad-gate.json": unknown metric "pt_read"/);
  });

  it('refuses an out-of-tree variant whose file does not match its axis and id, in one line', () => {
    const wrong = join(tmp, 'wrong-variants');
    mkdirSync(join(wrong, 'rmap'), { recursive: true });
    writeFileSync(join(wrong, 'package.json'), '{"type": "module"}');
    writeFileSync(
      join(wrong, 'rmap', 'probe2.ts'),
      `import { defineVariant } from '${join(ROOT, 'variants', 'types.ts')}';
export default defineVariant({ id: 'probe', axis: 'rmap', title: 'probe', subject: 's', version: 't', date: '2026-11', link: 't', reference: 'full-range', policy: {} });
`,
    );
    const r = ksmbench(['list'], { env: { KSMBENCH_EXTRA_VARIANTS: wrong } });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^ksmbench: .*rmap\/probe2.ts defines rmap\/probe: it must live at rmap\/probe.ts\n$/);
  });
});
