// Resampling of [planes, h, w] images through separable two-tap interpolation (nearest,
// linear, bilinear): each output row i reads input rows i0[i], i1[i] with weights 1 − w1, w1,
// and likewise columns (nearest: i0 = i1, w1 = 0).

import type { Float } from "../../dtype.js";

export interface ResampleTaps { i0: Int32Array; i1: Int32Array; w1: Float64Array }

export interface Resample2dParams {
  planes: number; h: number; w: number; outH: number; outW: number;
  rows: ResampleTaps; cols: ResampleTaps;
}

export interface ResampleKernels {
  resample2dForward(x: Float, out: Float, p: Resample2dParams): void;
  /** The adjoint: dx overwritten. */
  resample2dBackward(dy: Float, dx: Float, p: Resample2dParams): void;
}
