// Data types and the promotion rules every op follows.
//
// Promotion (result of combining two tensors): bool < int32 < float32 < float64, the result
// is the larger of the two. Exceptions, all as in PyTorch:
//   - float-only ops (div, exp, log, sqrt, mean, var, ...) turn int32/bool inputs into float32;
//   - comparisons and logical ops return bool;
//   - arithmetic on two bools (add, sub, mul, ...) gives int32 (PyTorch keeps bool for some);
//   - a JS number never widens a tensor's float dtype: `t32.mul(0.5)` stays float32; it turns an
//     int32/bool tensor into float32 only when the number is not an integer.
// JS numbers have no int/float distinction, so `tensor([1, 2])` is float32 (pass
// `{ dtype: "int32" }` for integers).

export type DType = "float32" | "float64" | "int32" | "bool";
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;
/** The array types float kernels take. */
export type Float = Float32Array | Float64Array;

export const DEFAULT_DTYPE: DType = "float32";

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

export function isFloatDType(d: DType): d is "float32" | "float64" {
  return d === "float32" || d === "float64";
}

export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** dtype of `t op s` for a tensor dtype and a JS number. */
export function promoteWithScalar(d: DType, s: number): DType {
  if (isFloatDType(d)) return d;
  if (!Number.isInteger(s)) return "float32";
  return d === "bool" ? "int32" : d;
}

/** The float dtype an op computes in when it only makes sense on floats. */
export function floatDType(d: DType): "float32" | "float64" {
  return d === "float64" ? "float64" : "float32";
}

/** Arithmetic never produces bool (True + True is 2, not True). */
export function arithmeticDType(d: DType): DType {
  return d === "bool" ? "int32" : d;
}

export function checkDType(op: string, d: unknown): DType {
  if (d === "float32" || d === "float64" || d === "int32" || d === "bool") return d;
  throw new Error(`${op}: unknown dtype ${JSON.stringify(d)} (expected "float32", "float64", "int32" or "bool")`);
}

export function dtypeOfArray(a: ArrayLike<number>): DType | null {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array || a instanceof Int16Array || a instanceof Int8Array ||
      a instanceof Uint16Array || a instanceof Uint8Array || a instanceof Uint8ClampedArray) return "int32";
  return null;
}
