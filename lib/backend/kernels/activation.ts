// Pointwise activations and their fused backward passes.

import type { Float } from "../../dtype.js";

/** Forward activations: gelu (exact, x·Φ(x)), geluTanh (tanh approximation), silu (x·σ(x)). */
export type PointwiseOp = "gelu" | "geluTanh" | "silu";
/** Backward of an activation: from the input x (gelu, geluTanh, silu) or the output y (tanh, sigmoid, relu). */
export type PointwiseGradOp = PointwiseOp | "tanh" | "sigmoid" | "relu";

export interface ActivationKernels {
  /** out[i] = op(x[i]). */
  pointwise(op: PointwiseOp, x: Float, out: Float): void;
  /**
   * dx[i] = g[i]·op'(…) where `saved` is x for gelu/geluTanh/silu and y = op(x) for
   * tanh/sigmoid/relu (relu: g[i] where y[i] > 0, else 0, reluMask's bits).
   */
  pointwiseBackward(op: PointwiseGradOp, saved: Float, g: Float, dx: Float): void;
}
