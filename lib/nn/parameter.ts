import { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import { Parameter } from "./module.js";

/** A fresh zero-filled parameter of the given shape (filled by an nn.init function next). */
export function emptyParameter(shape: readonly number[], dtype: DType = "float32"): Tensor {
  if (dtype !== "float32" && dtype !== "float64") throw new Error(`nn: parameters must be float32 or float64, got ${dtype}`);
  return Parameter(Tensor.empty(shape, dtype));
}

/** A zero-filled tensor for buffers (running statistics and the like). */
export function emptyBuffer(shape: readonly number[], dtype: DType = "float32"): Tensor {
  return Tensor.empty(shape, dtype);
}

/** Normalises PyTorch's `int or tuple` arguments (kernel size, stride, …) to n numbers. */
export function tupleOf(op: string, name: string, v: number | readonly number[], n: number): number[] {
  const out = typeof v === "number" ? new Array<number>(n).fill(v) : [...v];
  if (out.length !== n || !out.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new Error(`${op}: ${name} must be a non-negative integer or ${n} of them, got ${JSON.stringify(v)}`);
  }
  return out;
}
