// Image-shaped tensors → RGB pixel grids → PNG. Accepts N×C×H×W, C×H×W (C = 1 or 3),
// N×H×W and H×W; single-channel images are grey (or a colour map).
import { diverging, viridis } from "./colormap.js";
import { escapeXml } from "./format.js";
import { pngBase64 } from "./png.js";
import { tensorStats } from "./stats.js";
import type { NumericArray } from "./types.js";

export interface ImageBatch {
  n: number;
  c: number;
  h: number;
  w: number;
  data: NumericArray;
}

/** Interprets a shape as a batch of images, or returns null if it does not look like one. */
export function asImageBatch(shape: readonly number[], data: NumericArray): ImageBatch | null {
  const isC = (c: number | undefined) => c === 1 || c === 3;
  if (shape.length === 4 && isC(shape[1])) return { n: shape[0]!, c: shape[1]!, h: shape[2]!, w: shape[3]!, data };
  if (shape.length === 3 && isC(shape[0])) return { n: 1, c: shape[0]!, h: shape[1]!, w: shape[2]!, data };
  if (shape.length === 3) return { n: shape[0]!, c: 1, h: shape[1]!, w: shape[2]!, data };
  if (shape.length === 2) return { n: 1, c: 1, h: shape[0]!, w: shape[1]!, data };
  return null;
}

/** True when a tensor's shape reads naturally as images (used to pick the tensor view). */
export function looksLikeImages(shape: readonly number[]): boolean {
  const big = (h: number | undefined, w: number | undefined, min = 4) => (h ?? 0) >= min && (w ?? 0) >= min;
  // 4-D from 3×3 up: conv filters [out, in, kH, kW] with in = 1 or 3 read as images too
  if (shape.length === 4) return (shape[1] === 1 || shape[1] === 3) && big(shape[2], shape[3], 3);
  if (shape.length === 3) return (shape[0] === 1 || shape[0] === 3) && big(shape[1], shape[2]);
  return false;
}

export type Normalize = "auto" | "minmax" | "each" | "none" | readonly [number, number];
export type ColorMapName = "gray" | "viridis" | "diverging";

export interface GridOptions {
  /** Images per row (default: about square). */
  ncol?: number;
  /** Pixels between images, in output pixels. */
  padding?: number;
  /**
   * Value range mapped to black..white. "auto": [0,1] if the values fit, [-1,1] if they fit
   * that, else the batch's min..max; "minmax": always min..max; "each": min..max per image;
   * "none": values already in [0,1]; or an explicit [lo, hi].
   */
  normalize?: Normalize;
  /** Integer upscale factor (default: so each image is at least ~48 px). */
  scale?: number;
  /** Colour map for single-channel images. */
  cmap?: ColorMapName;
  /** Cap on images shown (a grid of thousands helps nobody). */
  maxImages?: number;
}

export interface Raster {
  width: number;
  height: number;
  rgb: Uint8Array;
  /** Top-left of each image in the raster and its size (for captions). */
  cells: { x: number; y: number; w: number; h: number }[];
}

function rangeFor(data: NumericArray, mode: Normalize): [number, number] {
  if (Array.isArray(mode)) return [mode[0], mode[1]] as [number, number];
  if (mode === "none") return [0, 1];
  const s = tensorStats(data);
  if (!Number.isFinite(s.min)) return [0, 1];
  if (mode === "auto") {
    // snap to a conventional pixel range only when the values fill a good part of it;
    // small values (gradients, activations) are stretched to their own min..max instead
    const span = s.max - s.min;
    if (s.min >= 0 && s.max <= 1 && span >= 0.5) return [0, 1];
    if (s.min >= -1 && s.max <= 1 && span >= 1) return [-1, 1];
    if (s.min >= 0 && s.max <= 255 && s.max > 1 && span > 32 && Number.isInteger(s.max)) return [0, 255];
  }
  return s.max > s.min ? [s.min, s.max] : [s.min - 0.5, s.max + 0.5];
}

export function gridRaster(batch: ImageBatch, opts: GridOptions = {}): Raster {
  const n = Math.min(batch.n, opts.maxImages ?? 256);
  const { c, h, w, data } = batch;
  const ncol = Math.max(1, Math.min(n, opts.ncol ?? Math.ceil(Math.sqrt(n))));
  const nrow = Math.ceil(n / ncol);
  const scale = Math.max(1, Math.floor(opts.scale ?? Math.max(1, Math.round(48 / Math.max(h, w)))));
  // gaps grow with the tiles, so they still show when the grid is drawn smaller
  const pad = opts.padding ?? (n > 1 ? Math.max(3, Math.round(0.08 * Math.max(h, w) * scale)) : 0);
  const W = ncol * w * scale + (ncol + 1) * pad;
  const H = nrow * h * scale + (nrow + 1) * pad;
  // white between images, each framed in grey, so neither grey nor white tiles run together
  const rgb = new Uint8Array(W * H * 3).fill(255);
  const cmap = opts.cmap ?? "gray";
  const mode = opts.normalize ?? "auto";
  // a diverging map is read as "sign and size", so its range is centred on zero
  const centre = (r: [number, number]): [number, number] => {
    if (cmap !== "diverging" || c !== 1 || Array.isArray(mode)) return r;
    const a = Math.max(Math.abs(r[0]), Math.abs(r[1])) || 1;
    return [-a, a];
  };
  const global = mode === "each" ? null : centre(rangeFor(data.length > n * c * h * w ? slice(data, 0, n * c * h * w) : data, mode));
  const cells: Raster["cells"] = [];
  const plane = h * w;
  for (let k = 0; k < n; k++) {
    const base = k * c * plane;
    const [lo, hi] = global ?? centre(rangeFor(slice(data, base, base + c * plane), "minmax"));
    const span = hi - lo || 1;
    const x0 = pad + (k % ncol) * (w * scale + pad);
    const y0 = pad + Math.floor(k / ncol) * (h * scale + pad);
    cells.push({ x: x0, y: y0, w: w * scale, h: h * scale });
    if (n > 1 && pad >= 2) frame(rgb, W, x0 - 1, y0 - 1, w * scale + 2, h * scale + 2);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let r: number, g: number, b: number;
        const t = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, (v - lo) / span)) : 0);
        if (c === 3) {
          r = t(data[base + y * w + x]!) * 255;
          g = t(data[base + plane + y * w + x]!) * 255;
          b = t(data[base + 2 * plane + y * w + x]!) * 255;
        } else {
          const v = t(data[base + y * w + x]!);
          if (cmap === "gray") r = g = b = v * 255;
          else [r, g, b] = (cmap === "viridis" ? viridis : diverging)(v);
        }
        for (let dy = 0; dy < scale; dy++) {
          let o = ((y0 + y * scale + dy) * W + x0 + x * scale) * 3;
          for (let dx = 0; dx < scale; dx++, o += 3) {
            rgb[o] = r;
            rgb[o + 1] = g;
            rgb[o + 2] = b;
          }
        }
      }
    }
  }
  return { width: W, height: H, rgb, cells };
}

/** A one-pixel grey rectangle outline. */
function frame(rgb: Uint8Array, W: number, x: number, y: number, w: number, h: number): void {
  const dot = (px: number, py: number) => rgb.fill(150, (py * W + px) * 3, (py * W + px) * 3 + 3);
  for (let i = 0; i < w; i++) { dot(x + i, y); dot(x + i, y + h - 1); }
  for (let j = 0; j < h; j++) { dot(x, y + j); dot(x + w - 1, y + j); }
}

function slice(d: NumericArray, a: number, b: number): NumericArray {
  const s = (d as { subarray?: (a: number, b: number) => NumericArray }).subarray;
  return s ? s.call(d, a, b) : Array.prototype.slice.call(d, a, b);
}

export function rasterPng(r: Raster): string {
  return pngBase64(r.width, r.height, r.rgb);
}

/** `<img>` tag with the raster inline; pixelated so upscaled pixels stay crisp. */
export function rasterImg(r: Raster, alt: string, displayWidth?: number, displayHeight?: number): string {
  const wAttr = (displayWidth ? ` width="${Math.round(displayWidth)}"` : "") + (displayHeight ? ` height="${Math.round(displayHeight)}"` : "");
  return `<img alt="${escapeXml(alt)}"${wAttr} style="image-rendering:pixelated;image-rendering:crisp-edges" src="data:image/png;base64,${rasterPng(r)}"/>`;
}
