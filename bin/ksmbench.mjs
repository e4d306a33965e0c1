#!/usr/bin/env node
// The ksmbench command: registers tsx's loader so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

register();
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
