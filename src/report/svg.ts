// Small pure SVG builders for reports: a log-log line chart and a grouped bar chart. They
// return SVG strings (no scripts, no external resources); every text is XML-escaped.

/** Escape text for XML/HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** Series colours (Tableau 10: distinct, readable on white). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#bab0ac'] as const;
/** Dash patterns cycle with the colours, so series that coincide stay distinguishable. */
const DASHES = ['', '8 4', '3 3', '12 3 3 3'] as const;

export function colorOf(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Helvetica, Arial, sans-serif";

/** Rough text width at a font size (for layout only). */
function textWidth(s: string, size: number): number {
  return s.length * size * 0.6;
}

function r2(n: number): string {
  return String(Math.round(n * 100) / 100);
}

const SI: readonly (readonly [number, string])[] = [
  [1e15, 'P'],
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** A compact number: 3 significant digits with an SI suffix (1.23M), integers below 10k as is. */
export function fmtCompact(v: number): string {
  const a = Math.abs(v);
  if (a < 1e4) return v.toLocaleString('en-US', { maximumFractionDigits: a < 10 ? 3 : 1 });
  for (const [f, s] of SI) if (a >= f) return `${Number((v / f).toPrecision(3))}${s}`;
  return String(v);
}

/** A tick label: SI suffix from 1000 on (2k, 50k, 1.5M), plain below. */
export function fmtTick(v: number): string {
  const a = Math.abs(v);
  for (const [f, s] of SI) if (a >= f) return `${Number((v / f).toPrecision(3))}${s}`;
  return String(Number(v.toPrecision(3)));
}

/** The label of a decade tick 10^k: 1, 10, 100, 1k … 100T, 1P, else 10^k. */
function decadeLabel(k: number): { text: string; sup?: string } {
  if (k < 0 || k > 15) return { text: '10', sup: String(k) };
  const v = 10 ** k;
  for (const [f, s] of SI) if (v >= f) return { text: `${v / f}${s}` };
  return { text: String(v) };
}

const BIN = ['', 'K', 'M', 'G', 'T', 'P', 'E'] as const;

/** The label of 2^j bytes: 1K, 4G, 32T … */
function binaryLabel(j: number): string {
  const u = Math.floor(j / 10);
  if (j < 0 || u >= BIN.length) return `2^${j}`;
  return `${2 ** (j - u * 10)}${BIN[u]}`;
}

interface Tick {
  readonly v: number;
  readonly label?: { text: string; sup?: string };
  readonly major: boolean;
  /** Labels with a higher priority are kept when labels collide. */
  readonly priority: number;
}

/** A log10 scale over [lo, hi] onto [p0, p1]. */
function logScale(lo: number, hi: number, p0: number, p1: number): (v: number) => number {
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  return (v) => p0 + ((Math.log10(v) - a) / (b - a)) * (p1 - p0);
}

/** The 1-2-5 steps of a log axis: …, 0.5, 1, 2, 5, 10, 20, … */
function stepAt(i: number): number {
  const k = Math.floor(i / 3);
  return [1, 2, 5][i - k * 3]! * 10 ** k;
}

function stepIndexBelow(v: number): number {
  let i = Math.floor(Math.log10(v) + 1e-9) * 3;
  while (stepAt(i + 1) <= v * (1 + 1e-9)) i++;
  while (stepAt(i) > v * (1 + 1e-9)) i--;
  return i;
}

/** Bounds on the 1-2-5 steps around [min, max] (one step either side when min = max). */
function decadeDomain(min: number, max: number): [number, number] {
  let lo = stepIndexBelow(min);
  let hi = stepIndexBelow(max);
  if (stepAt(hi) < max * (1 - 1e-9)) hi++;
  if (hi <= lo) {
    lo -= 1;
    hi = lo + 2;
  }
  return [stepAt(lo), stepAt(hi)];
}

/** Decade ticks (labelled) and 2..9 minor ticks inside [lo, hi]; under 3 decades 2 and 5 are labelled too, under 1.2 decades all (where they fit). */
function decadeTicks(lo: number, hi: number): Tick[] {
  const a = Math.floor(Math.log10(lo) + 1e-9);
  const b = Math.ceil(Math.log10(hi) - 1e-9);
  const span = Math.log10(hi / lo);
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const ticks: Tick[] = [];
  for (let k = a; k <= b; k++) {
    if (inside(10 ** k)) ticks.push({ v: 10 ** k, label: decadeLabel(k), major: true, priority: 2 });
    for (let m = 2; m <= 9; m++) {
      const v = m * 10 ** k;
      if (!inside(v)) continue;
      const named = m === 2 || m === 5;
      const lab = (span < 3 && named) || span < 1.2 ? { text: fmtTick(v) } : undefined;
      ticks.push({ v, ...(lab ? { label: lab } : {}), major: false, priority: named ? 1 : 0 });
    }
  }
  return ticks;
}

/** Binary size ticks: every power of two, the powers of 1024 ranked first. */
function binaryDomain(min: number, max: number): [number, number] {
  let lo = Math.floor(Math.log2(min) + 1e-9);
  let hi = Math.ceil(Math.log2(max) - 1e-9);
  if (hi <= lo) {
    lo -= 1;
    hi += 1;
  }
  return [2 ** lo, 2 ** hi];
}

function binaryTicks(lo: number, hi: number): Tick[] {
  const a = Math.round(Math.log2(lo));
  const b = Math.round(Math.log2(hi));
  const ticks: Tick[] = [];
  for (let j = a; j <= b; j++) {
    const major = j % 10 === 0;
    ticks.push({ v: 2 ** j, label: { text: binaryLabel(j) }, major, priority: major ? 2 : j % 2 === 0 ? 1 : 0 });
  }
  return ticks;
}

/** Keep the labels that do not collide: by priority, then in axis order. */
function placeLabels(ticks: readonly Tick[], pos: (v: number) => number, minGap: number): Set<number> {
  const order = ticks
    .map((t, i) => ({ t, i }))
    .filter((x) => x.t.label)
    .sort((x, y) => y.t.priority - x.t.priority || x.i - y.i);
  const kept: number[] = [];
  const keep = new Set<number>();
  for (const { t, i } of order) {
    const p = pos(t.v);
    if (kept.some((q) => Math.abs(q - p) < minGap)) continue;
    kept.push(p);
    keep.add(i);
  }
  return keep;
}

function labelSvg(l: { text: string; sup?: string }): string {
  return l.sup === undefined ? escapeXml(l.text) : `${escapeXml(l.text)}<tspan dy="-6" font-size="9">${escapeXml(l.sup)}</tspan>`;
}

function plainLabel(l: { text: string; sup?: string }): string {
  return l.sup === undefined ? l.text : `${l.text}^${l.sup}`;
}

/** A legend in rows below a chart: returns the SVG and its height. */
function legend(names: readonly string[], x0: number, y0: number, width: number, swatch: (i: number, x: number, y: number) => string): { svg: string; height: number } {
  const parts: string[] = [];
  let x = x0;
  let y = y0;
  const rowH = 18;
  names.forEach((name, i) => {
    const w = 28 + textWidth(name, 12) + 18;
    if (x > x0 && x + w > x0 + width) {
      x = x0;
      y += rowH;
    }
    parts.push(`<g class="legend-item">${swatch(i, x, y)}<text x="${r2(x + 28)}" y="${r2(y + 4)}" font-size="12">${escapeXml(name)}</text></g>`);
    x += w;
  });
  return { svg: `<g class="legend">${parts.join('')}</g>`, height: names.length ? y - y0 + rowH : 0 };
}

function svgOpen(width: number, height: number, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${r2(width)}" height="${r2(height)}" viewBox="0 0 ${r2(width)} ${r2(height)}" role="img" aria-label="${escapeXml(title)}" font-family="${escapeXml(FONT)}"><title>${escapeXml(title)}</title><rect width="100%" height="100%" fill="#fff"/>`;
}

/**
 * How the samples behind a value spread (a timing's): drawn as whiskers from the smallest to the
 * largest sample, with a box over the middle half (p25–p75).
 */
export interface SpreadMarks {
  readonly min: number;
  readonly p25: number;
  readonly p75: number;
  readonly max: number;
}

/** The text of a spread in a tooltip: "min 1.2 ms · p25 … · p75 … · max …". */
export function spreadTip(s: SpreadMarks, fmt: (v: number) => string): string {
  return `min ${fmt(s.min)} · p25 ${fmt(s.p25)} · p75 ${fmt(s.p75)} · max ${fmt(s.max)}`;
}

/**
 * Whiskers (min–max, capped) and a box (p25–p75) at x, on the y scale Y. A slowest sample above
 * `clipTop` (the top of the plot) is drawn to it, with an arrowhead instead of a cap.
 */
function whisker(s: SpreadMarks, x: number, Y: (v: number) => number, color: string, half: number, clipTop = -Infinity): string {
  const clipped = Y(s.max) < clipTop;
  const [yMin, y25, y75, yMax] = [Y(s.min), Y(s.p25), Y(s.p75), clipped ? clipTop : Y(s.max)];
  const line = (x1: number, x2: number, y1: number, y2: number) => `<line x1="${r2(x1)}" x2="${r2(x2)}" y1="${r2(y1)}" y2="${r2(y2)}" stroke="${color}" stroke-width="1.2"/>`;
  const top = clipped
    ? `<polygon class="beyond" points="${r2(x)},${r2(yMax - 2)} ${r2(x - half * 0.8)},${r2(yMax + 5)} ${r2(x + half * 0.8)},${r2(yMax + 5)}" fill="${color}"/>`
    : line(x - half, x + half, yMax, yMax);
  return (
    `<g class="spread">${line(x, x, yMax, yMin)}${top}${line(x - half, x + half, yMin, yMin)}` +
    `<rect x="${r2(x - half / 2 - 1)}" y="${r2(Math.min(y75, y25))}" width="${r2(half + 2)}" height="${r2(Math.max(Math.abs(y25 - y75), 1))}" fill="#fff" fill-opacity="0.6" stroke="${color}" stroke-width="1.2"/></g>`
  );
}

/** The note a chart with spreads carries under its title. */
export const SPREAD_NOTE = 'whiskers: min–max of the samples; box: p25–p75';
/** …and when a slowest sample lies beyond the axis. */
const BEYOND_NOTE = '; ▲ max beyond the axis';
/**
 * On a linear bar chart a slowest sample at most this many times the largest bar or p75 widens
 * the axis to reach it; one further out (a pause of the machine) would flatten every bar, so
 * its whisker ends at the top of the plot with an arrowhead (its value is in the tooltip).
 */
export const WHISKER_REACH = 3;

export interface LinePoint {
  readonly x: number;
  readonly y: number;
  /** The spread of the samples behind y (whiskers and a box on the point). */
  readonly spread?: SpreadMarks;
}

export interface LineSeries {
  readonly name: string;
  /** Shown after the name in the legend (e.g. the fitted class). */
  readonly note?: string;
  readonly points: readonly LinePoint[];
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  /** x tick style: 'decimal' (decades: 1k, 1M, 1G … or 10^k) or 'binary' (sizes in bytes: 1G, 4G … 1T). */
  readonly xTicks?: 'decimal' | 'binary';
  /** How a point's x reads in its tooltip (default: the number). */
  readonly xFormat?: (x: number) => string;
  /** How y ticks read (default: decades 1k, 1M, 1G … and 2k, 5k when few decades). */
  readonly yTickFormat?: (y: number) => string;
}

/**
 * A log-log line chart: one polyline per series, log10 axes with decade ticks, a legend.
 * y = 0 cannot sit on a log axis: it is drawn at (smallest positive y) / 10, marked "0" and noted.
 * Points with x ≤ 0 or non-finite values are left out.
 */
export function lineChartLogLog(series: readonly LineSeries[], opts: LineChartOptions): string {
  const width = opts.width ?? 760;
  const height = opts.height ?? 420;
  const clean = series.map((s) => ({ name: s.name, note: s.note, points: s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.x > 0 && p.y >= 0).toSorted((a, b) => a.x - b.x) }));
  const all = clean.flatMap((s) => s.points);
  const spreads = all.flatMap((p) => (p.spread && p.spread.min > 0 ? [p.spread.min, p.spread.max] : []));
  const ys = [...all.map((p) => p.y), ...spreads];
  const positive = ys.filter((y) => y > 0);
  const hasZero = ys.some((y) => y === 0);
  const minPos = positive.length ? Math.min(...positive) : 1;
  const zeroAt = minPos / 10;
  const yOf = (y: number) => (y === 0 ? zeroAt : y);
  const xs = all.map((p) => p.x);
  const xMin = xs.length ? Math.min(...xs) : 1;
  const xMax = xs.length ? Math.max(...xs) : 10;
  const yMin = hasZero ? zeroAt : minPos;
  const yMax = positive.length ? Math.max(...positive) : 10;

  const binary = opts.xTicks === 'binary';
  const [x0v, x1v] = binary ? binaryDomain(xMin, xMax) : decadeDomain(xMin, xMax);
  const [y0v, y1v] = decadeDomain(yMin, yMax);
  const yTicks = decadeTicks(y0v, y1v).map((t) => (t.label && opts.yTickFormat ? { ...t, label: { text: opts.yTickFormat(t.v) } } : t));
  const xTicks = binary ? binaryTicks(x0v, x1v) : decadeTicks(x0v, x1v);
  const yLabelW = Math.max(...yTicks.map((t) => (t.label ? textWidth(plainLabel(t.label), 11) : 0)), textWidth('0', 11));
  const spreadNote = all.some((p) => p.spread && p.spread.min > 0);
  const m = { left: 34 + yLabelW + 8, right: 24, top: 36 + (hasZero ? 12 : 0) + (spreadNote ? 12 : 0), bottom: 52 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  // Inset a little, so points on the domain bounds do not sit on the frame.
  const X = logScale(x0v, x1v, m.left + 8, m.left + pw - 8);
  const Y = logScale(y0v, y1v, m.top + ph - 8, m.top + 8);

  const out: string[] = [];
  out.push(`<text x="${r2(width / 2)}" y="20" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(opts.title)}</text>`);
  if (hasZero) out.push(`<text x="${r2(width / 2)}" y="37" text-anchor="middle" font-size="11" fill="#666" class="zero-note">${escapeXml(`y = 0 is drawn at ${fmtCompact(zeroAt)} (the smallest positive value / 10), marked 0`)}</text>`);
  if (spreadNote) out.push(`<text x="${r2(width / 2)}" y="${hasZero ? 49 : 37}" text-anchor="middle" font-size="11" fill="#666" class="spread-note">${escapeXml(SPREAD_NOTE)}</text>`);
  // grid and ticks
  const grid: string[] = [];
  const labels: string[] = [];
  const keepY = placeLabels(hasZero ? [...yTicks, { v: zeroAt, label: { text: '0' }, major: true, priority: 3 }] : yTicks, Y, 14);
  yTicks.forEach((t, i) => {
    const y = Y(t.v);
    grid.push(`<line x1="${r2(m.left)}" x2="${r2(m.left + pw)}" y1="${r2(y)}" y2="${r2(y)}" stroke="${t.major ? '#d0d0d0' : '#eeeeee'}" stroke-width="1"/>`);
    if (t.label && keepY.has(i)) labels.push(`<text class="tick y-tick" x="${r2(m.left - 6)}" y="${r2(y + 4)}" text-anchor="end" font-size="11">${labelSvg(t.label)}</text>`);
  });
  if (hasZero) {
    const y = Y(zeroAt);
    grid.push(`<line x1="${r2(m.left)}" x2="${r2(m.left + pw)}" y1="${r2(y)}" y2="${r2(y)}" stroke="#999" stroke-width="1" stroke-dasharray="2 3"/>`);
    labels.push(`<text class="tick y-tick zero" x="${r2(m.left - 6)}" y="${r2(y + 4)}" text-anchor="end" font-size="11" font-style="italic">0</text>`);
  }
  const xTickLabels = xTicks.map((t) => (t.label ? plainLabel(t.label) : ''));
  const maxXLabel = Math.max(...xTickLabels.map((s) => textWidth(s, 11)), 10);
  const keepX = placeLabels(xTicks, X, maxXLabel + 8);
  xTicks.forEach((t, i) => {
    const x = X(t.v);
    grid.push(`<line x1="${r2(x)}" x2="${r2(x)}" y1="${r2(m.top)}" y2="${r2(m.top + ph)}" stroke="${t.major ? '#d0d0d0' : '#eeeeee'}" stroke-width="1"/>`);
    if (t.label && keepX.has(i)) {
      labels.push(`<line x1="${r2(x)}" x2="${r2(x)}" y1="${r2(m.top + ph)}" y2="${r2(m.top + ph + 4)}" stroke="#444"/>`);
      labels.push(`<text class="tick x-tick" x="${r2(x)}" y="${r2(m.top + ph + 17)}" text-anchor="middle" font-size="11">${labelSvg(t.label)}</text>`);
    }
  });
  out.push(`<g class="grid">${grid.join('')}</g>`);
  out.push(`<rect x="${r2(m.left)}" y="${r2(m.top)}" width="${r2(pw)}" height="${r2(ph)}" fill="none" stroke="#444"/>`);
  out.push(`<g class="ticks">${labels.join('')}</g>`);
  out.push(`<text x="${r2(m.left + pw / 2)}" y="${r2(m.top + ph + 38)}" text-anchor="middle" font-size="12">${escapeXml(opts.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${r2(m.top + ph / 2)}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(opts.yLabel)}</text>`);
  // series
  const fx = opts.xFormat ?? ((x: number) => String(x));
  clean.forEach((s, i) => {
    const color = colorOf(i);
    const dash = DASHES[i % DASHES.length]!;
    const pts = s.points.map((p) => `${r2(X(p.x))},${r2(Y(yOf(p.y)))}`).join(' ');
    const fy = opts.yTickFormat ?? ((y: number) => y.toLocaleString('en-US', { maximumFractionDigits: 3 }));
    const marks = s.points
      .map((p) => {
        const cx = X(p.x);
        const cy = Y(yOf(p.y));
        const spread = p.spread && p.spread.min > 0 ? p.spread : undefined;
        const tip = `<title>${escapeXml(`${s.name}: ${fx(p.x)} → ${p.y.toLocaleString('en-US', { maximumFractionDigits: 3 })}${spread ? ` (${spreadTip(spread, fy)})` : ''}`)}</title>`;
        return `${spread ? whisker(spread, cx, Y, color, 4) : ''}${marker(i, cx, cy, color, tip)}`;
      })
      .join('');
    out.push(
      `<g class="series" data-series="${escapeXml(s.name)}"><polyline class="series-line" points="${pts}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} stroke-linejoin="round"/>${marks}</g>`,
    );
  });
  // Series with the same points draw on top of each other: the legend says so.
  const key = (s: (typeof clean)[number]) => s.points.map((p) => `${p.x}:${p.y}`).join(' ');
  const legendNames = clean.map((s, i) => {
    const same = clean.findIndex((t, j) => j < i && key(t) === key(s));
    return `${s.name}${s.note ? ` — ${s.note}` : ''}${same >= 0 ? ` (same values as ${clean[same]!.name})` : ''}`;
  });
  const legendW = Math.max(pw, ...legendNames.map((n) => 28 + textWidth(n, 12) + 10));
  const leg = legend(
    legendNames,
    m.left,
    height + 4,
    legendW,
    (i, x, y) =>
      `<line x1="${r2(x)}" x2="${r2(x + 22)}" y1="${r2(y)}" y2="${r2(y)}" stroke="${colorOf(i)}" stroke-width="2"${DASHES[i % DASHES.length] ? ` stroke-dasharray="${DASHES[i % DASHES.length]}"` : ''}/>${marker(i, x + 11, y, colorOf(i), '')}`,
  );
  out.push(leg.svg);
  const total = height + leg.height + 8;
  return `${svgOpen(Math.max(width, m.left + legendW + 8), total, opts.title)}${out.join('')}</svg>`;
}

/** A point marker: circle, square, triangle, diamond by series. */
function marker(i: number, x: number, y: number, color: string, tip: string): string {
  const k = i % 4;
  const a = `fill="${color}" stroke="#fff" stroke-width="0.8"`;
  if (k === 0) return `<circle cx="${r2(x)}" cy="${r2(y)}" r="3.5" ${a}>${tip}</circle>`;
  if (k === 1) return `<rect x="${r2(x - 3.5)}" y="${r2(y - 3.5)}" width="7" height="7" ${a}>${tip}</rect>`;
  if (k === 2) return `<polygon points="${r2(x)},${r2(y - 4.5)} ${r2(x + 4.2)},${r2(y + 3)} ${r2(x - 4.2)},${r2(y + 3)}" ${a}>${tip}</polygon>`;
  return `<polygon points="${r2(x)},${r2(y - 4.5)} ${r2(x + 4.5)},${r2(y)} ${r2(x)},${r2(y + 4.5)} ${r2(x - 4.5)},${r2(y)}" ${a}>${tip}</polygon>`;
}

export interface Bar {
  readonly name: string;
  /** null: no value (drawn as "–"). */
  readonly value: number | null;
  /** The spread of the samples behind the value (a timing's): whiskers and a box over the bar. */
  readonly spread?: SpreadMarks;
}

export interface BarGroup {
  readonly label: string;
  readonly bars: readonly Bar[];
}

export interface BarChartOptions {
  readonly title: string;
  readonly yLabel: string;
  /** Log scale; default: when the positive values span more than 3 decades. */
  readonly log?: boolean;
  readonly height?: number;
  /** How a value reads in its label (default fmtCompact; the tooltip is exact). */
  readonly format?: (v: number) => string;
  /** How a y tick reads (default 1k, 2k … ; log scale: decades 1, 10 … 1M). */
  readonly tickFormat?: (v: number) => string;
}

/**
 * Grouped bars: one group per label, one bar per name (the same name has the same colour in
 * every group), value labels above the bars, a legend. Log scale on request, or by default
 * when values span more than 3 decades (a 0 is then a bar-less "0" on the axis).
 */
export function barChart(groups: readonly BarGroup[], opts: BarChartOptions): string {
  const names = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const spreadOf = (b: Bar) => (b.value !== null && b.spread && [b.spread.min, b.spread.p25, b.spread.p75, b.spread.max].every(Number.isFinite) ? b.spread : undefined);
  const spreads = groups.flatMap((g) => g.bars.flatMap((b) => ((sp) => (sp ? [sp] : []))(spreadOf(b))));
  const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);
  // the bars and the middle half of each spread set the scale (and whether it is logarithmic)
  const core = [...groups.flatMap((g) => g.bars.map((b) => b.value)), ...spreads.flatMap((sp) => [sp.p25, sp.p75])].filter(finite);
  const corePositive = core.filter((v) => v > 0);
  const coreMax = corePositive.length ? Math.max(...corePositive) : 1;
  const log = opts.log ?? coreMax / (corePositive.length ? Math.min(...corePositive) : 1) > 1000;
  const reaches = (sp: SpreadMarks) => log || sp.max <= coreMax * WHISKER_REACH;
  const values = [...core, ...spreads.flatMap((sp) => [...(log ? [sp.min] : []), ...(reaches(sp) ? [sp.max] : [])])].filter(finite);
  const spreadNote = spreads.length ? `${SPREAD_NOTE}${spreads.some((sp) => !reaches(sp)) ? BEYOND_NOTE : ''}` : '';
  const positive = values.filter((v) => v > 0);
  const maxV = positive.length ? Math.max(...positive) : 1;
  const minPos = positive.length ? Math.min(...positive) : 1;
  const fmt = opts.format ?? fmtCompact;

  const barW = 20;
  const barGap = 3;
  const groupGap = 28;
  const groupW = groups.map((g) => Math.max(g.bars.length * (barW + barGap) - barGap, textWidth(g.label, 12) + 4));
  const labelH = Math.max(...values.map((v) => textWidth(fmt(v), 10)), 12) + 8;
  const yTickW = 46;
  const m = { left: 30 + yTickW, right: 24, top: 34 + labelH, bottom: 40 };
  const barsW = groupW.reduce((a, b) => a + b, 0) + groupGap * (groups.length + 1);
  const width = Math.max(m.left + barsW + m.right + 8, textWidth(opts.title, 15) + 40, spreadNote ? textWidth(spreadNote, 11) + 24 : 0, 360);
  // The plot fills the width (a long title widens it); the groups sit in its middle.
  const plotW = width - m.left - m.right - 8;
  const ph = (opts.height ?? 300) - 34 - 40;
  const height = m.top + ph + m.bottom;

  let Y: (v: number) => number;
  let ticks: Tick[];
  let base: number;
  if (log) {
    const [lo, hi] = decadeDomain(minPos * 0.99, maxV); // the smallest bar keeps some height
    Y = logScale(lo, hi, m.top + ph, m.top);
    ticks = decadeTicks(lo, hi).map((t) => (t.label && opts.tickFormat ? { ...t, label: { text: opts.tickFormat(t.v) } } : t));
    base = lo;
  } else {
    const step = niceStep(maxV / 5);
    const top = Math.max(step, Math.ceil(maxV / step) * step);
    Y = (v) => m.top + ph - (v / top) * ph;
    ticks = [];
    for (let i = 0; i * step <= top + step / 2; i++) ticks.push({ v: i * step, label: { text: (opts.tickFormat ?? fmtTick)(i * step) }, major: true, priority: 2 });
    base = 0;
  }
  const out: string[] = [];
  out.push(`<text x="${r2(width / 2)}" y="20" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(opts.title)}</text>`);
  if (spreadNote) out.push(`<text x="${r2(width / 2)}" y="33" text-anchor="middle" font-size="11" fill="#666" class="spread-note">${escapeXml(spreadNote)}</text>`);
  const keep = placeLabels(ticks, Y, 14);
  const grid: string[] = [];
  ticks.forEach((t, i) => {
    const y = Y(t.v);
    grid.push(`<line x1="${r2(m.left)}" x2="${r2(m.left + plotW)}" y1="${r2(y)}" y2="${r2(y)}" stroke="${t.major ? '#d8d8d8' : '#f0f0f0'}"/>`);
    if (t.label && keep.has(i)) grid.push(`<text class="tick y-tick" x="${r2(m.left - 6)}" y="${r2(y + 4)}" text-anchor="end" font-size="11">${labelSvg(t.label)}</text>`);
  });
  out.push(`<g class="grid">${grid.join('')}</g>`);
  out.push(`<text transform="translate(14 ${r2(m.top + ph / 2)}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(log ? `${opts.yLabel} (log scale)` : opts.yLabel)}</text>`);
  const baseY = m.top + ph;
  let x = m.left + groupGap + (plotW - barsW) / 2;
  groups.forEach((g, gi) => {
    const gw = groupW[gi]!;
    const barsW = g.bars.length * (barW + barGap) - barGap;
    let bx = x + (gw - barsW) / 2;
    const parts: string[] = [];
    for (const b of g.bars) {
      const ci = names.indexOf(b.name);
      const cx = bx + barW / 2;
      const spread = spreadOf(b);
      const exact = b.value === null ? 'no value' : b.value.toLocaleString('en-US', { maximumFractionDigits: 3 });
      const tip = `<title>${escapeXml(`${g.label} — ${b.name}: ${exact}${spread && b.value !== null ? ` (${fmt(b.value)}; ${spreadTip(spread, fmt)})` : ''}`)}</title>`;
      let top = baseY;
      if (b.value !== null && b.value > 0) {
        top = Y(Math.max(b.value, base));
        parts.push(`<rect class="bar" x="${r2(bx)}" y="${r2(top)}" width="${barW}" height="${r2(Math.max(baseY - top, 0.5))}" fill="${colorOf(ci)}">${tip}</rect>`);
      } else {
        parts.push(`<rect class="bar empty" x="${r2(bx)}" y="${r2(baseY - 1)}" width="${barW}" height="1" fill="${colorOf(ci)}">${tip}</rect>`);
      }
      if (spread) {
        // on a log scale a sample of 0 sits on the axis
        const at = (v: number) => (v > 0 ? Y(Math.max(v, base)) : baseY);
        parts.push(whisker(spread, cx, at, '#222', 5, m.top));
        top = Math.min(top, Math.max(at(spread.max), m.top));
      }
      const text = b.value === null ? '–' : fmt(b.value);
      parts.push(`<text class="value" transform="translate(${r2(cx + 3.5)} ${r2(top - 4)}) rotate(-90)" font-size="10" fill="#333">${escapeXml(text)}</text>`);
      bx += barW + barGap;
    }
    parts.push(`<text class="group-label" x="${r2(x + gw / 2)}" y="${r2(baseY + 18)}" text-anchor="middle" font-size="12">${escapeXml(g.label)}</text>`);
    out.push(`<g class="group">${parts.join('')}</g>`);
    x += gw + groupGap;
  });
  out.push(`<line x1="${r2(m.left)}" x2="${r2(m.left + plotW)}" y1="${r2(baseY)}" y2="${r2(baseY)}" stroke="#444"/>`);
  out.push(`<line x1="${r2(m.left)}" x2="${r2(m.left)}" y1="${r2(m.top)}" y2="${r2(baseY)}" stroke="#444"/>`);
  const legendW = Math.max(width - m.left - m.right, ...names.map((n) => 28 + textWidth(n, 12) + 10));
  const leg = legend(names, m.left, height, legendW, (i, lx, ly) => `<rect x="${r2(lx + 4)}" y="${r2(ly - 6)}" width="14" height="12" fill="${colorOf(i)}"/>`);
  out.push(leg.svg);
  return `${svgOpen(Math.max(width, m.left + legendW + 8), height + leg.height + 6, opts.title)}${out.join('')}</svg>`;
}

/** 1, 2 or 5 × 10^k at or above `raw`. */
function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const f of [1, 2, 5, 10]) if (f * p >= raw) return Math.max(f * p, 1e-9);
  return 10 * p;
}
