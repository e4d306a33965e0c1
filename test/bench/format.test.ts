// Scenario files and parameters: valid files run, bad ones get a one-line error naming the
// bad value and what is accepted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readScenarioFile, ScenarioError, validateScenario } from '../../bench/format.ts';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { parseSizePages } from '../../bench/sizes.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { runScenario } from '../../src/harness/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'ksmbench-format-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const base = { name: 't', ops: [{ op: 'mmap', proc: 'p0', region: 'a', size: 4 }] };

describe('scenario files', () => {
  it('the DESIGN.md example runs and its expectation holds', () => {
    const s = readScenarioFile(new URL('../../examples/ten-identical.json', import.meta.url).pathname);
    const r = runScenario(s, configOfStack(s.stack!));
    assert.deepEqual(r.verdict.problems, []);
    assert.deepEqual([r.counters.pages_shared, r.counters.pages_sharing], [1, 9]);
  });

  it('a failed expectation is a verdict problem, not an exception', () => {
    const s = validateScenario({ ...base, ops: [...base.ops, { op: 'expect', sysfs: { pages_shared: 3 } }] });
    const r = runScenario(s, configOfStack('v6.18'));
    assert.deepEqual(r.verdict.problems, ['ops[1] (expect): expected pages_shared 3, got 0']);
  });

  const bad: [string, unknown, RegExp][] = [
    ['missing ops', { name: 'x' }, /"ops" must be a non-empty array/],
    ['unknown op', { ...base, ops: [{ op: 'mmapp' }] }, /ops\[0\]: unknown op "mmapp" \(accepted: mmap, fill/],
    ['bad size', { ...base, ops: [{ op: 'mmap', proc: 'p', region: 'a', size: '12Q' }] }, /"size" "12Q" is not a size \(accepted: a page count or 4K/],
    ['negative size', { ...base, ops: [{ op: 'mmap', proc: 'p', region: 'a', size: -4 }] }, /"size" -4 is not a positive whole number of pages/],
    ['unaligned size', { ...base, ops: [{ op: 'mmap', proc: 'p', region: 'a', size: '1K' }] }, /"1K" is not a positive multiple of 4 KiB/],
    ['bad advice', { ...base, ops: [{ op: 'madvise', proc: 'p', region: 'a', advice: 'merge' }] }, /"advice" "merge" is not one of mergeable/],
    ['fractional count', { ...base, ops: [{ op: 'ksmd', full_scans: 1.5 }] }, /"full_scans" must be an integer ≥ 1 \(got 1.5\)/],
    ['bad content', { ...base, ops: [{ op: 'fill', proc: 'p', region: 'a', content: 'same' }] }, /"content" "same" is not a content/],
    ['bad paging', { ...base, paging: 3 }, /"paging" 3 is not 4 or 5/],
    ['bad rmap_walk', { ...base, ops: [{ op: 'rmap_walk', what: 'ksm' }] }, /ops\[0\] \(rmap_walk\): "what" "ksm" is not one of all-ksm, all-anon, all$/],
    // validateScenario (bench/format.ts sysfsWrite / sysfsExpect / statExpect): the value's type and the name, in any version
    ['bad sysfs', { ...base, sysfs: { run: true } }, /sysfs: knob "run" must be a string or a number, the text written \(got true\)/],
    ['unknown sysfs knob', { ...base, ops: [{ op: 'sysfs', pages_to_scn: 1 }] }, /ops\[0\] \(sysfs\): unknown ksm sysfs knob "pages_to_scn" \(accepted: sleep_millisecs, pages_to_scan, run,/],
    ['read-only sysfs', { ...base, ops: [{ op: 'sysfs', pages_shared: 0 }] }, /ops\[0\] \(sysfs\): "pages_shared" is a read-only file of \/sys\/kernel\/mm\/ksm/],
    ['bad yes-no stat', { ...base, ops: [{ op: 'expect', proc: 'p', stat: { ksm_merge_any: 1 } }] }, /"stat.ksm_merge_any" must be "yes" or "no" \(got 1\)/],
    ['unknown stat', { ...base, ops: [{ op: 'expect', proc: 'p', stat: { ksm_merge: 'yes' } }] }, /unknown ksm_stat value "ksm_merge" \(accepted: ksm_rmap_items, ksm_zero_pages/],
    ['bad advisor mode', { ...base, ops: [{ op: 'expect', sysfs: { advisor_mode: 0 } }] }, /"sysfs.advisor_mode" 0 is not a mode/],
  ];
  for (const [what, raw, re] of bad) {
    it(`rejects ${what} with one line naming it`, () => {
      const p = file(`${what.replace(/ /g, '-')}.json`, JSON.stringify(raw));
      assert.throws(
        () => readScenarioFile(p),
        (e: unknown) => e instanceof ScenarioError && re.test(e.message) && !e.message.includes('\n'),
      );
    });
  }

  it('rejects a missing file and malformed JSON', () => {
    assert.throws(() => readScenarioFile(join(dir, 'nope.json')), /scenario file ".*nope.json" cannot be read \(ENOENT\)/);
    assert.throws(() => readScenarioFile(file('broken.json', '{"name": ')), /is not valid JSON/);
  });

  it('reports ops on unknown processes and regions at run time, naming them', () => {
    const s = validateScenario({ name: 't', ops: [{ op: 'fill', proc: 'ghost', region: 'a', content: 1 }] });
    assert.throws(() => runScenario(s, configOfStack('v6.18')), /ops\[0\] \(fill\): no process "ghost"/);
  });
});

describe('sizes and parameters', () => {
  it('parses sizes exactly', () => {
    assert.deepEqual(['4K', '4KiB', '2M', '1G', '32T', '32TiB', '10', 10, '0x7f0000000000'].map((v) => parseSizePages(v)), [
      1, 1, 512, 262144, 2 ** 33, 2 ** 33, 10, 10, 0x7f0000000,
    ]);
  });

  it('refuses content ids from 2^32 up (the mix pool and unique pages live there)', () => {
    const ops = (content: unknown) => ({ name: 'x', ops: [{ op: 'mmap', proc: 'p', region: 'a', size: 1 }, { op: 'fill', proc: 'p', region: 'a', content }] });
    assert.doesNotThrow(() => validateScenario(ops(2 ** 32 - 1)));
    assert.throws(() => validateScenario(ops(2 ** 32)), /ops\[1\] \(fill\): "content" 4294967296 is not a content \(accepted: a content id 0..4294967295/);
  });

  it('parses 5-level addresses above 2^53 exactly, and refuses an unaligned one', () => {
    assert.equal(parseSizePages('0xfffffffffff000'), 2 ** 44 - 1);
    assert.equal(parseSizePages('0x1fffffffffff000'), 2 ** 45 - 1);
    // 2^53 + 1: a double would round it to an aligned address
    assert.throws(() => parseSizePages('0x20000000000001'), /0x20000000000001 is not a page-aligned user address/);
  });

  it('records the parameters a built-in scenario was built with', () => {
    assert.deepEqual(buildScenario('sparse', { size: '1GiB' }).params, { size: '1GiB', paging: '4', full_scans: 2 });
  });

  it('rejects unknown, malformed, negative and non-integer parameters naming them', () => {
    assert.throws(() => buildScenario('sparse', { sizee: '1G' }), /unknown parameter "sizee" for scenario "sparse" \(accepted: size, paging, full_scans\)/);
    assert.throws(() => buildScenario('sparse', { size: '-1G' }), /--param size=-1G .* is not a size/);
    assert.throws(() => buildScenario('sparse', { full_scans: '2.5' }), /--param full_scans=2.5 .*: not an integer \(accepted: 1..1000\)/);
    assert.throws(() => buildScenario('sparse', { paging: '3' }), /--param paging=3 .*: not one of 4, 5/);
    assert.throws(() => buildScenario('spars'), /unknown scenario "spars" \(accepted: sparse, guests/);
  });
});
