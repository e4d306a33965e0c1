#!/usr/bin/env node
// Runs every test/**/*.test.ts with node:test (through tsx). Node 20's `node --test`
// does not expand quoted globs, so the files are collected here; finding none is a failure.
// The tests run with TMPDIR set to a fresh directory: whatever a test leaves there (a
// temporary directory it did not remove) fails the run, named, and the directory is removed.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, 'test');

function collect(dir) {
  let out = [];
  let names;
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out = out.concat(collect(full));
    else if (name.endsWith('.test.ts')) out.push(relative(root, full));
  }
  return out;
}

const filter = process.argv.slice(2);
let files = collect(testDir);
if (filter.length > 0) files = files.filter((f) => filter.some((pattern) => f.includes(pattern)));
if (files.length === 0) {
  console.error(`run-tests: no test files found under ${relative(root, testDir) || 'test'}/ matching *.test.ts${filter.length ? ` and ${filter.join(', ')}` : ''}`);
  process.exit(1);
}
const tmp = mkdtempSync(join(tmpdir(), 'ksmbench-tests-'));
let status;
try {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=2', ...files],
    { cwd: root, stdio: 'inherit', env: { ...process.env, TMPDIR: tmp } },
  );
  status = result.status ?? 1;
  // tsx-<uid> is tsx's own compile cache, not a test's
  const left = readdirSync(tmp).filter((name) => !/^tsx-[0-9]+$/.test(name));
  if (left.length > 0) {
    console.error(`run-tests: the tests left ${left.length} temporary file(s) or directory(ies) behind: ${left.join(', ')}`);
    status = status || 1;
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(status);
