// Loops over strided operands: each operand has its own offset and strides (0 where it is
// broadcast) over a common `shape`. Used where the contiguous kernels do not apply:
// broadcasting binary ops, copies into and out of views, casts, comparisons.

import type { Values } from "./elementwise.js";

/** Element maps of one operand. copy converts between dtypes (as typed-array stores do). */
export type StridedUnaryOp = "copy" | "toBool" | "logicalNot";

/**
 * Element maps of two operands, every value read as a JS double. Comparisons and logic
 * give 1/0; maximum/minimum propagate NaN; floorDiv rounds toward -inf and remainder takes
 * the sign of b (PyTorch's floor_divide and remainder).
 */
export type StridedBinaryOp =
  | "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "logicalAnd" | "logicalOr" | "floorDiv" | "remainder";

export interface StridedKernels {
  /** out[...] = op(x[...]) over `shape`; each array read at offset + Σ index·stride. */
  stridedUnary(op: StridedUnaryOp, x: Values, xOffset: number, xStrides: readonly number[],
    out: Values, outOffset: number, outStrides: readonly number[], shape: readonly number[]): void;
  /** out[...] = op(x[...], y[...]) over `shape`. */
  stridedBinary(op: StridedBinaryOp, x: Values, xOffset: number, xStrides: readonly number[],
    y: Values, yOffset: number, yStrides: readonly number[],
    out: Values, outOffset: number, outStrides: readonly number[], shape: readonly number[]): void;
}
