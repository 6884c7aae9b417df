// Reference kernels of softmax / logSoftmax (numerically stable: max-shifted) and of the
// attention weights softmax(scale·scores + mask), each with its backward from the output.

import type { Float } from "../../dtype.js";
import type { SoftmaxKernels } from "../kernels/softmax.js";

export function softmax(x: Float, out: Float, outer: number, size: number, inner: number, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let m = -Infinity;
      for (let r = 0; r < size; r++) { const v = x[base + r * inner]; if (v > m || v !== v) m = v; }
      if (m === -Infinity) m = 0; // all −∞: avoid ∞ − ∞
      let s = 0;
      if (log) {
        for (let r = 0; r < size; r++) s += Math.exp(x[base + r * inner] - m);
        const lse = m + Math.log(s);
        for (let r = 0; r < size; r++) out[base + r * inner] = x[base + r * inner] - lse;
      } else {
        // keep each exp in the output (one exp per element), then scale
        for (let r = 0; r < size; r++) { const e = Math.exp(x[base + r * inner] - m); out[base + r * inner] = e; s += e; }
        const inv = 1 / s;
        for (let r = 0; r < size; r++) out[base + r * inner] *= inv;
      }
    }
  }
}

export function softmaxBackward(y: Float, g: Float, dx: Float, outer: number, size: number, inner: number, log: boolean, scale: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let s = 0;
      if (log) {
        // dx = g − softmax·Σg
        for (let r = 0; r < size; r++) s += g[base + r * inner];
        for (let r = 0; r < size; r++) { const k = base + r * inner; dx[k] = scale * (g[k] - Math.exp(y[k]) * s); }
      } else {
        // dx = y·(g − Σ g·y)
        for (let r = 0; r < size; r++) { const k = base + r * inner; s += g[k] * y[k]; }
        for (let r = 0; r < size; r++) { const k = base + r * inner; dx[k] = scale * y[k] * (g[k] - s); }
      }
    }
  }
}

export function attentionSoftmax(x: Float, mask: Float | null, maskStride: number, out: Float, batch: number, L: number, S: number, scale: number, causal: boolean): void {
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < L; i++) {
      const row = (b * L + i) * S, mrow = b * maskStride + i * S;
      const end = causal ? Math.min(S, i + 1) : S; // keys at or before the query
      let m = -Infinity;
      for (let j = 0; j < end; j++) {
        const v = scale * x[row + j] + (mask ? mask[mrow + j] : 0);
        out[row + j] = v;
        if (v > m || v !== v) m = v;
      }
      softmaxRowInPlace(out, row, end, S, m);
    }
  }
}

/**
 * out[row, j] = softmax of the scores already in out[row, 0..end) (m their max), zeros up to S:
 * the attention weights of one query row.
 */
export function softmaxRowInPlace(out: Float, row: number, end: number, S: number, m: number): void {
  if (m === -Infinity) m = 0; // all −∞: avoid ∞ − ∞
  let s = 0;
  for (let j = 0; j < end; j++) { const e = Math.exp(out[row + j] - m); out[row + j] = e; s += e; }
  const inv = 1 / s;
  for (let j = 0; j < end; j++) out[row + j] *= inv;
  for (let j = end; j < S; j++) out[row + j] = 0;
}

export const softmaxKernels: SoftmaxKernels = { softmax, softmaxBackward, attentionSoftmax };
