// Elementwise kernels over contiguous arrays of one length.

import type { Float, TypedArray } from "../../dtype.js";

/** out[i] = f(x[i]). Ops: as listed; "sigmoid" is 1/(1+e^-x), "relu" is max(x, 0). */
export type UnaryOp =
  | "neg" | "abs" | "exp" | "log" | "sqrt" | "rsqrt" | "sin" | "cos" | "square" | "reciprocal"
  | "log1p" | "expm1" | "sign" | "tanh" | "sigmoid" | "relu";

/** out[i] = a[i] op b[i]. maximum/minimum propagate NaN. */
export type BinaryOp = "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum";

/** Any dtype's values: int32 and bool tensors run the same kernels (wasm takes float32 only). */
export type Values = TypedArray;

export interface ElementwiseKernels {
  /** out[i] = op(x[i]); x.length === out.length. */
  unary(op: UnaryOp, x: Values, out: Values): void;
  /** out[i] = a[i] op b[i]; all the same length. */
  binary(op: BinaryOp, a: Values, b: Values, out: Values): void;
  /** out[i] = x[i] op s, or s op x[i] when `scalarFirst`. */
  binaryScalar(op: BinaryOp, x: Values, s: number, out: Values, scalarFirst: boolean): void;
  /** out[i] = y[i] > 0 ? dy[i] : 0: the backward of a ReLU whose output is y. out may be dy. */
  reluMask(dy: Float, y: Float, out: Float): void;
  /**
   * out[i] = cond[i mod cond.length] != 0 ? a[i] : b[i], where an a or b of length 1 is that
   * value everywhere. cond.length divides out.length: a condition broadcast over leading dims
   * (a [L, S] attention mask over [N, heads, L, S] scores) is passed once, not expanded.
   */
  where(cond: Values, a: Values, b: Values, out: Values): void;
  /** True when a[i] === b[i] for every i (same lengths). */
  allEqual(a: Values, b: Values): boolean;
  /** True when |a[i] − b[i]| <= atol + rtol·|b[i]| for every i (NaN is never close). */
  allClose(a: Values, b: Values, rtol: number, atol: number): boolean;
}
