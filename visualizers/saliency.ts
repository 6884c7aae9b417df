// Saliency maps (Simonyan et al. 2014): |∂ score / ∂ input| per pixel, max over channels,
// shown under each input image. `saliency()` computes it with autograd; `saliencyView()`
// draws inputs and precomputed gradients.
import { Rich } from "./bundle.js";
import { shapeStr } from "./format.js";
import { gridRaster, rasterPng, type ImageBatch } from "./images.js";
import { captionedGrid, cropCell, imageBatchOf, stackRasters } from "./image_grid.js";
import type { NumericArray, TensorLike } from "./types.js";

/**
 * The few tensor methods saliency needs (lib's Tensor has them). Generic in the tensor type
 * itself, so that a model typed `Tensor → Tensor` is accepted as it is.
 */
interface AutogradTensor<T extends TensorLike> extends TensorLike {
  detach(): T;
  requiresGrad_(on?: boolean): T;
  mul(x: number): T;
  backward(gradient?: T | null): void;
  readonly grad: T | null;
}

/** |grad| reduced over channels: [N, C, H, W] → N maps of H×W (max over C). */
export function saliencyMaps(grad: TensorLike | { shape: readonly number[]; data: NumericArray }): ImageBatch {
  const b = imageBatchOf(grad, "saliency");
  const plane = b.h * b.w;
  const out = new Float64Array(b.n * plane);
  for (let k = 0; k < b.n; k++) {
    for (let p = 0; p < plane; p++) {
      let m = 0;
      for (let c = 0; c < b.c; c++) m = Math.max(m, Math.abs(b.data[(k * b.c + c) * plane + p]!));
      out[k * plane + p] = m;
    }
  }
  return { n: b.n, c: 1, h: b.h, w: b.w, data: out };
}

/** Inputs (top row) over their saliency maps (bottom row, each scaled to its own max), `labels` as captions. */
export function saliencyView(inputs: TensorLike, grad: TensorLike, opts: { labels?: readonly (string | number)[]; scale?: number } = {}): Rich {
  if (inputs.shape.join() !== grad.shape.join()) throw new Error(`saliency: inputs ${shapeStr(inputs.shape)} and gradient ${shapeStr(grad.shape)} differ in shape`);
  const imgs = imageBatchOf(inputs, "saliency");
  const maps = saliencyMaps(grad);
  const n = Math.min(imgs.n, 16);
  if (opts.labels && opts.labels.length < n) throw new Error(`saliency: ${opts.labels.length} labels for ${n} inputs`);
  const top = gridRaster({ ...imgs, n }, { ncol: n, scale: opts.scale, padding: 2 });
  const bottom = gridRaster({ ...maps, n }, { ncol: n, scale: opts.scale, padding: 2, normalize: "each", cmap: "viridis" });
  const png = rasterPng(stackRasters([top, bottom]));
  const bundle: Rich["bundle"] = { "image/png": png, "text/plain": `saliency maps for ${n} input(s) ${shapeStr(inputs.shape)}: inputs above, |∂score/∂input| below` };
  if (opts.labels) {
    bundle["text/plain"] += `\nlabels: ${opts.labels.slice(0, n).join(", ")}`;
    bundle["text/html"] = captionedGrid(top.cells.map((c, i) => ({ images: [cropCell(top, c), cropCell(bottom, bottom.cells[i]!)], caption: String(opts.labels![i]) })), n);
  }
  return new Rich(bundle);
}

/** Parameters of a Module-like model, so the pass can leave their `.grad` alone. */
function parametersOf(model: unknown): { requiresGrad?: boolean; requiresGrad_?(on: boolean): unknown }[] {
  const ps = (model as { parameters?: () => Iterable<unknown> }).parameters;
  return typeof ps === "function" ? [...ps.call(model)] as never : [];
}

/**
 * Saliency of `model` (or any function tensor → logits [N, classes]) at `inputs`: for each
 * sample the score is the logit of `target` (default: the predicted class). A Module's
 * parameters stop requiring grad during the pass, so their `.grad` (training state) is left
 * as it was; pass the Module rather than a function wrapping it for that.
 */
export function saliency<T extends AutogradTensor<T>>(
  model: ((x: T) => T) | { call(x: T): T },
  inputs: T,
  opts: { target?: number | readonly number[]; labels?: readonly (string | number)[]; scale?: number } = {},
): Rich {
  const frozen = parametersOf(model).filter((p) => p.requiresGrad && typeof p.requiresGrad_ === "function");
  for (const p of frozen) p.requiresGrad_!(false);
  let grad: T;
  try {
    grad = inputGradient(model, inputs, opts.target);
  } finally {
    for (const p of frozen) p.requiresGrad_!(true);
  }
  return saliencyView(inputs, grad, opts);
}

function inputGradient<T extends AutogradTensor<T>>(model: ((x: T) => T) | { call(x: T): T }, inputs: T, target: number | readonly number[] | undefined): T {
  const x = inputs.detach().requiresGrad_(true);
  const out = typeof model === "function" ? model(x) : model.call(x);
  if (out.shape.length !== 2 || out.shape[0] !== inputs.shape[0]) {
    throw new Error(`saliency: expected the model to return [N, classes] for ${inputs.shape[0]} inputs, got ${shapeStr(out.shape)}`);
  }
  const [n, k] = out.shape as [number, number];
  const logits = out.data;
  // one-hot seed gradient: backward of Σ_i out[i, target_i]
  const seed = out.detach().mul(0);
  const s = seed.data as unknown as { [i: number]: number };
  for (let i = 0; i < n; i++) {
    let t = typeof target === "number" ? target : target?.[i];
    if (t === undefined) {
      t = 0;
      for (let j = 1; j < k; j++) if (logits[i * k + j]! > logits[i * k + t]!) t = j;
    }
    if (t < 0 || t >= k) throw new Error(`saliency: target class ${t} out of range for ${k} classes`);
    s[i * k + t] = 1;
  }
  out.backward(seed);
  if (!x.grad) throw new Error("saliency: the input received no gradient (is the model differentiable w.r.t. its input?)");
  return x.grad;
}
