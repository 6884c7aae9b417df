// Reference linear: the matmul kernel, then the bias added row by row.

import type { Float } from "../../dtype.js";
import { matmul } from "./matmul.js";

export function linearForward(x: Float, w: Float, bias: Float | null, out: Float, m: number, n: number, k: number): void {
  matmul(x, w, out, { batch: 1, m, n, k, transA: false, transB: true, strideA: 0, strideB: 0 });
  if (bias) addBiasRows(out, bias, m, n);
}

/** out[r, :] += bias for each of the m rows of out [m, n]. */
export function addBiasRows(out: Float, bias: Float, m: number, n: number): void {
  for (let r = 0, o = 0; r < m; r++, o += n) for (let j = 0; j < n; j++) out[o + j] += bias[j];
}
