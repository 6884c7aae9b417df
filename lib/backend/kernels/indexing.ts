// Picking and placing elements by integer indices: index checks, row gathers/scatter-adds
// along one dim, element gathers/scatter-adds through precomputed positions, one-hot, and
// triangular masks.

import type { Values } from "./elementwise.js";

export interface IndexingKernels {
  /**
   * out[i] = index[i] (+ limit when negative) as int32; returns -1 when every value is an
   * integer in [-limit, limit), else the position of the first one that is not.
   */
  normalizeIndices(index: Values, limit: number, out: Int32Array): number;
  /** x viewed as [outer, size, inner]: out[o, j, :] = x[o, idx[j], :]; out [outer, idx.length, inner]. */
  indexSelect(x: Values, idx: Int32Array, out: Values, outer: number, size: number, inner: number): void;
  /** The adjoint of indexSelect: out[o, idx[j], :] += g[o, j, :] (out pre-filled by the caller). */
  indexAdd(g: Values, idx: Int32Array, out: Values, outer: number, size: number, inner: number): void;
  /**
   * For every position p of an index tensor of `shape` (row-major), pos[p] = offset + the
   * storage offset of its coordinates with dim d replaced by idx[p] (under `strides`).
   */
  indexPositions(shape: readonly number[], idx: Int32Array, d: number, strides: readonly number[], offset: number, pos: Float64Array): void;
  /** out[p] = x[pos[p]]. */
  gatherAt(x: Values, pos: Float64Array, out: Values): void;
  /** out[pos[p]] += src[p]. */
  scatterAddAt(src: Values, pos: Float64Array, out: Values): void;
  /**
   * For every element o of `outShape` (row-major), src[o] = Σ_d map_d(index_d)·inStrides[d],
   * where map_d is maps[d] (null: the identity); -1 when any map gives -1 (pad's constant).
   */
  mappedPositions(maps: readonly (Int32Array | null)[], outShape: readonly number[], inStrides: readonly number[], src: Int32Array): void;
  /** out[o] = src[o] < 0 ? fill : x[src[o]]. */
  gatherOrFill(x: Values, src: Int32Array, fill: number, out: Values): void;
  /** out[src[o]] += g[o] where src[o] >= 0. */
  scatterAddSkip(g: Values, src: Int32Array, out: Values): void;
  /** The positions i where mask[i] != 0, in order (out has as many entries as there are). */
  nonzeroPositions(mask: Values, out: Int32Array): void;
  /** out[i*classes + idx[i]] = 1 (out zero-filled by the caller). */
  oneHot(idx: Int32Array, classes: number, out: Values): void;
  /** Zeros, in each of `mats` [rows, cols] matrices, the entries outside the triangle j − i <= k (lower) or >= k. */
  triangleMask(out: Values, mats: number, rows: number, cols: number, k: number, lower: boolean): void;
}
