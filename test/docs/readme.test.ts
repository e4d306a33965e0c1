// The README's examples are what their commands print (issue 9 item 18): `list stacks` exactly,
// the `run` example's table and `wrote` line (absolute paths), and the `compare --by stack`
// example made from the `run` command shown above it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ksmbench, ROOT } from '../support/cli.ts';
import { correctnessTable, overheadTable } from '../support/rmap-tables.ts';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-readme-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The lines the README shows after `$ npx ksmbench <command>`, up to the next command or the block's end. */
function example(command: string): { readonly args: string[]; readonly output: string[] } {
  const lines = readme.split('\n');
  const start = lines.indexOf(`$ npx ksmbench ${command}`);
  assert.ok(start >= 0, `the README shows "$ npx ksmbench ${command}"`);
  let end = start + 1;
  while (lines[end] !== '```' && !lines[end]!.startsWith('$ ')) end++;
  return { args: command.split(' '), output: lines.slice(start + 1, end) };
}

const WROTE = /^wrote (\/\S+\/results\/)\S+\.csv and \1\S+\.json$/;

describe('the README examples', () => {
  it('list stacks is what the command prints', () => {
    const { args, output } = example('list stacks');
    const r = ksmbench(args);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, output.join('\n') + '\n');
  });

  it('the run example prints that table and names its files by absolute path', () => {
    const lines = readme.split('\n');
    const start = lines.findIndex((l) => l.startsWith('$ npx ksmbench run --scenario split-after-merge'));
    assert.ok(start >= 0);
    const args = [...(lines[start]! + lines[start + 1]!).replace('\\', ' ').trim().split(/\s+/).slice(3)];
    let end = start + 2;
    while (lines[end] !== '```') end++;
    const shown = lines.slice(start + 2, end);
    const r = ksmbench(args, { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const printed = r.stdout.trimEnd().split('\n');
    assert.deepEqual(printed.slice(0, -1), shown.slice(0, -1));
    assert.match(shown.at(-1)!, WROTE);
    assert.match(printed.at(-1)!, WROTE);
    assert.ok(printed.at(-1)!.startsWith(`wrote ${join(tmp, 'results')}/`), printed.at(-1));
  });

  it('the compare --by stack example comes from the run command shown above it', () => {
    const run = example('run --scenario vma-split --param pieces=1000 --stack v6.18 --stack rmap-v8 --no-timing');
    assert.match(run.output.at(-1)!, WROTE);
    const r = ksmbench(run.args.slice(), { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const file = /and (\S+\.json)$/.exec(r.stdout.trimEnd().split('\n').at(-1)!)?.[1];
    assert.ok(file !== undefined, r.stdout);
    const lines = readme.split('\n');
    const at = lines.findIndex((l) => /^\$ npx ksmbench compare results\/\S+-vma-split\.json --by stack --against v6.18$/.test(l));
    assert.ok(at >= 0, 'the README shows the compare command');
    let end = at + 1;
    while (lines[end] !== '```') end++;
    const c = ksmbench(['compare', file, '--by', 'stack', '--against', 'v6.18']);
    assert.equal(c.status, 0, c.stderr);
    assert.equal(c.stdout, lines.slice(at + 1, end).join('\n') + '\n');
  });
});

describe('the README rmap tables', () => {
  it('are what the engine computes (every rmap variant, v6.19)', () => {
    const lines = readme.split('\n');
    for (const table of [correctnessTable(), overheadTable()]) {
      const at = lines.indexOf(table[0]!);
      assert.ok(at >= 0, `the README has the table headed ${table[0]}`);
      assert.deepEqual(lines.slice(at, at + table.length), table, 'regenerate it from test/support/rmap-tables.ts');
    }
  });
});
