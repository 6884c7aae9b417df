// Hand-built SVG for the small, frequent pictures (histograms, heatmaps, live line charts):
// synchronous and cheap, so they can update inside a training loop.
import { css, textOn, viridis } from "./colormap.js";
import { escapeXml, fmt } from "./format.js";
import type { Histogram } from "./stats.js";

export const FONT = `font-family="DejaVu Sans, Helvetica, Arial, sans-serif"`;
export const MONO = `font-family="DejaVu Sans Mono, Menlo, Consolas, monospace"`;

export function svgDoc(width: number, height: number, body: string, title?: string): string {
  const t = title ? `<title>${escapeXml(title)}</title>` : "";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${r(width)}" height="${r(height)}" viewBox="0 0 ${r(width)} ${r(height)}">${t}${body}</svg>`;
}

export function r(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/** About 5 round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Sparkline-sized histogram with the min/max under it and a marker at zero when in range. */
export function histogramSvg(h: Histogram, { width = 180, height = 56, color = "#4c78a8", title = "histogram" } = {}): string {
  const axis = 14;
  const plotH = height - axis;
  const maxC = Math.max(1, ...h.counts);
  const bw = h.counts.length ? width / h.counts.length : width;
  let body = `<rect width="${width}" height="${height}" fill="white"/>`;
  h.counts.forEach((c, i) => {
    if (c === 0) return;
    // sqrt scale keeps rare bins (outliers) visible next to a tall mode
    const bh = Math.max(1, (Math.sqrt(c) / Math.sqrt(maxC)) * (plotH - 2));
    body += `<rect x="${r(i * bw)}" y="${r(plotH - bh)}" width="${r(Math.max(0.5, bw - 0.5))}" height="${r(bh)}" fill="${color}"/>`;
  });
  const lo = h.edges[0], hi = h.edges[h.edges.length - 1];
  if (lo !== undefined && hi !== undefined && lo < 0 && hi > 0) {
    const zx = ((0 - lo) / (hi - lo)) * width;
    body += `<line x1="${r(zx)}" x2="${r(zx)}" y1="0" y2="${plotH}" stroke="#e45756" stroke-width="1" stroke-dasharray="2,2"/>`;
  }
  body += `<line x1="0" x2="${width}" y1="${plotH}" y2="${plotH}" stroke="#888"/>`;
  if (lo !== undefined && hi !== undefined) {
    body += `<text x="0" y="${height - 2}" font-size="10" ${FONT} fill="#444">${escapeXml(fmt(lo, 3))}</text>`;
    body += `<text x="${width}" y="${height - 2}" font-size="10" ${FONT} fill="#444" text-anchor="end">${escapeXml(fmt(hi, 3))}</text>`;
  }
  return svgDoc(width, height, body, title);
}

export interface HeatmapOptions {
  rowLabels?: readonly string[];
  colLabels?: readonly string[];
  /** Write each cell's value in it (small matrices: confusion matrices, attention). */
  annotate?: boolean;
  cmap?: (t: number) => [number, number, number];
  vmin?: number;
  vmax?: number;
  cell?: number;
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Formats annotations (shortened, or left out, where a cell is too narrow for it). */
  format?: (v: number) => string;
  /** A column of text right of the cells, one entry per row (e.g. per-class recall). */
  rowNotes?: { title: string; values: readonly string[] };
  /** A line under the grid (e.g. the accuracy). */
  footer?: string;
}

/** Font size of cell annotations at a cell size. */
export function annotationFontSize(cell: number): number {
  return cell >= 28 ? 11 : 9;
}

/**
 * A formatter whose text fits every cell: `format` itself, else the value with two or one
 * decimals and no leading zero (".07"); null when even that does not fit (no annotations).
 */
export function fittingFormat(values: ArrayLike<number>, cell: number, format: (v: number) => string): ((v: number) => string) | null {
  const charW = 0.6 * annotationFontSize(cell);
  const short = (d: number) => (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(d).replace(/^(-?)0\./, "$1."));
  for (const f of [format, short(2), short(1)]) {
    let fits = true;
    for (let i = 0; i < values.length && fits; i++) fits = f(values[i]!).length * charW <= cell - 3;
    if (fits) return f;
  }
  return null;
}

/** rows×cols values (row-major) as a grid of coloured cells with optional labels. */
export function heatmapSvg(values: ArrayLike<number>, rows: number, cols: number, o: HeatmapOptions = {}): string {
  const cmap = o.cmap ?? viridis;
  let vmin = o.vmin ?? Infinity, vmax = o.vmax ?? -Infinity;
  if (o.vmin === undefined || o.vmax === undefined) {
    for (let i = 0; i < rows * cols; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      if (o.vmin === undefined && v < vmin) vmin = v;
      if (o.vmax === undefined && v > vmax) vmax = v;
    }
  }
  if (!Number.isFinite(vmin)) { vmin = 0; vmax = 1; }
  const span = vmax - vmin || 1;
  const cell = o.cell ?? Math.max(4, Math.min(36, Math.floor(360 / Math.max(rows, cols))));
  const charW = 6.5;
  const left = (o.rowLabels ? Math.max(...o.rowLabels.map((s) => s.length)) * charW + 8 : 0) + (o.yTitle ? 18 : 0);
  const colLabelLen = o.colLabels ? Math.max(...o.colLabels.map((s) => s.length)) * charW : 0;
  const rotate = o.colLabels ? colLabelLen > cell - 2 : false;
  const top = (o.title ? 20 : 4) + (o.colLabels ? (rotate ? colLabelLen + 8 : 16) : 0) + (o.xTitle ? 16 : 0);
  const legendW = 56;
  const notes = o.rowNotes;
  const notesW = notes ? Math.max(notes.title.length, ...notes.values.map((v) => v.length)) * charW + 14 : 0;
  const gridW = left + cols * cell + notesW;
  const W = Math.max(gridW + legendW, (o.title ? o.title.length * 7.8 : 0) + left + 8, o.footer ? o.footer.length * 6.6 + left + 8 : 0);
  const H = Math.max(top + rows * cell + 6, top + 120) + (o.footer ? 18 : 0);
  const fmtV = o.annotate && cell >= 18 ? fittingFormat(values, cell, o.format ?? ((v: number) => fmt(v, 2))) : null;
  const annotate = fmtV !== null;
  const fs = annotationFontSize(cell);
  let body = `<rect width="${r(W)}" height="${r(H)}" fill="white"/>`;
  if (o.title) body += `<text x="${r(left)}" y="14" font-size="13" font-weight="bold" ${FONT}>${escapeXml(o.title)}</text>`;
  if (o.xTitle) body += `<text x="${r(left + (cols * cell) / 2)}" y="${(o.title ? 20 : 4) + 12}" font-size="11" ${FONT} text-anchor="middle">${escapeXml(o.xTitle)}</text>`;
  if (o.yTitle) body += `<text transform="translate(12,${r(top + (rows * cell) / 2)}) rotate(-90)" font-size="11" ${FONT} text-anchor="middle">${escapeXml(o.yTitle)}</text>`;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = values[i * cols + j]!;
      const rgb = Number.isFinite(v) ? cmap((v - vmin) / span) : ([255, 0, 255] as [number, number, number]);
      const x = left + j * cell, y = top + i * cell;
      body += `<rect x="${r(x)}" y="${r(y)}" width="${cell}" height="${cell}" fill="${css(rgb)}"><title>[${i}, ${j}] ${escapeXml(fmt(v))}</title></rect>`;
      if (annotate) {
        body += `<text x="${r(x + cell / 2)}" y="${r(y + cell / 2 + 4)}" font-size="${fs}" ${FONT} text-anchor="middle" fill="${textOn(rgb)}">${escapeXml(fmtV!(v))}</text>`;
      }
    }
  }
  o.rowLabels?.forEach((s, i) => {
    body += `<text x="${r(left - 4)}" y="${r(top + i * cell + cell / 2 + 4)}" font-size="11" ${FONT} text-anchor="end">${escapeXml(s)}</text>`;
  });
  o.colLabels?.forEach((s, j) => {
    const x = left + j * cell + cell / 2;
    body += rotate
      ? `<text transform="translate(${r(x + 4)},${r(top - 4)}) rotate(-90)" font-size="11" ${FONT}>${escapeXml(s)}</text>`
      : `<text x="${r(x)}" y="${r(top - 4)}" font-size="11" ${FONT} text-anchor="middle">${escapeXml(s)}</text>`;
  });
  if (notes) {
    const nx = left + cols * cell + 8;
    body += `<text x="${r(nx)}" y="${r(top - 4)}" font-size="11" ${FONT} fill="#444">${escapeXml(notes.title)}</text>`;
    notes.values.forEach((s, i) => {
      body += `<text x="${r(nx)}" y="${r(top + i * cell + cell / 2 + 4)}" font-size="11" ${MONO}>${escapeXml(s)}</text>`;
    });
  }
  if (o.footer) body += `<text x="${r(left)}" y="${r(H - 6)}" font-size="12" ${FONT}>${escapeXml(o.footer)}</text>`;
  // colour bar
  const lx = gridW + 10, lh = Math.min(100, Math.max(40, rows * cell));
  for (let k = 0; k < 20; k++) {
    body += `<rect x="${r(lx)}" y="${r(top + lh - ((k + 1) * lh) / 20)}" width="10" height="${r(lh / 20 + 0.5)}" fill="${css(cmap(k / 19))}"/>`;
  }
  body += `<text x="${r(lx + 13)}" y="${r(top + 8)}" font-size="9" ${FONT}>${escapeXml(fmt(vmax, 3))}</text>`;
  body += `<text x="${r(lx + 13)}" y="${r(top + lh)}" font-size="9" ${FONT}>${escapeXml(fmt(vmin, 3))}</text>`;
  return svgDoc(W, H, body, o.title ?? "heatmap");
}

export interface LineSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: string;
  dashed?: boolean;
}

export const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d"];

/** One line-chart panel with axes, ticks and a legend. */
export function lineChartSvg(
  series: readonly LineSeries[],
  { width = 320, height = 200, title = "", xTitle = "", logY = false } = {},
): string {
  const m = { l: 48, r: 10, t: title || series.length > 1 ? 24 : 10, b: 34 };
  const pw = width - m.l - m.r, ph = height - m.t - m.b;
  const ty = (v: number) => (logY ? Math.log10(v) : v);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) for (const [x, y] of s.points) {
    if (!Number.isFinite(x) || !Number.isFinite(ty(y))) continue;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, ty(y)); y1 = Math.max(y1, ty(y));
  }
  let body = `<rect width="${width}" height="${height}" fill="white"/>`;
  if (title) body += `<text x="${m.l}" y="15" font-size="12" font-weight="bold" ${FONT}>${escapeXml(title)}</text>`;
  if (!Number.isFinite(x0)) return svgDoc(width, height, body + `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="11" ${FONT} fill="#888">no data yet</text>`, title);
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { const d = Math.abs(y0) * 0.1 || 1; y0 -= d; y1 += d; }
  const padY = (y1 - y0) * 0.05; y0 -= padY; y1 += padY;
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.t + ph - ((y - y0) / (y1 - y0)) * ph;
  body += `<g stroke="#ddd" stroke-width="1">`;
  const yt = niceTicks(y0, y1, 4), xt = niceTicks(x0, x1, 5);
  for (const v of yt) body += `<line x1="${m.l}" x2="${m.l + pw}" y1="${r(sy(v))}" y2="${r(sy(v))}"/>`;
  body += `</g><rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`;
  for (const v of yt) body += `<text x="${m.l - 4}" y="${r(sy(v) + 3)}" font-size="10" text-anchor="end" ${FONT}>${escapeXml(logY ? fmt(10 ** v, 2) : fmt(v, 3))}</text>`;
  for (const v of xt) body += `<text x="${r(sx(v))}" y="${m.t + ph + 13}" font-size="10" text-anchor="middle" ${FONT}>${escapeXml(fmt(v, 4))}</text>`;
  if (xTitle) body += `<text x="${m.l + pw / 2}" y="${height - 4}" font-size="10" text-anchor="middle" ${FONT} fill="#444">${escapeXml(xTitle)}</text>`;
  const legendW = 24 + 6 * Math.max(0, ...series.map((s) => s.name.length));
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(ty(y)));
    if (pts.length === 1) {
      body += `<circle cx="${r(sx(pts[0]![0]))}" cy="${r(sy(ty(pts[0]![1])))}" r="3" fill="${color}"/>`;
    } else if (pts.length > 1) {
      // whole pixels, and no repeats of the same pixel: a long history costs a short path
      let d = "", px = NaN, py = NaN;
      for (const [x, y] of pts) {
        const X = Math.round(sx(x)), Y = Math.round(sy(ty(y)));
        if (X === px && Y === py) continue;
        d += (d ? "L" : "M") + X + "," + Y;
        px = X;
        py = Y;
      }
      body += `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"${s.dashed ? ` stroke-dasharray="5,3"` : ""}/>`;
    }
    // legend in the top margin, right-aligned, items side by side (never over the data)
    const lx = m.l + pw - legendW * (series.length - i), ly = 15;
    body += `<line x1="${r(lx)}" x2="${r(lx + 14)}" y1="${ly - 3}" y2="${ly - 3}" stroke="${color}" stroke-width="2"${s.dashed ? ` stroke-dasharray="4,2"` : ""}/>`;
    body += `<text x="${r(lx + 18)}" y="${ly}" font-size="10" ${FONT}>${escapeXml(s.name)}</text>`;
  });
  return svgDoc(width, height, body, title || "line chart");
}

/** Lays several SVG documents side by side in one SVG (nested <svg> elements), under an optional title. */
export function hstack(svgs: readonly string[], gap = 8, title?: string): string {
  const sizes = svgs.map((s) => {
    const w = Number(/width="([\d.]+)"/.exec(s)?.[1] ?? 0);
    const h = Number(/height="([\d.]+)"/.exec(s)?.[1] ?? 0);
    return { w, h };
  });
  const top = title ? 24 : 0;
  let x = 0, body = title ? `<text x="4" y="16" font-size="14" font-weight="bold" ${FONT}>${escapeXml(title)}</text>` : "";
  svgs.forEach((s, i) => {
    body += s.replace("<svg ", `<svg x="${r(x)}" y="${top}" `);
    x += sizes[i]!.w + gap;
  });
  const W = Math.max(1, x - gap, title ? title.length * 8.4 + 8 : 0);
  return svgDoc(W, top + Math.max(1, ...sizes.map((s) => s.h)), body, title);
}
