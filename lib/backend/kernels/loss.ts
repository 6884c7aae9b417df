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
  /**
   * Binary cross-entropy per element, −w·(t·log p + (1 − t)·log(1 − p)) with the logs clamped at
   * −100 (w null: 1). Returns the index of the first p outside [0, 1], −1 when all are inside.
   */
  bceForward(p: Float, t: Float, w: Float | null, out: Float): number;
  /** Its gradients for p (PyTorch's w·(p − t)/max(p(1 − p), 1e-12)) and t, scaled by coefPer[i] or coef; null: not wanted. */
  bceBackward(p: Float, t: Float, w: Float | null, coef: number, coefPer: Float | null, dp: Float | null, dt: Float | null): void;
  /**
   * With logits x: w·((1 − t)·x + (1 + (pw − 1)·t)·softplus(−x)) (pw: positive weights, null: 1);
   * sp receives softplus(−x) for the backward.
   */
  bceWithLogitsForward(x: Float, t: Float, w: Float | null, pw: Float | null, out: Float, sp: Float): void;
  /** Gradients for x, t and pw (elementwise, before any broadcast is summed), scaled; null: not wanted. */
  bceWithLogitsBackward(x: Float, t: Float, w: Float | null, pw: Float | null, sp: Float, coef: number, coefPer: Float | null,
    dx: Float | null, dt: Float | null, dpw: Float | null): void;
  /** KL divergence per element for log-probabilities a: b·(log b − a) (0 where b = 0), or e^b·(b − a) when logTarget. */
  klDivForward(a: Float, b: Float, out: Float, logTarget: boolean): void;
  /** Its gradients for a and b, scaled by coefPer[i] or coef; null: not wanted. */
  klDivBackward(a: Float, b: Float, coef: number, coefPer: Float | null, da: Float | null, db: Float | null, logTarget: boolean): void;
  /** Per-position loss and lse for probability targets [n, c, inner]. */
  crossEntropyProbForward(x: Float, target: Float, weight: Float | null, loss: Float, lse: Float, p: CrossEntropyParams): void;
  /** Gradients for probability targets: dx and/or dTarget (null: not wanted), overwritten. */
  crossEntropyProbBackward(x: Float, target: Float, weight: Float | null, lse: Float, coef: number, coefPer: Float | null, dx: Float | null, dTarget: Float | null, p: CrossEntropyParams): void;
}
