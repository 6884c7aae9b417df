// Helpers shared by the functional NN ops: contiguous float views of inputs and gradients,
// size tuples (`2` or `[2, 3]`), loss reductions.

import { getKernels } from "../../backend/index.js";
export { residentScope } from "../../backend/index.js";
import { noGrad } from "../../autograd/grad_mode.js";
import { type Float, isFloatDType } from "../../dtype.js";
import { fmtShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { cast } from "../copy.js";

export type FloatDType = "float32" | "float64";
export type Reduction = "mean" | "sum" | "none";

/** The dtype an op computes in: the input's float dtype, float32 for int/bool. */
export function computeDType(x: Tensor): FloatDType {
  return x.dtype === "float64" ? "float64" : "float32";
}

/** Row-major values of t as a `dtype` array: a view of the storage when possible, else a copy. */
export function floatData(t: Tensor, dtype: FloatDType): Float {
  if (t.dtype === dtype) return t.data as Float;
  return noGrad(() => cast(t, dtype)).data as Float;
}

/**
 * floatData for a kernel call that runs now: a resident tensor's values in place in the wasm
 * memory (inside residentScope only; never keep the array past the op), else floatData.
 */
export function operand(t: Tensor, dtype: FloatDType): Float {
  return t.dtype === dtype ? (t.kernelData as Float) : floatData(t, dtype);
}

/**
 * uninitFloat for an op inside residentScope whose output kernel runs on wasm: a float32
 * output resident in the wasm memory when one can be had (the array is valid for the op's
 * own kernel calls only), else uninitFloat's.
 */
export function residentFloat(shape: readonly number[], dtype: FloatDType): [Tensor, Float] {
  const t = Tensor.output(shape, dtype);
  return [t, t.storage.values as Float];
}

/**
 * An int32 index output (a pool's argmax) for a kernel inside residentScope: resident in the
 * wasm memory when one can be had, so the backward's kernel reads it where the forward's wrote
 * it; else an ordinary array. The array is valid for the op's own kernel calls only.
 */
export function residentIndices(shape: readonly number[]): [Tensor, Int32Array] {
  const t = Tensor.resident(shape, "int32") ?? Tensor.uninit(shape, "int32");
  return [t, t.storage.values as Int32Array];
}

/** A fresh zero-filled contiguous tensor and its storage array. */
export function emptyFloat(shape: readonly number[], dtype: FloatDType): [Tensor, Float] {
  const t = Tensor.empty(shape, dtype);
  return [t, t.storage.data as Float];
}

/** Like emptyFloat with unspecified values: only for an output the kernel writes in full. */
export function uninitFloat(shape: readonly number[], dtype: FloatDType): [Tensor, Float] {
  const t = Tensor.uninit(shape, dtype);
  return [t, t.storage.data as Float];
}

/** Requires a float tensor (ops with learnable inputs: conv weights, norms, losses). */
export function checkFloat(op: string, what: string, t: Tensor): FloatDType {
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor`);
  if (!isFloatDType(t.dtype)) throw new Error(`${op}: ${what} must be a float tensor, got dtype ${t.dtype} (shape ${fmtShape(t.shape)}); convert it with .float()`);
  return t.dtype;
}

/** Two float tensors must share a dtype (as in PyTorch, no silent promotion inside NN ops). */
export function checkSameDType(op: string, aName: string, a: Tensor, bName: string, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new Error(`${op}: ${aName} (dtype ${a.dtype}, shape ${fmtShape(a.shape)}) and ${bName} (dtype ${b.dtype}, shape ${fmtShape(b.shape)}) must have the same dtype`);
  }
}

/** `2` → [2, 2]; `[2, 3]` → [2, 3]; `[2]` → [2, 2]. Every entry an integer >= `min`. */
export function tuple(op: string, name: string, v: number | readonly number[], n: number, min: number): number[] {
  let out: number[];
  if (typeof v === "number") out = new Array<number>(n).fill(v);
  else if (Array.isArray(v) && v.length === 1) out = new Array<number>(n).fill(v[0]);
  else if (Array.isArray(v) && v.length === n) out = v.slice();
  else throw new Error(`${op}: ${name} must be a number or an array of ${n} numbers, got ${JSON.stringify(v)}`);
  for (const e of out) {
    if (!Number.isInteger(e) || e < min) throw new Error(`${op}: ${name} must contain integers >= ${min}, got ${JSON.stringify(v)}`);
  }
  return out;
}

export function checkReduction(op: string, r: unknown): Reduction {
  if (r === undefined) return "mean";
  if (r === "mean" || r === "sum" || r === "none") return r;
  throw new Error(`${op}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(r)}`);
}

/**
 * The loss output from per-element losses `l` (shape `shape`): `l` itself for "none", else a
 * 0-d sum, divided by `divisor` for "mean".
 */
export function reduceLoss(l: Float, shape: readonly number[], reduction: Reduction, dtype: FloatDType, divisor: number): Tensor {
  if (reduction === "none") {
    const [t, d] = emptyFloat(shape, dtype);
    d.set(l);
    return t;
  }
  // summed into a float64 cell: the sum is rounded once, after the division
  const sum = new Float64Array(1);
  getKernels().reduce("sum", l, sum, 1, l.length, 1);
  const s = sum[0];
  const [t, d] = emptyFloat([], dtype);
  d[0] = reduction === "mean" ? s / divisor : s;
  return t;
}

/**
 * How the output gradient reaches element i of a loss: `per[i]` for "none", else the scalar
 * `s` (g, or g / divisor for "mean").
 */
export interface LossGrad { s: number; per: Float | null }

export function lossGrad(g: Tensor, reduction: Reduction, dtype: FloatDType, divisor: number): LossGrad {
  if (reduction === "none") return { s: 0, per: floatData(g, dtype) };
  const v = g.item();
  return { s: reduction === "mean" ? v / divisor : v, per: null };
}
