// Where the numbers of two compared results came from: the same scenario name made of
// different scenario files (or of a file on one side only), the same out-of-tree variant id
// loaded from different sources. Such runs compare different inputs under one name, which the
// metrics alone do not show: compare and gate warn, one line each.
import { recordKey, type ResultSet, type RunRecord } from '../harness/results.ts';

/** What the two sides are called in the warnings. */
export interface Sides {
  readonly old: string;
  readonly new: string;
}

const SHORT = 12;

/** JSON with object keys sorted, so a file whose keys were only reordered has the same ops. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function scenarioLine(name: string, a: RunRecord['scenario_file'], b: RunRecord['scenario_file'], sides: Sides): string | null {
  if (a?.sha256 === b?.sha256) return null;
  if (a && b) {
    const same = canonical({ ops: a.ops, sysfs: a.sysfs }) === canonical({ ops: b.ops, sysfs: b.sysfs });
    return (
      `scenario "${name}" comes from different scenario files: ${sides.old} ${a.resolved} (sha256:${a.sha256.slice(0, SHORT)}), ` +
      `${sides.new} ${b.resolved} (sha256:${b.sha256.slice(0, SHORT)}); the ops as run ${same ? 'are the same' : 'differ'}`
    );
  }
  const [has, lacks, f] = a ? [sides.old, sides.new, a] : [sides.new, sides.old, b!];
  return (
    `scenario "${name}": ${has} ran scenario file ${f.resolved} (sha256:${f.sha256.slice(0, SHORT)}), ` +
    `${lacks} records none (a built-in scenario, or a result written before scenario files were recorded)`
  );
}

function variantLine(key: string, a: RunRecord['out_of_tree_variants'], b: RunRecord['out_of_tree_variants'], sides: Sides): string | null {
  const sa = a?.[key];
  const sb = b?.[key];
  if (sa?.sha256 === sb?.sha256) return null;
  if (sa && sb) {
    return (
      `out-of-tree variant ${key} has different sources: ${sides.old} ${sa.resolved} (sha256:${sa.sha256.slice(0, SHORT)}), ` +
      `${sides.new} ${sb.resolved} (sha256:${sb.sha256.slice(0, SHORT)}); the same id ran different code`
    );
  }
  const [has, lacks, s] = sa ? [sides.old, sides.new, sa] : [sides.new, sides.old, sb!];
  return (
    `variant ${key}: ${has} ran it out of tree from ${s.resolved} (sha256:${s.sha256.slice(0, SHORT)}), ` +
    `${lacks} records no source (an in-tree variant, or a result written before out-of-tree sources were recorded)`
  );
}

/**
 * One line per difference of provenance between runs that compare (same scenario, params and
 * stack): a scenario file's hash, an out-of-tree variant's source hash. Each difference once,
 * however many runs share it; none when both sides record the same (or nothing).
 */
export function provenanceWarnings(old: ResultSet, now: ResultSet, sides: Sides = { old: 'old', new: 'new' }): string[] {
  const byKey = new Map(now.runs.map((r) => [recordKey(r), r]));
  const lines = new Set<string>();
  for (const a of old.runs) {
    const b = byKey.get(recordKey(a));
    if (!b) continue;
    const s = scenarioLine(a.scenario, a.scenario_file, b.scenario_file, sides);
    if (s) lines.add(s);
    const keys = new Set([...Object.keys(a.out_of_tree_variants ?? {}), ...Object.keys(b.out_of_tree_variants ?? {})]);
    for (const k of [...keys].sort()) {
      const v = variantLine(k, a.out_of_tree_variants, b.out_of_tree_variants, sides);
      if (v) lines.add(v);
    }
  }
  return [...lines];
}

/** provenanceWarnings on stderr, each as "ksmbench: warning: …". */
export function warnProvenance(old: ResultSet, now: ResultSet, sides?: Sides): void {
  for (const line of provenanceWarnings(old, now, sides)) process.stderr.write(`ksmbench: warning: ${line}\n`);
}
