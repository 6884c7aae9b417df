// layerNorm over rows, batchNorm over the channels of [N, C, S].

import type { Float } from "../../dtype.js";

export interface NormKernels {
  /**
   * Each of `rows` rows of D values: out = (x − mean)·rstd·w + b (w, b of length D, or null),
   * rstd = 1/√(biased var + eps); mean and rstd (length rows) are written for the backward.
   */
  layerNorm(x: Float, w: Float | null, b: Float | null, out: Float, mean: Float, rstd: Float, rows: number, D: number, eps: number): void;
  /** Gradients of layerNorm; each of dx, dw, db (null: not wanted) is overwritten. */
  layerNormBackward(x: Float, w: Float | null, mean: Float, rstd: Float, g: Float, dx: Float | null, dw: Float | null, db: Float | null, rows: number, D: number): void;
  /** Per-channel mean and biased variance of x [N, C, S] (two passes, for accuracy). */
  channelStats(x: Float, mean: Float, variance: Float, N: number, C: number, S: number): void;
  /** out[n, c, s] = x[n, c, s]·scale[c] + shift[c]. */
  channelAffine(x: Float, scale: Float, shift: Float, out: Float, N: number, C: number, S: number): void;
  /**
   * batchNorm gradients for x [N, C, S] normalised with per-channel mean and rstd: dw[c] =
   * Σ g·x̂, db[c] = Σ g (overwritten); dx (if not null) = w·rstd·(g − mean(g) − x̂·mean(g·x̂))
   * in training mode (batch statistics), w·rstd·g otherwise.
   */
  batchNormBackward(x: Float, g: Float, mean: Float, rstd: Float, w: Float | null, dx: Float | null, dw: Float, db: Float, N: number, C: number, S: number, training: boolean): void;
}
