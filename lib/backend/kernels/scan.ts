// Row-wise scans of [rows, size] arrays (the dim moved last): sorting, running sums, and
// the prefix/suffix products of prod's gradient.

import type { Values } from "./elementwise.js";

export interface ScanKernels {
  /**
   * Stable sort of each row (NaN counts as largest): vals[r, i] = x[r, idx[r, i]]. Descending
   * keeps ties in their original order too.
   */
  sortRows(x: Values, rows: number, size: number, descending: boolean, vals: Float64Array, idx: Int32Array): void;
  /** out[r, i] = Σ_{j <= i} x[r, j]. */
  cumsumRows(x: Values, rows: number, size: number, out: Values): void;
  /** out[r, i] = g[r] · Π_{j != i} x[r, j], by prefix and suffix products (exact with zeros). */
  prodGradRows(x: Values, g: Values, rows: number, size: number, out: Values): void;
}
