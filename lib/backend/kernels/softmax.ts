// softmax / logSoftmax along the middle axis of [outer, size, inner], and attention weights.

import type { Float } from "../../dtype.js";

export interface SoftmaxKernels {
  /** softmax (or log-softmax when `log`) of x viewed as [outer, size, inner] along the middle axis. */
  softmax(x: Float, out: Float, outer: number, size: number, inner: number, log: boolean): void;
  /**
   * From the output y and its gradient g: dx = scale·y·(g − Σ g·y) (softmax) or
   * scale·(g − e^y·Σ g) (log-softmax), along the middle axis of [outer, size, inner]; dx may be g.
   */
  softmaxBackward(y: Float, g: Float, dx: Float, outer: number, size: number, inner: number, log: boolean, scale: number): void;
  /**
   * Attention weights of `batch` score matrices [L, S]: out = softmax(scale·x + mask) along S.
   * `mask` is additive (−∞ hides a key), one [L, S] matrix every `maskStride` elements (0:
   * the same matrix for all); `causal` also hides keys j > i (top-left aligned, as PyTorch).
   */
  attentionSoftmax(x: Float, mask: Float | null, maskStride: number, out: Float, batch: number, L: number, S: number, scale: number, causal: boolean): void;
}
