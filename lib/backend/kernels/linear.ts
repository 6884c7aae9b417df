// nn.Linear's affine map and its gradients as kernels, so a backend can add the bias while
// the product is still in its own memory and copy the output gradient in once for all three.

import type { Float } from "../../dtype.js";

export interface LinearKernels {
  /** out [m, n] = x [m, k] @ w [n, k]ᵀ (+ bias [n] on every row); out overwritten. */
  linearForward(x: Float, w: Float, bias: Float | null, out: Float, m: number, n: number, k: number): void;
  /**
   * The gradients of linearForward from g [m, n]: dx [m, k] = g @ w, dw [n, k] = gᵀ @ x,
   * db [n] = g's column sums; each null when not needed, the others overwritten.
   */
  linearBackward(g: Float, x: Float, w: Float, dx: Float | null, dw: Float | null, db: Float | null, m: number, n: number, k: number): void;
}
