// The rich tensor view: a lovely-tensors style one-line summary for text, and an HTML card
// with stats, a mini histogram, a heatmap or image grid and the (summarised) values; a
// tensor that has a gradient shows value and gradient side by side.
import { Rich } from "./bundle.js";
import { escapeXml, fmt, fmtInt, formatValues, shapeStr } from "./format.js";
import { asImageBatch, gridRaster, looksLikeImages, rasterImg, type ImageBatch } from "./images.js";
import { histogram, HISTOGRAM_SAMPLE, tensorStats, type TensorStats } from "./stats.js";
import { histogramSvg } from "./svg.js";
import type { NumericArray, TensorLike } from "./types.js";

/** Tensors this small show their values (open) instead of a histogram and a picture. */
const SMALL = 16;

const SHORT_DTYPE: Record<string, string> = { float32: "f32", float64: "f64", int32: "i32", bool: "bool" };

export interface TensorViewOptions {
  /** Heading shown above the card (e.g. a parameter name). */
  name?: string;
  /** Show `.grad` next to the value when present (default true). */
  grad?: boolean;
  /** Histogram bins (default 30). */
  bins?: number;
}

function gradFnName(t: TensorLike): string | null {
  try {
    return t.gradFn?.name ?? null;
  } catch {
    return null;
  }
}

function gradOf(t: TensorLike): TensorLike | null {
  try {
    return t.grad ?? null;
  } catch {
    return null;
  }
}

/** `tensor[64, 784] f32 n=50,176 x∈[-4.2, 4.1] μ=0.0012 σ=1 grad_fn=MmBackward` */
export function tensorSummary(t: TensorLike, stats: TensorStats = tensorStats(t.data)): string {
  const dtype = t.dtype ?? "float32";
  const parts = [`tensor${shapeStr(t.shape)}`, SHORT_DTYPE[dtype] ?? dtype, `n=${fmtInt(stats.numel)}`];
  if (stats.finite > 0) {
    if (dtype === "bool") parts.push(`true=${fmtInt(stats.finite - stats.zeros)}`);
    else parts.push(`x∈[${fmt(stats.min)}, ${fmt(stats.max)}]`, `μ=${fmt(stats.mean)}`);
    if (dtype !== "bool" && stats.finite > 1) parts.push(`σ=${fmt(stats.std)}`);
  }
  if (stats.zeros > 0 && dtype !== "bool" && stats.numel > 1) parts.push(`zeros=${fmtInt(stats.zeros)}`);
  if (stats.nan) parts.push(`NaN!=${fmtInt(stats.nan)}`);
  if (stats.posInf) parts.push(`+Inf!=${fmtInt(stats.posInf)}`);
  if (stats.negInf) parts.push(`-Inf!=${fmtInt(stats.negInf)}`);
  const fn = gradFnName(t);
  if (fn) parts.push(`grad_fn=${fn}`);
  else if (t.requiresGrad) parts.push("requiresGrad");
  if (gradOf(t)) parts.push("has grad");
  return parts.join(" ");
}

/** A tensor's values read once (`data` copies non-contiguous tensors) with their stats. */
interface Snap {
  t: TensorLike;
  data: NumericArray;
  stats: TensorStats;
}

function snap(t: TensorLike): Snap {
  const data = t.data;
  return { t, data, stats: tensorStats(data) };
}

export function tensorText(t: TensorLike, opts: TensorViewOptions = {}): string {
  return textOf(snap(t), opts, opts.grad === false ? null : gradOf(t));
}

function textOf(v: Snap, opts: TensorViewOptions, g: TensorLike | null, gs?: Snap): string {
  let out = (opts.name ? `${opts.name}: ` : "") + tensorSummary(v.t, v.stats);
  out += "\n" + formatValues(v.t.shape, v.data, v.t.dtype, { threshold: 100, edgeItems: 3 });
  if (g) out += `\ngrad: ${tensorSummary(g, (gs ?? snap(g)).stats)}`;
  return out;
}

const CARD = "display:inline-block;vertical-align:top;margin:2px 12px 2px 0;font:12px/1.35 DejaVu Sans,Helvetica,Arial,sans-serif";
const TD = "padding:1px 6px;text-align:right;border:none";
// list-item brings back the disclosure triangle that Notebook's CSS removes (summary { display: block })
const SUMMARY = "display:list-item;cursor:pointer;color:#666";

function statsTable(s: TensorStats, dtype: string): string {
  const cells: [string, string][] = [
    ["min", fmt(s.min)], ["max", fmt(s.max)], ["mean", fmt(s.mean)], ["std", fmt(s.std)],
    ["zeros", `${fmtInt(s.zeros)}${s.numel ? ` (${fmt((100 * s.zeros) / s.numel, 3)}%)` : ""}`],
  ];
  if (dtype === "bool") cells.splice(0, 4, ["true", fmtInt(s.finite - s.zeros)]);
  const bad = s.nan + s.posInf + s.negInf;
  cells.push(["NaN", fmtInt(s.nan)], ["Inf", s.posInf + s.negInf === 0 ? "0" : `+${fmtInt(s.posInf)} / -${fmtInt(s.negInf)}`]);
  const row = (f: (c: [string, string]) => string) => `<tr>${cells.map(f).join("")}</tr>`;
  const warn = (c: [string, string]) => bad > 0 && (c[0] === "NaN" || c[0] === "Inf") && c[1] !== "0";
  return (
    `<table style="border-collapse:collapse;margin:4px 0">` +
    row((c) => `<th style="${TD};color:#666;font-weight:normal">${c[0]}</th>`) +
    row((c) => `<td style="${TD};font-family:monospace${warn(c) ? ";color:#c00;font-weight:bold" : ""}">${escapeXml(c[1])}</td>`) +
    `</table>`
  );
}

/** Nearest-neighbour shrink of a rows×cols matrix so a picture of it stays small. */
export function downsample2d(data: NumericArray, rows: number, cols: number, maxSide = 256): { data: NumericArray; rows: number; cols: number } {
  if (rows <= maxSide && cols <= maxSide) return { data, rows, cols };
  const r2 = Math.min(rows, maxSide), c2 = Math.min(cols, maxSide);
  const out = new Float64Array(r2 * c2);
  for (let i = 0; i < r2; i++) {
    const si = Math.floor((i * rows) / r2);
    for (let j = 0; j < c2; j++) out[i * c2 + j] = data[si * cols + Math.floor((j * cols) / c2)]!;
  }
  return { data: out, rows: r2, cols: c2 };
}

function picture({ t, data, stats: s }: Snap): string {
  const shape = t.shape;
  // a handful of values reads better as numbers than as coloured squares
  if (s.finite === 0 || s.numel <= SMALL) return "";
  if (looksLikeImages(shape)) {
    const batch = asImageBatch(shape, data)!;
    const raster = gridRaster(batch, { maxImages: 64 });
    const note = batch.n > 64 ? ` (first 64 of ${batch.n})` : "";
    return `<div style="color:#666">images${note}</div>` + rasterImg(raster, `image grid ${shapeStr(shape)}`, Math.min(raster.width, 480));
  }
  let rows: number, cols: number;
  if (shape.length === 2) [rows, cols] = shape as [number, number];
  else if (shape.length === 1 && shape[0]! >= 2) [rows, cols] = [1, shape[0]!];
  else return "";
  const ds = downsample2d(data, rows, cols);
  const signed = s.min < 0 && s.max > 0;
  const a = Math.max(Math.abs(s.min), Math.abs(s.max));
  const batch: ImageBatch = { n: 1, c: 1, h: ds.rows, w: ds.cols, data: ds.data };
  const scale = Math.max(1, Math.min(24, Math.floor(240 / Math.max(ds.rows, ds.cols))));
  const raster = gridRaster(batch, { cmap: signed ? "diverging" : "viridis", normalize: signed ? [-a, a] : "minmax", scale, padding: 0 });
  const legend = signed ? `blue &lt; 0 &lt; red, |max| ${escapeXml(fmt(a))}` : `viridis ${escapeXml(fmt(s.min))} … ${escapeXml(fmt(s.max))}`;
  return `<div style="color:#666">heatmap${ds.rows !== rows || ds.cols !== cols ? ` (downsampled to ${ds.rows}×${ds.cols})` : ""} · ${legend}</div>` +
    (rows === 1
      ? rasterImg(raster, `heatmap ${shapeStr(shape)}`, Math.min(480, Math.max(120, raster.width)), 16)
      : rasterImg(raster, `heatmap ${shapeStr(shape)}`, Math.min(raster.width, 480)));
}

function card(v: Snap, title: string | undefined, bins: number): string {
  const { t, data, stats: s } = v;
  const dtype = t.dtype ?? "float32";
  const fn = gradFnName(t);
  const head =
    `<div><b style="font-family:monospace">${title ? escapeXml(title) + " " : ""}tensor${escapeXml(shapeStr(t.shape))}</b> ` +
    `<span style="color:#666">${escapeXml(dtype)} · ${fmtInt(s.numel)} values` +
    (fn ? ` · grad_fn=${escapeXml(fn)}` : t.requiresGrad ? " · requiresGrad" : "") + `</span></div>`;
  const hist = s.finite > 0 && dtype !== "bool" && s.numel > SMALL ? histogramSvg(histogram(data, bins, [s.min, s.max], HISTOGRAM_SAMPLE), { width: 220, height: 52 }) : "";
  const values = escapeXml(formatValues(t.shape, data, dtype, { threshold: 200, edgeItems: 3 }));
  return (
    `<div style="${CARD}">${head}${statsTable(s, dtype)}${hist}<div>${picture(v)}</div>` +
    `<details${s.numel <= 64 ? " open" : ""}><summary style="${SUMMARY}">values${s.numel > 200 ? " (summarised)" : ""}</summary><pre style="font-size:11px;margin:2px 0">${values}</pre></details></div>`
  );
}

export function tensorHtml(t: TensorLike, opts: TensorViewOptions = {}): string {
  const g = opts.grad === false ? null : gradOf(t);
  return htmlOf(snap(t), opts, g ? snap(g) : null);
}

function htmlOf(v: Snap, opts: TensorViewOptions, g: Snap | null): string {
  const bins = opts.bins ?? 30;
  if (!g) return `<div class="gradlab-tensor">${card(v, opts.name, bins)}</div>`;
  return `<div class="gradlab-tensor" style="display:flex;flex-wrap:wrap">${card(v, opts.name ?? "value", bins)}${card(g, (opts.name ? opts.name + "." : "") + "grad", bins)}</div>`;
}

/** Rich view of a tensor: `text/plain` summary + values, `text/html` card(s). */
export function tensorView(t: TensorLike, opts: TensorViewOptions = {}): Rich {
  const v = snap(t);
  const gt = opts.grad === false ? null : gradOf(t);
  const g = gt ? snap(gt) : null;
  return new Rich({ "text/plain": textOf(v, opts, gt, g ?? undefined), "text/html": htmlOf(v, opts, g) });
}
