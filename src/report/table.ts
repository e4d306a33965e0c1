// Plain-text tables for the terminal: columns padded to their widest cell.

export function renderTable(header: readonly string[], rows: readonly (readonly (string | number)[])[], rightAlign: (col: number) => boolean = () => false): string {
  const cells = [header.map(String), ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((v, c) => (rightAlign(c) ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** Markdown pipe table. */
export function renderMarkdown(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const esc = (v: string | number) => String(v).replace(/\|/g, '\\|');
  return [`| ${header.map(esc).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/** An integer with thousands separators (exact, no rounding). */
export function fmtInt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

export function fmtNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns} ns`;
}
