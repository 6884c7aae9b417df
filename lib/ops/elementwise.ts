// Elementwise ops with NumPy broadcasting: arithmetic, unary math, comparisons, where/clamp.
// Forward results come from the backend's contiguous kernels when every operand is contiguous
// with the output's dtype (the hot path in training), else from the strided loops.

import type { StridedBinaryOp } from "../backend/kernels.js";
import { getKernels, residentScope } from "../backend/index.js";
import type { BinaryOp, UnaryOp, Values } from "../backend/kernels.js";
import { type DType, type Float, arithmeticDType, floatDType, isFloatDType, promoteTypes, promoteWithScalar } from "../dtype.js";
import { broadcastShapes, broadcastStrides, contiguousStrides, fmtShape, sameShape } from "../shape.js";
import { Tensor, type TensorOrScalar } from "../tensor.js";
import { cast } from "./copy.js";
import { record, sumTo } from "./op.js";

const KERNEL_OPS = new Set<string>(["add", "sub", "mul", "div", "pow", "maximum", "minimum"]);
/** Outputs from this many elements take the expand-then-kernel path of a broadcast binary op (the backend's elementwise kernels pay off from about here). */
const BROADCAST_KERNEL_MIN = 4096;
const ONE = [1];

function resultType(a: TensorOrScalar, b: TensorOrScalar): DType {
  if (typeof a === "number") return typeof b === "number" ? "float32" : promoteWithScalar(b.dtype, a);
  if (typeof b === "number") return promoteWithScalar(a.dtype, b);
  return promoteTypes(a.dtype, b.dtype);
}

function checkOperand(op: string, v: unknown): void {
  if (!(v instanceof Tensor) && typeof v !== "number") {
    throw new Error(`${op}: expected a Tensor or a number, got ${v === null ? "null" : typeof v}`);
  }
}

/** Forward of `a expr b` into a fresh tensor of `outDType` (no graph; every element written, so not zero-filled first). */
export function binaryRaw(op: string, expr: StridedBinaryOp, a: TensorOrScalar, b: TensorOrScalar, outDType: DType): Tensor {
  return residentScope(() => binaryValues(op, expr, a, b, outDType));
}

function binaryValues(op: string, expr: StridedBinaryOp, a: TensorOrScalar, b: TensorOrScalar, outDType: DType): Tensor {
  checkOperand(op, a);
  checkOperand(op, b);
  if (typeof a === "number" && typeof b === "number") a = scalarTensor(a, outDType);
  if (typeof b === "number") return scalarRaw(expr, a as Tensor, b, false, outDType);
  if (typeof a === "number") return scalarRaw(expr, b, a, true, outDType);
  const useKernel = KERNEL_OPS.has(expr) && isFloatDType(outDType) && a.dtype === outDType && b.dtype === outDType;
  if (sameShape(a.shape, b.shape) && a.isContiguous() && b.isContiguous()) {
    const out = Tensor.output(a.shape, outDType);
    const od = out.storage.values;
    if (useKernel) getKernels().binary(expr as BinaryOp, a.kernelData as Float, b.kernelData as Float, od as Float);
    else getKernels().stridedBinary(expr, a.kernelData, 0, ONE, b.kernelData, 0, ONE, od, 0, ONE, [od.length]);
    return out;
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const n = shape.reduce((p, s) => p * s, 1);
  // One side is a single value: the scalar kernel, no broadcast bookkeeping.
  if (useKernel && b.numel === 1 && a.numel === n && a.isContiguous()) {
    const out = Tensor.output(shape, outDType);
    getKernels().binaryScalar(expr as BinaryOp, a.kernelData as Float, b.item(), out.storage.values as Float, false);
    return out;
  }
  if (useKernel && a.numel === 1 && b.numel === n && b.isContiguous()) {
    const out = Tensor.output(shape, outDType);
    getKernels().binaryScalar(expr as BinaryOp, b.kernelData as Float, a.item(), out.storage.values as Float, true);
    return out;
  }
  const out = Tensor.output(shape, outDType);
  const full = useKernel && n >= BROADCAST_KERNEL_MIN ? (a.numel === n && a.isContiguous() ? a : b.numel === n && b.isContiguous() ? b : null) : null;
  if (full) {
    // one contiguous operand of the output's shape, the other broadcast into it (a position
    // table over a batch): the broadcast one expanded into out by the backend's strided copy,
    // then the contiguous kernel in place, where one strided loop would visit every element in JS
    const other = full === a ? b : a;
    const od = out.storage.values as Float;
    getKernels().stridedUnary("copy", other.storage.values, other.offset, broadcastStrides(other.shape, other.strides, shape), od, 0, contiguousStrides(shape), shape);
    getKernels().binary(expr as BinaryOp, full === a ? (a.kernelData as Float) : od, full === a ? od : (b.kernelData as Float), od);
    return out;
  }
  getKernels().stridedBinary(expr, a.storage.values, a.offset, broadcastStrides(a.shape, a.strides, shape),
    b.storage.values, b.offset, broadcastStrides(b.shape, b.strides, shape),
    out.storage.values, 0, contiguousStrides(shape), shape);
  return out;
}

function scalarRaw(expr: StridedBinaryOp, t: Tensor, s: number, scalarFirst: boolean, outDType: DType): Tensor {
  const out = Tensor.output(t.shape, outDType);
  const od = out.storage.values;
  if (KERNEL_OPS.has(expr) && t.isContiguous() && t.dtype === outDType) {
    getKernels().binaryScalar(expr as BinaryOp, t.kernelData, s, od, scalarFirst);
    return out;
  }
  const sv = new Float64Array([s]);
  const zeros = t.shape.map(() => 0);
  const os = contiguousStrides(t.shape);
  if (scalarFirst) getKernels().stridedBinary(expr, sv, 0, zeros, t.storage.values, t.offset, t.strides, od, 0, os, t.shape);
  else getKernels().stridedBinary(expr, t.storage.values, t.offset, t.strides, sv, 0, zeros, od, 0, os, t.shape);
  return out;
}

export function scalarTensor(v: number, dtype: DType): Tensor {
  const t = Tensor.empty([], dtype);
  t.storage.data[0] = v;
  return t;
}

function shapeOf(v: TensorOrScalar): readonly number[] {
  return typeof v === "number" ? [] : v.shape;
}

// ---- arithmetic ------------------------------------------------------------------------------

export function add(a: TensorOrScalar, b: TensorOrScalar, opts?: { alpha?: number }): Tensor {
  if (opts?.alpha !== undefined && opts.alpha !== 1) b = mul(b, opts.alpha);
  const out = binaryRaw("add", "add", a, b, arithmeticDType(resultType(a, b)));
  const sa = shapeOf(a), sb = shapeOf(b);
  return record(out, "AddBackward", [a, b], (g, needs) => [needs[0] ? sumTo(g, sa) : null, needs[1] ? sumTo(g, sb) : null]);
}

export function sub(a: TensorOrScalar, b: TensorOrScalar, opts?: { alpha?: number }): Tensor {
  if (opts?.alpha !== undefined && opts.alpha !== 1) b = mul(b, opts.alpha);
  const out = binaryRaw("sub", "sub", a, b, arithmeticDType(resultType(a, b)));
  const sa = shapeOf(a), sb = shapeOf(b);
  return record(out, "SubBackward", [a, b], (g, needs) => [needs[0] ? sumTo(g, sa) : null, needs[1] ? sumTo(g.neg(), sb) : null]);
}

export function mul(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = binaryRaw("mul", "mul", a, b, arithmeticDType(resultType(a, b)));
  return record(out, "MulBackward", [a, b], (g, needs) => [
    needs[0] ? sumTo(g.mul(b), shapeOf(a)) : null,
    needs[1] ? sumTo(g.mul(a), shapeOf(b)) : null,
  ], savedOf(a, b));
}

/** True division: int inputs give float32. */
export function div(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = binaryRaw("div", "div", a, b, floatDType(resultType(a, b)));
  return record(out, "DivBackward", [a, b], (g, needs) => [
    needs[0] ? sumTo(g.div(b), shapeOf(a)) : null,
    needs[1] ? sumTo(g.mul(a).div(mul(b, b)).neg(), shapeOf(b)) : null,
  ], savedOf(a, b));
}

export function pow(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = binaryRaw("pow", "pow", a, b, arithmeticDType(resultType(a, b)));
  return record(out, "PowBackward", [a, b], (g, needs) => {
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (needs[0]) {
      ga = typeof b === "number"
        ? (b === 0 ? g.mul(0) : g.mul(pow(a, b - 1)).mul(b))
        : g.mul(b).mul(pow(a, sub(b, 1)));
      ga = sumTo(ga, shapeOf(a));
    }
    if (needs[1]) {
      // d(a^b)/db = a^b ln a; taken as 0 where a == 0 (the limit along b > 0).
      const lna = typeof a === "number" ? Math.log(a) : where(eq(a, 0), 0, log(a));
      gb = sumTo(g.mul(out).mul(lna), shapeOf(b));
    }
    return [ga, gb];
  }, savedOf(a, b, out));
}

function savedOf(...vs: TensorOrScalar[]): Tensor[] {
  return vs.filter((v): v is Tensor => v instanceof Tensor);
}

/** Elementwise max; on ties the gradient is split evenly. NaN propagates. */
export function maximum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return minmax("maximum", "MaximumBackward", a, b);
}

export function minimum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return minmax("minimum", "MinimumBackward", a, b);
}

function minmax(op: "maximum" | "minimum", name: string, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = binaryRaw(op, op, a, b, resultType(a, b));
  return record(out, name, [a, b], (g, needs) => {
    const win = op === "maximum" ? gt(a, b) : lt(a, b);
    const tie = eq(a, b).to(g.dtype).mul(0.5);
    return [
      needs[0] ? sumTo(g.mul(win.to(g.dtype).add(tie)), shapeOf(a)) : null,
      needs[1] ? sumTo(g.mul(win.logicalNot().to(g.dtype).sub(tie)), shapeOf(b)) : null,
    ];
  }, savedOf(a, b));
}

// ---- unary math ------------------------------------------------------------------------------

/** Forward of a unary kernel; float-only ops turn int/bool into float32. */
export function unaryRaw(op: UnaryOp, x: Tensor, keepsInt = false): Tensor {
  const dtype = keepsInt ? arithmeticDType(x.dtype) : floatDType(x.dtype);
  const src = x.dtype === dtype ? x : cast(x, dtype);
  return residentScope(() => {
    const out = Tensor.output(x.shape, dtype, true);
    getKernels().unary(op, src.kernelData, out.storage.values);
    return out;
  });
}

export function neg(x: Tensor): Tensor {
  return record(unaryRaw("neg", x, true), "NegBackward", [x], (g) => [g.neg()]);
}

export function abs(x: Tensor): Tensor {
  return record(unaryRaw("abs", x, true), "AbsBackward", [x], (g) => [g.mul(sign(x))], [x]);
}

export function exp(x: Tensor): Tensor {
  const out = unaryRaw("exp", x);
  return record(out, "ExpBackward", [x], (g) => [g.mul(out)], [out]);
}

export function log(x: Tensor): Tensor {
  return record(unaryRaw("log", x), "LogBackward", [x], (g) => [g.div(x)], [x]);
}

export function sqrt(x: Tensor): Tensor {
  const out = unaryRaw("sqrt", x);
  return record(out, "SqrtBackward", [x], (g) => [g.div(out.mul(2))], [out]);
}

export function rsqrt(x: Tensor): Tensor {
  const out = unaryRaw("rsqrt", x);
  return record(out, "RsqrtBackward", [x], (g) => [g.mul(out.mul(out).mul(out)).mul(-0.5)], [out]);
}

export function sin(x: Tensor): Tensor {
  return record(unaryRaw("sin", x), "SinBackward", [x], (g) => [g.mul(cos(x))], [x]);
}

export function cos(x: Tensor): Tensor {
  return record(unaryRaw("cos", x), "CosBackward", [x], (g) => [g.mul(sin(x)).neg()], [x]);
}

export function square(x: Tensor): Tensor {
  return record(unaryRaw("square", x, true), "SquareBackward", [x], (g) => [g.mul(x).mul(2)], [x]);
}

export function reciprocal(x: Tensor): Tensor {
  const out = unaryRaw("reciprocal", x);
  return record(out, "ReciprocalBackward", [x], (g) => [g.mul(out.mul(out)).neg()], [out]);
}

export function log1p(x: Tensor): Tensor {
  return record(unaryRaw("log1p", x), "Log1pBackward", [x], (g) => [g.div(x.add(1))], [x]);
}

export function expm1(x: Tensor): Tensor {
  const out = unaryRaw("expm1", x);
  return record(out, "Expm1Backward", [x], (g) => [g.mul(out.add(1))], [out]);
}

/** -1, 0 or 1 (NaN stays NaN); its gradient is zero. */
export function sign(x: Tensor): Tensor {
  return record(unaryRaw("sign", x, true), "SignBackward", [x], (g) => [g.mul(0)]);
}

/** Limits values to [min, max] (either may be omitted); gradient passes where min <= x <= max. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new Error("clamp: at least one of min and max must be given");
  }
  let out = x;
  if (min !== undefined && min !== null) out = binaryRaw("clamp", "maximum", out, min, resultType(x, min));
  if (max !== undefined && max !== null) out = binaryRaw("clamp", "minimum", out, max, resultType(out, max));
  if (out === x) out = x.clone();
  return record(out, "ClampBackward", [x], (g) => {
    let mask: Tensor | null = null;
    if (min !== undefined && min !== null) mask = ge(x, min);
    if (max !== undefined && max !== null) mask = mask ? mask.logicalAnd(le(x, max)) : le(x, max);
    return [g.mul(mask!.to(g.dtype))];
  }, [x]);
}

// ---- comparisons and logic (bool results, not differentiable) -------------------------------

export function eq(a: TensorOrScalar, b: TensorOrScalar): Tensor { return binaryRaw("eq", "eq", a, b, "bool"); }
export function ne(a: TensorOrScalar, b: TensorOrScalar): Tensor { return binaryRaw("ne", "ne", a, b, "bool"); }
export function lt(a: TensorOrScalar, b: TensorOrScalar): Tensor { return binaryRaw("lt", "lt", a, b, "bool"); }
export function le(a: TensorOrScalar, b: TensorOrScalar): Tensor { return binaryRaw("le", "le", a, b, "bool"); }
export function gt(a: TensorOrScalar, b: TensorOrScalar): Tensor { return binaryRaw("gt", "gt", a, b, "bool"); }
export function ge(a: TensorOrScalar, b: TensorOrScalar): Tensor { return binaryRaw("ge", "ge", a, b, "bool"); }
export function logicalAnd(a: TensorOrScalar, b: TensorOrScalar): Tensor { return binaryRaw("logicalAnd", "logicalAnd", a, b, "bool"); }
export function logicalOr(a: TensorOrScalar, b: TensorOrScalar): Tensor { return binaryRaw("logicalOr", "logicalOr", a, b, "bool"); }

export function logicalNot(x: Tensor): Tensor {
  const out = Tensor.empty(x.shape, "bool");
  getKernels().stridedUnary("logicalNot", x.storage.data, x.offset, x.strides, out.storage.data, 0, contiguousStrides(x.shape), x.shape);
  return out;
}

/** True where x is NaN (never for integer and bool tensors). */
export function isnan(x: Tensor): Tensor {
  return isFloatDType(x.dtype) ? ne(x, x) : zerosBool(x.shape);
}

/** True where x is +Infinity or -Infinity. */
export function isinf(x: Tensor): Tensor {
  return isFloatDType(x.dtype) ? eq(abs(x), Infinity) : zerosBool(x.shape);
}

/** True where x is neither NaN nor infinite (always for integer and bool tensors). */
export function isfinite(x: Tensor): Tensor {
  return isFloatDType(x.dtype) ? lt(abs(x), Infinity) : logicalNot(zerosBool(x.shape));
}

function zerosBool(shape: readonly number[]): Tensor {
  return Tensor.empty(shape, "bool");
}

/** Elementwise |a - b| <= atol + rtol * |b| as a bool tensor (NaNs are never close). */
export function isclose(a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8): Tensor {
  return binaryRaw("isclose", "sub", a, b, "float64").abs().le(binaryRaw("isclose", "mul", b.abs(), rtol, "float64").add(atol));
}

/** Same shape and exactly the same values (PyTorch's torch.equal). */
export function equal(a: Tensor, b: Tensor): boolean {
  if (!sameShape(a.shape, b.shape)) return false;
  return getKernels().allEqual(a.data, b.data);
}

/** True when every pair agrees within atol + rtol * |b| (NaNs are never close). */
export function allclose(a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8): boolean {
  const shape = broadcastShapes("allclose", a.shape, b.shape);
  return getKernels().allClose(a.expand(shape).data, b.expand(shape).data, rtol, atol);
}

// ---- selection ----------------------------------------------------------------------------

function expandedValues(v: TensorOrScalar, shape: readonly number[]): Values {
  if (typeof v === "number") return Float64Array.of(v);
  // already laid out as the kernel reads it (the kernel only reads its inputs): no copy
  if (v.offset === 0 && v.storage.length === v.numel && v.isContiguous() && sameShape(v.shape, shape)) return v.storage.values;
  const out = Tensor.uninit(shape, v.dtype); // the copy writes every element
  getKernels().stridedUnary("copy", v.storage.values, v.offset, broadcastStrides(v.shape, v.strides, shape), out.storage.data, 0, contiguousStrides(shape), shape);
  return out.storage.data;
}

/**
 * The condition as Kernels.where reads it: its own storage when that repeats over the output
 * (contiguous, broadcast over leading dims only, as a causal mask over a batch of scores), else expanded.
 */
function conditionValues(cond: Tensor, shape: readonly number[]): Values {
  if (cond.offset === 0 && cond.numel > 0 && cond.storage.length === cond.numel && cond.isContiguous()) {
    let lead = 0;
    while (lead < cond.ndim && cond.shape[lead] === 1) lead++;
    const trailing = cond.ndim - lead, skip = shape.length - trailing;
    let repeats = skip >= 0;
    for (let d = 0; repeats && d < trailing; d++) repeats = cond.shape[lead + d] === shape[skip + d];
    if (repeats) return cond.storage.values;
  }
  return expandedValues(cond, shape);
}

function whereRaw(op: string, cond: Tensor, a: TensorOrScalar, b: TensorOrScalar, dtype: DType): Tensor {
  let shape = broadcastShapes(op, cond.shape, shapeOf(a));
  shape = broadcastShapes(op, shape, shapeOf(b));
  return residentScope(() => {
    const out = Tensor.output(shape, dtype); // where writes every element
    // a broadcast scalar stays one value (length 1); a one-element tensor is expanded, so its
    // length equals the output's unless the output has one element too
    getKernels().where(conditionValues(cond, shape), expandedValues(a, shape), expandedValues(b, shape), out.storage.values);
    return out;
  });
}

/** a where condition is true (nonzero), else b; all three broadcast together. */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (!(condition instanceof Tensor)) throw new Error("where: condition must be a Tensor");
  const out = whereRaw("where", condition, a, b, resultType(a, b));
  return record(out, "WhereBackward", [a, b], (g, needs) => [
    needs[0] ? sumTo(where(condition, g, 0), shapeOf(a)) : null,
    needs[1] ? sumTo(where(condition, 0, g), shapeOf(b)) : null,
  ]);
}

/** x with `value` written where mask is true; mask broadcasts to x's shape. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (!(mask instanceof Tensor)) throw new Error("maskedFill: mask must be a Tensor");
  const shape = broadcastShapes("maskedFill", x.shape, mask.shape);
  if (!sameShape(shape, x.shape)) {
    throw new Error(`maskedFill: mask of shape ${fmtShape(mask.shape)} does not broadcast to the tensor's shape ${fmtShape(x.shape)}`);
  }
  const out = whereRaw("maskedFill", mask, value, x, x.dtype);
  return record(out, "MaskedFillBackward", [x], (g) => [where(mask, 0, g)]);
}
