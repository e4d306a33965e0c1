// Test support: an out-of-tree variant directory (KSMBENCH_EXTRA_VARIANTS) holding one rmap
// variant, `probe`, whose query the test writes — the shape of a patch under review.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.ts';

export interface ProbeVariant {
  /** The environment that makes ksmbench load it. */
  readonly env: Readonly<Record<string, string>>;
  /** The module's path. */
  readonly path: string;
  /** Write the variant with this body of query(ksm, item) (which must return [first, last]). */
  writeQueryBody(body: string): void;
  /** Write the variant with query(ksm, item) returning this expression. */
  writeQuery(expression: string): void;
}

/** Make the directory under `tmp`; nothing is written into it before a write call. */
export function probeVariant(tmp: string): ProbeVariant {
  const extra = join(tmp, 'variants');
  mkdirSync(join(extra, 'rmap'), { recursive: true });
  writeFileSync(join(extra, 'package.json'), '{"type": "module"}');
  const path = join(extra, 'rmap', 'probe.ts');
  const writeQueryBody = (body: string): void => {
    writeFileSync(
      path,
      `import { defineVariant } from '${join(ROOT, 'variants', 'types.ts')}';
export default defineVariant({ id: 'probe', axis: 'rmap', title: 'probe', subject: 'a patch under test', version: 'test', date: '2026-11',
  link: 'test', reference: 'full-range', policy: { query(ksm: { items: { vpn(item: number): number } }, item: number) { void ksm; void item; ${body} } } });
`,
    );
  };
  return { env: { KSMBENCH_EXTRA_VARIANTS: extra }, path, writeQueryBody, writeQuery: (e) => writeQueryBody(`return ${e};`) };
}
