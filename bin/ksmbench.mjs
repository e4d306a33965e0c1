#!/usr/bin/env node
// The ksmbench command: registers tsx's loader so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

register();
// a closed pipe on stdout (`ksmbench compare A B | head -2`) ends the command quietly: the reader
// has what it wanted
process.stdout.on('error', (e) => {
  if (e?.code === 'EPIPE') process.exit(0);
  throw e;
});
// KSMBENCH_EXTRA_VARIANTS must name a directory of <axis>/ directories: a typo would silently
// load nothing
const extra = process.env.KSMBENCH_EXTRA_VARIANTS;
if (extra) {
  const { readdirSync } = await import('node:fs');
  const { AXES } = await import('../variants/types.ts');
  let entries;
  try {
    entries = readdirSync(extra, { withFileTypes: true });
  } catch (e) {
    process.stderr.write(`ksmbench: KSMBENCH_EXTRA_VARIANTS "${extra}" is not a readable directory (${e?.code ?? e})\n`);
    process.exit(2);
  }
  for (const d of entries) {
    if (!d.isDirectory() || d.name.startsWith('.') || d.name === 'node_modules' || AXES.includes(d.name)) continue;
    process.stderr.write(`ksmbench: KSMBENCH_EXTRA_VARIANTS "${extra}" has a directory "${d.name}", which is not an axis (accepted: ${AXES.join(', ')})\n`);
    process.exit(2);
  }
}
let main;
try {
  ({ main } = await import('../src/cli.ts'));
} catch (e) {
  // a variant module (e.g. from KSMBENCH_EXTRA_VARIANTS) that cannot be registered: bad input
  if (e?.name !== 'VariantLoadError') throw e;
  process.stderr.write(`ksmbench: ${e.message}\n`);
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2));
