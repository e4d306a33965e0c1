// The variant registry: every module variants/<axis>/<id>.ts, discovered at load time, so a
// new patch version is one new file. Ids must be unique per axis and match their file names.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AXES, type Axis, type Variant, type VariantOf } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface RegisteredVariant {
  readonly variant: Variant;
  /** The module's path relative to variants/, e.g. "rmap/vm-pgoff.ts" (out of tree: as loaded). */
  readonly file: string;
  /** Only for an out-of-tree variant (KSMBENCH_EXTRA_VARIANTS): which source file was loaded. */
  readonly outOfTree?: VariantSource;
}

/** The source file of an out-of-tree variant: as loaded, absolute, and the sha256 of its bytes. */
export interface VariantSource {
  readonly path: string;
  readonly resolved: string;
  /** sha256 of the module file's bytes (not of files it imports), 64 lowercase hex digits. */
  readonly sha256: string;
}

/** A variant module that cannot be registered (thrown while loading, before any command runs). */
export class VariantLoadError extends Error {
  override name = 'VariantLoadError';
}

/**
 * Every variants/<axis>/<id>.ts, then those of the directory named by KSMBENCH_EXTRA_VARIANTS
 * (same layout, .ts files beside a package.json of "type": "module", or .mts files):
 * out-of-tree patch versions under development, without editing this tree.
 */
async function load(): Promise<RegisteredVariant[]> {
  const out: RegisteredVariant[] = [];
  const roots = [here, ...(process.env.KSMBENCH_EXTRA_VARIANTS ? [process.env.KSMBENCH_EXTRA_VARIANTS] : [])];
  for (const root of roots) {
    for (const axis of AXES) {
      const dir = join(root, axis);
      let files: string[];
      try {
        files = readdirSync(dir).filter((f) => f.endsWith('.ts') || (root !== here && f.endsWith('.mts'))).sort();
      } catch {
        if (root === here) throw new VariantLoadError(`variants/${axis}/ is missing`);
        continue;
      }
      for (const f of files) {
        // the bytes hashed are read just before the module is: what it was loaded from
        const source = root === here ? null : sourceOf(join(dir, f));
        const mod = await importVariant(join(dir, f));
        if (!mod.default) throw new VariantLoadError(`${join(dir, f)} has no default export (export default defineVariant({...}))`);
        // the layout is the contract: variants/<axis>/<id>.ts
        if (mod.default.axis !== axis || mod.default.id !== idOfFile(f)) {
          throw new VariantLoadError(`${join(dir, f)} defines ${mod.default.axis}/${mod.default.id}: it must live at ${mod.default.axis}/${mod.default.id}.ts`);
        }
        if (out.some((r) => r.variant.axis === axis && r.variant.id === mod.default!.id)) {
          throw new VariantLoadError(`${join(dir, f)}: variant id "${mod.default.id}" is already registered on axis ${axis}`);
        }
        out.push({ variant: mod.default, file: root === here ? `${axis}/${f}` : join(dir, f), ...(source ? { outOfTree: source } : {}) });
      }
    }
  }
  return out;
}

function sourceOf(path: string): VariantSource {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new VariantLoadError(`variant module ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return { path, resolved: resolve(path), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * A variant module, or a VariantLoadError (one line: the file and why) when it throws while
 * loading, does not parse or imports a file that does not exist.
 */
async function importVariant(path: string): Promise<{ default?: Variant }> {
  try {
    return (await import(pathToFileURL(path).href)) as { default?: Variant };
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    // esbuild's parse errors: "Transform failed with 1 error:\n<file>:3:7: ERROR: Expected …"
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^Transform failed with/.test(l));
    const why = (lines[0] ?? text).replace(`${path}:`, 'line ');
    const kind = e instanceof Error && e.name !== 'Error' ? `${e.name}: ` : '';
    throw new VariantLoadError(`variant module ${path} cannot be loaded: ${kind}${why}`);
  }
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

/** Where an out-of-tree variant was loaded from; undefined for a variant of this tree (or an unknown one). */
export function outOfTreeSource(axis: Axis, id: string): VariantSource | undefined {
  return REGISTRY.find((r) => r.variant.axis === axis && r.variant.id === id)?.outOfTree;
}

/** The id a file name stands for ("rmap/vm-pgoff.ts" → "vm-pgoff"). */
export function idOfFile(file: string): string {
  return basename(basename(file, '.ts'), '.mts');
}
