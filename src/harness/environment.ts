// Where a result came from: Node, OS, CPU, the package version and the git state (simple-git).
import { readFileSync } from 'node:fs';
import { cpus, release, type as osType } from 'node:os';
import { fileURLToPath } from 'node:url';
import { simpleGit } from 'simple-git';

/** The ksmbench checkout these sources are in: its git state is what a result records. */
export const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));

export interface Environment {
  readonly node: string;
  readonly os: string;
  readonly cpu: string;
  readonly cpus: number;
  readonly ksmbench: string;
  readonly git: { readonly commit: string; readonly branch: string; readonly dirty: boolean };
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The git state of `dir` (commit "nogit" outside a repository). */
export async function gitState(dir: string): Promise<Environment['git']> {
  try {
    const git = simpleGit({ baseDir: dir });
    if (!(await git.checkIsRepo())) return { commit: 'nogit', branch: '', dirty: false };
    const commit = (await git.revparse(['--short=12', 'HEAD'])).trim();
    const branch = (await git.revparse(['--abbrev-ref', 'HEAD'])).trim();
    const status = await git.status();
    return { commit, branch, dirty: !status.isClean() };
  } catch {
    return { commit: 'nogit', branch: '', dirty: false };
  }
}

/** Where a result came from; the git state is the ksmbench checkout's, whatever the cwd. */
export async function environment(dir: string = CHECKOUT): Promise<Environment> {
  const cpu = cpus();
  return {
    node: process.version,
    os: `${osType()} ${release()}`,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cpus: cpu.length,
    ksmbench: packageVersion(),
    git: await gitState(dir),
  };
}
