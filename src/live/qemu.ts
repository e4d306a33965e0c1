// Running a program on any kernel image under QEMU: the program (a static binary, or C source
// compiled here with cc -static) and its stdin go into an initramfs written on the fly with
// busybox (static) as the shell; its /init mounts proc and sysfs, prints the kernel release,
// runs /driver < /input and prints its stdout, stderr and exit status between marker lines on
// the serial console, then powers the VM off. The VM has no disk and no network. Everything is
// bounded by one timeout (the QEMU process group is killed) and every temporary file is removed.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpioNewc, type CpioEntry } from './cpio.ts';

/** QEMU, the image or the program failed (cannot boot, timed out, no result): an environment error. */
export class QemuError extends Error {}

export const QEMU = 'qemu-system-x86_64';
/** Where busybox-static installs its binary (Debian: /bin/busybox), looked for in this order. */
export const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox', '/usr/local/bin/busybox'] as const;

export type QemuAccel = 'tcg' | 'kvm';
export type QemuMachine = 'pc' | 'q35';

export type QemuDriver = { driverSource: string } | { driverBinary: string };

export type QemuOptions = QemuDriver & {
  /** A bzImage (e.g. /boot/vmlinuz-* of a Debian linux-image package). */
  kernelImage: string;
  /** The driver's stdin. */
  input: string;
  /**
   * The VM's RAM. Below 512 MiB of usable RAM (about -m 600) the kernel turns THP off at boot
   * whatever the command line says (hugepage_init: "disable transparent hugepages on smaller
   * systems"): give 768 or more where THP matters.
   */
  memoryMiB: number;
  /** Extra kernel command line, after "console=ttyS0 panic=-1 quiet" (e.g. transparent_hugepage=madvise). */
  cmdline?: string;
  /** Bounds the whole run: build, boot, the driver, power-off. */
  timeoutMs: number;
  /** Default "tcg" (any host); "kvm" needs a usable /dev/kvm. */
  accel?: QemuAccel;
  /** Default 2. */
  smp?: number;
  /** Default "pc" (i440FX: boots a little faster under TCG than q35). */
  machine?: QemuMachine;
};

export interface QemuResult {
  stdout: string;
  stderr: string;
  /** The driver's exit status; null when a signal ended it (then `signal` is its number). */
  status: number | null;
  signal: number | null;
  /** `uname -r` inside the VM. */
  uname: string;
  /** Whether the VM has /sys/kernel/mm/ksm/run (a kernel with CONFIG_KSM). */
  ksm: boolean;
  /** sha256 (hex) of the kernel image booted. */
  kernelSha256: string;
  /** From starting QEMU to /init's first line (the kernel has booted). */
  bootMs: number;
  /** From /init's first line to the result's last line (the driver's run and the output). */
  runMs: number;
}

function runs(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/** A static busybox binary on this machine, or null. */
export function findBusybox(): string | null {
  for (const p of BUSYBOX_CANDIDATES) {
    try {
      accessSync(p, constants.X_OK);
    } catch {
      continue;
    }
    if (isStaticElf(p)) return p;
  }
  return null;
}

/** An ELF without a PT_INTERP program header (nothing to load it: it runs in an empty initramfs). */
export function isStaticElf(path: string): boolean {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch {
    return false;
  }
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return false; // 64-bit little-endian ELF
  const phoff = Number(b.readBigUInt64LE(0x20));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > b.length) return false;
    if (b.readUInt32LE(at) === 3) return false; // PT_INTERP
  }
  return true;
}

let staticCcChecked: string | null | undefined;
/** Why cc cannot link a static program here, or null. */
function staticCcUnavailable(): string | null {
  if (staticCcChecked !== undefined) return staticCcChecked;
  if (!runs('cc', ['--version'])) return (staticCcChecked = 'no C compiler (cc)');
  const dir = mkdtempSync(join(tmpdir(), 'ksmbench-cc-'));
  try {
    writeFileSync(join(dir, 't.c'), 'int main(void) { return 0; }\n');
    const r = spawnSync('cc', ['-static', '-O2', '-o', join(dir, 't'), join(dir, 't.c')], { encoding: 'utf8' });
    staticCcChecked = r.status === 0 ? null : 'cc cannot link a static program (no static libc: libc6-dev / glibc static)';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return staticCcChecked;
}

/**
 * Why runInQemu cannot run here (one line), or null: qemu-system-x86_64 missing, no static
 * busybox (Debian: busybox-static), or no cc able to link statically. (KVM is optional.)
 */
export function qemuUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (!runs(QEMU, ['--version'])) return `${QEMU} is missing (Debian: apt-get install qemu-system-x86)`;
  if (!findBusybox()) return `no static busybox in ${BUSYBOX_CANDIDATES.join(', ')} (Debian: apt-get install busybox-static)`;
  return staticCcUnavailable();
}

/** Why KVM cannot be used here, or null. */
export function kvmUnavailable(): string | null {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return null;
  } catch (e) {
    return `/dev/kvm is not usable (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
}

/** The /init script: every line it prints for us starts with `@@<tag> `. */
export function initScript(tag: string): string {
  const m = `@@${tag}`;
  // the console loglevel goes to 1 first, so that kernel messages do not cut into the output;
  // stdout and stderr travel as base64 (no tty translation, no ambiguity) with their sha256
  return `#!/bin/busybox sh
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
echo 1 > /proc/sys/kernel/printk
busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "${m} UNAME $(uname -r)"
if [ -e /sys/kernel/mm/ksm/run ]; then echo "${m} KSM yes"; else echo "${m} KSM no"; fi
/driver < /input > /out 2> /err
echo "${m} STATUS $?"
for s in out err; do
  echo "${m} BEGIN $s $(wc -c < /$s) $(sha256sum /$s | cut -d' ' -f1)"
  base64 /$s
  echo "${m} END $s"
done
echo "${m} DONE"
sync
poweroff -f
`;
}

interface Parsed {
  uname?: string;
  ksm?: boolean;
  status?: number;
  streams: Map<string, string>;
  done: boolean;
}

/** The result lines of initScript(tag) in a console transcript (kernel lines in between are ignored). */
export function parseConsole(text: string, tag: string): Parsed {
  const m = `@@${tag} `;
  const out: Parsed = { streams: new Map(), done: false };
  let open: { name: string; bytes: number; sha: string; lines: string[] } | null = null;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r/g, '');
    const at = line.indexOf(m);
    if (at >= 0) {
      const [what, ...rest] = line.slice(at + m.length).trim().split(/\s+/);
      if (what === 'UNAME') out.uname = rest.join(' ');
      else if (what === 'KSM') out.ksm = rest[0] === 'yes';
      else if (what === 'STATUS') out.status = Number(rest[0]);
      else if (what === 'BEGIN') open = { name: rest[0] ?? '', bytes: Number(rest[1]), sha: rest[2] ?? '', lines: [] };
      else if (what === 'END' && open) {
        const data = Buffer.from(open.lines.join(''), 'base64');
        const sha = createHash('sha256').update(data).digest('hex');
        if (data.length !== open.bytes || sha !== open.sha) {
          throw new QemuError(`the VM's ${open.name === 'out' ? 'stdout' : 'stderr'} arrived damaged on the serial console (${data.length} of ${open.bytes} bytes, sha256 ${sha === open.sha ? 'matches' : 'differs'})`);
        }
        out.streams.set(open.name, data.toString('utf8'));
        open = null;
      } else if (what === 'DONE') out.done = true;
    } else if (open && /^[A-Za-z0-9+/=]+$/.test(line)) open.lines.push(line);
  }
  return out;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

// The runs under way: an exiting or interrupted ksmbench leaves no QEMU and no temporary
// directory behind (SIGINT / SIGTERM end the command with 130 / 143, as elsewhere).
interface Run {
  child: ChildProcess | null;
  dir: string;
}
const live = new Set<Run>();

function endAll(): void {
  for (const r of live) {
    try {
      if (r.child?.pid !== undefined) process.kill(-r.child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    rmSync(r.dir, { recursive: true, force: true });
  }
  live.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  endAll();
  process.exit(sig === 'SIGINT' ? 130 : 143);
}

function track(r: Run): void {
  if (live.size === 0) {
    process.on('exit', endAll);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  live.add(r);
}

function untrack(r: Run): void {
  if (!live.delete(r) || live.size > 0) return;
  process.off('exit', endAll);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/** The initramfs: busybox and its applets' links, /init, /driver, /input, /dev/console. */
export function initramfs(busybox: Buffer, driver: Buffer, input: string, tag: string): Buffer {
  const applets = ['sh', 'mount', 'uname', 'cat', 'wc', 'sha256sum', 'cut', 'base64', 'poweroff', 'sync', 'echo', 'sleep'];
  const entries: CpioEntry[] = [
    { kind: 'dir', name: 'bin' },
    { kind: 'file', name: 'bin/busybox', data: busybox, mode: 0o755 },
    ...applets.map((a): CpioEntry => ({ kind: 'symlink', name: `bin/${a}`, target: 'busybox' })),
    { kind: 'dir', name: 'dev' },
    { kind: 'chardev', name: 'dev/console', major: 5, minor: 1 },
    { kind: 'chardev', name: 'dev/null', major: 1, minor: 3, mode: 0o666 },
    { kind: 'dir', name: 'proc' },
    { kind: 'dir', name: 'sys' },
    { kind: 'dir', name: 'tmp', mode: 0o1777 },
    { kind: 'file', name: 'init', data: initScript(tag), mode: 0o755 },
    { kind: 'file', name: 'driver', data: driver, mode: 0o755 },
    { kind: 'file', name: 'input', data: input },
  ];
  return cpioNewc(entries);
}

/** The QEMU command line for a run (without the timeout machinery). */
export function qemuArgs(o: { kernelImage: string; initrd: string; memoryMiB: number; cmdline?: string; accel?: QemuAccel; smp?: number; machine?: QemuMachine }): string[] {
  const accel = o.accel ?? 'tcg';
  return [
    // mem-merge=off: QEMU would otherwise mark the guest's RAM MADV_MERGEABLE on the host, whose
    // KSM (a host replay running beside) would then count the guest's pages in its own counters
    '-machine', `${o.machine ?? 'pc'},mem-merge=off`,
    '-accel', accel,
    '-smp', String(o.smp ?? 2),
    '-m', String(o.memoryMiB),
    '-nodefaults', '-no-user-config', '-nographic', '-no-reboot',
    '-serial', 'stdio',
    '-kernel', o.kernelImage,
    '-initrd', o.initrd,
    '-append', ['console=ttyS0', 'panic=-1', 'quiet', o.cmdline ?? ''].join(' ').trim(),
  ];
}

/**
 * Boots kernelImage under QEMU with the driver as the only program and `input` as its stdin, and
 * gives back what the driver printed and its exit status, the kernel release it ran on, the
 * image's sha256 and the boot time. Throws QemuError when it cannot (bad image, no result,
 * timeout: the QEMU process group is killed).
 */
export async function runInQemu(opts: QemuOptions): Promise<QemuResult> {
  const started = Date.now();
  const why = qemuUnavailable();
  if (why) throw new QemuError(`cannot run under QEMU here: ${why}`);
  if (opts.accel === 'kvm') {
    const k = kvmUnavailable();
    if (k) throw new QemuError(`cannot use KVM: ${k}`);
  }
  if (!Number.isInteger(opts.memoryMiB) || opts.memoryMiB < 64) throw new QemuError(`memoryMiB ${opts.memoryMiB} is not an integer ≥ 64`);
  let kernelSha256: string;
  try {
    if (!statSync(opts.kernelImage).isFile()) throw new Error('not a file');
    kernelSha256 = sha256File(opts.kernelImage);
  } catch (e) {
    throw new QemuError(`kernel image ${opts.kernelImage} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const busybox = findBusybox();
  if (!busybox) throw new QemuError('no static busybox');
  const dir = mkdtempSync(join(tmpdir(), 'ksmbench-qemu-'));
  const run: Run = { child: null, dir };
  track(run);
  try {
    let driverPath: string;
    if ('driverSource' in opts) {
      driverPath = join(dir, 'driver');
      const r = spawnSync('cc', ['-static', '-O2', '-o', driverPath, opts.driverSource], { encoding: 'utf8', timeout: Math.max(1000, opts.timeoutMs - (Date.now() - started)) });
      if (r.status !== 0) throw new QemuError(`cc -static failed to build ${opts.driverSource}: ${(r.stderr || String(r.error ?? `status ${r.status}`)).trim().split('\n')[0]}`);
    } else {
      driverPath = opts.driverBinary;
      if (!isStaticElf(driverPath)) throw new QemuError(`driver ${driverPath} is not a static x86-64 ELF binary (the initramfs has no libc): build it with cc -static`);
    }
    const tag = randomBytes(8).toString('hex');
    const initrd = join(dir, 'initramfs.cpio');
    writeFileSync(initrd, initramfs(readFileSync(busybox), readFileSync(driverPath), opts.input, tag));
    const { kernelImage, memoryMiB, cmdline, accel, smp, machine } = opts;
    const args = qemuArgs({ kernelImage, initrd, memoryMiB, cmdline, accel, smp, machine });
    return await boot(args, run, tag, kernelSha256, started, opts.timeoutMs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    untrack(run);
  }
}

function boot(args: string[], run: Run, tag: string, kernelSha256: string, started: number, timeoutMs: number): Promise<QemuResult> {
  return new Promise((resolve, reject) => {
    const spawned = Date.now();
    const child = spawn(QEMU, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    run.child = child;
    let consoleText = '';
    let qemuErr = '';
    let unameAt: number | null = null;
    let settled = false;
    const m = `@@${tag} UNAME`;
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      kill();
      f();
    };
    const tail = (): string => {
      const lines = consoleText.replace(/\r/g, '').split('\n').filter((l) => l.trim() !== '');
      const last = lines.slice(-3).join(' | ');
      return last ? ` (console ended: ${last.slice(-300)})` : ' (nothing on the console)';
    };
    const remaining = timeoutMs - (Date.now() - started);
    const timer = setTimeout(
      () => finish(() => reject(new QemuError(`QEMU did not finish within ${timeoutMs / 1000} s (${unameAt === null ? 'the kernel did not reach /init' : 'the driver did not finish'}): killed${tail()}`))),
      Math.max(0, remaining),
    );
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      consoleText += s;
      if (unameAt === null && consoleText.includes(m)) unameAt = Date.now();
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      qemuErr += s;
    });
    child.on('error', (e) => finish(() => reject(new QemuError(`cannot start ${QEMU}: ${e.message}`))));
    child.on('close', (code, signal) => {
      const end = Date.now();
      finish(() => {
        let p: Parsed;
        try {
          p = parseConsole(consoleText, tag);
        } catch (e) {
          reject(e);
          return;
        }
        const out = p.streams.get('out');
        const err = p.streams.get('err');
        if (!p.done || p.uname === undefined || p.status === undefined || out === undefined || err === undefined) {
          const q = qemuErr.trim().split('\n')[0];
          reject(new QemuError(`QEMU ended (${signal ?? `status ${code}`}) before the VM gave its result${q ? `: ${q}` : tail()}`));
          return;
        }
        const byBoot = unameAt ?? end;
        resolve({
          stdout: out,
          stderr: err,
          status: p.status > 128 ? null : p.status,
          signal: p.status > 128 ? p.status - 128 : null,
          uname: p.uname,
          ksm: p.ksm === true,
          kernelSha256,
          bootMs: byBoot - spawned,
          runMs: end - byBoot,
        });
      });
    });
  });
}
