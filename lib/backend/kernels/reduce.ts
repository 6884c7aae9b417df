// Reductions over the middle axis of an array viewed as [outer, size, inner].

import type { Values } from "./elementwise.js";

export type ReduceOp = "sum" | "max" | "min" | "prod";

export interface ReduceKernels {
  /**
   * Reduces the middle axis of x viewed as [outer, size, inner]:
   * out[o*inner + i] = op over r of x[(o*size + r)*inner + i]. out has outer*inner elements.
   */
  reduce(op: ReduceOp, x: Values, out: Values, outer: number, size: number, inner: number): void;
  /** Like `reduce` with max/min, also writing the winning r (first one on ties) to `indices`. */
  argReduce(op: "max" | "min", x: Values, values: Values, indices: Int32Array, outer: number, size: number, inner: number): void;
}
