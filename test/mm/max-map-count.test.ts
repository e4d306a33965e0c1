// max_map_count (issue 10 item 4): the calls that would give a process more VMAs than
// sysctl_max_map_count (65530) fail with ENOMEM where the kernel checks it, leaving the VMAs as
// the kernel leaves them; a scenario that needs more VMAs is bad input, refused up front.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { ParamError } from '../../bench/params.ts';
import { configOfStack } from '../../src/harness/config.ts';
import { runScenario } from '../../src/harness/run.ts';
import { Machine } from '../../src/mm/machine.ts';
import { type MmStruct, mm_alloc } from '../../src/mm/mm.ts';
import { do_mmap, do_mprotect, do_mremap_move, do_munmap } from '../../src/mm/mmap.ts';
import { DEFAULT_MAX_MAP_COUNT, MmErrno } from '../../src/mm/vma.ts';

const LOW = 2 ** 20;

/** A process whose one region has been split into `vmas` VMAs (every other page read-only). */
function splitInto(vmas: number): { mm: MmStruct; start: number } {
  const mm = mm_alloc(new Machine(4), 'p0');
  const pages = vmas + 10;
  const start = do_mmap(mm, pages, { at: LOW });
  // each page made read-only inside a rw VMA adds two VMAs; the region's last page one
  for (let i = 1; mm.vmas.length < vmas - 1; i += 2) do_mprotect(mm, start + i, 1, 'r');
  if (mm.vmas.length < vmas) do_mprotect(mm, start + pages - 1, 1, 'r');
  assert.equal(mm.vmas.length, vmas);
  return { mm, start };
}

const enomem = (what: string) => (e: unknown) => e instanceof MmErrno && e.errno === 'ENOMEM' && e.message === `ENOMEM: ${what}: p0 has ${DEFAULT_MAX_MAP_COUNT} VMAs, max_map_count is ${DEFAULT_MAX_MAP_COUNT}`;

describe('max_map_count', () => {
  const { mm, start } = splitInto(DEFAULT_MAX_MAP_COUNT);
  const vmas = () => mm.vmas.length;

  it('mprotect that would split once more fails (mm/vma.c: split_vma); one that merges still works', () => {
    // the next-to-last VMA is the rw tail before the read-only last page: a page in its middle needs two splits
    const tail = mm.vmas.at(-2)!;
    assert.ok(tail.vm_end - tail.vm_start >= 3);
    assert.throws(() => do_mprotect(mm, tail.vm_start + 1, 1, 'r'), enomem('split_vma'));
    assert.equal(vmas(), DEFAULT_MAX_MAP_COUNT);
    // making page 1 (read-only, between two rw VMAs) rw again merges three VMAs into one
    do_mprotect(mm, start + 1, 1, 'rw');
    assert.equal(vmas(), DEFAULT_MAX_MAP_COUNT - 2);
    do_mprotect(mm, start + 1, 1, 'r');
    assert.equal(vmas(), DEFAULT_MAX_MAP_COUNT);
  });

  it('munmap of a hole inside one VMA fails; munmap at a VMA edge does not check (mm/vma.c: vms_gather_munmap_vmas)', () => {
    const tail = mm.vmas.at(-2)!;
    assert.throws(() => do_munmap(mm, tail.vm_start + 1, 1), enomem('munmap'));
    assert.equal(vmas(), DEFAULT_MAX_MAP_COUNT);
    do_munmap(mm, tail.vm_end - 1, 1);
    assert.equal(vmas(), DEFAULT_MAX_MAP_COUNT);
  });

  it('mmap is refused only above max_map_count (mm/mmap.c: do_mmap "map_count > sysctl_max_map_count")', () => {
    const far = LOW * 4;
    do_mmap(mm, 1, { at: far });
    assert.equal(vmas(), DEFAULT_MAX_MAP_COUNT + 1);
    assert.throws(() => do_mmap(mm, 1, { at: far + 4 }), (e: unknown) => e instanceof MmErrno && /^ENOMEM: mmap: p0 has 65531 VMAs/.test(e.message));
    do_munmap(mm, far, 1);
  });

  it('mremap is refused 5 short of the limit (mm/mremap.c: mremap_to "(map_count + 2) >= max_map_count - 3")', () => {
    assert.throws(() => do_mremap_move(mm, start, 1, LOW * 8), enomem('mremap'));
    const small = splitInto(DEFAULT_MAX_MAP_COUNT - 6);
    do_mremap_move(small.mm, small.start, 1, LOW * 8);
  });

  it('a scenario past the limit: the op fails with ENOMEM as an outcome (syscalls_failed, op_errors), not a problem; vma-split refuses pieces above it', () => {
    const scenario = {
      name: 'too-many',
      ops: [
        { op: 'mmap' as const, proc: 'p0', region: 'a', size: 140000 },
        { op: 'mprotect' as const, proc: 'p0', region: 'a', prot: 'r' as const, every: 2 },
      ],
    };
    const r = runScenario(scenario, configOfStack('v6.18'));
    assert.deepEqual(r.opErrors, [`ops[1] (mprotect): ENOMEM: split_vma: p0 has ${DEFAULT_MAX_MAP_COUNT} VMAs, max_map_count is ${DEFAULT_MAX_MAP_COUNT}`]);
    assert.equal(r.counters.syscalls_failed, 1);
    assert.deepEqual(r.verdict.problems, []);
    assert.throws(() => buildScenario('vma-split', { pages: '70000', pieces: '65531' }), (e: unknown) => e instanceof ParamError && /out of range \(accepted: 1\.\.65530\)/.test(e.message));
  });
});
