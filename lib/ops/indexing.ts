// Ops that pick or place elements by index tensors: indexSelect, gather, scatterAdd, oneHot,
// plus the triangular masks tril/triu. Index tensors may be int32 or any dtype holding integers.

import { getKernels } from "../backend/index.js";
import { fmtShape, normDim } from "../shape.js";
import { Tensor } from "../tensor.js";
import { record } from "./op.js";

/** A contiguous copy in storage from `allocate` (kernels may require it). */
function copyOf(x: Tensor): Tensor {
  const out = Tensor.empty(x.shape, x.dtype);
  out.storage.data.set(x.data); // a memcpy, not a loop
  return out;
}

function indexValues(op: string, index: Tensor, limit: number, what: string): Int32Array {
  const d = index.data;
  const out = new Int32Array(d.length);
  const bad = getKernels().normalizeIndices(d, limit, out);
  if (bad >= 0) {
    const v = d[bad];
    if (!Number.isInteger(v)) throw new Error(`${op}: index tensor must hold integers, found ${v}`);
    throw new Error(`${op}: index ${v} is out of range for ${what} of size ${limit}`);
  }
  return out;
}

function blockSizes(shape: readonly number[], d: number): [number, number, number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= shape[i];
  for (let i = d + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[d], inner];
}

/** Entries of x at `index` (1-D) along dim: out.shape[dim] = index.numel. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  if (index.ndim > 1) throw new Error(`indexSelect: index must be 1-D, got shape ${fmtShape(index.shape)}`);
  const d = normDim("indexSelect", dim, Math.max(x.ndim, 1));
  const xs = x.ndim === 0 ? [1] : x.shape;
  const [outer, size, inner] = blockSizes(xs, d);
  const idx = indexValues("indexSelect", index, size, `dim ${dim}`);
  const shape = xs.slice(); shape[d] = idx.length;
  const out = Tensor.empty(x.ndim === 0 ? [] : shape, x.dtype);
  getKernels().indexSelect(x.data, idx, out.storage.data, outer, size, inner);
  return record(out, "IndexSelectBackward", [x], (g) => {
    const gx = Tensor.empty(x.shape, g.dtype);
    getKernels().indexAdd(g.contiguous().data, idx, gx.storage.data, outer, size, inner);
    return [record(gx, "IndexSelectBackwardBackward", [g], (gg) => [indexSelect(gg, d, index)])];
  });
}

/**
 * For every position p of `index` (row-major), the storage position in a tensor with
 * `strides`/`offset` of the same coordinates except dim `d`, which is replaced by index[p].
 */
function indexPositions(index: Tensor, idx: Int32Array, d: number, strides: readonly number[], offset: number): Float64Array {
  const pos = new Float64Array(idx.length);
  getKernels().indexPositions(index.shape, idx, d, strides, offset, pos);
  return pos;
}

function checkIndexShape(op: string, x: Tensor, index: Tensor, d: number): void {
  if (index.ndim !== x.ndim) throw new Error(`${op}: index must have as many dims as the input: shapes ${fmtShape(x.shape)} and ${fmtShape(index.shape)}`);
  for (let k = 0; k < x.ndim; k++) {
    if (k !== d && index.shape[k] > x.shape[k]) throw new Error(`${op}: index of shape ${fmtShape(index.shape)} is larger than the input of shape ${fmtShape(x.shape)} at dim ${k}`);
  }
}

/** out[i][j] = x[i][index[i][j]] for dim 1 (and likewise for other dims); out has index's shape. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim("gather", dim, x.ndim);
  checkIndexShape("gather", x, index, d);
  const idx = indexValues("gather", index, x.shape[d], `dim ${dim}`);
  const out = Tensor.empty(index.shape, x.dtype);
  getKernels().gatherAt(x.storage.data, indexPositions(index, idx, d, x.strides, x.offset), out.storage.data);
  return record(out, "GatherBackward", [x], (g) => [scatterAdd(Tensor.empty(x.shape, g.dtype), d, index, g)]);
}

/** A copy of x with src[i][j] added at x[i][index[i][j]] (dim 1); index and src have the same shape. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = normDim("scatterAdd", dim, x.ndim);
  checkIndexShape("scatterAdd", x, index, d);
  if (index.shape.length !== src.shape.length || index.shape.some((s, i) => s !== src.shape[i])) {
    throw new Error(`scatterAdd: index shape ${fmtShape(index.shape)} and src shape ${fmtShape(src.shape)} must match`);
  }
  const idx = indexValues("scatterAdd", index, x.shape[d], `dim ${dim}`);
  const out = copyOf(x);
  getKernels().scatterAddAt(src.data, indexPositions(index, idx, d, out.strides, 0), out.storage.data);
  return record(out, "ScatterAddBackward", [x, src], (g, needs) => [needs[0] ? g : null, needs[1] ? gather(g, d, index) : null]);
}

/** [..., numClasses] int32 tensor with a 1 at each index (numClasses -1: max index + 1). */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  const c = numClasses === -1 ? (indices.numel === 0 ? 0 : Math.max(0, indices.max().item() + 1)) : numClasses;
  const idx = indexValues("oneHot", indices, c, "numClasses");
  const out = Tensor.empty([...indices.shape, c], "int32");
  getKernels().oneHot(idx, c, out.storage.data);
  return out;
}

function triangle(op: "tril" | "triu", x: Tensor, k: number): Tensor {
  if (x.ndim < 2) throw new Error(`${op}: expects a tensor with at least 2 dims, got shape ${fmtShape(x.shape)}`);
  const out = copyOf(x);
  const rows = x.shape[x.ndim - 2], cols = x.shape[x.ndim - 1];
  getKernels().triangleMask(out.storage.data, x.numel / Math.max(rows * cols, 1), rows, cols, k, op === "tril");
  return record(out, op === "tril" ? "TrilBackward" : "TriuBackward", [x], (g) => [triangle(op, g, k)]);
}

/** Keeps the lower triangle (j - i <= diagonal) of the last two dims; zeros the rest. */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle("tril", x, diagonal);
}

/** Keeps the upper triangle (j - i >= diagonal) of the last two dims. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle("triu", x, diagonal);
}
