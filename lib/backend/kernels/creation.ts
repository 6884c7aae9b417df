// Deterministic fills of new tensors.

import type { Values } from "./elementwise.js";

export interface CreationKernels {
  /** out[i] = start + i·step. */
  fillArange(out: Values, start: number, step: number): void;
  /** out[i] = start + i·step for the first half, end − (n − 1 − i)·step for the rest (the last value is exactly end). */
  fillLinspace(out: Values, start: number, end: number, step: number): void;
  /** Ones on the diagonal of a zero-filled [rows, cols] matrix. */
  fillEye(out: Values, rows: number, cols: number): void;
  /** out[i] = values[i] as a number (bool: 1 for nonzero), from nested-array data flattened in JS. */
  fromNumbers(values: ArrayLike<number | boolean>, out: Values, bool: boolean): void;
}
