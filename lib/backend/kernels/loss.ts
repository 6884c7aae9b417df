// Cross-entropy over logits [n, c, inner] for class-index and probability targets.

import type { Float } from "../../dtype.js";

/** Cross-entropy geometry: logits [n, c, inner], targets [n, inner]. */
export interface CrossEntropyParams {
  n: number; c: number; inner: number;
  ignoreIndex: number;
  /** Label smoothing ε: the target becomes (1 − ε)·onehot + ε/c. */
  smoothing: number;
}

/** Elementwise regression losses of e = a − b. */
export type RegressionLoss = "mse" | "l1" | "huber";

export interface LossKernels {
  /**
   * out[i] = loss of e = a[i] − b[i]: mse e², l1 |e|, huber scale·(½e² where |e| < delta,
   * else delta·(|e| − ½delta)) (smoothL1 is huber with scale 1/beta).
   */
  regressionLoss(op: RegressionLoss, a: Float, b: Float, out: Float, delta: number, scale: number): void;
  /** d[i] = (coefPer[i] or coef)·∂loss/∂a[i] (overwritten); the gradient for b is −d. */
  regressionLossBackward(op: RegressionLoss, a: Float, b: Float, coef: number, coefPer: Float | null, d: Float, delta: number, scale: number): void;
  /**
   * Per-position loss and logsumexp `lse` (both [n, inner]) for class-index targets, with
   * optional class weights [c]; ignored positions get 0. Returns Σ w[target] over counted positions.
   */
  crossEntropyForward(x: Float, target: Int32Array, weight: Float | null, loss: Float, lse: Float, p: CrossEntropyParams): number;
  /** dx (overwritten) for class-index targets; position i's gradient scale is coefPer[i], or `coef` when coefPer is null. */
  crossEntropyBackward(x: Float, target: Int32Array, weight: Float | null, lse: Float, coef: number, coefPer: Float | null, dx: Float, p: CrossEntropyParams): void;
  /** nllLoss: loss[pos] = −w[y]·logp[y] per position (0 where ignored); returns Σ w[y] over counted positions. */
  nllForward(logp: Float, target: Int32Array, weight: Float | null, loss: Float, p: CrossEntropyParams): number;
  /** dx (overwritten): −(coefPer[pos] or coef)·w[y] at each counted target, 0 elsewhere. */
  nllBackward(target: Int32Array, weight: Float | null, coef: number, coefPer: Float | null, dx: Float, p: CrossEntropyParams): void;
  /** Per-position loss and lse for probability targets [n, c, inner]. */
  crossEntropyProbForward(x: Float, target: Float, weight: Float | null, loss: Float, lse: Float, p: CrossEntropyParams): void;
  /** Gradients for probability targets: dx and/or dTarget (null: not wanted), overwritten. */
  crossEntropyProbBackward(x: Float, target: Float, weight: Float | null, lse: Float, coef: number, coefPer: Float | null, dx: Float | null, dTarget: Float | null, p: CrossEntropyParams): void;
}
