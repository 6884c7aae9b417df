// Saliency maps (Simonyan et al. 2014): |∂ score / ∂ input| per pixel, max over channels,
// shown under each input image. `saliency()` computes it with autograd; `saliencyView()`
// draws inputs and precomputed gradients.
import { Rich } from "./bundle.js";
import { shapeStr } from "./format.js";
import { gridRaster, rasterPng, type ImageBatch } from "./images.js";
import { imageBatchOf, stackRasters } from "./image_grid.js";
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

/** Inputs (top row) over their saliency maps (bottom row, each scaled to its own max). */
export function saliencyView(inputs: TensorLike, grad: TensorLike, opts: { labels?: readonly string[]; scale?: number } = {}): Rich {
  if (inputs.shape.join() !== grad.shape.join()) throw new Error(`saliency: inputs ${shapeStr(inputs.shape)} and gradient ${shapeStr(grad.shape)} differ in shape`);
  const imgs = imageBatchOf(inputs, "saliency");
  const maps = saliencyMaps(grad);
  const ncol = Math.min(imgs.n, 16);
  const top = gridRaster({ ...imgs, n: Math.min(imgs.n, 16) }, { ncol, scale: opts.scale, padding: 2 });
  const bottom = gridRaster({ ...maps, n: Math.min(maps.n, 16) }, { ncol, scale: opts.scale, padding: 2, normalize: "each", cmap: "viridis" });
  const png = rasterPng(stackRasters([top, bottom]));
  return new Rich({ "image/png": png, "text/plain": `saliency maps for ${Math.min(imgs.n, 16)} input(s) ${shapeStr(inputs.shape)}: inputs above, |∂score/∂input| below` });
}

/**
 * Saliency of `model` (or any function tensor → logits [N, classes]) at `inputs`: for each
 * sample the score is the logit of `target` (default: the predicted class).
 */
export function saliency<T extends AutogradTensor<T>>(
  model: ((x: T) => T) | { call(x: T): T },
  inputs: T,
  opts: { target?: number | readonly number[]; labels?: readonly string[]; scale?: number } = {},
): Rich {
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
    let t = typeof opts.target === "number" ? opts.target : opts.target?.[i];
    if (t === undefined) {
      t = 0;
      for (let j = 1; j < k; j++) if (logits[i * k + j]! > logits[i * k + t]!) t = j;
    }
    if (t < 0 || t >= k) throw new Error(`saliency: target class ${t} out of range for ${k} classes`);
    s[i * k + t] = 1;
  }
  out.backward(seed);
  if (!x.grad) throw new Error("saliency: the input received no gradient (is the model differentiable w.r.t. its input?)");
  return saliencyView(inputs, x.grad, opts);
}
