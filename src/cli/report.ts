// ksmbench report: a self-contained HTML (or Markdown) report of a result file.
import { compareHtml } from '../report/compare-html.ts';
import { compareMarkdown, readCompareFile } from '../report/compare-report.ts';
import { readResultFile, writeAtomic } from '../report/files.ts';
import { renderHtml } from '../report/html.ts';
import { reportMarkdown } from '../report/markdown.ts';
import { matrixHtml, matrixMarkdown, readLiveMatrix } from '../report/live-matrix.ts';
import { UsageError } from './errors.ts';
import { parse } from './options.ts';

export const REPORT_HELP = `ksmbench report <result.csv|result.json|compare.json> [--format html|markdown] [--out FILE]

Write a report of a result file (of run, sweep or merge): the environment, the correctness
matrix (scenario × stack, ✓/✗ with the oracle's problems), per scenario a chart of the key
cost metrics across stacks, for a sweep a log-log chart per metric with the fitted complexity
classes, and every counter. HTML is one self-contained file (inline CSS and SVG, no scripts,
nothing fetched); Markdown holds the same tables. A live matrix (live --matrix) gives
its scenario × stack table. A compare document (compare --format json)
gives the report of that compare: its inputs and commits, the verdict changes first, the
changed metrics with their direction, the tested timings and the notes.

  --format F      html (default) or markdown
  --out FILE      where to write (default: the input path with .html or .md instead of
                  .csv/.json); "-" writes to stdout
`;

const REPORT_FORMATS = ['html', 'markdown'] as const;
type ReportFormat = (typeof REPORT_FORMATS)[number];

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      format: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(REPORT_HELP);
    return 0;
  }
  const format = values.format ?? 'html';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format "${format}" is not one of ${REPORT_FORMATS.join(', ')}`);
  if (positionals.length !== 1) throw new UsageError(`report needs exactly one result file (.csv or .json), got ${positionals.length}`);
  if (values.out === '') throw new UsageError('--out needs a file name (or - for stdout)');
  const input = positionals[0]!;
  const html = (format as ReportFormat) === 'html';
  const compare = readCompareFile(input);
  const matrix = compare ? null : readLiveMatrix(input);
  const text = compare
    ? html
      ? compareHtml(compare, false)
      : compareMarkdown(compare, false)
    : matrix
      ? html
        ? matrixHtml(matrix)
        : matrixMarkdown(matrix)
      : ((set) => (html ? renderHtml(set) : reportMarkdown(set)))(readResultFile(input));
  if (values.out === '-') {
    process.stdout.write(text);
    return 0;
  }
  const out = values.out ?? `${input.replace(/\.(csv|json)$/, '')}${format === 'html' ? '.html' : '.md'}`;
  writeAtomic(out, text);
  process.stdout.write(`wrote ${out}\n`);
  return 0;
}
