// A grid view for batches of images (samples, GAN outputs, conv filters, feature maps):
// `image/png` for every frontend, plus HTML with captions when labels are given.
import { Rich } from "./bundle.js";
import { escapeXml, shapeStr } from "./format.js";
import { asImageBatch, gridRaster, rasterPng, type GridOptions, type Raster } from "./images.js";
import { isTensorLike, type NumericArray, type TensorLike } from "./types.js";

export interface ImageGridOptions extends GridOptions {
  /** One caption per image (e.g. predicted/true class). */
  labels?: readonly (string | number)[];
  title?: string;
}

export function imageBatchOf(x: TensorLike | { shape: readonly number[]; data: NumericArray }, what = "imageGrid") {
  const shape = x.shape;
  if (shape.length === 4 && shape[1] !== 1 && shape[1] !== 3) throw new Error(`${what}: ${shapeStr(shape)} has ${shape[1]} channels; show one channel per image with x.reshape([N * C, H, W])`);
  const b = asImageBatch(shape, x.data);
  if (!b) throw new Error(`${what}: expected images shaped [N, C, H, W], [C, H, W] (C = 1 or 3), [N, H, W] or [H, W]; got ${shapeStr(shape)}`);
  return b;
}

/** Vertically stacks rasters (e.g. images over their saliency maps). */
export function stackRasters(rs: readonly Raster[], gap = 4): Raster {
  const W = Math.max(...rs.map((r) => r.width));
  const H = rs.reduce((s, r) => s + r.height, 0) + gap * (rs.length - 1);
  const rgb = new Uint8Array(W * H * 3).fill(255);
  const cells: Raster["cells"] = [];
  let y0 = 0;
  for (const r of rs) {
    for (let y = 0; y < r.height; y++) rgb.set(r.rgb.subarray(y * r.width * 3, (y + 1) * r.width * 3), ((y0 + y) * W) * 3);
    cells.push(...r.cells.map((c) => ({ ...c, y: c.y + y0 })));
    y0 += r.height + gap;
  }
  return { width: W, height: H, rgb, cells };
}

/** One image cut out of a grid raster. */
export function cropCell(raster: Raster, c: Raster["cells"][number]): Raster {
  const rgb = new Uint8Array(c.w * c.h * 3);
  for (let y = 0; y < c.h; y++) rgb.set(raster.rgb.subarray(((c.y + y) * raster.width + c.x) * 3, ((c.y + y) * raster.width + c.x + c.w) * 3), y * c.w * 3);
  return { width: c.w, height: c.h, rgb, cells: [] };
}

/** HTML grid of figures, each its images stacked over an optional caption (so captions sit under their own image). */
export function captionedGrid(figures: readonly { images: readonly Raster[]; caption?: string }[], ncol: number): string {
  const cellW = Math.max(1, ...figures.flatMap((f) => f.images.map((r) => r.width)));
  const figs = figures.map((f) =>
    `<figure style="margin:2px;text-align:center">` +
    f.images.map((r) => `<img style="image-rendering:pixelated;display:block;margin:0 auto 2px" width="${r.width}" height="${r.height}" src="data:image/png;base64,${rasterPng(r)}"/>`).join("") +
    (f.caption !== undefined ? `<figcaption style="font:11px monospace">${escapeXml(f.caption)}</figcaption>` : "") + `</figure>`);
  return `<div style="display:grid;grid-template-columns:repeat(${ncol}, ${cellW + 4}px)">${figs.join("")}</div>`;
}

export function imageGrid(images: TensorLike | { shape: readonly number[]; data: NumericArray }, opts: ImageGridOptions = {}): Rich {
  const batch = imageBatchOf(images);
  const raster = gridRaster(batch, opts);
  const png = rasterPng(raster);
  const shown = Math.min(batch.n, opts.maxImages ?? 256);
  const text = `${opts.title ? opts.title + ": " : ""}${shown} image${shown === 1 ? "" : "s"} ${batch.h}×${batch.w}${batch.c === 3 ? " RGB" : ""}` +
    (shown < batch.n ? ` (first ${shown} of ${batch.n})` : "") + (isTensorLike(images) ? ` from tensor${shapeStr(images.shape)}` : "");
  const bundle: Rich["bundle"] = { "image/png": png, "text/plain": text };
  if (opts.labels || opts.title) {
    const ncol = Math.max(1, Math.min(shown, opts.ncol ?? Math.ceil(Math.sqrt(shown))));
    const html = captionedGrid(raster.cells.map((c, i) => ({ images: [cropCell(raster, c)], caption: opts.labels?.[i] === undefined ? undefined : String(opts.labels[i]) })), ncol);
    bundle["text/html"] = (opts.title ? `<div style="font:bold 12px sans-serif">${escapeXml(opts.title)}</div>` : "") + html;
  }
  return new Rich(bundle);
}
