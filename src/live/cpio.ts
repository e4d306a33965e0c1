// The "newc" cpio format (SVR4 without CRC) the Linux kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst): per entry a 110-byte ASCII
// header — magic 070701 and thirteen 8-digit hex fields — then the NUL-terminated name padded
// to a multiple of 4, then the data padded to a multiple of 4; the archive ends with the entry
// "TRAILER!!!". Written here so that building an initramfs needs no host tool and no root
// (device nodes are just headers).

export type CpioEntry =
  | { kind: 'dir'; name: string; mode?: number }
  | { kind: 'file'; name: string; data: Uint8Array | string; mode?: number }
  | { kind: 'symlink'; name: string; target: string }
  | { kind: 'chardev'; name: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const MAGIC = '070701';
const TRAILER = 'TRAILER!!!';

export class CpioError extends Error {}

function hex8(n: number, what: string, name: string): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new CpioError(`cpio entry "${name}": ${what} ${n} does not fit the newc header`);
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

interface Raw {
  name: string;
  mode: number;
  nlink: number;
  data: Uint8Array;
  rdevmajor: number;
  rdevminor: number;
}

function raw(e: CpioEntry): Raw {
  const name = e.name.replace(/^\/+/, '');
  if (name === '' || name === TRAILER || name.split('/').some((p) => p === '..' || p === '')) throw new CpioError(`cpio entry name "${e.name}" is not a relative path inside the archive`);
  switch (e.kind) {
    case 'dir':
      return { name, mode: S_IFDIR | (e.mode ?? 0o755), nlink: 2, data: new Uint8Array(0), rdevmajor: 0, rdevminor: 0 };
    case 'file':
      return { name, mode: S_IFREG | (e.mode ?? 0o644), nlink: 1, data: typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : e.data, rdevmajor: 0, rdevminor: 0 };
    case 'symlink':
      return { name, mode: S_IFLNK | 0o777, nlink: 1, data: Buffer.from(e.target, 'utf8'), rdevmajor: 0, rdevminor: 0 };
    case 'chardev':
      return { name, mode: S_IFCHR | (e.mode ?? 0o600), nlink: 1, data: new Uint8Array(0), rdevmajor: e.major, rdevminor: e.minor };
  }
}

function header(r: Raw, ino: number): Buffer {
  const nameBytes = Buffer.byteLength(r.name, 'utf8') + 1;
  const fields = [ino, r.mode, 0, 0, r.nlink, 0, r.data.length, 0, 0, r.rdevmajor, r.rdevminor, nameBytes, 0];
  const labels = ['ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'size', 'devmajor', 'devminor', 'rdevmajor', 'rdevminor', 'namesize', 'check'];
  const text = MAGIC + fields.map((f, i) => hex8(f, labels[i] ?? 'field', r.name)).join('');
  return Buffer.from(text, 'ascii');
}

/**
 * A newc archive of the entries, in order (a directory must come before what it holds), owned by
 * root, mtime 0, each with its own inode number: the same entries always give the same bytes.
 */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  const push = (b: Uint8Array): void => {
    const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    parts.push(buf);
    offset += buf.length;
  };
  const zeros = (n: number): void => {
    if (n) push(Buffer.alloc(n));
  };
  const all: Raw[] = [...entries.map(raw), { name: TRAILER, mode: 0, nlink: 1, data: new Uint8Array(0), rdevmajor: 0, rdevminor: 0 }];
  const seen = new Set<string>();
  all.forEach((r, i) => {
    if (seen.has(r.name)) throw new CpioError(`cpio entry "${r.name}" given twice`);
    seen.add(r.name);
    push(header(r, r.name === TRAILER ? 0 : i + 1));
    push(Buffer.from(`${r.name}\0`, 'utf8'));
    zeros(pad4(offset));
    push(r.data);
    zeros(pad4(offset));
  });
  return Buffer.concat(parts, offset);
}

export interface CpioMember {
  name: string;
  mode: number;
  rdevmajor: number;
  rdevminor: number;
  data: Buffer;
}

/** The members of a newc archive up to its trailer (the inverse of cpioNewc, for tests and checks). */
export function readCpioNewc(archive: Buffer): CpioMember[] {
  const out: CpioMember[] = [];
  let at = 0;
  for (;;) {
    if (at + 110 > archive.length) throw new CpioError(`cpio archive ends at byte ${archive.length} without a ${TRAILER} entry`);
    const head = archive.toString('ascii', at, at + 110);
    if (!head.startsWith(MAGIC)) throw new CpioError(`cpio header at byte ${at} has magic "${head.slice(0, 6)}", not ${MAGIC}`);
    const field = (i: number): number => parseInt(head.slice(6 + i * 8, 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const namesize = field(11);
    const nameAt = at + 110;
    const name = archive.toString('utf8', nameAt, nameAt + namesize - 1);
    const dataAt = nameAt + namesize + pad4(110 + namesize);
    if (name === TRAILER) return out;
    if (dataAt + size > archive.length) throw new CpioError(`cpio entry "${name}" runs past the end of the archive`);
    out.push({ name, mode, rdevmajor: field(9), rdevminor: field(10), data: archive.subarray(dataAt, dataAt + size) });
    at = dataAt + size + pad4(size);
  }
}
