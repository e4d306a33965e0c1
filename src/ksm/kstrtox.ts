// lib/kstrtox.c and lib/string.c as the KSM *_store functions call them: the parsers of the text
// written to a sysfs file, with their exact accepted forms and errors. Each returns the value or
// the errno the kernel function returns.
//
// _kstrtoull(s, 10): _parse_integer_fixup_radix leaves base 10 alone (no "0x" or "0" prefix is
// recognised; "0x10" parses "0" and stops at 'x'), _parse_integer takes the longest run of
// decimal digits and flags overflow past ULLONG_MAX (→ -ERANGE, even before trailing junk); no
// digit → -EINVAL; one trailing '\n' is allowed, anything else after the digits → -EINVAL. No
// leading blanks. kstrtoull accepts one leading '+'; kstrtoll one leading '-' instead.

export type Errno = 'EINVAL' | 'ERANGE' | 'EBUSY' | 'EACCES' | 'ENOMEM';

export interface Parsed<T> {
  readonly value?: T;
  readonly errno?: Errno;
}

const ULLONG_MAX = (1n << 64n) - 1n;

function ok<T>(value: T): Parsed<T> {
  return { value };
}
function err<T>(errno: Errno): Parsed<T> {
  return { errno };
}

/** The C string the store sees: sysfs passes a NUL-terminated copy, so text stops at a NUL. */
export function cString(text: string): string {
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

/** lib/kstrtox.c: _kstrtoull with base 10. */
function _kstrtoull(s: string): Parsed<bigint> {
  let i = 0;
  let res = 0n;
  let overflow = false;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break; // a-f are digits only from base 11 up: val >= base stops too
    res = res * 10n + BigInt(c - 0x30);
    if (res > ULLONG_MAX) overflow = true;
    i++;
  }
  if (overflow) return err('ERANGE');
  if (i === 0) return err('EINVAL');
  if (s[i] === '\n') i++;
  if (i < s.length) return err('EINVAL');
  return ok(res);
}

/** lib/kstrtox.c: kstrtoull(s, 10, &res). */
export function kstrtoull(s: string): Parsed<bigint> {
  return _kstrtoull(s.startsWith('+') ? s.slice(1) : s);
}

/** lib/kstrtox.c: kstrtoll(s, 10, &res). */
export function kstrtoll(s: string): Parsed<bigint> {
  if (s.startsWith('-')) {
    const r = _kstrtoull(s.slice(1));
    if (r.value === undefined) return r;
    // (long long)-tmp > 0 → -ERANGE: only 0 … 2^63 negate into range
    if (r.value > 1n << 63n) return err('ERANGE');
    return ok(-r.value);
  }
  const r = kstrtoull(s);
  if (r.value === undefined) return r;
  if (r.value >= 1n << 63n) return err('ERANGE'); // (long long)tmp < 0
  return ok(r.value);
}

/** lib/kstrtox.c: kstrtouint(s, 10, &res) — an unsigned int (32 bits). */
export function kstrtouint(s: string): Parsed<number> {
  const r = kstrtoull(s);
  if (r.value === undefined) return err(r.errno!);
  if (r.value > 0xffffffffn) return err('ERANGE');
  return ok(Number(r.value));
}

/** lib/kstrtox.c: kstrtoint(s, 10, &res) — a signed int (32 bits). */
export function kstrtoint(s: string): Parsed<number> {
  const r = kstrtoll(s);
  if (r.value === undefined) return err(r.errno!);
  if (r.value > 0x7fffffffn || r.value < -0x80000000n) return err('ERANGE');
  return ok(Number(r.value));
}

/**
 * include/linux/kstrtox.h: kstrtoul(s, 10, &res) — an unsigned long: kstrtoull itself on LP64,
 * _kstrtoul (kstrtoull, then -ERANGE past 32 bits) where long has 32 bits.
 */
export function kstrtoul(s: string, longBits: 32 | 64): Parsed<bigint> {
  const r = kstrtoull(s);
  if (r.value === undefined) return r;
  if (longBits === 32 && r.value > 0xffffffffn) return err('ERANGE');
  return r;
}

/**
 * lib/kstrtox.c: kstrtobool — only the first character counts: one of y Y t T 1 (true) or
 * n N f F 0 (false), from v6.16 also e E (enabled) / d D (disabled) (`enabledDisabled`), or
 * 'o'/'O' followed by n/N ("on", true) or f/F ("off", false); the rest of the text is ignored
 * ("yes", "1x", "offline" parse). Anything else → -EINVAL.
 */
export function kstrtobool(s: string, enabledDisabled: boolean): Parsed<boolean> {
  switch (s[0]) {
    case 'e':
    case 'E':
      return enabledDisabled ? ok(true) : err('EINVAL');
    case 'd':
    case 'D':
      return enabledDisabled ? ok(false) : err('EINVAL');
    case 'y':
    case 'Y':
    case 't':
    case 'T':
    case '1':
      return ok(true);
    case 'n':
    case 'N':
    case 'f':
    case 'F':
    case '0':
      return ok(false);
    case 'o':
    case 'O':
      if (s[1] === 'n' || s[1] === 'N') return ok(true);
      if (s[1] === 'f' || s[1] === 'F') return ok(false);
      return err('EINVAL');
    default:
      return err('EINVAL');
  }
}

/** lib/string.c: sysfs_streq — equal, except that one trailing '\n' on either side is ignored. */
export function sysfs_streq(s1: string, s2: string): boolean {
  const strip = (s: string): string => (s.endsWith('\n') ? s.slice(0, -1) : s);
  return strip(s1) === strip(s2);
}
