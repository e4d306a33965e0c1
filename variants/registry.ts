// The variant registry: every module variants/<axis>/<id>.ts, discovered at load time, so a
// new patch version is one new file. Ids must be unique per axis and match their file names.
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AXES, type Axis, type Variant, type VariantOf } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface RegisteredVariant {
  readonly variant: Variant;
  /** The module's path relative to variants/, e.g. "rmap/vm-pgoff.ts". */
  readonly file: string;
}

async function load(): Promise<RegisteredVariant[]> {
  const out: RegisteredVariant[] = [];
  for (const axis of AXES) {
    const dir = join(here, axis);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .sort();
    for (const f of files) {
      const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default?: Variant };
      if (!mod.default) throw new Error(`variants/${axis}/${f} has no default export (export default defineVariant({...}))`);
      out.push({ variant: mod.default, file: `${axis}/${f}` });
    }
  }
  return out;
}

export const REGISTRY: readonly RegisteredVariant[] = await load();

export function variantsOf<A extends Axis>(axis: A): VariantOf<A>[] {
  return REGISTRY.filter((r) => r.variant.axis === axis).map((r) => r.variant as VariantOf<A>);
}

export class UnknownVariantError extends Error {}

/** The variant `id` on `axis`, or an error naming the bad id and the accepted ones. */
export function getVariant<A extends Axis>(axis: A, id: string): VariantOf<A> {
  const found = variantsOf(axis).find((v) => v.id === id);
  if (!found) {
    const ids = variantsOf(axis).map((v) => v.id);
    throw new UnknownVariantError(`unknown ${axis} variant "${id}" (accepted: ${ids.join(', ')})`);
  }
  return found;
}

/** The id a file name stands for ("rmap/vm-pgoff.ts" → "vm-pgoff"). */
export function idOfFile(file: string): string {
  return basename(file, '.ts');
}
