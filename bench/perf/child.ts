// Runs one bench/perf script in a child Node process (through tsx) with a time limit.
// The child's stderr (progress) is passed through live and also kept.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The project root: `--import tsx` resolves from here. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly elapsedMs: number;
}

/** Run `script` with `nodeFlags` (the child's execArgv) and `args` (its argv after the script). */
export function runChild(script: string, nodeFlags: readonly string[], timeoutMs: number, args: readonly string[] = []): Promise<ChildRun> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', path, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.on('data', (s: string) => {
      stderr += s;
      process.stderr.write(s);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, elapsedMs: performance.now() - t0 });
    });
  });
}

/** The last few lines of a child's stderr, for a failure message. */
export function tail(text: string, lines = 8): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
