// Every GitHub Actions workflow in the docs is valid YAML with the shape Actions needs, so a
// reader can copy it as it is (docs/ci.md).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

const DOCS = new URL('../../docs/', import.meta.url);

interface Block {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** The ```yaml blocks of a Markdown text. */
export function yamlBlocks(file: string, markdown: string): Block[] {
  const out: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ya?ml\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && lines[j] !== '```') j++;
    out.push({ file, line: start + 1, text: lines.slice(start, j).join('\n') });
    i = j;
  }
  return out;
}

/** What is wrong with one workflow: YAML errors and warnings, then the shape Actions requires. */
export function workflowProblems(b: Block): string[] {
  const doc = parseDocument(b.text, { strict: true, uniqueKeys: true, prettyErrors: false });
  const problems = [...doc.errors, ...doc.warnings].map((e) => `YAML: ${e.message.split('\n')[0]}`);
  if (problems.length) return problems;
  const wf: unknown = doc.toJS();
  const obj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!obj(wf)) return ['not a mapping'];
  for (const k of ['name', 'on', 'jobs']) if (!(k in wf)) problems.push(`no top-level "${k}"`);
  const jobs = wf['jobs'];
  if (!obj(jobs) || Object.keys(jobs).length === 0) return [...problems, '"jobs" is not a mapping of jobs'];
  for (const [id, job] of Object.entries(jobs)) {
    if (!obj(job)) { problems.push(`job ${id} is not a mapping`); continue; }
    if (typeof job['runs-on'] !== 'string') problems.push(`job ${id} has no runs-on`);
    const needs = job['needs'];
    for (const n of typeof needs === 'string' ? [needs] : Array.isArray(needs) ? needs : []) {
      if (!(String(n) in jobs)) problems.push(`job ${id} needs unknown job ${String(n)}`);
    }
    const steps = job['steps'];
    if (!Array.isArray(steps) || steps.length === 0) { problems.push(`job ${id} has no steps`); continue; }
    steps.forEach((st: unknown, k) => {
      if (!obj(st)) { problems.push(`job ${id} step ${k} is not a mapping`); return; }
      if (('run' in st) === ('uses' in st)) problems.push(`job ${id} step ${k} needs exactly one of run and uses`);
      if ('uses' in st && !/^[\w.-]+\/[\w./-]+@[\w.-]+$/.test(String(st['uses']))) problems.push(`job ${id} step ${k}: uses "${String(st['uses'])}" is not owner/repo@ref`);
      if ('with' in st && !obj(st['with'])) problems.push(`job ${id} step ${k}: with is not a mapping`);
      if (obj(st['with'])) for (const [key, v] of Object.entries(st['with'])) if (obj(v) || Array.isArray(v)) problems.push(`job ${id} step ${k}: with.${key} is not a scalar`);
      const run = typeof st['run'] === 'string' ? st['run'] : '';
      // results/ holds the committed baseline: a glob over it hands that file to the command too
      if (/results\/\*/.test(run)) problems.push(`job ${id} step ${k}: "${run.trim()}" globs results/, which holds the committed baseline`);
      if (/setup-node/.test(String(st['uses'] ?? '')) && obj(st['with'])) {
        const v = String(st['with']['node-version'] ?? '');
        if (!/^(lts\/\*|2[4-9]|[3-9]\d)/.test(v)) problems.push(`job ${id} step ${k}: node-version "${v}" is not a current LTS`);
      }
    });
  }
  // every node of the tree parsed as scalar, map or seq (no stray flow-mapping text)
  const walk = (n: unknown): void => {
    if (isMap(n)) for (const p of n.items) { walk(p.key); walk(p.value); }
    else if (isSeq(n)) for (const x of n.items) walk(x);
    else if (n !== null && !isScalar(n)) problems.push('an unexpected YAML node');
  };
  walk(doc.contents);
  return problems;
}

const blocks = readdirSync(DOCS).filter((f) => f.endsWith('.md')).flatMap((f) => yamlBlocks(`docs/${f}`, readFileSync(new URL(f, DOCS), 'utf8')));

describe('the workflows in the docs', () => {
  it('docs/ci.md has the gate, the fork-comment and the sweep workflows', () => {
    assert.ok(blocks.filter((b) => b.file === 'docs/ci.md').length >= 3, `found ${blocks.length} yaml blocks`);
  });
  for (const b of blocks) {
    it(`${b.file}:${b.line} is a valid workflow`, () => {
      assert.deepEqual(workflowProblems(b), []);
    });
  }
  it('the linter rejects a flow mapping holding an expression, and a glob over results/', () => {
    const bad = (text: string) => workflowProblems({ file: 't', line: 1, text });
    const head = 'name: t\non: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n';
    assert.notDeepEqual(bad(`${head}      - uses: actions/upload-artifact@v4\n        with: { name: shard-\${{ matrix.shard }}, path: shards/ }\n`), []);
    assert.notDeepEqual(bad(`${head}      - run: npx ksmbench report results/*.json\n`), []);
    assert.deepEqual(bad(`${head}      - run: npx ksmbench report merged/*.json\n`), []);
  });
  it('the gate workflow posts the error of an errored gate, uploads what it gated and notes fork pull requests', () => {
    const text = readFileSync(new URL('ci.md', DOCS), 'utf8');
    const gate = blocks.find((b) => b.text.includes('name: ksmbench gate'));
    assert.ok(gate);
    assert.match(gate.text, /2> gate\.err/);
    assert.match(gate.text, /ERROR \(exit \$status\)/);
    assert.match(gate.text, /actions\/upload-artifact/);
    assert.match(gate.text, /results\/baseline\.csv/);
    assert.ok(blocks.some((b) => b.text.includes('workflow_run:')), 'a workflow_run job comments on fork pull requests');
    assert.match(text, /mix\s+machines/);
  });
});
