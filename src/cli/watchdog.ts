// --timeout SECONDS (run, gate, sweep, compare): the command runs in a child process that
// reports each run's start and end on a pipe (src/harness/watch.ts); this process, the
// watchdog, ends the child's whole process group when a run takes longer than SECONDS, so a
// tight synchronous loop in a scenario or a variant is stopped too, and prints one line naming
// the scenario and configuration that ran out of time.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WATCH_FD_ENV } from '../harness/watch.ts';
import { UsageError } from './errors.ts';

const BIN = fileURLToPath(new URL('../../bin/ksmbench.mjs', import.meta.url));
export const WATCHED_COMMANDS: readonly string[] = ['run', 'gate', 'sweep', 'compare'];
/** The flag's entry in each watched command's options (the child parses and ignores it). */
export const TIMEOUT_FLAG = { timeout: { type: 'string' } } as const;

/** The --timeout value in argv (seconds), null when absent; a bad value is a usage error. */
export function timeoutOf(argv: readonly string[]): number | null {
  let text: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--timeout') text = argv[i + 1] ?? '';
    else if (a.startsWith('--timeout=')) text = a.slice('--timeout='.length);
  }
  if (text === undefined) return null;
  const s = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || !(s > 0) || !Number.isFinite(s)) throw new UsageError(`--timeout "${text}" is not a number of seconds > 0`);
  return s;
}

/** Whether this process is already the watched child of a watchdog. */
export function isWatched(): boolean {
  return process.env[WATCH_FD_ENV] !== undefined;
}

interface Unit {
  readonly what: string;
  readonly started: number;
  readonly limitMs: number;
}

/** Run `argv` in a watched child; its exit code, or 2 (one line on stderr) when a run ran out of time. */
export function runWatched(argv: readonly string[], seconds: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
      env: { ...process.env, [WATCH_FD_ENV]: '3' },
      // its own process group: the watchdog ends it with every process it started
      detached: true,
    });
    const units = new Map<string, Unit>();
    let buf = '';
    let timedOut: Unit | null = null;
    const pipe = child.stdio[3];
    if (pipe && 'setEncoding' in pipe) {
      (pipe as NodeJS.ReadableStream).setEncoding('utf8');
      pipe.on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const m = /^(start|end) ([0-9]+)(?: ([0-9]+) (.*))?$/.exec(line);
          if (!m) continue;
          if (m[1] === 'start') units.set(m[2]!, { what: m[4] ?? '?', started: Date.now(), limitMs: seconds * 1000 * Number(m[3] ?? 1) });
          else units.delete(m[2]!);
        }
      });
    }
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // already gone
      }
    };
    const timer = setInterval(() => {
      if (timedOut) return;
      const now = Date.now();
      for (const u of units.values()) {
        if (now - u.started <= u.limitMs) continue;
        timedOut = u;
        // SIGTERM lets a process that is not the looping one clean up (compare's worktrees);
        // what is left a second later is killed.
        killGroup('SIGTERM');
        setTimeout(() => killGroup('SIGKILL'), 1000).unref();
        break;
      }
    }, 50);
    let signalled: NodeJS.Signals | null = null;
    const onSignal = (sig: NodeJS.Signals) => {
      signalled ??= sig;
      killGroup(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    child.on('close', (code, signal) => {
      clearInterval(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      killGroup('SIGKILL'); // nothing of the group outlives the command
      if (timedOut) {
        process.stderr.write(`ksmbench: timeout: ${timedOut.what} ran longer than ${seconds} s (--timeout ${seconds}); nothing was written\n`);
        resolve(2);
      } else {
        if (signalled) process.stderr.write(`ksmbench: interrupted (${signalled}); nothing was written\n`);
        resolve(code ?? (signal === 'SIGINT' ? 130 : 143));
      }
    });
  });
}
