// Margin and likelihood losses (PyTorch's less common ones): marginRankingLoss,
// hingeEmbeddingLoss, softMarginLoss, cosineEmbeddingLoss, tripletMarginLoss, multiMarginLoss,
// poissonNllLoss, gaussianNllLoss. Composites of differentiable ops: their gradients come from
// those ops, so each is a few lines of the formula.

import { fmtShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { where } from "../elementwise.js";
import { softplus } from "./activation.js";
import { pairwiseDistance } from "./distance.js";
import { type Reduction, checkFloat, checkReduction } from "./util.js";

function reduce(l: Tensor, reduction: Reduction): Tensor {
  return reduction === "none" ? l : reduction === "sum" ? l.sum() : l.mean();
}

/** y must hold ±1 (as PyTorch's labels for these losses). */
function signs(op: string, y: Tensor): Tensor {
  const d = y.data;
  for (let i = 0; i < d.length; i++) {
    if (d[i] !== 1 && d[i] !== -1) throw new Error(`${op}: target values must be 1 or -1, got ${d[i]} (target shape ${fmtShape(y.shape)})`);
  }
  return y;
}

/** max(0, −y·(x1 − x2) + margin): y = 1 means x1 should rank higher. */
export function marginRankingLoss(x1: Tensor, x2: Tensor, y: Tensor, options: { margin?: number; reduction?: Reduction } = {}): Tensor {
  const op = "marginRankingLoss";
  checkFloat(op, "input1", x1);
  const red = checkReduction(op, options.reduction);
  return reduce(x1.sub(x2).mul(signs(op, y).neg()).add(options.margin ?? 0).clamp(0), red);
}

/** x where y = 1, max(0, margin − x) where y = −1 (x is usually a distance). */
export function hingeEmbeddingLoss(x: Tensor, y: Tensor, options: { margin?: number; reduction?: Reduction } = {}): Tensor {
  const op = "hingeEmbeddingLoss";
  checkFloat(op, "input", x);
  const red = checkReduction(op, options.reduction);
  const neg = x.neg().add(options.margin ?? 1).clamp(0);
  return reduce(where(signs(op, y).eq(1), x, neg), red);
}

/** log(1 + e^(−y·x)), the logistic loss for ±1 labels. */
export function softMarginLoss(x: Tensor, y: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const op = "softMarginLoss";
  checkFloat(op, "input", x);
  const red = checkReduction(op, options.reduction);
  return reduce(softplus(x.mul(signs(op, y)).neg(), { threshold: Infinity }), red);
}

/** 1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1; rows of [N, D]. */
export function cosineEmbeddingLoss(x1: Tensor, x2: Tensor, y: Tensor, options: { margin?: number; reduction?: Reduction } = {}): Tensor {
  const op = "cosineEmbeddingLoss";
  checkFloat(op, "input1", x1);
  const red = checkReduction(op, options.reduction);
  if (x1.ndim < 1 || x1.ndim > 2 || x2.ndim !== x1.ndim) throw new Error(`${op}: inputs must both be [N, D] or [D], got ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)}`);
  const d = x1.ndim - 1, eps = 1e-12;
  const cos = x1.mul(x2).sum(d).div(x1.square().sum(d).add(eps).mul(x2.square().sum(d).add(eps)).sqrt());
  return reduce(where(signs(op, y).eq(1), cos.neg().add(1), cos.sub(options.margin ?? 0).clamp(0)), red);
}

export interface TripletMarginOptions {
  margin?: number;
  /** Norm of the distance (default 2). */
  p?: number;
  eps?: number;
  /** Use the smaller of d(anchor, negative) and d(positive, negative) (Balntas et al.). */
  swap?: boolean;
  reduction?: Reduction;
}

/** max(d(a, p) − d(a, n) + margin, 0) with d the pairwise p-norm distance. */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, options: TripletMarginOptions = {}): Tensor {
  const op = "tripletMarginLoss";
  checkFloat(op, "anchor", anchor);
  const red = checkReduction(op, options.reduction);
  const o = { p: options.p ?? 2, eps: options.eps ?? 1e-6 };
  const dp = pairwiseDistance(anchor, positive, o);
  let dn = pairwiseDistance(anchor, negative, o);
  if (options.swap) dn = dn.minimum(pairwiseDistance(positive, negative, o));
  return reduce(dp.sub(dn).add(options.margin ?? 1).clamp(0), red);
}

/**
 * Multi-class hinge loss of scores [N, C] and int32 classes [N]:
 * Σ_{i≠y} w[y]·max(0, margin − x[y] + x[i])^p / C.
 */
export function multiMarginLoss(x: Tensor, target: Tensor, options: { p?: 1 | 2; margin?: number; weight?: Tensor | null; reduction?: Reduction } = {}): Tensor {
  const op = "multiMarginLoss";
  checkFloat(op, "input", x);
  const red = checkReduction(op, options.reduction);
  const p = options.p ?? 1;
  if (p !== 1 && p !== 2) throw new Error(`${op}: p must be 1 or 2, got ${p}`);
  const x2 = x.ndim === 1 ? x.unsqueeze(0) : x;
  if (x2.ndim !== 2) throw new Error(`${op}: expected input of shape [N, C] or [C], got ${fmtShape(x.shape)}`);
  const [N, C] = x2.shape;
  if (target.dtype !== "int32") throw new Error(`${op}: target must hold int32 class indices, got dtype ${target.dtype}`);
  const t = target.reshape([N]);
  const td = t.data;
  for (let i = 0; i < N; i++) if (td[i] < 0 || td[i] >= C) throw new Error(`${op}: target ${td[i]} is out of bounds for ${C} classes`);
  const xy = x2.gather(1, t.unsqueeze(1)); // [N, 1]
  let m = x2.sub(xy).add(options.margin ?? 1).clamp(0);
  if (p === 2) m = m.square();
  const notTarget = t.unsqueeze(1).ne(Tensor.fromArray(Int32Array.from({ length: C }, (_, i) => i), [1, C], "int32"));
  m = m.mul(notTarget.to(m.dtype));
  if (options.weight) m = m.mul(options.weight.gather(0, t).unsqueeze(1));
  const l = m.sum(1).div(C);
  return reduce(x.ndim === 1 ? l.squeeze(0) : l, red);
}

/** Poisson negative log-likelihood: e^input − target·input (logInput), or input − target·log(input + eps). */
export function poissonNllLoss(input: Tensor, target: Tensor, options: { logInput?: boolean; full?: boolean; eps?: number; reduction?: Reduction } = {}): Tensor {
  const op = "poissonNllLoss";
  checkFloat(op, "input", input);
  const red = checkReduction(op, options.reduction);
  const logInput = options.logInput ?? true;
  let l = logInput ? input.exp().sub(target.mul(input)) : input.sub(target.mul(input.add(options.eps ?? 1e-8).log()));
  if (options.full) {
    // Stirling's approximation of log(target!) where target > 1.
    const safe = target.clamp(1);
    const stirling = safe.mul(safe.log()).sub(safe).add(safe.mul(2 * Math.PI).log().mul(0.5));
    l = l.add(where(target.gt(1), stirling, 0));
  }
  return reduce(l, red);
}

/** Gaussian negative log-likelihood: ½(log var + (input − target)²/var), var clamped at eps without blocking its gradient. */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor, options: { full?: boolean; eps?: number; reduction?: Reduction } = {}): Tensor {
  const op = "gaussianNllLoss";
  checkFloat(op, "input", input);
  const red = checkReduction(op, options.reduction);
  const eps = options.eps ?? 1e-6;
  // PyTorch clamps a copy of var in no-grad mode: the value is clamped, the gradient is not.
  const v = variance.add(variance.detach().clamp(eps).sub(variance.detach()));
  let l = v.log().add(input.sub(target).square().div(v)).mul(0.5);
  if (options.full) l = l.add(0.5 * Math.log(2 * Math.PI));
  return reduce(l, red);
}
