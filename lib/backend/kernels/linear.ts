// nn.Linear's affine map as one kernel, so a backend can add the bias while the product is
// still in its own memory.

import type { Float } from "../../dtype.js";

export interface LinearKernels {
  /** out [m, n] = x [m, k] @ w [n, k]ᵀ (+ bias [n] on every row); out overwritten. */
  linearForward(x: Float, w: Float, bias: Float | null, out: Float, m: number, n: number, k: number): void;
}
