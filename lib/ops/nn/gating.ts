// Activations built from other ops (their gradients compose): softmin, glu, prelu, threshold,
// gumbelSoftmax.

import { fmtShape, normDim } from "../../shape.js";
import { Generator, defaultGenerator } from "../../random.js";
import { Tensor } from "../../tensor.js";
import { where } from "../elementwise.js";
import { rand } from "../creation.js";
import { sigmoid, softmax } from "./activation.js";
import { checkFloat } from "./util.js";

/** softmax(−x) along dim. */
export function softmin(x: Tensor, dim: number): Tensor {
  return softmax(x.neg(), dim);
}

/** Gated linear unit: the first half of dim times σ(second half) (Dauphin et al.). */
export function glu(x: Tensor, dim = -1): Tensor {
  const d = normDim("glu", dim, x.ndim);
  if (x.shape[d] % 2 !== 0) throw new Error(`glu: dim ${dim} of input shape ${fmtShape(x.shape)} must have an even size`);
  const [a, b] = x.chunk(2, d);
  return a.mul(sigmoid(b));
}

/** x where x > 0, weight·x elsewhere; weight has 1 entry or one per channel (dim 1). */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  checkFloat("prelu", "weight", weight);
  let w = weight;
  if (weight.numel !== 1) {
    if (weight.ndim !== 1 || x.ndim < 2 || weight.shape[0] !== x.shape[1]) {
      throw new Error(`prelu: weight of shape ${fmtShape(weight.shape)} must have 1 entry or one per channel of input shape ${fmtShape(x.shape)}`);
    }
    w = weight.reshape([weight.shape[0], ...new Array(x.ndim - 2).fill(1)]);
  } else {
    w = weight.reshape([]);
  }
  return where(x.gt(0), x, x.mul(w));
}

/** x where x > threshold, else value. */
export function threshold(x: Tensor, thresholdValue: number, value: number): Tensor {
  return where(x.gt(thresholdValue), x, value);
}

export interface GumbelSoftmaxOptions {
  /** Temperature (default 1). */
  tau?: number;
  /** Return one-hot samples whose gradient is the soft sample's (straight-through). */
  hard?: boolean;
  dim?: number;
  generator?: Generator;
}

/** softmax((logits + Gumbel noise) / tau): a differentiable sample from the categorical distribution (Jang et al.). */
export function gumbelSoftmax(logits: Tensor, options: GumbelSoftmaxOptions = {}): Tensor {
  const dt = checkFloat("gumbelSoftmax", "logits", logits);
  const tau = options.tau ?? 1;
  if (!(tau > 0)) throw new Error(`gumbelSoftmax: tau must be positive, got ${tau}`);
  const dim = options.dim ?? -1;
  // −log(−log U): rand is in [0, 1); the clamp keeps log away from 0 (U = 1 never occurs).
  const u = rand(logits.shape as number[], { dtype: dt, generator: options.generator ?? defaultGenerator }).clamp(1e-10);
  const gumbel = u.log().neg().log().neg();
  const soft = softmax(logits.add(gumbel).div(tau), dim);
  if (!options.hard) return soft;
  const d = normDim("gumbelSoftmax", dim, soft.ndim);
  const idx = soft.argmax(d, true);
  const hard = soft.detach().mul(0).scatterAdd(d, idx, onesLikeIndex(idx, dt));
  return hard.sub(soft.detach()).add(soft);
}

function onesLikeIndex(idx: Tensor, dt: "float32" | "float64"): Tensor {
  const t = Tensor.empty(idx.shape, dt);
  t.storage.data.fill(1);
  return t;
}
