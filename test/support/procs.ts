// Test support: the processes a command started.
import { readdirSync, readFileSync } from 'node:fs';

/** Live (not zombie) children of `pid` whose command line contains `text`. */
export function childrenOf(pid: number, text: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z' || Number(rest[1]) !== pid) continue;
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text)) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
