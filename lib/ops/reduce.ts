// Reductions over all dims or a list of dims, with keepdim: sum mean prod amax amin max min
// argmax argmin var std logsumexp. The kernel sees x as [outer, size, inner]; when the reduced
// dims are not one contiguous block, x is first permuted (kept dims first) and copied.

import { getKernels, residentScope } from "../backend/index.js";
import type { ReduceOp, Values } from "../backend/kernels.js";
import { type DType, arithmeticDType, floatDType, isFloatDType } from "../dtype.js";
import { fmtShape, normDim, normDims } from "../shape.js";
import { Tensor, type ValuesIndices, type VarOptions, valuesIndices } from "../tensor.js";
import { noGrad } from "../autograd/grad_mode.js";
import { cast } from "./copy.js";
import { record } from "./op.js";
import { scatterAdd } from "./indexing.js";

type Dims = number | readonly number[] | null | undefined;

interface Layout { outer: number; size: number; inner: number; data: ArrayLike<number> }

/**
 * Arranges x so the dims in `dims` (sorted) form the middle axis of [outer, size, inner]
 * (`data` may be a resident view: for a kernel call made now, inside residentScope).
 */
function layoutFor(x: Tensor, dims: number[]): Layout {
  const nd = x.ndim;
  let size = 1;
  for (const d of dims) size *= x.shape[d];
  const contiguousBlock = dims.length > 0 && dims[dims.length - 1] - dims[0] === dims.length - 1;
  if (x.isContiguous() && (contiguousBlock || dims.length === 0)) {
    let outer = 1, inner = 1;
    if (dims.length > 0) {
      for (let d = 0; d < dims[0]; d++) outer *= x.shape[d];
      for (let d = dims[dims.length - 1] + 1; d < nd; d++) inner *= x.shape[d];
    } else outer = x.numel;
    return { outer, size, inner, data: x.kernelData };
  }
  const kept = Array.from({ length: nd }, (_, i) => i).filter((d) => !dims.includes(d));
  const perm = [...kept, ...dims];
  const permuted = new Tensor(x.storage, perm.map((d) => x.shape[d]), perm.map((d) => x.strides[d]), x.offset, x.dtype);
  return { outer: kept.reduce((p, d) => p * x.shape[d], 1), size, inner: 1, data: permuted.data };
}

function outShape(shape: readonly number[], dims: number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (dims.includes(d)) { if (keepdim) out.push(1); } else out.push(shape[d]);
  }
  return out;
}

/** The reduction, then divided by `divisor` when given (mean). */
function reduceRaw(op: ReduceOp, x: Tensor, dims: number[], keepdim: boolean, dtype: DType, divisor?: number): Tensor {
  const src = x.dtype === dtype ? x : cast(x, dtype);
  return residentScope(() => {
    const L = layoutFor(src, dims);
    const out = Tensor.output(outShape(x.shape, dims, keepdim), dtype, true);
    const od = out.storage.values;
    getKernels().reduce(op, L.data as Values, od, L.outer, L.size, L.inner);
    if (divisor !== undefined) getKernels().binaryScalar("div", od, divisor, od, false);
    return out;
  });
}

/** Broadcasts a reduced gradient back over the input's shape. */
function expandBack(g: Tensor, shape: readonly number[], dims: number[]): Tensor {
  return g.reshape(outShape(shape, dims, true)).expand(shape as number[]);
}

export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normDims("sum", dim, x.ndim);
  const out = reduceRaw("sum", x, dims, keepdim, arithmeticDType(x.dtype));
  return record(out, "SumBackward", [x], (g) => [expandBack(g, x.shape, dims)]);
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normDims("mean", dim, x.ndim);
  const count = dims.reduce((p, d) => p * x.shape[d], 1);
  const out = reduceRaw("sum", x, dims, keepdim, floatDType(x.dtype), count);
  return record(out, "MeanBackward", [x], (g) => [expandBack(g.div(count), x.shape, dims)]);
}

function checkNonEmpty(op: string, x: Tensor, dims: number[]): void {
  for (const d of dims) if (x.shape[d] === 0) throw new Error(`${op}: cannot reduce over an empty dim of a tensor of shape ${fmtShape(x.shape)}`);
  if (x.numel === 0 && dims.length === x.ndim) throw new Error(`${op}: cannot reduce an empty tensor`);
}

function extreme(op: "max" | "min", name: string, x: Tensor, dim: Dims, keepdim: boolean, label: string): Tensor {
  const dims = normDims(label, dim, x.ndim);
  checkNonEmpty(label, x, dims);
  const out = reduceRaw(op, x, dims, keepdim, x.dtype);
  return record(out, name, [x], (g) => {
    // Ties share the gradient evenly.
    const hit = x.eq(expandBack(out, x.shape, dims)).to(g.dtype);
    const count = sum(hit, dims, true);
    return [hit.mul(expandBack(g, x.shape, dims)).div(count)];
  }, [x, out]);
}

export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extreme("max", "AmaxBackward", x, dim, keepdim, "amax");
}

export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extreme("min", "AminBackward", x, dim, keepdim, "amin");
}

function argRaw(op: "max" | "min", x: Tensor, d: number, keepdim: boolean): { values: Tensor; indices: Tensor } {
  const L = layoutFor(x, [d]);
  const shape = outShape(x.shape, [d], keepdim);
  const values = Tensor.empty(shape, x.dtype);
  const indices = Tensor.empty(shape, "int32");
  getKernels().argReduce(op, L.data as Values, values.storage.data, indices.storage.data as Int32Array, L.outer, L.size, L.inner);
  return { values, indices };
}

function extremeDim(op: "max" | "min", x: Tensor, dim: number | undefined, keepdim: boolean): Tensor | ValuesIndices {
  if (dim === undefined) return extreme(op, op === "max" ? "MaxBackward" : "MinBackward", x, null, false, op);
  const d = normDim(op, dim, x.ndim);
  if (x.ndim === 0) return valuesIndices(x.clone(), Tensor.empty([], "int32"));
  checkNonEmpty(op, x, [d]);
  const { values, indices } = argRaw(op, x, d, keepdim);
  const name = op === "max" ? "MaxBackward" : "MinBackward";
  record(values, name, [x], (g) => {
    const gi = keepdim ? g : g.unsqueeze(d);
    const ii = keepdim ? indices : indices.unsqueeze(d);
    return [scatterAdd(Tensor.empty(x.shape, g.dtype), d, ii, gi)];
  });
  return valuesIndices(values, indices);
}

/** `max(x)`: the largest value (0-d); `max(x, dim, keepdim)`: `{ values, indices }` along dim. */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return extremeDim("max", x, dim, keepdim);
}

export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return extremeDim("min", x, dim, keepdim);
}

function argExtreme(op: "max" | "min", x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  const name = op === "max" ? "argmax" : "argmin";
  if (dim === undefined || dim === null) {
    if (x.numel === 0) throw new Error(`${name}: cannot reduce an empty tensor`);
    const src = x.isContiguous() ? new Tensor(x.storage, [x.numel], [1], x.offset, x.dtype) : Tensor.fromArray(x.data, [x.numel], x.dtype);
    const r = argRaw(op, src, 0, false).indices;
    return keepdim ? r.reshape(x.shape.map(() => 1)) : r;
  }
  const d = normDim(name, dim, x.ndim);
  if (x.ndim === 0) return Tensor.empty([], "int32");
  checkNonEmpty(name, x, [d]);
  return argRaw(op, x, d, keepdim).indices;
}

/** Index of the largest value (flattened when dim is omitted); first one on ties. int32. */
export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argExtreme("max", x, dim, keepdim);
}

export function argmin(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argExtreme("min", x, dim, keepdim);
}

/** Variance with Bessel's correction by default (`correction: 1`, or `unbiased: false` for 0). */
export function variance(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  const dims = normDims("var", dim, x.ndim);
  const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
  const n = dims.reduce((p, d) => p * x.shape[d], 1);
  const xf = isFloatDType(x.dtype) ? x : x.to("float32");
  const centered = xf.sub(mean(xf, dims, true));
  return sum(centered.mul(centered), dims, opts.keepdim ?? false).div(Math.max(n - correction, 0));
}

export function std(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  return variance(x, dim, opts).sqrt();
}

/** log(sum(exp(x))) over dims, computed stably by subtracting the max first. */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  const dims = normDims("logsumexp", dim, x.ndim);
  const xf = isFloatDType(x.dtype) ? x : x.to("float32");
  // The shift is a constant for autograd: it cancels out of the gradient.
  const m = noGrad(() => {
    const mx = amax(xf.detach(), dims, true);
    return mx.where(mx.abs().ne(Infinity), 0);
  });
  const r = xf.sub(m).exp().sum(dims, true).log().add(m);
  return keepdim ? r : r.reshape(outShape(x.shape, dims, false));
}

/** Product over dims; the gradient is exact with zeros in the input (no division by x). */
export function prod(x: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor {
  const dims = normDims("prod", dim, x.ndim);
  const out = reduceRaw("prod", x, dims, keepdim, arithmeticDType(x.dtype));
  return record(out, "ProdBackward", [x], (g) => {
    const nd = x.ndim;
    const kept = Array.from({ length: nd }, (_, i) => i).filter((d) => !dims.includes(d));
    const perm = [...kept, ...dims];
    const permShape = perm.map((d) => x.shape[d]);
    const xd = new Tensor(x.storage, permShape, perm.map((d) => x.strides[d]), x.offset, x.dtype).data;
    const gd = g.contiguous().data;
    const size = dims.reduce((p, d) => p * x.shape[d], 1);
    const rows = size === 0 ? 0 : xd.length / size;
    const res = Tensor.empty(permShape, g.dtype);
    getKernels().prodGradRows(xd, gd, rows, size, res.storage.data);
    const inv = new Array<number>(nd);
    perm.forEach((p, i) => { inv[p] = i; });
    return [res.permute(inv)];
  }, [x]);
}
