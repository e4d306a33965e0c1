// docs/scenarios.md documents the whole scenario format of bench/format.ts: every op, every
// field of every op and of the scenario object, the sysfs knobs and the values expect reads;
// every JSON example in it is valid, and the scenarios among them run with their expectations
// met. `run --help` and the README point there.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { checkOps, OP_FIELDS, OP_NAMES, SCENARIO_FIELDS, validateScenario } from '../../bench/format.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { executeScenario } from '../../src/harness/execute.ts';
import { addressSpace } from '../../src/harness/run-suite.ts';
import { KSM_STAT_NAMES } from '../../src/ksm/sysfs-attrs.ts';
import { KNOB_NAMES, SYSFS_COUNTERS } from '../../src/ksm/sysfs.ts';
import { RUN_HELP } from '../../src/cli/run.ts';

const root = new URL('../../', import.meta.url);
const doc = readFileSync(new URL('docs/scenarios.md', root), 'utf8');

/** The text of the section under the heading `### \`name\`` (up to the next heading). */
function section(name: string): string | null {
  const m = new RegExp(`^### \`${name}\`\\n([\\s\\S]*?)(?=^##)`, 'm').exec(`${doc}\n## end`);
  return m ? m[1]! : null;
}

function jsonBlocks(): unknown[] {
  return [...doc.matchAll(/^```json\n([\s\S]*?)^```/gm)].map((m) => JSON.parse(m[1]!) as unknown);
}

describe('docs/scenarios.md', () => {
  it('has a section for every op of bench/format.ts, naming each of its fields', () => {
    for (const op of OP_NAMES) {
      const s = section(op);
      assert.ok(s !== null, `no "### \`${op}\`" section`);
      for (const f of OP_FIELDS[op] ?? []) assert.ok(s.includes(`\`${f}\``), `the ${op} section does not document "${f}"`);
    }
  });

  it('documents every field of the scenario object, every sysfs knob and every value expect reads', () => {
    const top = /## The scenario object\n([\s\S]*?)\n## /.exec(doc)?.[1] ?? '';
    for (const f of SCENARIO_FIELDS) assert.ok(top.includes(`| \`${f}\` |`), `scenario field "${f}" is not in the table`);
    const sysfs = section('sysfs') ?? '';
    for (const k of KNOB_NAMES) assert.ok(sysfs.includes(`| \`${k}\` |`), `knob ${k} is not in the sysfs table`);
    const expect = section('expect') ?? '';
    for (const c of SYSFS_COUNTERS) assert.ok(expect.includes(`\`${c}\``), `sysfs counter ${c} is not named under expect`);
    for (const s of KSM_STAT_NAMES) assert.ok(expect.includes(`| \`${s}\` |`), `ksm_stat line ${s} is not in the expect section's table`);
  });

  it('documents the units: pages, every size suffix, hex addresses and content ids', () => {
    for (const u of ['`4K`', '`4KiB`', '`2M`', '`1G`', '`32T`', '`32TiB`', '`1P`', '0x', '4294967295', '`"zero"`', '`"unique"`', '`{ "mod": D }`', '"mix"']) assert.ok(doc.includes(u), u);
  });

  it('every JSON example is valid; the scenarios run on v6.18 with their expectations met', () => {
    const blocks = jsonBlocks();
    assert.ok(blocks.length >= OP_NAMES.length + 2, `${blocks.length} examples`);
    const seen = new Set<string>();
    for (const b of blocks) {
      const isScenario = typeof b === 'object' && b !== null && 'ops' in b;
      const scenario = validateScenario(isScenario ? b : { name: 'op', ops: [b] }, 'docs example');
      for (const op of scenario.ops) seen.add(op.op);
      if (!isScenario) continue;
      const config = configOfStack(scenario.stack ?? 'v6.18');
      checkOps(scenario, addressSpace(scenario.paging ?? config.paging, scenario.abi ?? config.abi));
      assert.deepEqual(executeScenario(scenario, config).problems, [], `${scenario.name}`);
    }
    assert.deepEqual(OP_NAMES.filter((o) => !seen.has(o)), [], 'ops without an example');
  });

  it('run --help and the README point to docs/scenarios.md', () => {
    assert.match(RUN_HELP, /docs\/scenarios\.md/);
    assert.doesNotMatch(RUN_HELP, /DESIGN\.md/);
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    assert.match(readme, /docs\/scenarios\.md/);
  });
});
