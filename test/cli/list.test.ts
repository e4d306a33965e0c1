// What ksmbench tells about itself (issue 9 item 11): list metrics with meaning, unit and
// direction; list scenarios NAME and list variants AXIS in full; the run table's
// abbreviations explained in run --help and the README; --version and help CMD.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { METRIC_NAMES, unitOf } from '../../src/harness/results.ts';
import { HEADER, PREDICTED_COLUMN } from '../../src/cli/present.ts';
import { RUN_HELP } from '../../src/cli/run.ts';
import { ksmbench, ROOT } from '../support/cli.ts';

describe('ksmbench list, --version and help', () => {
  it('list metrics: every metric with its unit, direction and meaning', () => {
    const r = ksmbench(['list', 'metrics']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[1]!, /^metric\s+unit\s+direction\s+meaning$/);
    for (const m of METRIC_NAMES) {
      const line = lines.find((l) => l.split(/\s+/)[0] === m);
      assert.ok(line, `${m} is listed`);
      assert.match(line, new RegExp(`^${m}\\s+${unitOf(m).replace('%', '%')}\\s+(smaller is better|larger is better|neither)\\s+\\S.{10,}`), line);
    }
    assert.match(r.stdout, /\npt_reads\s+count\s+smaller is better\s+page-table entries read by every KSM path/);
    assert.match(r.stdout, /\npages_shared\s+count\s+neither\s+sysfs pages_shared/);
    assert.match(r.stdout, /\nrmap_mappings_missed\s+count\s+smaller is better\s+.*0 when correct/);
  });

  it('list scenarios NAME: what it models and each parameter with kind, default, range and meaning', () => {
    const r = ksmbench(['list', 'scenarios', 'vma-split']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Scenario vma-split: /);
    assert.match(r.stdout, /\nmodels: .+\nilluminates: .+\n/);
    assert.match(r.stdout, /\nparameter\s+kind\s+default\s+accepted\s+meaning\n/);
    assert.match(r.stdout, /\npieces\s+int\s+20000\s+1\.\.\d+\s+VMAs the region is split into/);
    assert.match(ksmbench(['list', 'scenarios', 'sparse']).stdout, /\npaging\s+enum\s+4\s+4 \| 5\s+page-table levels/);
    const bad = ksmbench(['list', 'scenarios', 'nope']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^ksmbench: unknown scenario "nope" \(accepted: sparse, /);
  });

  it('list variants AXIS: subject, link, reference and what each gets wrong', () => {
    const r = ksmbench(['list', 'variants', 'rmap']);
    assert.equal(r.status, 0, r.stderr);
    const block = r.stdout.split('\n\n').find((b) => b.startsWith('rmap=vm-pgoff: '));
    assert.ok(block, r.stdout);
    assert.match(block, /\n {2}subject: {5}\S.+\n {2}version: {5}.+\(\d{4}-\d\d(-\d\d)?\)\n {2}link: {8}\S+.*\n {2}reference: {3}full-range\n {2}known wrong: misses a mapping once a split/);
    assert.match(r.stdout, /rmap=full-range: [^\n]+\n(.+\n)+ {2}reference: {3}none \(it is the reference\)\n {2}known wrong: nothing known/);
    assert.ok(!/scanner=/.test(r.stdout), 'only the rmap axis');
    const bad = ksmbench(['list', 'variants', 'rmapp']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown axis "rmapp" \(accepted: scanner, rmap, unmerge, zero-pages, stable-ref, split-zeropage\)/);
    // the overview still lists kinds together
    assert.equal(ksmbench(['list', 'stacks', 'metrics']).status, 0);
  });

  it('run --help and the README explain every abbreviated column of the run table', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('The run table\'s columns'));
    for (const col of [...HEADER, PREDICTED_COLUMN].filter((c) => !['scenario', 'params', 'stack'].includes(c))) {
      assert.ok(new RegExp(`(^|\\s)${col.replace('/', '\\/')}:?\\s`, 'm').test(RUN_HELP.slice(RUN_HELP.indexOf("The table's columns"))), `run --help explains ${col}`);
      assert.ok(section.includes(`\`${col}\``), `the README explains ${col}`);
    }
  });

  it('--version prints the package version; help CMD prints CMD --help', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const v = ksmbench(['--version']);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout, `ksmbench ${pkg.version}\n`);
    for (const cmd of ['run', 'sweep', 'list']) {
      const h = ksmbench(['help', cmd]);
      assert.equal(h.status, 0, h.stderr);
      assert.equal(h.stdout, ksmbench([cmd, '--help']).stdout);
    }
    const bad = ksmbench(['help', 'nope']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^ksmbench: help nope: unknown command "nope" \(accepted: list, run, /);
    assert.match(ksmbench(['help']).stdout, /ksmbench --version/);
  });
});
