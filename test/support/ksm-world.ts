// Test support: a machine with KSM, processes, and ksmd runs that check the invariants after
// every batch (so every test also proves the checker passes throughout).
import assert from 'node:assert/strict';
import { createKsm, type KsmOptions } from '../../src/ksm/index.ts';
import type { KsmPolicy } from '../../src/ksm/policy.ts';
import { getStack, policyOf } from '../../variants/stacks.ts';
import { checkInvariants } from '../../src/ksm/invariants.ts';
import { MADV_MERGEABLE, MADV_UNMERGEABLE, madvise_ksm } from '../../src/ksm/mm-slots.ts';
import { ksmd_batch } from '../../src/ksm/scan.ts';
import type { Ksm } from '../../src/ksm/state.ts';
import { type KsmStat, read_ksm_stat, read_sysfs, type SysfsValues } from '../../src/ksm/sysfs.ts';
import { Machine, type ThpKnobs } from '../../src/mm/machine.ts';
import { write_page } from '../../src/mm/memory.ts';
import { type MmStruct, mm_alloc } from '../../src/mm/mm.ts';
import { parseKernelVersion } from '../../src/mm/kernel.ts';
import { do_mmap, type MmapOptions } from '../../src/mm/mmap.ts';

export interface World {
  readonly m: Machine;
  readonly ksm: Ksm;
  /** A process. */
  proc(name: string): MmStruct;
  /** mmap + write every page with content(i) + MADV_MERGEABLE; returns the first page. */
  region(mm: MmStruct, pages: number, content: (i: number) => number, opts?: MmapOptions): number;
  merge(mm: MmStruct, start: number, pages: number): void;
  unmerge(mm: MmStruct, start: number, pages: number): void;
  /** Run ksmd wake-ups until `n` more full scans completed; invariants checked after each batch. */
  fullScans(n: number): void;
  batches(n: number): void;
  sysfs(): SysfsValues;
  stat(mm: MmStruct): KsmStat;
}

export type WorldOptions = Omit<KsmOptions, 'policy'> & {
  /** Variants replacing those of the v6.17 stack (the default world). */
  policy?: Partial<KsmPolicy>;
  levels?: 4 | 5;
  bits32?: boolean;
  /** The kernel whose mm the machine follows (default: src/mm/kernel.ts DEFAULT_KERNEL). */
  kernel?: string;
  /** The THP knobs (default: the machine's, madvise). */
  thp?: ThpKnobs;
};

/** The v6.17 mainline policy: per-address scan and unmerge, full-range rmap, marked zero pages, keyhole. */
export function mainlinePolicy(): KsmPolicy {
  return policyOf(getStack('v6.17').variants);
}

export function world(opts: WorldOptions = {}): World {
  const m = new Machine(opts.levels ?? 4, { bits32: opts.bits32 ?? false, ...(opts.kernel ? { kernel: parseKernelVersion(opts.kernel) } : {}), ...(opts.thp ? { thp: opts.thp } : {}) });
  const { kernel: _kernel, thp: _thp, ...ksmOpts } = opts;
  const ksm = createKsm(m, { ...ksmOpts, policy: { ...mainlinePolicy(), ...opts.policy }, knobs: { run: 1, ...opts.knobs } });
  const checkAfterBatch = (): void => {
    assert.deepEqual(checkInvariants(ksm), [], `invariants after batch (full_scans ${ksm.ksm_scan.seqnr})`);
  };
  const w: World = {
    m,
    ksm,
    proc: (name) => mm_alloc(m, name),
    region(mm, pages, content, mopts = {}) {
      const start = do_mmap(mm, pages, mopts);
      for (let i = 0; i < pages; i++) assert.equal(write_page(mm, start + i, content(i)), 'ok');
      w.merge(mm, start, pages);
      return start;
    },
    merge(mm, start, pages) {
      assert.equal(madvise_ksm(ksm, mm, start, pages, MADV_MERGEABLE), 0);
    },
    unmerge(mm, start, pages) {
      assert.equal(madvise_ksm(ksm, mm, start, pages, MADV_UNMERGEABLE), 0);
    },
    fullScans(n) {
      const target = ksm.ksm_scan.seqnr + n;
      for (let guard = 0; ksm.ksm_scan.seqnr < target; guard++) {
        assert.ok(guard < 1_000_000, 'ksmd made no progress');
        assert.ok(ksmd_batch(ksm), 'ksmd should run');
        checkAfterBatch();
      }
    },
    batches(n) {
      for (let i = 0; i < n; i++) {
        ksmd_batch(ksm);
        checkAfterBatch();
      }
    },
    sysfs: () => read_sysfs(ksm),
    stat: (mm) => read_ksm_stat(ksm, mm),
  };
  return w;
}

/** tools/testing/selftests/mm/ksm_tests.c: assert_ksm_pages_count's expectation for n pages. */
export function expectedKsmPagesCount(n: number, m: number): { shared: number; sharing: number } {
  if (n % m === 0 || n % m === 1) {
    const shared = Math.floor(n / m);
    return { shared, sharing: shared * (m - 1) };
  }
  const shared = Math.floor(n / m) + 1;
  return { shared, sharing: n - shared };
}
