// Embedding lookup (row gather) and its backward (row scatter-add).

import type { Float } from "../../dtype.js";

export interface EmbeddingKernels {
  /** out[i, :] = weight[idx[i], :] for rows of D values. */
  embeddingForward(weight: Float, idx: Int32Array, out: Float, D: number): void;
  /** dw (overwritten) = Σ over i with idx[i] = r of g[i, :], except row `paddingIdx` (−1: none). */
  embeddingBackward(g: Float, idx: Int32Array, dw: Float, D: number, paddingIdx: number): void;
}
