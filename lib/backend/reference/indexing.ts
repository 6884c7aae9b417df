// Reference indexing kernels.

import type { Values } from "../kernels/elementwise.js";

export function normalizeIndices(index: Values, limit: number, out: Int32Array): number {
  for (let i = 0; i < index.length; i++) {
    let v = index[i];
    if (!Number.isInteger(v)) return i;
    if (v < 0) v += limit;
    if (v < 0 || v >= limit) return i;
    out[i] = v;
  }
  return -1;
}

export function indexSelect(x: Values, idx: Int32Array, out: Values, outer: number, size: number, inner: number): void {
  const n = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const src = (o * size + idx[j]) * inner, dst = (o * n + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] = x[src + i];
    }
  }
}

export function indexAdd(g: Values, idx: Int32Array, out: Values, outer: number, size: number, inner: number): void {
  const n = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const dst = (o * size + idx[j]) * inner, src = (o * n + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] += g[src + i];
    }
  }
}

export function indexPositions(shape: readonly number[], idx: Int32Array, d: number, strides: readonly number[], offset: number, pos: Float64Array): void {
  const nd = shape.length, n = idx.length;
  const counter = new Array<number>(nd).fill(0);
  let base = offset; // position of the current coordinates with dim d at 0
  for (let p = 0; p < n; p++) {
    pos[p] = base + idx[p] * strides[d];
    for (let k = nd - 1; k >= 0; k--) {
      if (k !== d) base += strides[k];
      if (++counter[k] < shape[k]) break;
      if (k !== d) base -= strides[k] * shape[k];
      counter[k] = 0;
    }
  }
}

export function gatherAt(x: Values, pos: Float64Array, out: Values): void {
  for (let p = 0; p < pos.length; p++) out[p] = x[pos[p]];
}

export function scatterAddAt(src: Values, pos: Float64Array, out: Values): void {
  for (let p = 0; p < pos.length; p++) out[pos[p]] += src[p];
}

export function oneHot(idx: Int32Array, classes: number, out: Values): void {
  for (let i = 0; i < idx.length; i++) out[i * classes + idx[i]] = 1;
}

export function triangleMask(out: Values, mats: number, rows: number, cols: number, k: number, lower: boolean): void {
  for (let m = 0; m < mats; m++) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const keep = lower ? j - i <= k : j - i >= k;
        if (!keep) out[(m * rows + i) * cols + j] = 0;
      }
    }
  }
}

export function mappedPositions(maps: readonly (Int32Array | null)[], outShape: readonly number[], inStrides: readonly number[], src: Int32Array): void {
  const nd = outShape.length, total = src.length;
  const idx = new Array<number>(nd).fill(0);
  for (let o = 0; o < total; o++) {
    let off = 0;
    for (let d = 0; d < nd; d++) {
      const m = maps[d];
      const j = m ? m[idx[d]] : idx[d];
      if (j < 0) { off = -1; break; }
      off += j * inStrides[d];
    }
    src[o] = off;
    for (let d = nd - 1; d >= 0; d--) { if (++idx[d] < outShape[d]) break; idx[d] = 0; }
  }
}

export function gatherOrFill(x: Values, src: Int32Array, fill: number, out: Values): void {
  for (let o = 0; o < src.length; o++) out[o] = src[o] < 0 ? fill : x[src[o]];
}

export function scatterAddSkip(g: Values, src: Int32Array, out: Values): void {
  for (let o = 0; o < src.length; o++) if (src[o] >= 0) out[src[o]] += g[o];
}

export function nonzeroPositions(mask: Values, out: Int32Array): void {
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i] !== 0) out[k++] = i;
}
