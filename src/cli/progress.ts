// Progress on stderr for long runs: only on a terminal, never in CI or when stdout carries data.

export function progressReporter(quiet: boolean): ((done: number, total: number, what: string) => void) | undefined {
  if (quiet || !process.stderr.isTTY || process.env.CI) return undefined;
  const started = Date.now();
  return (done, total, what) => {
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    process.stderr.write(`\r\x1b[K[${done}/${total} ${secs}s] ${what}`);
    if (done === total) process.stderr.write('\r\x1b[K');
  };
}
