// Debian's cloud kernels (linux-image-*-cloud-amd64) as images to boot under QEMU: resolved and
// downloaded through a private apt setup (its own sources list, lists, state and cache, all in
// the per-user cache directory: the machine's apt configuration is only read for its defaults,
// never written), unpacked with dpkg-deb (the image is /boot/vmlinuz-* in the linux-image
// package up to 6.18; from 6.19 on that package is a stub and linux-binary-<abi> holds the image,
// 7.2 on as /usr/lib/modules/<abi>/vmlinuz, with linux-base-<abi>'s config beside it), and kept
// with their version and sha256. The config's CONFIG_KSM and CONFIG_TRANSPARENT_HUGEPAGE are
// checked where the archive still has it (not for the 6.19, 7.0 and 7.1 backports).
//   debian:6.1          bookworm (+ -updates, -security)    linux-image-6.1.0-<abi>-cloud-amd64
//   debian:6.12         trixie (+ -updates, -security)      linux-image-6.12.<n>+deb13-cloud-amd64
//   debian:6.16 … 7.3   trixie-backports                    linux-image-<x.y>.<n>+deb13-cloud-amd64
// and debian:<x.y.n> for one upstream release of those. The newest package of the series wins.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** Why a kernel cannot be had: a bad spec (the user's), no network/archive, or an unfit image. */
export class DebianKernelError extends Error {
  readonly reason: 'spec' | 'fetch' | 'config';
  constructor(message: string, reason: 'spec' | 'fetch' | 'config') {
    super(message);
    this.reason = reason;
  }
}

export interface DebianKernel {
  /** The unpacked /boot/vmlinuz-* (a bzImage), in the cache. */
  path: string;
  /** The Debian package version, e.g. 6.12.118-1. */
  version: string;
  sha256: string;
  /** The binary package, e.g. linux-image-6.12.118+deb13-cloud-amd64. */
  package: string;
  /**
   * The kernel's config (/boot/config-* or linux-base's /usr/lib/modules/<abi>/config), beside
   * the image; null where the archive no longer has the package that ships it (the older
   * trixie-backports releases 6.19, 7.0, 7.1 keep only their signed image): then CONFIG_KSM
   * could not be checked here, and the VM's /sys/kernel/mm/ksm tells (runInQemu's `ksm`).
   */
  config: string | null;
}

export interface DebianSpec {
  spec: string;
  /** "6.1", "6.12", "7.3". */
  series: string;
  /** The upstream release asked for (debian:6.12.118), or null for the newest. */
  release: string | null;
  suites: readonly string[];
  packageName: RegExp;
}

const BACKPORTS = ['6.16', '6.17', '6.18', '6.19', '7.0', '7.1', '7.2', '7.3'] as const;
export const ACCEPTED_SPECS = `debian:6.1, debian:6.12 or debian:6.16 … debian:7.3 (trixie-backports), or one upstream release of those (e.g. debian:6.12.118)`;

const ARCHIVE = 'http://deb.debian.org/debian';
const SECURITY = 'http://deb.debian.org/debian-security';
const SOURCES: readonly { suite: string; url: string }[] = [
  { suite: 'bookworm', url: ARCHIVE },
  { suite: 'bookworm-updates', url: ARCHIVE },
  { suite: 'bookworm-security', url: SECURITY },
  { suite: 'trixie', url: ARCHIVE },
  { suite: 'trixie-updates', url: ARCHIVE },
  { suite: 'trixie-security', url: SECURITY },
  { suite: 'trixie-backports', url: ARCHIVE },
];
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
/** Lists older than this are fetched again (when the network allows). */
const LISTS_MAX_AGE_MS = 12 * 3600_000;

function esc(s: string): string {
  return s.replace(/[.+]/g, (c) => `\\${c}`);
}

/** The spec's series, suites and package-name pattern; DebianKernelError('spec') for anything else. */
export function parseDebianSpec(spec: string): DebianSpec {
  const m = /^debian:([0-9]+)\.([0-9]+)(?:\.([0-9]+))?$/.exec(spec);
  const bad = (): DebianKernelError => new DebianKernelError(`kernel "${spec}" is not ${ACCEPTED_SPECS}`, 'spec');
  if (!m) throw bad();
  const series = `${Number(m[1])}.${Number(m[2])}`;
  const release = m[3] === undefined ? null : `${series}.${Number(m[3])}`;
  if (series === '6.1') return { spec, series, release, suites: ['bookworm', 'bookworm-updates', 'bookworm-security'], packageName: /^linux-image-6\.1\.0-[0-9]+-cloud-amd64$/ };
  if (series === '6.12' || (BACKPORTS as readonly string[]).includes(series)) {
    const suites = series === '6.12' ? ['trixie', 'trixie-updates', 'trixie-security'] : ['trixie-backports'];
    return { spec, series, release, suites, packageName: new RegExp(`^linux-image-${esc(series)}\\.[0-9]+\\+deb13(\\.[0-9]+)?-cloud-amd64$`) };
  }
  throw bad();
}

/** The per-user cache: $XDG_CACHE_HOME/ksmbench/kernels, else ~/.cache/ksmbench/kernels. */
export function kernelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'ksmbench', 'kernels');
}

// ---- Debian version order (deb-version(7)) ----

function order(c: string): number {
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function comparePart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // the non-digit prefix, character by character ('~' before everything, even the end)
    while ((i < a.length && !/[0-9]/.test(a[i] ?? '')) || (j < b.length && !/[0-9]/.test(b[j] ?? ''))) {
      const ca = i < a.length && !/[0-9]/.test(a[i] ?? '') ? order(a[i] ?? '') : 0;
      const cb = j < b.length && !/[0-9]/.test(b[j] ?? '') ? order(b[j] ?? '') : 0;
      if (ca !== cb) return ca - cb;
      i++;
      j++;
    }
    let da = '';
    let db = '';
    while (i < a.length && /[0-9]/.test(a[i] ?? '')) da += a[i++];
    while (j < b.length && /[0-9]/.test(b[j] ?? '')) db += b[j++];
    const na = BigInt(da || '0');
    const nb = BigInt(db || '0');
    if (na !== nb) return na < nb ? -1 : 1;
  }
  return 0;
}

/** Debian's version order: negative, 0 or positive as a sorts before, with or after b. */
export function compareDebianVersions(a: string, b: string): number {
  const split = (v: string): [number, string, string] => {
    const colon = v.indexOf(':');
    const epoch = colon >= 0 ? Number(v.slice(0, colon)) : 0;
    const rest = colon >= 0 ? v.slice(colon + 1) : v;
    const dash = rest.lastIndexOf('-');
    return dash >= 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ''];
  };
  const [ea, ua, ra] = split(a);
  const [eb, ub, rb] = split(b);
  if (ea !== eb) return ea - eb;
  return comparePart(ua, ub) || comparePart(ra, rb);
}

// ---- the private apt ----

interface Apt {
  dir: string;
  options: string[];
}

function privateApt(cache: string): Apt {
  const dir = join(cache, 'apt');
  for (const d of ['lists/partial', 'cache/archives/partial', 'state', 'empty']) mkdirSync(join(dir, d), { recursive: true });
  const signed = existsSync(KEYRING) ? ` signed-by=${KEYRING}` : '';
  const list = SOURCES.map((s) => `deb [arch=amd64${signed}] ${s.url} ${s.suite} main\n`).join('');
  // rewritten only when it changes: apt rebuilds its package cache when the list is newer
  if (!existsSync(join(dir, 'sources.list')) || readFileSync(join(dir, 'sources.list'), 'utf8') !== list) writeFileSync(join(dir, 'sources.list'), list);
  if (!existsSync(join(dir, 'state', 'status'))) writeFileSync(join(dir, 'state', 'status'), '');
  const options = [
    `Dir::Etc::SourceList=${join(dir, 'sources.list')}`,
    `Dir::Etc::SourceParts=${join(dir, 'empty')}`,
    `Dir::Etc::Preferences=${join(dir, 'empty', 'preferences')}`,
    `Dir::Etc::PreferencesParts=${join(dir, 'empty')}`,
    `Dir::State=${join(dir, 'state')}`,
    `Dir::State::Lists=${join(dir, 'lists')}`,
    `Dir::State::status=${join(dir, 'state', 'status')}`,
    `Dir::Cache=${join(dir, 'cache')}`,
    // (container images often turn the package cache off; looking up from the lists alone is slow)
    'Dir::Cache::pkgcache=pkgcache.bin',
    'Dir::Cache::srcpkgcache=srcpkgcache.bin',
    'APT::Architecture=amd64',
    'APT::Architectures=amd64',
    'Acquire::Languages=none',
    'Acquire::Retries=1',
    'Acquire::http::Timeout=20',
    // as root apt drops to _apt, who cannot write into a user's cache directory
    ...(process.getuid?.() === 0 ? ['APT::Sandbox::User=root'] : []),
  ].flatMap((o) => ['-o', o]);
  return { dir, options };
}

function run(cmd: string, args: string[], cwd?: string): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, timeout: 600_000, maxBuffer: 64 << 20 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr || (r.error ? String(r.error) : '')).trim() };
}

/** Runs apt-get/apt-cache under an exclusive lock of the cache (two ksmbench at once share it). */
function apt(a: Apt, tool: 'apt-get' | 'apt-cache', args: string[], cwd?: string): { ok: boolean; out: string; err: string } {
  const lock = join(a.dir, 'lock');
  return run('flock', ['--exclusive', '--wait', '900', lock, tool, ...a.options, ...args], cwd);
}

function firstError(err: string): string {
  const lines = err.split('\n').filter((l) => /^(E|Err):|error/i.test(l));
  return (lines[0] ?? err.split('\n')[0] ?? '').trim();
}

/** Fetches the package lists when missing or old; stale lists are kept when the network fails. */
function update(a: Apt, refresh: boolean): void {
  const stamp = join(a.dir, 'updated');
  const fresh = existsSync(stamp) && Date.now() - statSync(stamp).mtimeMs < LISTS_MAX_AGE_MS;
  if (fresh && !refresh) return;
  const r = apt(a, 'apt-get', ['-q', 'update']);
  // apt-get update exits 0 with "W: Failed to fetch" when the network is down: look for the lists
  const failed = !r.ok || /^(W|E): (Failed to fetch|Some index files failed)/m.test(r.err);
  if (!failed) {
    writeFileSync(stamp, new Date().toISOString() + '\n');
    return;
  }
  if (existsSync(stamp)) return; // stale lists are better than none
  throw new DebianKernelError(`cannot fetch Debian's package lists from deb.debian.org (${firstError(r.err) || 'apt-get update failed'})`, 'fetch');
}

export interface DebianKernelPackage {
  package: string;
  version: string;
  suite: string;
}

/** The newest package of the spec in the lists. */
function resolve(a: Apt, s: DebianSpec): DebianKernelPackage | null {
  const names = apt(a, 'apt-cache', ['pkgnames', 'linux-image-']);
  if (!names.ok) throw new DebianKernelError(`apt-cache cannot read the private package lists in ${a.dir} (${firstError(names.err)})`, 'fetch');
  const wanted = names.out.split('\n').map((l) => l.trim()).filter((n) => s.packageName.test(n));
  if (!wanted.length) return null;
  const mad = apt(a, 'apt-cache', ['madison', ...wanted]);
  const found: DebianKernelPackage[] = [];
  for (const line of mad.out.split('\n')) {
    // linux-image-6.12.118+deb13-cloud-amd64 | 6.12.118-1 | http://deb.debian.org/debian-security trixie-security/main amd64 Packages
    const [pkg, version, where] = line.split('|').map((f) => f.trim());
    const suite = /\s([a-z-]+)\/main\s/.exec(` ${where ?? ''} `)?.[1];
    if (!pkg || !version || !suite || !/ Packages$/.test(where ?? '')) continue;
    if (!s.suites.includes(suite) || !s.packageName.test(pkg)) continue;
    if (s.release && !version.startsWith(`${s.release}-`)) continue;
    found.push({ package: pkg, version, suite });
  }
  found.sort((x, y) => compareDebianVersions(y.version, x.version));
  return found[0] ?? null;
}

interface Meta {
  package: string;
  version: string;
  sha256: string;
  suite: string;
  image: string;
  config: string | null;
  /** The .deb packages unpacked, and where the image was in them. */
  packages?: string[];
  from?: string;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function entryDir(cache: string, c: { package: string; version: string }): string {
  return join(cache, 'images', `${c.package}_${c.version}`.replace(/[^A-Za-z0-9.+~_-]/g, '_'));
}

function readMeta(dir: string): Meta | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
    if (typeof m.package !== 'string' || typeof m.version !== 'string' || typeof m.sha256 !== 'string') return null;
    return m;
  } catch {
    return null;
  }
}

/** The reason an image's config is unfit for ksmbench (no KSM / THP), or null. */
export function configProblem(configText: string): string | null {
  const has = (k: string): boolean => new RegExp(`^${k}=y$`, 'm').test(configText);
  if (!has('CONFIG_KSM')) return 'it is built without CONFIG_KSM=y (no /sys/kernel/mm/ksm)';
  if (!has('CONFIG_TRANSPARENT_HUGEPAGE')) return 'it is built without CONFIG_TRANSPARENT_HUGEPAGE=y';
  if (!has('CONFIG_BLK_DEV_INITRD')) return 'it is built without CONFIG_BLK_DEV_INITRD=y (cannot boot an initramfs)';
  if (!has('CONFIG_SERIAL_8250_CONSOLE')) return 'it is built without CONFIG_SERIAL_8250_CONSOLE=y (no console on ttyS0)';
  return null;
}

function fromCache(dir: string): DebianKernel | null {
  const m = readMeta(dir);
  if (!m) return null;
  const path = join(dir, m.image);
  const config = m.config === null ? null : join(dir, m.config);
  if (!existsSync(path) || (config !== null && !existsSync(config)) || sha256(path) !== m.sha256) return null;
  return { path, version: m.version, sha256: m.sha256, package: m.package, config };
}

/**
 * The packages that hold the image and its config: the linux-image package itself and the
 * linux-base-<abi> (config, 6.18 on) and linux-binary-<abi> (vmlinuz, 6.19 on) it depends on at
 * the same version (7.2 on: both under /usr/lib/modules/<abi>/, not /boot).
 */
export function kernelParts(control: string, version: string): string[] {
  const depends = /^Depends:(.*)$/m.exec(control)?.[1] ?? '';
  return depends
    .split(',')
    .map((d) => d.trim())
    .flatMap((d) => {
      const m = /^(linux-(?:base|binary)-\S+) \(= (\S+)\)$/.exec(d);
      return m && m[2] === version ? [m[1] ?? ''] : [];
    })
    .filter((n) => n !== '');
}

/** The kernel image and its config in an unpacked tree: /boot/{vmlinuz,config}-* or /usr/lib/modules/<abi>/{vmlinuz,config}. */
function findImage(x: string): { image: string; config: string | null } | null {
  const inDir = (d: string, image: (f: string) => boolean, config: (f: string) => boolean): { image?: string; config?: string } => {
    let names: string[];
    try {
      names = readdirSync(join(x, d));
    } catch {
      return {};
    }
    const i = names.find(image);
    const c = names.find(config);
    return { ...(i ? { image: join(d, i) } : {}), ...(c ? { config: join(d, c) } : {}) };
  };
  const found: { image?: string; config?: string } = inDir('boot', (f) => f.startsWith('vmlinuz-'), (f) => f.startsWith('config-'));
  let abis: string[] = [];
  try {
    abis = readdirSync(join(x, 'usr/lib/modules'));
  } catch {
    /* not there */
  }
  for (const abi of abis) {
    const m = inDir(join('usr/lib/modules', abi), (f) => f === 'vmlinuz', (f) => f === 'config');
    found.image ??= m.image;
    found.config ??= m.config;
  }
  return found.image ? { image: found.image, config: found.config ?? null } : null;
}

/** Downloads and unpacks the kernel into the cache (atomically: a half-done entry is never seen). */
function fetchInto(a: Apt, cache: string, c: DebianKernelPackage, spec: string): DebianKernel {
  mkdirSync(join(cache, 'images'), { recursive: true });
  const work = mkdtempSync(join(cache, 'images', '.fetch-'));
  try {
    const show = apt(a, 'apt-cache', ['show', `${c.package}=${c.version}`]);
    if (!show.ok) throw new DebianKernelError(`apt-cache cannot show ${c.package} ${c.version} (${firstError(show.err)})`, 'fetch');
    // (a part the archive no longer has is skipped: 6.18's image package still holds everything)
    const parts = kernelParts(show.out, c.version);
    const have = parts.length ? apt(a, 'apt-cache', ['madison', ...parts]).out : '';
    const packages = [c.package, ...parts.filter((p) => have.split('\n').some((l) => l.split('|').map((f) => f.trim()).join('|').startsWith(`${p}|${c.version}|`)))];
    const dl = apt(a, 'apt-get', ['-q', 'download', ...packages.map((p) => `${p}=${c.version}`)], work);
    const debs = readdirSync(work).filter((f) => f.endsWith('.deb'));
    if (!dl.ok || debs.length !== packages.length) throw new DebianKernelError(`cannot download ${packages.join(', ')} ${c.version} (${firstError(dl.err) || 'apt-get download failed'})`, 'fetch');
    const x = join(work, 'x');
    for (const deb of debs) {
      const un = run('dpkg-deb', ['-x', join(work, deb), x]);
      if (!un.ok) throw new DebianKernelError(`dpkg-deb cannot unpack ${deb} (${firstError(un.err)})`, 'fetch');
    }
    const f = findImage(x);
    if (!f) throw new DebianKernelError(`${packages.join(', ')} ${c.version} hold no kernel image (/boot/vmlinuz-*, /usr/lib/modules/*/vmlinuz)`, 'config');
    const why = f.config === null ? null : configProblem(readFileSync(join(x, f.config), 'utf8'));
    if (why) throw new DebianKernelError(`${c.package} ${c.version} (${spec}) cannot be used: ${why}`, 'config');
    const entry = join(work, 'entry');
    mkdirSync(entry);
    const image = 'vmlinuz';
    const config = f.config === null ? null : 'config';
    renameSync(join(x, f.image), join(entry, image));
    if (f.config !== null) renameSync(join(x, f.config), join(entry, 'config'));
    const meta: Meta = { package: c.package, version: c.version, sha256: sha256(join(entry, image)), suite: c.suite, image, config, packages, from: f.image };
    writeFileSync(join(entry, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
    const dest = entryDir(cache, c);
    rmSync(dest, { recursive: true, force: true });
    renameSync(entry, dest);
    const k = fromCache(dest);
    if (!k) throw new DebianKernelError(`the cached ${c.package} ${c.version} in ${dest} does not read back`, 'fetch');
    return k;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The newest cached image of the spec (when the archive cannot be reached). */
function newestCached(cache: string, s: DebianSpec): DebianKernel | null {
  let names: string[];
  try {
    names = readdirSync(join(cache, 'images'));
  } catch {
    return null;
  }
  const ks = names
    .filter((n) => !n.startsWith('.'))
    .map((n) => fromCache(join(cache, 'images', n)))
    .filter((k): k is DebianKernel => k !== null && s.packageName.test(k.package) && (!s.release || k.version.startsWith(`${s.release}-`)));
  ks.sort((x, y) => compareDebianVersions(y.version, x.version));
  return ks[0] ?? null;
}

function tools(): string | null {
  for (const [t, pkg] of [['apt-get', 'apt'], ['apt-cache', 'apt'], ['dpkg-deb', 'dpkg'], ['flock', 'util-linux']] as const) {
    const r = spawnSync(t, ['--version'], { stdio: 'ignore' });
    if (r.error || r.status !== 0) return `${t} is missing (${pkg})`;
  }
  return null;
}

/**
 * The newest Debian cloud kernel of the spec (see the head of this file), downloaded once into
 * the cache (kernelCacheDir()) and checked: CONFIG_KSM=y and CONFIG_TRANSPARENT_HUGEPAGE=y.
 * Package lists are fetched again after 12 hours (or with refresh); without network the lists
 * and images already cached are used. Throws DebianKernelError (reason "spec" for a bad spec:
 * one line naming it and what is accepted).
 */
export function debianKernel(spec: string, opts: { cacheDir?: string; refresh?: boolean } = {}): DebianKernel {
  const s = parseDebianSpec(spec);
  const cache = opts.cacheDir ?? kernelCacheDir();
  let c: DebianKernelPackage;
  let a: Apt;
  try {
    ({ c, a } = lookUp(s, cache, opts.refresh ?? false));
  } catch (e) {
    const k = e instanceof DebianKernelError && e.reason === 'fetch' ? newestCached(cache, s) : null;
    if (k) return k;
    throw e;
  }
  return fromCache(entryDir(cache, c)) ?? fetchInto(a, cache, c, spec);
}

/** The package debianKernel(spec) would boot (the lists are fetched as there; nothing is downloaded). */
export function debianKernelPackage(spec: string, opts: { cacheDir?: string; refresh?: boolean } = {}): DebianKernelPackage {
  return lookUp(parseDebianSpec(spec), opts.cacheDir ?? kernelCacheDir(), opts.refresh ?? false).c;
}

function lookUp(s: DebianSpec, cache: string, refresh: boolean): { c: DebianKernelPackage; a: Apt } {
  const missing = tools();
  if (missing) throw new DebianKernelError(`cannot fetch Debian kernels here: ${missing}`, 'fetch');
  mkdirSync(cache, { recursive: true });
  const a = privateApt(cache);
  update(a, refresh);
  const c = resolve(a, s);
  if (!c) throw new DebianKernelError(`no package for ${s.spec} in Debian ${s.suites.join(', ')} (looked for ${s.packageName.source}${s.release ? ` version ${s.release}-*` : ''})`, 'fetch');
  return { c, a };
}
