// 2-D max and average pooling (NCHW), forward and backward.

import type { Float } from "../../dtype.js";

export interface Pool2dParams {
  n: number; c: number; h: number; w: number; kh: number; kw: number;
  strideH: number; strideW: number; padH: number; padW: number;
  dilationH: number; dilationW: number; outH: number; outW: number;
  countIncludePad: boolean;
}

/** Adaptive pooling: output cell (i, j) of each plane covers rows ⌊iH/oH⌋..⌈(i+1)H/oH⌉ and likewise columns. */
export interface AdaptivePool2dParams {
  planes: number; h: number; w: number; outH: number; outW: number;
}

export interface PoolKernels {
  /** argmax holds the flat index into the (n, c) plane h*w of each max; -1 if the window is all padding. */
  maxPool2dForward(x: Float, out: Float, argmax: Int32Array, p: Pool2dParams): void;
  /** dx overwritten. */
  maxPool2dBackward(dy: Float, argmax: Int32Array, dx: Float, p: Pool2dParams): void;
  /**
   * The backward of maxPool2d(relu(y)) as one step, `pooled` being its output: maxPool2dBackward
   * of dy with the entries where !(pooled > 0) dropped (there the ReLU's gradient is 0).
   * dx overwritten.
   */
  maxPoolReluBackward(dy: Float, pooled: Float, argmax: Int32Array, dx: Float, p: Pool2dParams): void;
  avgPool2dForward(x: Float, out: Float, p: Pool2dParams): void;
  /** dx overwritten. */
  avgPool2dBackward(dy: Float, dx: Float, p: Pool2dParams): void;
  adaptiveAvgPool2dForward(x: Float, out: Float, p: AdaptivePool2dParams): void;
  /** dx overwritten. */
  adaptiveAvgPool2dBackward(dy: Float, dx: Float, p: AdaptivePool2dParams): void;
  /** argmax as maxPool2dForward's (flat index in the h*w plane; NaN wins), so maxPool2dBackward is the backward. */
  adaptiveMaxPool2dForward(x: Float, out: Float, argmax: Int32Array, p: AdaptivePool2dParams): void;
}
