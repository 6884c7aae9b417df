// Ordering ops: sort, argsort, topk (values and int32 indices along a dim), cumsum.

import { getKernels, type Values } from "../backend/index.js";
import { normDim } from "../shape.js";
import { contiguousStrides } from "../shape.js";
import { Tensor, type ValuesIndices, valuesIndices } from "../tensor.js";
import { record } from "./op.js";
import { scatterAdd } from "./indexing.js";

/** x with `dim` moved last, as contiguous rows [rows, size], plus how to write rows back. */
function rowsAlong(x: Tensor, d: number): { rows: number; size: number; data: Values; perm: number[] } {
  const nd = x.ndim;
  const perm = [...Array.from({ length: nd }, (_, i) => i).filter((i) => i !== d), d];
  const moved = new Tensor(x.storage, perm.map((i) => x.shape[i]), perm.map((i) => x.strides[i]), x.offset, x.dtype);
  const size = x.shape[d];
  return { rows: size === 0 ? 0 : x.numel / size, size, data: moved.data, perm };
}

/** Writes row-major rows (dim last) into a fresh tensor of `shape` (dim in place). */
function fromRows(buf: ArrayLike<number> & { length: number }, shape: readonly number[], perm: number[], dtype: Tensor["dtype"]): Tensor {
  const out = Tensor.empty(shape, dtype);
  const os = contiguousStrides(shape);
  const permShape = perm.map((i) => shape[i]);
  getKernels().stridedUnary("copy", buf as Float64Array, 0, contiguousStrides(permShape), out.storage.data, 0, perm.map((i) => os[i]), permShape);
  return out;
}

/** Sorted values and their original positions along dim (stable; NaN counts as largest). */
export function sort(x: Tensor, dim = -1, descending = false): ValuesIndices {
  if (x.ndim === 0) return valuesIndices(x.clone(), Tensor.empty([], "int32"));
  const d = normDim("sort", dim, x.ndim);
  const { rows, size, data, perm } = rowsAlong(x, d);
  const vals = new Float64Array(rows * size), idx = new Int32Array(rows * size);
  getKernels().sortRows(data, rows, size, descending, vals, idx);
  const values = fromRows(vals, x.shape, perm, x.dtype);
  const indices = fromRows(idx as unknown as Float64Array, x.shape, perm, "int32");
  record(values, "SortBackward", [x], (g) => [scatterAdd(Tensor.empty(x.shape, g.dtype), d, indices, g)]);
  return valuesIndices(values, indices);
}

export function argsort(x: Tensor, dim = -1, descending = false): Tensor {
  return sort(x, dim, descending).indices;
}

/** The k largest (or smallest) entries along dim, in sorted order. */
export function topk(x: Tensor, k: number, dim = -1, opts: { largest?: boolean } = {}): ValuesIndices {
  const d = normDim("topk", dim, Math.max(x.ndim, 1));
  const size = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 0 || k > size) throw new Error(`topk: k (${k}) must be between 0 and the size of dim ${dim} (${size})`);
  const s = sort(x, d, opts.largest ?? true);
  if (x.ndim === 0) return s;
  return valuesIndices(s.values.narrow(d, 0, k), s.indices.narrow(d, 0, k));
}

/** Running sum along dim. */
export function cumsum(x: Tensor, dim: number): Tensor {
  if (x.ndim === 0) return x.clone();
  const d = normDim("cumsum", dim, x.ndim);
  const dtype = x.dtype === "bool" ? "int32" : x.dtype;
  const { rows, size, data, perm } = rowsAlong(x, d);
  const buf = new Float64Array(rows * size);
  getKernels().cumsumRows(data, rows, size, buf);
  const out = fromRows(buf, x.shape, perm, dtype);
  // d(out_j)/d(x_i) = 1 for j >= i: the gradient is a reversed running sum of g.
  return record(out, "CumsumBackward", [x], (g) => [g.flip([d]).cumsum(d).flip([d])]);
}
