// Processes and streams: interrupting `run --jobs` ends its workers, --jobs values, a closed
// stdout pipe, and variant modules that cannot be loaded.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ksmbench, ROOT } from '../support/cli.ts';
import { childrenOf } from '../support/procs.ts';

const BIN = join(ROOT, 'bin', 'ksmbench.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-procs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function oneLineError(r: { status: number | null; stdout: string; stderr: string }, re: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

describe('run --jobs', () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig} to the parent ends its workers, with one "interrupted" line`, async () => {
      const parent = spawn(process.execPath, [BIN, 'run', '--scenario', 'vma-split', '--stack', 'v6.18', '--stack', 'v6.17', '--time', '60000', '--iterations', '1', '--no-save', '--jobs', '2'], {
        cwd: tmp,
        env: { ...process.env, CI: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      parent.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const closed = new Promise<{ code: number | null; signal: string | null }>((r) => parent.on('close', (code, signal) => r({ code, signal })));
      let workers: number[] = [];
      for (let i = 0; i < 300 && workers.length < 2; i++) {
        await sleep(100);
        workers = childrenOf(parent.pid!, '_shard');
      }
      try {
        assert.equal(workers.length, 2, 'two workers started');
        await sleep(500);
        parent.kill(sig);
        const end = await closed;
        assert.equal(end.code, sig === 'SIGINT' ? 130 : 143, stderr);
        for (let i = 0; i < 30 && workers.some(alive); i++) await sleep(100);
        assert.deepEqual(workers.filter(alive), [], 'a worker outlived the command');
        const lines = stderr.trim().split('\n').filter((l) => l !== '');
        assert.equal(lines.length, 1, stderr);
        assert.match(lines[0]!, new RegExp(`^ksmbench: interrupted \\(${sig}\\): ended 2 jobs`));
      } finally {
        for (const w of workers) if (alive(w)) process.kill(w, 'SIGKILL');
        if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
      }
    });
  }

  for (const bad of ['-1', '0', 'x', '1.5', '-3']) {
    it(`--jobs ${bad} is one line naming the value and the accepted range`, () => {
      oneLineError(ksmbench(['run', '--scenario', 'sparse', '--no-timing', '--no-save', '--jobs', bad]), new RegExp(`--jobs "${bad.replace('.', '\\.')}" is not an integer ≥ 1`));
    });
  }

  it('more jobs than runs: one job per run', () => {
    const r = ksmbench(['run', '--scenario', 'split-after-merge', '--stack', 'v6.18', '--jobs', '8', '--no-timing', '--no-save', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { runs: unknown[] }).runs.length, 1);
    assert.doesNotMatch(r.stderr, /warning/);
  });

  const cores = availableParallelism();
  const stacks = ['v6.1', 'v6.17', 'v6.18', 'rmap-v3', 'rmap-v4', 'rmap-v8', 'next-20260720'];
  it('more jobs than cores: a warning', { skip: cores + 1 > stacks.length ? `${cores} cores` : false }, () => {
    const args = stacks.slice(0, cores + 1).flatMap((s) => ['--stack', s]);
    const r = ksmbench(['run', '--scenario', 'split-after-merge', ...args, '--jobs', String(cores + 1), '--no-timing', '--no-save', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`warning: --jobs ${cores + 1} is more than this machine's ${cores} core`));
  });
});

describe('streams', () => {
  it('a closed stdout pipe (… | head -2) ends the command quietly with 0', () => {
    const cmd = `"${process.execPath}" "${BIN}" run --scenario split-after-merge --scenario mremap-remerge --scenario cow-churn --no-timing --no-save --format csv --quiet | head -2 > /dev/null; echo "status=\${PIPESTATUS[0]}" >&2`;
    const r = spawnSync('bash', ['-c', cmd], { cwd: tmp, encoding: 'utf8', env: { ...process.env, CI: '1' } });
    assert.equal(r.stderr.trim(), 'status=0');
  });
});

describe('variant modules that cannot be loaded', () => {
  const cases: [string, string, RegExp][] = [
    ['throws at load', "throw new Error('boom at load');\n", /cannot be loaded: boom at load$/],
    ['does not parse', 'export default {{{ ;\n', /cannot be loaded: TransformError: line 1:\d+: ERROR: /],
    ['imports a missing file', "import x from './nope.ts';\nexport default x;\n", /cannot be loaded: Cannot find module '.*nope\.ts'/],
  ];
  for (const [what, text, re] of cases) {
    it(`a variant module that ${what}: one line, exit 2`, () => {
      const dir = join(tmp, what.replace(/ /g, '-'));
      mkdirSync(join(dir, 'rmap'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
      writeFileSync(join(dir, 'rmap', 'broken.ts'), text);
      const r = ksmbench(['list', 'variants'], { env: { KSMBENCH_EXTRA_VARIANTS: dir } });
      oneLineError(r, new RegExp(`^ksmbench: variant module ${join(dir, 'rmap', 'broken.ts').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ${re.source.replace(/^cannot/, 'cannot')}`, 'm'));
    });
  }
});
