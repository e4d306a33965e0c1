// Command lines passed on: to a job of --jobs N, to a ksmbench at another revision.

/** argv without the given flags (and their values). */
export function argvWithout(argv: readonly string[], valueFlags: readonly string[], booleanFlags: readonly string[] = []): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.split('=')[0]!;
    if (booleanFlags.includes(name)) continue;
    if (!valueFlags.includes(name)) out.push(a);
    else if (!a.includes('=')) i++; // --flag value: drop the value too
  }
  return out;
}
