// Child process of bench/perf/run.ts (run with --expose-gc): builds a space of 1,000,000
// written pages in 1,000 VMAs — 10 processes × 100 mmaps × 1000 pages — then prints
// process.memoryUsage() as a result line (protocol.ts) and exits.
//
// Placement: adjacent private anon mmaps with equal flags merge into one VMA (as in the
// kernel), so each mmap is placed MAP_FIXED with a 24-page hole after it, keeping 1000 VMAs.
import { Machine } from '../../src/mm/machine.ts';
import { write_page } from '../../src/mm/memory.ts';
import { mm_alloc } from '../../src/mm/mm.ts';
import { do_mmap } from '../../src/mm/mmap.ts';
import { emitResult } from './protocol.ts';

const PROCESSES = 10;
const MMAPS_PER_PROCESS = 100;
const PAGES_PER_MMAP = 1000;
const STRIDE = 1024; // pages between mmap starts: a 24-page hole keeps neighbours apart
const BASE = 2 ** 30; // 4 TiB, page-table aligned

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rssBefore = process.memoryUsage().rss;

const t0 = performance.now();
const machine = new Machine(4);
let written = 0;
let vmas = 0;
for (let p = 0; p < PROCESSES; p++) {
  const mm = mm_alloc(machine, `p${p}`);
  for (let j = 0; j < MMAPS_PER_PROCESS; j++) {
    const start = do_mmap(mm, PAGES_PER_MMAP, { at: BASE + j * STRIDE });
    for (let k = 0; k < PAGES_PER_MMAP; k++) {
      const r = write_page(mm, start + k, written % 977);
      if (r !== 'ok') throw new Error(`write_page(${start + k}) in ${mm.name}: ${r}`);
      written++;
    }
  }
  vmas += mm.vmas.length;
}
const buildMs = performance.now() - t0;

gc?.();
const usage = process.memoryUsage();
emitResult({
  kind: 'memory',
  processes: machine.mms.length,
  vmas,
  pagesWritten: written,
  allocatedPages: machine.allocatedPages,
  buildMs,
  gcRan: gc !== undefined,
  rssBefore,
  rss: usage.rss,
  heapUsed: usage.heapUsed,
  heapTotal: usage.heapTotal,
});
