// Reference linear: the matmul kernel, then the bias added row by row; the gradients as two
// matmuls (dx then through the input's activation backward, when asked) and a column sum.

import type { Float } from "../../dtype.js";
import type { InputActivationGrad } from "../kernels/linear.js";
import { pointwiseBackward } from "./activation.js";
import { matmul } from "./matmul.js";
import { reduce } from "./reduce.js";

export function linearForward(x: Float, w: Float, bias: Float | null, out: Float, m: number, n: number, k: number): void {
  matmul(x, w, out, { batch: 1, m, n, k, transA: false, transB: true, strideA: 0, strideB: 0 });
  if (bias) addBiasRows(out, bias, m, n);
}

export function linearBackward(g: Float, x: Float, w: Float, dx: Float | null, dw: Float | null, db: Float | null, m: number, n: number, k: number,
  act?: InputActivationGrad | null): void {
  if (dx) matmul(g, w, dx, { batch: 1, m, n: k, k: n, transA: false, transB: false, strideA: 0, strideB: 0 });
  if (dx && act) pointwiseBackward(act.op, act.saved, dx, dx);
  if (dw) matmul(g, x, dw, { batch: 1, m: n, n: k, k: m, transA: true, transB: false, strideA: 0, strideB: 0 });
  if (db) reduce("sum", g, db, 1, m, n);
}

/** out[r, :] += bias for each of the m rows of out [m, n]. */
export function addBiasRows(out: Float, bias: Float, m: number, n: number): void {
  for (let r = 0, o = 0; r < m; r++, o += n) for (let j = 0; j < n; j++) out[o + j] += bias[j];
}
