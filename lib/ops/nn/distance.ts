// normalize, cosineSimilarity, pairwiseDistance: composites of differentiable core ops (their
// gradients come from those ops), written so zero vectors give 0 gradients, not NaN.

import { Tensor } from "../../tensor.js";
import { checkFloat } from "./util.js";

/** max(‖v‖_p, eps) along dim, keeping the dim; zero vectors get eps with a zero gradient. */
function clampedNorm(x: Tensor, p: number, dim: number, eps: number): Tensor {
  if (p === 2) return x.square().sum(dim, true).clamp(eps * eps).sqrt();
  if (p === 1) return x.abs().sum(dim, true).clamp(eps);
  return x.abs().pow(p).sum(dim, true).clamp(Math.pow(eps, p)).pow(1 / p);
}

/** x / max(‖x‖_p, eps) along dim (default p 2, dim 1, eps 1e−12). */
export function normalize(x: Tensor, options: { p?: number; dim?: number; eps?: number } = {}): Tensor {
  checkFloat("normalize", "input", x);
  const p = options.p ?? 2, eps = options.eps ?? 1e-12;
  const dim = options.dim ?? (x.ndim === 1 ? 0 : 1);
  if (!(p > 0)) throw new Error(`normalize: p must be positive, got ${p}`);
  return x.div(clampedNorm(x, p, dim, eps));
}

/** Σ x1·x2 / (max(‖x1‖, eps)·max(‖x2‖, eps)) along dim (default dim 1, eps 1e−8); x1, x2 broadcast. */
export function cosineSimilarity(x1: Tensor, x2: Tensor, options: { dim?: number; eps?: number } = {}): Tensor {
  checkFloat("cosineSimilarity", "x1", x1);
  checkFloat("cosineSimilarity", "x2", x2);
  const eps = options.eps ?? 1e-8;
  const nd = Math.max(x1.ndim, x2.ndim);
  const dim = options.dim ?? (nd === 1 ? 0 : 1);
  const d = dim < 0 ? dim + nd : dim;
  const a = x1.ndim < nd ? x1.reshape([...new Array(nd - x1.ndim).fill(1), ...x1.shape]) : x1;
  const b = x2.ndim < nd ? x2.reshape([...new Array(nd - x2.ndim).fill(1), ...x2.shape]) : x2;
  const num = a.mul(b).sum(d);
  return num.div(clampedNorm(a, 2, d, eps).squeeze(d).mul(clampedNorm(b, 2, d, eps).squeeze(d)));
}

/** ‖x1 − x2 + eps‖_p along the last dim (default p 2, eps 1e−6), as torch.nn.functional.pairwise_distance. */
export function pairwiseDistance(x1: Tensor, x2: Tensor, options: { p?: number; eps?: number; keepdim?: boolean } = {}): Tensor {
  checkFloat("pairwiseDistance", "x1", x1);
  const p = options.p ?? 2, eps = options.eps ?? 1e-6;
  const diff = x1.sub(x2).add(eps);
  const n = diff.ndim === 0 ? diff.reshape([1]) : diff;
  const r = clampedNorm(n, p, -1, 0);
  return options.keepdim ? r : r.squeeze(-1);
}
