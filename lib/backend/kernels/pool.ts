// 2-D max and average pooling (NCHW), forward and backward.

import type { Float } from "../../dtype.js";

export interface Pool2dParams {
  n: number; c: number; h: number; w: number; kh: number; kw: number;
  strideH: number; strideW: number; padH: number; padW: number;
  dilationH: number; dilationW: number; outH: number; outW: number;
  countIncludePad: boolean;
}

export interface PoolKernels {
  /** argmax holds the flat index into the (n, c) plane h*w of each max; -1 if the window is all padding. */
  maxPool2dForward(x: Float, out: Float, argmax: Int32Array, p: Pool2dParams): void;
  /** dx overwritten. */
  maxPool2dBackward(dy: Float, argmax: Int32Array, dx: Float, p: Pool2dParams): void;
  avgPool2dForward(x: Float, out: Float, p: Pool2dParams): void;
  /** dx overwritten. */
  avgPool2dBackward(dy: Float, dx: Float, p: Pool2dParams): void;
}
