// nn.Linear's affine map and its gradients as kernels, so a backend can add the bias while
// the product is still in its own memory and copy the output gradient in once for all three.

import type { Float } from "../../dtype.js";
import type { PointwiseGradOp } from "./activation.js";

/**
 * The backward of a pointwise activation that fed the linear's input, applied to dx while it
 * is still in the backend's memory: dx ← pointwiseBackward(op, saved, dx) (the activation's
 * own kernel, so the bits are those of the two separate calls).
 */
export interface InputActivationGrad { op: PointwiseGradOp; saved: Float }

export interface LinearKernels {
  /** out [m, n] = x [m, k] @ w [n, k]ᵀ (+ bias [n] on every row); out overwritten. */
  linearForward(x: Float, w: Float, bias: Float | null, out: Float, m: number, n: number, k: number): void;
  /**
   * The gradients of linearForward from g [m, n]: dx [m, k] = g @ w, dw [n, k] = gᵀ @ x,
   * db [n] = g's column sums; each null when not needed, the others overwritten. With `act`,
   * dx is also taken through that activation's backward (`act.saved` has dx's m·k elements).
   */
  linearBackward(g: Float, x: Float, w: Float, dx: Float | null, dw: Float | null, db: Float | null, m: number, n: number, k: number,
    act?: InputActivationGrad | null): void;
}
