// Joining and splitting along a dim: cat, stack, split, chunk, unbind, repeat.

import { getKernels } from "../backend/index.js";
import { promoteTypes } from "../dtype.js";
import { contiguousStrides, fmtShape, normDim, sameShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { record } from "./op.js";

/** Concatenates along an existing dim; all other dims must match. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error("cat: expects a non-empty array of tensors");
  const first = tensors[0];
  if (first.ndim === 0) throw new Error("cat: zero-dimensional tensors cannot be concatenated (use stack)");
  const d = normDim("cat", dim, first.ndim);
  let dtype = first.dtype, total = 0;
  for (const t of tensors) {
    if (!(t instanceof Tensor)) throw new Error("cat: every element must be a Tensor");
    const ok = t.ndim === first.ndim && t.shape.every((s, i) => i === d || s === first.shape[i]);
    if (!ok) throw new Error(`cat: shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)} do not match outside dim ${dim}`);
    dtype = promoteTypes(dtype, t.dtype);
    total += t.shape[d];
  }
  const shape = first.shape.slice(); shape[d] = total;
  const out = Tensor.empty(shape, dtype);
  const os = contiguousStrides(shape);
  const starts: number[] = [];
  let at = 0;
  for (const t of tensors) {
    starts.push(at);
    getKernels().stridedUnary("copy", t.storage.data, t.offset, t.strides, out.storage.data, at * os[d], os, t.shape);
    at += t.shape[d];
  }
  return record(out, "CatBackward", tensors, (g, needs) =>
    tensors.map((t, i) => (needs[i] ? g.narrow(d, starts[i], t.shape[d]) : null)));
}

/** Joins equal-shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error("stack: expects a non-empty array of tensors");
  const first = tensors[0];
  for (const t of tensors) {
    if (!sameShape(t.shape, first.shape)) throw new Error(`stack: expects tensors of equal shape, got ${fmtShape(first.shape)} and ${fmtShape(t.shape)}`);
  }
  const d = normDim("stack", dim, first.ndim + 1);
  return cat(tensors.map((t) => t.unsqueeze(d)), d);
}

/** Views of consecutive pieces: every piece `splitSize` long (the last may be shorter), or the given sizes. */
export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim("split", dim, x.ndim);
  const size = x.shape[d];
  let sizes: number[];
  if (typeof splitSize === "number") {
    if (!Number.isInteger(splitSize) || splitSize <= 0) throw new Error(`split: splitSize must be a positive integer, got ${splitSize}`);
    sizes = [];
    for (let at = 0; at < size; at += splitSize) sizes.push(Math.min(splitSize, size - at));
    if (sizes.length === 0) sizes.push(0);
  } else {
    sizes = splitSize.slice();
    const sum = sizes.reduce((a, b) => a + b, 0);
    if (sum !== size) throw new Error(`split: sizes ${fmtShape(sizes)} sum to ${sum}, but dim ${dim} has size ${size}`);
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(x.narrow(d, at, s));
    at += s;
  }
  return out;
}

/** Splits into `chunks` pieces of ceil(size / chunks) (fewer if the size runs out). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new Error(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normDim("chunk", dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

/** The slices along dim, each without that dim. */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normDim("unbind", dim, x.ndim);
  return Array.from({ length: x.shape[d] }, (_, i) => x.select(d, i));
}

/** Tiles x: `repeats[i]` copies along dim i (leading extra repeats add dims), like `Tensor.repeat`. */
export function repeat(x: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length < x.ndim) throw new Error(`repeat: got ${repeats.length} repeat counts for a tensor of shape ${fmtShape(x.shape)} (need at least ${x.ndim})`);
  const lead = repeats.length - x.ndim;
  const shape = [...new Array<number>(lead).fill(1), ...x.shape];
  const inter: number[] = [], expanded: number[] = [], final: number[] = [];
  shape.forEach((s, i) => {
    inter.push(1, s);
    expanded.push(repeats[i], s);
    final.push(repeats[i] * s);
  });
  return x.reshape(inter).expand(expanded).contiguous().reshape(final);
}
