// lib/kstrtox.c and lib/string.c as the KSM stores call them (base 10): the edges the store
// tests in sysfs.test.ts do not reach.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cString, kstrtobool, kstrtoint, kstrtoll, kstrtoul, kstrtoull, sysfs_streq } from '../../src/ksm/kstrtox.ts';

describe('lib/kstrtox.c', () => {
  it('_kstrtoull: overflow past ULLONG_MAX is -ERANGE even before trailing junk; no digit is -EINVAL', () => {
    assert.deepEqual(kstrtoull('18446744073709551615'), { value: (1n << 64n) - 1n });
    assert.deepEqual(kstrtoull('18446744073709551616x'), { errno: 'ERANGE' });
    assert.deepEqual(kstrtoull('\n'), { errno: 'EINVAL' });
    assert.deepEqual(kstrtoull('+'), { errno: 'EINVAL' });
    assert.deepEqual(kstrtoull('-1'), { errno: 'EINVAL' }); // kstrtou*: no sign "-"
    assert.deepEqual(kstrtoull('1a'), { errno: 'EINVAL' }); // base 10: 'a' ends the digits
  });

  it('kstrtoll: one leading "-" (not "-+"); LLONG_MIN parses, one below is -ERANGE', () => {
    assert.deepEqual(kstrtoll('-0'), { value: 0n });
    assert.deepEqual(kstrtoll('-9223372036854775808'), { value: -(1n << 63n) });
    assert.deepEqual(kstrtoll('-9223372036854775809'), { errno: 'ERANGE' });
    assert.deepEqual(kstrtoll('9223372036854775808'), { errno: 'ERANGE' });
    assert.deepEqual(kstrtoll('-+1'), { errno: 'EINVAL' });
  });

  it('kstrtoint: INT_MIN … INT_MAX, else -ERANGE', () => {
    assert.deepEqual(kstrtoint('-2147483648'), { value: -2147483648 });
    assert.deepEqual(kstrtoint('-2147483649'), { errno: 'ERANGE' });
  });

  it('kstrtoul: 64 bits on LP64, 32 bits (_kstrtoul) on ILP32', () => {
    assert.deepEqual(kstrtoul('4294967296', 64), { value: 4294967296n });
    assert.deepEqual(kstrtoul('4294967296', 32), { errno: 'ERANGE' });
  });

  it('kstrtobool: "o" alone and "" are -EINVAL', () => {
    assert.deepEqual([kstrtobool('o', true), kstrtobool('', true), kstrtobool('On', true)], [{ errno: 'EINVAL' }, { errno: 'EINVAL' }, { value: true }]);
  });
});

describe('lib/string.c: sysfs_streq, and the NUL-terminated copy sysfs passes', () => {
  it('one trailing newline on either side is ignored, not two, not a blank', () => {
    assert.deepEqual([sysfs_streq('none', 'none\n'), sysfs_streq('none\n', 'none'), sysfs_streq('none', 'none\n\n'), sysfs_streq('none', 'none ')], [true, true, false, false]);
  });

  it('the store sees the text up to the first NUL', () => {
    assert.equal(cString('12\u00003'), '12');
  });
});
