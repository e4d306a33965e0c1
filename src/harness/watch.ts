// Reporting each run's start and end to a `--timeout` watchdog (src/cli/watchdog.ts): one line
// per event, written synchronously to the pipe the watchdog named in KSMBENCH_WATCH_FD, so it
// is out before a run that never returns blocks the process.
import { writeSync } from 'node:fs';

export const WATCH_FD_ENV = 'KSMBENCH_WATCH_FD';

function fd(): number | null {
  const v = process.env[WATCH_FD_ENV];
  return v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : null;
}

function emit(line: string): void {
  const f = fd();
  if (f === null) return;
  try {
    writeSync(f, `${line.replace(/\n/g, ' ')}\n`);
  } catch {
    // no watchdog listening: nothing to report to
  }
}

/** A unit of work starts (`what`: "scenario [params] × configuration"); `scale`: its budget in timeouts. */
export function watchStart(what: string, scale = 1): void {
  emit(`start ${process.pid} ${scale} ${what}`);
}

export function watchEnd(): void {
  emit(`end ${process.pid}`);
}
