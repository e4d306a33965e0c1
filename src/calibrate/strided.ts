// The calibration's own scenario (not in the suite): pages populated one every `stride` pages of
// a MAP_NORESERVE mapping, so the range-walk scanner reads whole page tables per page it finds
// (at stride 512, a PTE table a page) — the scanner's read cost apart from the per-page costs.
import type { Op, Scenario } from '../../bench/format.ts';
import { num, ParamError, recordParams, resolveParams } from '../../bench/params.ts';
import { buildScenario } from '../../bench/scenarios/index.ts';
import { type BuiltinScenario, THP_MADVISE } from '../../bench/scenarios/types.ts';
import type { CalibrationCase } from './scenarios.ts';

export const strided: BuiltinScenario = {
  name: 'strided',
  summary: 'unique pages one every `stride` pages of a MAP_NORESERVE mapping (calibration only)',
  situation: 'Sparse anonymous memory with a page in every page table: the range walk reads each PTE table whole to find its one page.',
  illuminates: "the scanner's page-table reads per page it returns (pt_reads_scan against pages_scanned)",
  params: {
    size: { kind: 'size', default: '1GiB', description: 'size of the mapping' },
    pages: { kind: 'int', default: 512, min: 1, max: 65536, description: 'populated pages (unique contents)' },
    stride: { kind: 'int', default: 512, min: 1, max: 2 ** 27, description: 'pages from one populated page to the next' },
    full_scans: { kind: 'int', default: 2, min: 1, max: 1000, description: 'ksmd full scans to run' },
  },
  build(p) {
    const pages = num(p, 'pages');
    const stride = num(p, 'stride');
    if ((pages - 1) * stride >= num(p, 'size')) throw new ParamError(`strided: pages=${pages} one every stride=${stride} pages do not fit in size=${num(p, 'size')} pages (accepted: (pages - 1) × stride < size)`);
    const ops: Op[] = [
      { op: 'mmap', proc: 'p0', region: 'area', size: num(p, 'size'), noreserve: true },
      ...Array.from({ length: pages }, (_, i): Op => ({ op: 'write', proc: 'p0', region: 'area', from: i * stride, pages: 1, content: 'unique' })),
      { op: 'madvise', proc: 'p0', region: 'area', advice: 'mergeable' },
      { op: 'ksmd', full_scans: num(p, 'full_scans') },
    ];
    return { thp: THP_MADVISE, ops };
  },
};

/** A calibration case's scenario: the calibration's own, or a built-in one. */
export function buildCase(c: Pick<CalibrationCase, 'scenario' | 'params'>): Scenario {
  if (c.scenario !== strided.name) return buildScenario(c.scenario, c.params);
  const values = resolveParams(strided.name, strided.params, c.params);
  return { name: strided.name, description: strided.situation, seed: 1, params: recordParams(strided.params, values), ...strided.build(values, 1) };
}
