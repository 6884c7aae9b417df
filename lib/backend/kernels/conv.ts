// 2-D convolution, forward and both gradients (NCHW).

import type { Float } from "../../dtype.js";

export interface Conv2dParams {
  n: number; cIn: number; h: number; w: number; cOut: number; kh: number; kw: number;
  strideH: number; strideW: number; padH: number; padW: number;
  dilationH: number; dilationW: number; groups: number; outH: number; outW: number;
}

export interface ConvKernels {
  /** NCHW input, weight [cOut, cIn/groups, kh, kw], out [n, cOut, outH, outW]; no bias. */
  conv2dForward(x: Float, w: Float, out: Float, p: Conv2dParams): void;
  /** dx overwritten. */
  conv2dBackwardInput(dy: Float, w: Float, dx: Float, p: Conv2dParams): void;
  /** dw overwritten. */
  conv2dBackwardWeight(x: Float, dy: Float, dw: Float, p: Conv2dParams): void;
}
