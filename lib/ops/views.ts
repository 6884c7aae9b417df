// View ops: new shape/strides/offset over the same storage, no copy (reshape copies only when
// the strides cannot express the new shape). Backward of the slicing views writes the gradient
// into the matching view of a zero tensor.

import { getKernels, residentScope } from "../backend/index.js";
import { fmtShape, normDim, numelOf, sameShape } from "../shape.js";
import { Tensor, type IndexSpec } from "../tensor.js";
import { contiguous } from "./copy.js";
import { record, sumTo } from "./op.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import type { PartialGrad } from "../autograd/graph.js";
import { indexSelect } from "./indexing.js";

interface Geom { shape: number[]; strides: number[]; offset: number }
type GeomFn = (base: Tensor) => Geom;

function makeView(x: Tensor, g: Geom): Tensor {
  const t = new Tensor(x.storage, g.shape, g.strides, g.offset, x.dtype);
  t._isView = true;
  t._base = x._base ?? x;
  return t;
}

/**
 * The gradient of a slicing view: `g` written into the same view of zeros of the input's
 * shape. Itself differentiable (its gradient is the view again), for double backward.
 */
function scatterView(g: Tensor, inputShape: readonly number[], geom: GeomFn, name: string): Tensor {
  const z = residentScope(() => {
    const o = Tensor.output(inputShape, g.dtype, true);
    const v = geom(o);
    getKernels().stridedUnary("copy", g.storage.values, g.offset, g.strides, o.storage.values, v.offset, v.strides, v.shape);
    return o;
  });
  return record(z, `${name}Backward`, [g], (gg) => [slicingView(gg, `${name}Backward`, geom)]);
}

/** The same gradient, kept sparse for the engine to add into one buffer (first-order backward). */
function partialView(g: Tensor, inputShape: readonly number[], geom: GeomFn): PartialGrad {
  return {
    partial: true,
    shape: inputShape,
    // resident gradients (tensor.ts) are read and written in place
    addInto(dense: Tensor) {
      residentScope(() => {
        const v = geom(dense);
        const d = dense.storage.values;
        getKernels().stridedBinary("add", d, v.offset, v.strides, g.storage.values, g.offset, g.strides, d, v.offset, v.strides, v.shape);
      });
    },
    toDense() {
      return residentScope(() => {
        const z = Tensor.output(inputShape, g.dtype, true);
        const v = geom(z);
        getKernels().stridedUnary("copy", g.storage.values, g.offset, g.strides, z.storage.values, v.offset, v.strides, v.shape);
        return z;
      });
    },
  };
}

function slicingView(x: Tensor, name: string, geom: GeomFn): Tensor {
  const out = makeView(x, geom(x));
  return record(out, name, [x], (g) => [isGradEnabled() ? scatterView(g, x.shape, geom, name) : partialView(g, x.shape, geom)]);
}

// ---- reshape ---------------------------------------------------------------------------------

function resolveShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const out = shape.slice();
  let infer = -1, known = 1;
  for (let i = 0; i < out.length; i++) {
    const s = out[i];
    if (s === -1) {
      if (infer >= 0) throw new Error(`${op}: only one dimension can be -1, got ${fmtShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(s) || s < 0) {
      throw new Error(`${op}: invalid shape ${fmtShape(shape)}`);
    } else known *= s;
  }
  const n = x.numel;
  if (infer >= 0) {
    if (known === 0 || n % known !== 0) throw new Error(`${op}: shape ${fmtShape(shape)} is invalid for a tensor of shape ${fmtShape(x.shape)} (${n} elements)`);
    out[infer] = n / known;
  } else if (known !== n) {
    throw new Error(`${op}: shape ${fmtShape(shape)} is invalid for a tensor of shape ${fmtShape(x.shape)} (${n} elements)`);
  }
  return out;
}

/**
 * Strides that read x's elements in row-major order under `shape`, or null if x's layout
 * cannot be viewed that way (then reshape copies). Groups of old dims that are contiguous
 * with each other can be split and merged freely.
 */
function viewStrides(x: Tensor, shape: readonly number[]): number[] | null {
  if (x.isContiguous()) {
    const s = new Array<number>(shape.length);
    let acc = 1;
    for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
    return s;
  }
  if (x.numel === 0) return null;
  const oldShape = x.shape.filter((s) => s !== 1);
  const oldStrides = x.strides.filter((_, i) => x.shape[i] !== 1);
  const newStrides = new Array<number>(shape.length).fill(1);
  let vd = shape.length - 1;
  let chunkStride = oldStrides[oldStrides.length - 1];
  let tensorNumel = 1, viewNumel = 1;
  for (let td = oldShape.length - 1; td >= 0; td--) {
    tensorNumel *= oldShape[td];
    const chunkEnds = td === 0 || oldStrides[td - 1] !== tensorNumel * chunkStride;
    if (!chunkEnds) continue;
    while (vd >= 0 && (viewNumel < tensorNumel || shape[vd] === 1)) {
      newStrides[vd] = viewNumel * chunkStride;
      viewNumel *= shape[vd];
      vd--;
    }
    if (viewNumel !== tensorNumel) return null;
    if (td > 0) { chunkStride = oldStrides[td - 1]; tensorNumel = 1; viewNumel = 1; }
  }
  while (vd >= 0) { if (shape[vd] !== 1) return null; newStrides[vd--] = 1; }
  return newStrides;
}

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = resolveShape("reshape", x, shape);
  if (sameShape(target, x.shape)) return x;
  const strides = viewStrides(x, target);
  const src = strides ? x : contiguous(x);
  const out = makeView(src, { shape: target, strides: strides ?? viewStrides(src, target)!, offset: src.offset });
  return record(out, "ReshapeBackward", [src], (g) => [g.reshape(src.shape)]);
}

/** Like reshape, but never copies: fails when the strides cannot express the new shape. */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  const target = resolveShape("view", x, shape);
  const strides = viewStrides(x, target);
  if (!strides) {
    throw new Error(`view: a tensor of shape ${fmtShape(x.shape)} with strides ${fmtShape(x.strides)} cannot be viewed as ${fmtShape(target)}; use reshape() (copies) or contiguous() first`);
  }
  const out = makeView(x, { shape: target, strides, offset: x.offset });
  return record(out, "ViewBackward", [x], (g) => [g.reshape(x.shape)]);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim("flatten", startDim, x.ndim), e = normDim("flatten", endDim, x.ndim);
  if (s > e) throw new Error(`flatten: startDim (${startDim}) must not come after endDim (${endDim})`);
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normDim("unflatten", dim, x.ndim);
  return reshape(x, [...x.shape.slice(0, d), ...sizes, ...x.shape.slice(d + 1)]);
}

// ---- dim reordering --------------------------------------------------------------------------

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normDim("transpose", dim0, x.ndim), b = normDim("transpose", dim1, x.ndim);
  if (a === b) return x;
  const shape = x.shape.slice(), strides = x.strides.slice();
  [shape[a], shape[b]] = [shape[b], shape[a]];
  [strides[a], strides[b]] = [strides[b], strides[a]];
  const out = makeView(x, { shape, strides, offset: x.offset });
  return record(out, "TransposeBackward", [x], (g) => [g.transpose(a, b)]);
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) throw new Error(`permute: expected ${x.ndim} dims for a tensor of shape ${fmtShape(x.shape)}, got ${fmtShape(dims)}`);
  const p = dims.map((d) => normDim("permute", d, x.ndim));
  if (new Set(p).size !== p.length) throw new Error(`permute: dims ${fmtShape(dims)} repeat a dim`);
  const out = makeView(x, { shape: p.map((d) => x.shape[d]), strides: p.map((d) => x.strides[d]), offset: x.offset });
  const inv = new Array<number>(p.length);
  p.forEach((d, i) => { inv[d] = i; });
  return record(out, "PermuteBackward", [x], (g) => [g.permute(inv)]);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim("unsqueeze", dim, x.ndim + 1);
  const shape = x.shape.slice(), strides = x.strides.slice();
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d] * x.shape[d] : 1);
  const out = makeView(x, { shape, strides, offset: x.offset });
  return record(out, "UnsqueezeBackward", [x], (g) => [g.reshape(x.shape)]);
}

/** Removes size-1 dims: all of them, or the given ones (dims of another size are kept). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const drop = new Set<number>();
  if (dim === undefined) x.shape.forEach((s, i) => { if (s === 1) drop.add(i); });
  else for (const d of typeof dim === "number" ? [dim] : dim) {
    const n = normDim("squeeze", d, x.ndim);
    if (x.ndim > 0 && x.shape[n] === 1) drop.add(n);
  }
  if (drop.size === 0) return x;
  const keep = x.shape.map((_, i) => i).filter((i) => !drop.has(i));
  const out = makeView(x, { shape: keep.map((i) => x.shape[i]), strides: keep.map((i) => x.strides[i]), offset: x.offset });
  return record(out, "SqueezeBackward", [x], (g) => [g.reshape(x.shape)]);
}

/** Repeats size-1 dims (and adds leading dims) without copying; -1 keeps a size. */
export function expand(x: Tensor, sizes: readonly number[]): Tensor {
  const lead = sizes.length - x.ndim;
  if (lead < 0) throw new Error(`expand: cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(sizes)} (fewer dims)`);
  const shape: number[] = [], strides: number[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const want = sizes[i];
    if (i < lead) {
      if (!Number.isInteger(want) || want < 0) throw new Error(`expand: cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(sizes)} (new leading dims need explicit sizes)`);
      shape.push(want); strides.push(0);
      continue;
    }
    const have = x.shape[i - lead];
    const s = want === -1 ? have : want;
    if (s === have) { shape.push(s); strides.push(x.strides[i - lead]); }
    else if (have === 1 && Number.isInteger(s) && s >= 0) { shape.push(s); strides.push(0); }
    else throw new Error(`expand: cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(sizes)} (dim ${i}: ${have} -> ${want}; only size-1 dims can grow)`);
  }
  if (sameShape(shape, x.shape)) return x;
  const out = makeView(x, { shape, strides, offset: x.offset });
  return record(out, "ExpandBackward", [x], (g) => [sumTo(g, x.shape)]);
}

/** Reverses the order along each dim in `dims` (a copy, as in PyTorch). */
export function flip(x: Tensor, dims: readonly number[]): Tensor {
  const ds = dims.map((d) => normDim("flip", d, x.ndim));
  let offset = x.offset;
  const strides = x.strides.slice();
  for (const d of new Set(ds)) {
    if (x.shape[d] > 0) offset += (x.shape[d] - 1) * x.strides[d];
    strides[d] = -strides[d];
  }
  const out = contiguous(new Tensor(x.storage, x.shape, strides, offset, x.dtype), true);
  return record(out, "FlipBackward", [x], (g) => [g.flip(ds)]);
}

// ---- slicing ---------------------------------------------------------------------------------

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim("narrow", dim, x.ndim);
  const size = x.shape[d];
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || s < 0 || !Number.isInteger(length) || length < 0 || s + length > size) {
    throw new Error(`narrow: start ${start} and length ${length} are out of range for dim ${dim} of size ${size} (shape ${fmtShape(x.shape)})`);
  }
  return slicingView(x, "NarrowBackward", (b) => {
    const shape = b.shape.slice(); shape[d] = length;
    return { shape, strides: b.strides.slice(), offset: b.offset + s * b.strides[d] };
  });
}

export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normDim("select", dim, x.ndim);
  const size = x.shape[d];
  const i = index < 0 ? index + size : index;
  if (!Number.isInteger(i) || i < 0 || i >= size) throw new Error(`select: index ${index} is out of range for dim ${dim} of size ${size} (shape ${fmtShape(x.shape)})`);
  return slicingView(x, "SelectBackward", (b) => {
    const shape = b.shape.slice(), strides = b.strides.slice();
    shape.splice(d, 1); strides.splice(d, 1);
    return { shape, strides, offset: b.offset + i * b.strides[d] };
  });
}

/** Python slice bounds: negatives count from the end, out-of-range bounds are clamped. */
function sliceBounds(op: string, size: number, start: number | null | undefined, end: number | null | undefined, step: number): [number, number] {
  if (!Number.isInteger(step) || step <= 0) throw new Error(`${op}: step must be a positive integer, got ${step}`);
  const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const s = start === undefined || start === null ? 0 : clampIdx(start);
  const e = end === undefined || end === null ? size : clampIdx(end);
  return [s, Math.max(0, Math.ceil((e - s) / step))];
}

export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  const d = normDim("slice", dim, x.ndim);
  const [s, len] = sliceBounds("slice", x.shape[d], start, end, step);
  return slicingView(x, "SliceBackward", (b) => {
    const shape = b.shape.slice(), strides = b.strides.slice();
    shape[d] = len; strides[d] = b.strides[d] * step;
    return { shape, strides, offset: b.offset + s * b.strides[d] };
  });
}

/** NumPy-style basic indexing (numbers, ranges, null, "...") plus one index tensor. */
export function index(x: Tensor, specs: readonly IndexSpec[]): Tensor {
  let consumed = 0, ellipses = 0;
  for (const s of specs) if (s === "...") ellipses++; else consumed++;
  if (ellipses > 1) throw new Error("index: only one '...' is allowed");
  if (consumed > x.ndim) throw new Error(`index: too many indices (${consumed}) for a tensor of shape ${fmtShape(x.shape)}`);
  const full: IndexSpec[] = [];
  for (const s of specs) {
    if (s === "...") for (let i = 0; i < x.ndim - consumed; i++) full.push(null);
    else full.push(s);
  }
  while (full.length < x.ndim) full.push(null);

  let tensorDim = -1, tensorIdx: Tensor | null = null;
  let outDim = 0;
  for (let d = 0; d < full.length; d++) {
    const s = full[d];
    if (typeof s === "number") continue;
    if (s instanceof Tensor) {
      if (tensorIdx) throw new Error("index: only one index tensor is supported; apply indexSelect/gather for more");
      tensorDim = outDim; tensorIdx = s;
    } else if (s !== null && !Array.isArray(s)) {
      throw new Error(`index: unsupported index ${String(s)} (use a number, [start, end, step], null, "..." or an int32 tensor)`);
    }
    outDim++;
  }
  const geom: GeomFn = (b) => {
    const shape: number[] = [], strides: number[] = [];
    let offset = b.offset;
    full.forEach((s, d) => {
      const size = b.shape[d];
      if (typeof s === "number") {
        const i = s < 0 ? s + size : s;
        if (!Number.isInteger(i) || i < 0 || i >= size) throw new Error(`index: index ${s} is out of range for dim ${d} of size ${size} (shape ${fmtShape(b.shape)})`);
        offset += i * b.strides[d];
      } else if (Array.isArray(s)) {
        const [st, len] = sliceBounds("index", size, s[0], s[1], s[2] ?? 1);
        offset += st * b.strides[d];
        shape.push(len); strides.push(b.strides[d] * (s[2] ?? 1));
      } else {
        shape.push(size); strides.push(b.strides[d]);
      }
    });
    return { shape, strides, offset };
  };
  const basic = full.every((s) => s === null || s instanceof Tensor) ? x : slicingView(x, "SliceBackward", geom);
  if (!tensorIdx) return basic;
  let idx = tensorIdx;
  if (idx.dtype === "bool") {
    if (idx.ndim !== 1 || idx.shape[0] !== basic.shape[tensorDim]) {
      throw new Error(`index: a boolean mask of shape ${fmtShape(idx.shape)} does not match dim ${tensorDim} of size ${basic.shape[tensorDim]}`);
    }
    const hits = new Int32Array(idx.sum().item());
    getKernels().nonzeroPositions(idx.data, hits);
    idx = Tensor.fromArray(hits, [hits.length], "int32");
  }
  const picked = indexSelect(basic, tensorDim, idx.ndim === 1 ? idx : idx.reshape([-1]));
  if (idx.ndim === 1) return picked;
  return picked.reshape([...basic.shape.slice(0, tensorDim), ...idx.shape, ...basic.shape.slice(tensorDim + 1)]);
}
