// scaledDotProductAttention: softmax(q·kᵀ·scale + mask)·v, as torch.nn.functional's
// scaled_dot_product_attention, built from matmul/softmax/dropout (their gradients compose).

import { fmtShape } from "../../shape.js";
import type { Generator } from "../../random.js";
import { Tensor } from "../../tensor.js";
import { ones } from "../creation.js";
import { dropout } from "./dropout.js";
import { softmax } from "./activation.js";
import { checkFloat } from "./util.js";

export interface ScaledDotProductAttentionOptions {
  /** Bool mask (true = may attend) or float mask added to the scores; broadcasts to [..., L, S]. */
  attnMask?: Tensor | null;
  /** Dropout on the attention weights (applied whenever > 0, as in PyTorch). */
  dropoutP?: number;
  /** Each query position attends only to key positions at or before it. */
  isCausal?: boolean;
  /** Default 1/√(head dim). */
  scale?: number;
  generator?: Generator;
}

/** query [..., L, E], key [..., S, E], value [..., S, Ev] → [..., L, Ev]. */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: ScaledDotProductAttentionOptions = {}): Tensor {
  const op = "scaledDotProductAttention";
  checkFloat(op, "query", query);
  if (query.ndim < 2 || key.ndim < 2 || value.ndim < 2) {
    throw new Error(`${op}: query, key and value need at least 2 dims, got ${fmtShape(query.shape)}, ${fmtShape(key.shape)}, ${fmtShape(value.shape)}`);
  }
  const E = query.shape[query.ndim - 1], L = query.shape[query.ndim - 2], S = key.shape[key.ndim - 2];
  if (key.shape[key.ndim - 1] !== E) throw new Error(`${op}: query ${fmtShape(query.shape)} and key ${fmtShape(key.shape)} must have the same last dim`);
  if (value.shape[value.ndim - 2] !== S) throw new Error(`${op}: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have the same sequence length (dim −2)`);
  if (options.isCausal && options.attnMask) throw new Error(`${op}: pass either attnMask or isCausal, not both`);
  const scale = options.scale ?? 1 / Math.sqrt(E);
  let scores = query.matmul(key.transpose(-2, -1)).mul(scale);
  let mask = options.attnMask ?? null;
  if (options.isCausal) mask = ones([L, S], { dtype: "bool" }).tril();
  if (mask) {
    if (!(mask instanceof Tensor)) throw new Error(`${op}: attnMask must be a Tensor`);
    scores = mask.dtype === "bool" ? scores.maskedFill(mask.logicalNot(), -Infinity) : scores.add(mask);
  }
  let attn = softmax(scores, -1);
  const p = options.dropoutP ?? 0;
  if (p > 0) attn = dropout(attn, { p, generator: options.generator });
  return attn.matmul(value);
}
