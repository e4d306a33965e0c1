// Progress on stderr for long work (run, run --jobs N, gate, sweep): one line per finished run
// when stderr is not a terminal (so CI logs show it), one live line when it is; --quiet turns
// it off. stdout is never touched: it carries the table or the data.
//
//   [3/84] guests × v6.18 0.8 s, ETA 40 s
//
// A job of run --jobs N (KSMBENCH_PROGRESS=lines) reports each finished run to its parent as
// one machine line instead (PROGRESS_PREFIX), and the parent counts them over all jobs.

/** --quiet: no progress on stderr (run, gate, sweep). */
export const QUIET_FLAG = { quiet: { type: 'boolean' } } as const;

export const PROGRESS_ENV = 'KSMBENCH_PROGRESS';
/** The line a job writes on stderr for each finished run: prefix, milliseconds, tab, what ran. */
export const PROGRESS_PREFIX = 'ksmbench-progress\t';

/**
 * Called once per finished run: what ran and how long it took. `units` (default 1): how many
 * runs the call stands for (compare --base counts the whole suite of a revision that reports
 * no per-run progress at once).
 */
export type Progress = (what: string, ms: number, units?: number) => void;

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(s: string): unknown;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

/** The progress line of the `done`-th of `total` finished runs, `elapsed` ms after the start. */
export function progressLine(done: number, total: number, what: string, ms: number, elapsed: number): string {
  const left = total - done;
  const eta = left > 0 && done > 0 ? `, ETA ${seconds((elapsed / done) * left)}` : '';
  return `[${done}/${total}] ${what} ${seconds(ms)}${eta}`;
}

/**
 * The reporter of `total` runs, or undefined with --quiet (or KSMBENCH_PROGRESS=off). Under a
 * parent's run --jobs (KSMBENCH_PROGRESS=lines) it writes the machine lines the parent reads.
 */
export function progressReporter(total: number, quiet: boolean, stream: ProgressStream = process.stderr): Progress | undefined {
  const mode = process.env[PROGRESS_ENV];
  if (quiet || mode === 'off' || total === 0) return undefined;
  if (mode === 'lines') return (what, ms) => void stream.write(`${PROGRESS_PREFIX}${Math.round(ms)}\t${what}\n`);
  const started = Date.now();
  let done = 0;
  const live = stream.isTTY === true;
  return (what, ms, units = 1) => {
    done += units;
    const line = progressLine(done, total, what, ms, Date.now() - started);
    if (!live) stream.write(`${line}\n`);
    else stream.write(done === total ? '\r\x1b[K' : `\r\x1b[K${line}`);
  };
}

/**
 * Split a job's stderr text: its progress lines go to `progress`, the rest is returned. `rest`
 * is an incomplete last line carried to the next chunk.
 */
export function takeProgressLines(chunk: string, carry: { rest: string }, progress: Progress | undefined): string {
  const text = carry.rest + chunk;
  const lines = text.split('\n');
  carry.rest = lines.pop() ?? '';
  let other = '';
  for (const line of lines) {
    if (line.startsWith(PROGRESS_PREFIX)) {
      const [ms, ...what] = line.slice(PROGRESS_PREFIX.length).split('\t');
      progress?.(what.join('\t'), Number(ms));
    } else other += `${line}\n`;
  }
  return other;
}
