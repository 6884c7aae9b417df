// Reference kernels of the embedding lookup (a row gather) and its backward (a row scatter-add).

import type { Float } from "../../dtype.js";
import type { EmbeddingKernels } from "../kernels/embedding.js";

export function embeddingForward(weight: Float, idx: Int32Array, out: Float, D: number): void {
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i] * D;
    out.set(weight.subarray(r, r + D), i * D);
  }
}

export function embeddingBackward(g: Float, idx: Int32Array, dw: Float, D: number, paddingIdx: number): void {
  dw.fill(0);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    if (r === paddingIdx) continue;
    const o = r * D, s = i * D;
    for (let j = 0; j < D; j++) dw[o + j] += g[s + j];
  }
}

export const embeddingKernels: EmbeddingKernels = { embeddingForward, embeddingBackward };
