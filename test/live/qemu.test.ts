// The QEMU backend of ksmbench live: the initramfs writer (newc cpio), the Debian kernel specs,
// the console protocol, and one real boot of a Debian cloud kernel under TCG running its own
// small KSM program (test/live/fixtures/ksm-64.c, independent of tools/live/ksm-live.c): 64 equal
// pages merge into 1 shared + 63 sharing. The boot is skipped (one line) where QEMU, a static
// busybox or a static libc is missing, or where the image cannot be fetched (no network).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { MeasuredOp } from '../../src/calibrate/calibration.ts';
import { countOps } from '../../src/calibrate/measure.ts';
import { isUserError, oneLine } from '../../src/cli/errors.ts';
import { ksmbench } from '../support/cli.ts';
import { CpioError, cpioNewc, readCpioNewc } from '../../src/live/cpio.ts';
import { ACCEPTED_SPECS, compareDebianVersions, configProblem, type DebianKernel, debianKernel, DebianKernelError, kernelCacheDir, kernelParts, parseDebianSpec } from '../../src/live/debian-kernel.ts';
import { findBusybox, initramfs, initScript, isStaticElf, parseConsole, qemuArgs, QemuError, qemuUnavailable, runInQemu } from '../../src/live/qemu.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/ksm-64.c', import.meta.url));
const IMAGE_SPEC = 'debian:6.12';

describe('newc cpio', () => {
  const entries = [
    { kind: 'dir', name: 'bin' },
    { kind: 'file', name: 'bin/x', data: Buffer.from([0, 1, 2, 3, 4]), mode: 0o755 },
    { kind: 'symlink', name: 'bin/sh', target: 'x' },
    { kind: 'dir', name: 'dev' },
    { kind: 'chardev', name: 'dev/console', major: 5, minor: 1 },
    // names and sizes around every padding length
    ...[1, 2, 3, 4, 5].map((n) => ({ kind: 'file' as const, name: 'f'.repeat(n), data: 'y'.repeat(n) })),
    { kind: 'file', name: 'empty', data: '' },
  ] as const;

  it('reads back what it writes: names, modes, devices, data, 4-byte alignment', () => {
    const a = cpioNewc(entries);
    assert.equal(a.length % 4, 0);
    assert.equal(a.toString('ascii', 0, 6), '070701');
    const m = readCpioNewc(a);
    assert.deepEqual(
      m.map((e) => [e.name, e.mode.toString(8), e.rdevmajor, e.rdevminor, e.data.toString('latin1')]),
      [
        ['bin', '40755', 0, 0, ''],
        ['bin/x', '100755', 0, 0, '\0\x01\x02\x03\x04'],
        ['bin/sh', '120777', 0, 0, 'x'],
        ['dev', '40755', 0, 0, ''],
        ['dev/console', '20600', 5, 1, ''],
        ['f', '100644', 0, 0, 'y'],
        ['ff', '100644', 0, 0, 'yy'],
        ['fff', '100644', 0, 0, 'yyy'],
        ['ffff', '100644', 0, 0, 'yyyy'],
        ['fffff', '100644', 0, 0, 'yyyyy'],
        ['empty', '100644', 0, 0, ''],
      ],
    );
    assert.deepEqual(cpioNewc(entries), a, 'the same entries give the same bytes');
  });

  const busybox = findBusybox();
  it('is read by cpio(1) (busybox cpio -t)', { skip: busybox ? false : 'no static busybox here to run cpio -t' }, () => {
    const r = spawnSync(busybox!, ['cpio', '-t'], { input: cpioNewc(entries), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['bin', 'bin/x', 'bin/sh', 'dev', 'dev/console', 'f', 'ff', 'fff', 'ffff', 'fffff', 'empty']);
    // and unpacked: contents and the symlink
    const dir = mkdtempSync(join(tmpdir(), 'ksmbench-cpio-'));
    try {
      const x = spawnSync(busybox!, ['cpio', '-i', '-d'], { cwd: dir, input: cpioNewc(entries.filter((e) => e.kind !== 'chardev')), encoding: 'utf8' });
      assert.equal(x.status, 0, x.stderr);
      assert.deepEqual(readdirSync(join(dir, 'bin')).sort(), ['sh', 'x']);
      assert.equal(spawnSync(busybox!, ['readlink', join(dir, 'bin/sh')], { encoding: 'utf8' }).stdout.trim(), 'x');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses names outside the archive and duplicates', () => {
    for (const name of ['', '../x', 'a/../b', 'a//b', 'TRAILER!!!']) {
      assert.throws(() => cpioNewc([{ kind: 'dir', name }]), CpioError, name);
    }
    assert.throws(() => cpioNewc([{ kind: 'dir', name: 'a' }, { kind: 'dir', name: '/a' }]), /given twice/);
  });

  it('the initramfs holds busybox, /init, /driver, /input and /dev/console', () => {
    const names = readCpioNewc(initramfs(Buffer.from('bb'), Buffer.from('drv'), 'in\n', 'tag')).map((e) => e.name);
    for (const n of ['bin/busybox', 'bin/sh', 'init', 'driver', 'input', 'dev/console', 'proc', 'sys']) assert.ok(names.includes(n), n);
  });
});

describe('Debian kernel specs', () => {
  it('accepts 6.1, 6.12 and the trixie-backports series 6.16 … 7.3, optionally one release', () => {
    assert.deepEqual(parseDebianSpec('debian:6.1').suites, ['bookworm', 'bookworm-updates', 'bookworm-security']);
    assert.ok(parseDebianSpec('debian:6.1').packageName.test('linux-image-6.1.0-57-cloud-amd64'));
    assert.ok(!parseDebianSpec('debian:6.1').packageName.test('linux-image-6.1.0-57-cloud-amd64-unsigned'));
    const t = parseDebianSpec('debian:6.12');
    assert.deepEqual(t.suites, ['trixie', 'trixie-updates', 'trixie-security']);
    assert.ok(t.packageName.test('linux-image-6.12.118+deb13-cloud-amd64'));
    assert.ok(t.packageName.test('linux-image-6.12.115+deb13.1-cloud-amd64'));
    assert.ok(!t.packageName.test('linux-image-6.12.118+deb12-cloud-amd64'), 'not bookworm-backports');
    assert.ok(!t.packageName.test('linux-image-6.12.118+deb13-cloud-amd64-dbg'));
    for (const s of ['6.16', '6.17', '6.18', '6.19', '7.0', '7.1', '7.2', '7.3']) {
      const p = parseDebianSpec(`debian:${s}`);
      assert.deepEqual(p.suites, ['trixie-backports'], s);
      assert.ok(p.packageName.test(`linux-image-${s}.4+deb13-cloud-amd64`), s);
      assert.equal(p.release, null);
    }
    assert.equal(parseDebianSpec('debian:7.3.4').release, '7.3.4');
    assert.equal(parseDebianSpec('debian:6.1.170').release, '6.1.170');
  });

  it('refuses anything else with one line naming the value and what is accepted (exit 2)', () => {
    for (const spec of ['6.12', 'debian:', 'debian:6', 'debian:6.15', 'debian:7.4', 'debian:5.10', 'ubuntu:6.12', 'debian:6.12-1', 'debian:6.12.x', ' debian:6.12']) {
      let caught: unknown;
      try {
        debianKernel(spec, { cacheDir: '/nonexistent/never-created' });
      } catch (e) {
        caught = e;
      }
      assert.ok(caught instanceof DebianKernelError, spec);
      assert.equal(caught.reason, 'spec');
      assert.ok(isUserError(caught), 'a user error: exit 2');
      assert.equal(oneLine(caught), `ksmbench: kernel "${spec}" is not ${ACCEPTED_SPECS}`);
    }
  });

  it('orders Debian versions as dpkg does', () => {
    const sorted = ['6.12.9-1', '6.12.90-1', '6.12.118-1', '6.16.3-1~bpo13+1', '6.16.12-1~bpo13+1', '7.3~rc7-1~exp1', '7.3.4-1~bpo13+1', '7.3.4-1', '1:0.1'];
    const shuffled = [...sorted].reverse();
    shuffled.sort(compareDebianVersions);
    assert.deepEqual(shuffled, sorted);
    assert.equal(compareDebianVersions('6.1.192-3', '6.1.192-3'), 0);
    assert.ok(compareDebianVersions('1.0~', '1.0') < 0);
    assert.ok(compareDebianVersions('1.0a', '1.0+') < 0, 'letters before other characters');
  });

  it('takes the image parts a linux-image package depends on at its own version (6.19 on)', () => {
    const control = 'Package: linux-image-7.3.4+deb13-cloud-amd64\nVersion: 7.3.4-1~bpo13+1\nDepends: dracut | initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool, linux-base-7.3.4+deb13-cloud-amd64 (= 7.3.4-1~bpo13+1), linux-binary-7.3.4+deb13-cloud-amd64 (= 7.3.4-1~bpo13+1), linux-modules-7.3.4+deb13-cloud-amd64 (= 7.3.4-1~bpo13+1)\n';
    assert.deepEqual(kernelParts(control, '7.3.4-1~bpo13+1'), ['linux-base-7.3.4+deb13-cloud-amd64', 'linux-binary-7.3.4+deb13-cloud-amd64']);
    assert.deepEqual(kernelParts('Depends: kmod, initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool\n', '6.16.12-1~bpo13+1'), []);
  });

  it('refuses an image built without KSM or THP', () => {
    const ok = 'CONFIG_KSM=y\nCONFIG_TRANSPARENT_HUGEPAGE=y\nCONFIG_BLK_DEV_INITRD=y\nCONFIG_SERIAL_8250_CONSOLE=y\n';
    assert.equal(configProblem(ok), null);
    assert.match(configProblem(ok.replace('CONFIG_KSM=y', '# CONFIG_KSM is not set')) ?? '', /CONFIG_KSM=y/);
    assert.match(configProblem(ok.replace('CONFIG_TRANSPARENT_HUGEPAGE=y', '')) ?? '', /CONFIG_TRANSPARENT_HUGEPAGE=y/);
  });

  it('caches per user: $XDG_CACHE_HOME/ksmbench/kernels, else ~/.cache/ksmbench/kernels', () => {
    assert.equal(kernelCacheDir({ XDG_CACHE_HOME: '/x/cache' }), '/x/cache/ksmbench/kernels');
    assert.match(kernelCacheDir({ XDG_CACHE_HOME: 'relative' }), /\/\.cache\/ksmbench\/kernels$/);
    assert.match(kernelCacheDir({}), /\/\.cache\/ksmbench\/kernels$/);
  });
});

describe('the serial console protocol', () => {
  const tag = '0123456789abcdef';
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  const transcript = (out: string, err: string, status: number): string =>
    [
      'SeaBIOS (version x)\r',
      `[    1.2] random: crng init done\r`,
      `@@${tag} UNAME 6.12.118+deb13-cloud-amd64\r`,
      `@@${tag} KSM yes\r`,
      `@@${tag} STATUS ${status}\r`,
      `@@${tag} BEGIN out ${Buffer.byteLength(out)} ${sha(out)}\r`,
      `${b64(out)}\r`,
      '[    2.0] a kernel line between\r',
      `@@${tag} END out\r`,
      `@@${tag} BEGIN err ${Buffer.byteLength(err)} ${sha(err)}\r`,
      ...(err ? [`${b64(err)}\r`] : []),
      `@@${tag} END err\r`,
      `noise @@${tag} DONE\r`,
      '[    2.1] reboot: Power down\r',
    ].join('\n');

  it('takes uname, status, stdout and stderr out of the console, kernel lines and CRs aside', () => {
    const p = parseConsole(transcript('pages_shared 1\npages_sharing 63\n', '', 0), tag);
    assert.equal(p.uname, '6.12.118+deb13-cloud-amd64');
    assert.equal(p.ksm, true);
    assert.equal(p.status, 0);
    assert.equal(p.streams.get('out'), 'pages_shared 1\npages_sharing 63\n');
    assert.equal(p.streams.get('err'), '');
    assert.equal(p.done, true);
  });

  it('notices a stream damaged on the way', () => {
    const t = transcript('abcdefgh\n', 'e\n', 3).replace(b64('abcdefgh\n'), b64('abcdefgX\n'));
    assert.throws(() => parseConsole(t, tag), (e: unknown) => e instanceof QemuError && /stdout arrived damaged/.test(e.message));
  });

  it('the /init prints every result line with the tag; QEMU runs TCG by default, no disk, no network', () => {
    const init = initScript(tag);
    assert.match(init, /^#!\/bin\/busybox sh\n/);
    for (const what of ['UNAME', 'KSM', 'STATUS', 'BEGIN', 'END', 'DONE']) assert.ok(init.includes(`@@${tag} ${what}`), what);
    const args = qemuArgs({ kernelImage: '/k', initrd: '/i', memoryMiB: 256, cmdline: 'transparent_hugepage=madvise' });
    assert.deepEqual(args.slice(args.indexOf('-accel'), args.indexOf('-accel') + 2), ['-accel', 'tcg']);
    assert.ok(args.includes('-nodefaults') && args.includes('-no-reboot'));
    assert.equal(args[args.indexOf('-machine') + 1], 'pc,mem-merge=off', "the guest's RAM stays out of the host's KSM");
    assert.equal(args[args.indexOf('-append') + 1], 'console=ttyS0 panic=-1 quiet transparent_hugepage=madvise');
  });
});

const why = qemuUnavailable();

describe('a Debian cloud kernel under QEMU (TCG)', { skip: why ? `QEMU cannot run here: ${why}` : false }, () => {
  let image: DebianKernel | string | undefined;
  const kernel = (): DebianKernel | string => {
    if (image !== undefined) return image;
    try {
      image = debianKernel(IMAGE_SPEC);
    } catch (e) {
      if (e instanceof DebianKernelError && e.reason === 'fetch') image = `cannot fetch ${IMAGE_SPEC}: ${e.message}`;
      else throw e;
    }
    return image;
  };
  // the fixture built once (static), for the runs whose timing must not include cc
  let built: string | undefined;
  const binDir = mkdtempSync(join(tmpdir(), 'ksmbench-fixture-'));
  after(() => rmSync(binDir, { recursive: true, force: true }));
  const fixtureBinary = (): string => {
    if (built) return built;
    const bin = join(binDir, 'ksm-64');
    const r = spawnSync('cc', ['-static', '-O2', '-o', bin, FIXTURE], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return (built = bin);
  };

  it(`${IMAGE_SPEC}: 64 equal pages merge into 1 shared and 63 sharing (own program, stdin, cmdline)`, { timeout: 600_000 }, async (t) => {
    const k = kernel();
    if (typeof k === 'string') return t.skip(k);
    assert.match(k.package, /^linux-image-6\.12\.[0-9]+\+deb13(\.[0-9]+)?-cloud-amd64$/);
    const r = await runInQemu({ kernelImage: k.path, driverSource: FIXTURE, input: 'hello from the host\n', memoryMiB: 768, cmdline: 'transparent_hugepage=madvise', timeoutMs: 300_000 });
    t.diagnostic(`${k.package} ${k.version}: boot ${r.bootMs} ms, run ${r.runMs} ms under TCG`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, 'done\n');
    assert.equal(r.uname, k.package.replace(/^linux-image-/, ''));
    assert.equal(r.kernelSha256, k.sha256);
    assert.equal(r.ksm, true);
    assert.ok(k.config !== null, 'the 6.12 package ships its config');
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'input hello from the host');
    // (768 MiB: under 512 MiB of RAM the kernel turns THP off whatever the command line says)
    assert.match(lines[1] ?? '', /^thp always \[madvise\] never$/, 'the extra command line reached the kernel');
    assert.deepEqual(lines.slice(2), ['run 0', 'full_scans 2', 'pages_shared 1', 'pages_sharing 63', '']);
    assert.ok(r.bootMs > 0 && r.runMs >= 0);
  });

  it('a run over its time is killed with one clear error, and leaves nothing behind', { timeout: 120_000 }, async (t) => {
    const k = kernel();
    if (typeof k === 'string') return t.skip(k);
    await assert.rejects(
      runInQemu({ kernelImage: k.path, driverBinary: fixtureBinary(), input: '', memoryMiB: 256, timeoutMs: 1500 }),
      (e: unknown) => e instanceof QemuError && isUserError(e) && /^QEMU did not finish within 1\.5 s \(the (kernel did not reach \/init|driver did not finish)\): killed/.test(e.message),
    );
    assert.deepEqual(readdirSync(tmpdir()).filter((n) => n.startsWith('ksmbench-qemu-')), []);
  });

  it('an interrupted run (SIGTERM) ends with 143 and leaves no QEMU and no temporary files', { timeout: 120_000 }, async (t) => {
    const k = kernel();
    if (typeof k === 'string') return t.skip(k);
    const dir = mkdtempSync(join(tmpdir(), 'ksmbench-interrupt-'));
    try {
      const code = `import { runInQemu } from ${JSON.stringify(new URL('../../src/live/qemu.ts', import.meta.url).href)};
        await runInQemu({ kernelImage: ${JSON.stringify(k.path)}, driverBinary: ${JSON.stringify(fixtureBinary())}, input: '', memoryMiB: 256, timeoutMs: 100_000 });`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...process.env, TMPDIR: dir }, stdio: 'ignore' });
      // QEMU started: its command line names the initramfs in the child's own TMPDIR
      const qemuPids = (): string[] =>
        readdirSync('/proc')
          .filter((p) => /^[0-9]+$/.test(p))
          .filter((p) => {
            try {
              const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
              return (argv[0] ?? '').endsWith('qemu-system-x86_64') && argv.some((a) => a.startsWith(dir));
            } catch {
              return false;
            }
          });
      for (let i = 0; qemuPids().length === 0; i++) {
        assert.ok(i < 300, 'QEMU started within 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      const closed = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      child.kill('SIGTERM');
      assert.equal(await closed, 143);
      // (SIGKILL sent: a loaded machine may take a moment to tear the VM down)
      for (let i = 0; qemuPids().length > 0 && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(qemuPids(), [], 'QEMU was killed');
      assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('ksmbench-qemu-')), [], 'the temporary directory was removed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a driver that is not a static binary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksmbench-dyn-'));
    try {
      const bin = join(dir, 'dyn');
      const src = join(dir, 'dyn.c');
      writeFileSync(src, 'int main(void) { return 0; }\n');
      assert.equal(spawnSync('cc', ['-o', bin, src]).status, 0);
      assert.equal(isStaticElf(bin), false);
      await assert.rejects(runInQemu({ kernelImage: process.execPath, driverBinary: bin, input: '', memoryMiB: 256, timeoutMs: 10_000 }), /is not a static x86-64 ELF binary/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The real driver on that kernel: `ksmbench live --kernel debian:6.12` replays a small scenario
// with several processes (fork, a child's COW, exit, batches, a refused sysfs store) and every
// value equals the v6.12 stack's at every checkpoint.
describe('ksmbench live --kernel (the real driver under QEMU)', { skip: why ? `QEMU cannot run here: ${why}` : false }, () => {
  it(`${IMAGE_SPEC}: every value equal to its stack's at every checkpoint`, { timeout: 600_000 }, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ksmbench-live-kernel-'));
    try {
      const file = join(dir, 'small.json');
      writeFileSync(
        file,
        JSON.stringify({
          name: 'small-family',
          sysfs: { pages_to_scan: 50 },
          ops: [
            { op: 'mmap', proc: 'p0', region: 'a', size: 64 },
            { op: 'fill', proc: 'p0', region: 'a', content: { mod: 4 } },
            { op: 'madvise', proc: 'p0', region: 'a', advice: 'mergeable' },
            { op: 'ksmd', full_scans: 2 },
            { op: 'fork', proc: 'p0', child: 'c1' },
            { op: 'write', proc: 'c1', region: 'a', from: 0, pages: 8, content: 'unique' },
            { op: 'ksmd', batches: 3 },
            { op: 'sysfs', max_page_sharing: 8 },
            { op: 'exit', proc: 'p0' },
            { op: 'ksmd', full_scans: 2 },
            { op: 'expect', proc: 'c1' },
          ],
        }),
      );
      const r = ksmbench(['live', '--scenario-file', file, '--kernel', IMAGE_SPEC, '--format', 'json']);
      if (r.status === 2 && /cannot fetch|fetch/.test(r.stderr)) return t.skip(r.stderr.trim());
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const c = JSON.parse(r.stdout) as { stack: string; kernel: string; image: { sha256: string }; equal: number; compared: number; checkpoints: { values: { name: string; simulator: string; kernel: string }[] }[] };
      assert.equal(c.stack, 'v6.12');
      assert.match(c.kernel, /^6\.12\.[0-9]+\+deb13/);
      assert.match(c.image.sha256, /^[0-9a-f]{64}$/);
      assert.equal(c.equal, c.compared);
      assert.ok(c.compared > 40, `${c.compared} values compared`);
      const refused = c.checkpoints.at(-1)!.values.find((v) => v.name === 'ops refused (by index)');
      assert.deepEqual([refused?.simulator, refused?.kernel], ['7', '7'], 'max_page_sharing is refused while pages are shared (-EBUSY), on both');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// calibrate on a kernel under QEMU: Debian's 6.16.12, which scans per address, replayed with the
// v6.17 stack's variants and 6.16.12's own mm; its sparse ops' folio_walk_start calls are the
// exact per-address count, and --transfer carries their cost onto the default calibration.
describe('ksmbench calibrate --kernel (under QEMU) and --transfer', { skip: why ? `QEMU cannot run here: ${why}` : false }, () => {
  it('debian:6.16 --stack v6.17 --cases smoke: measured ops, counted per address, carried over', { timeout: 900_000 }, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ksmbench-calibrate-vm-'));
    try {
      const vmFile = join(dir, 'vm.json');
      const r = ksmbench(['calibrate', '--kernel', 'debian:6.16', '--stack', 'v6.17', '--cases', 'smoke', '--repeat', '4', '--out', vmFile]);
      if (r.status === 2 && /cannot fetch|fetch/.test(r.stderr)) return t.skip(r.stderr.trim());
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const vm = JSON.parse(readFileSync(vmFile, 'utf8')) as { stack: string; kernel: string; vm: { mm: string; sha256: string }; rows: MeasuredOp[] };
      assert.equal(vm.stack, 'v6.17');
      assert.match(vm.kernel, /^6\.16\.12\+deb13/);
      assert.equal(vm.vm.mm, '6.16.12', 'the simulator follows the release’s mm');
      assert.match(vm.vm.sha256, /^[0-9a-f]{64}$/);
      // four replays of each case: one ksmd op per sparse case, two for guests (its two scans)
      const G = 'guests guests=1,size=1MiB,dup_pct=50,zero_pct=0,volatile_pct=0,pool=16,full_scans=2';
      assert.deepEqual(
        vm.rows.map((x) => x.case),
        [...Array(4).fill('sparse size=256MiB'), ...Array(4).fill('sparse size=1GiB'), ...Array(8).fill(G)],
      );
      assert.ok(vm.rows.every((x) => x.measured_ns > 0));
      // the per-address scanner calls folio_walk_start at every page of both passes
      const counted = countOps([vm.rows[0]!, vm.rows[4]!], { kernel: vm.kernel, stack: vm.stack, thp: null, vm: { image: '', sha256: '', mm: vm.vm.mm } });
      assert.deepEqual(counted.map((x) => x.counts.folio_walk_calls), [2 * 65536, 2 * 262144]);
      const out = join(dir, 'host.json');
      const tr = ksmbench(['calibrate', '--transfer', vmFile, '--onto', 'calibration/default.json', '--out', out]);
      assert.equal(tr.status, 0, tr.stdout + tr.stderr);
      const host = JSON.parse(readFileSync(out, 'utf8')) as { transferred: { event: string; ns: number; vm_ns: number; sparse_ops: number; from: { kernel: string } }[] };
      assert.deepEqual(host.transferred.map((x) => [x.event, x.sparse_ops, x.from.kernel]), [['folio_walk_calls', 8, vm.kernel]]);
      assert.ok(host.transferred[0]!.vm_ns > 0 && host.transferred[0]!.ns >= 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
