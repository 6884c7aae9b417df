// 2-D convolution, forward and both gradients (NCHW).

import type { Float } from "../../dtype.js";
import type { Pool2dParams } from "./pool.js";

export interface Conv2dParams {
  n: number; cIn: number; h: number; w: number; cOut: number; kh: number; kw: number;
  strideH: number; strideW: number; padH: number; padW: number;
  dilationH: number; dilationW: number; groups: number; outH: number; outW: number;
}

/** What conv2dForward applies to its output before returning: out = relu?(conv + bias). */
export interface ConvEpilogue {
  /** [cOut], added to every position of its channel; null: none. */
  bias: Float | null;
  relu: boolean;
}

export interface ConvKernels {
  /** NCHW input, weight [cOut, cIn/groups, kh, kw], out [n, cOut, outH, outW] overwritten. */
  conv2dForward(x: Float, w: Float, out: Float, p: Conv2dParams, epilogue?: ConvEpilogue): void;
  /**
   * conv2dForward with its epilogue, then max pooling of the result (pool.n, c, h, w are
   * p.n, p.cOut, p.outH, p.outW): only the pooled values `out` and their `argmax` (as
   * maxPool2dForward's) come out; the conv output never leaves the kernel.
   */
  conv2dMaxPoolForward(x: Float, w: Float, out: Float, argmax: Int32Array, p: Conv2dParams, pool: Pool2dParams, epilogue?: ConvEpilogue): void;
  /**
   * The gradients wanted (null: not) of maxPool(relu(conv2d(x))) as conv2dMaxPoolForward
   * computed it, from the pooled output's gradient dy and its `pooled` values and `argmax`:
   * conv2dBackward of the conv output's gradient, which is maxPoolReluBackward's (never
   * materialized where the backend can avoid it).
   */
  conv2dMaxPoolBackward(x: Float, w: Float, dy: Float, pooled: Float, argmax: Int32Array, dx: Float | null, dw: Float | null, db: Float | null,
    p: Conv2dParams, pool: Pool2dParams): void;
  /** dx overwritten. */
  conv2dBackwardInput(dy: Float, w: Float, dx: Float, p: Conv2dParams): void;
  /** dw overwritten. */
  conv2dBackwardWeight(x: Float, dy: Float, dw: Float, p: Conv2dParams): void;
  /** The gradients wanted (null: not wanted) in one call: conv2dBackwardInput's, conv2dBackwardWeight's, channelSum's. */
  conv2dBackward(x: Float, w: Float, dy: Float, dx: Float | null, dw: Float | null, db: Float | null, p: Conv2dParams): void;
  /** db[c] = Σ over images and positions of dy [n, c, plane] (overwritten). */
  channelSum(dy: Float, db: Float, n: number, c: number, plane: number): void;
  /**
   * cols [n, cIn·kh·kw, outH·outW]: cols[b, (c·kh + i)·kw + j, oh·outW + ow] =
   * img[b, c, oh·strideH − padH + i·dilationH, ow·strideW − padW + j·dilationW] (0 outside);
   * p.cOut and p.groups are not used. cols overwritten.
   */
  im2col(img: Float, cols: Float, p: Conv2dParams): void;
  /** The adjoint of im2col (overlaps summed): img overwritten. */
  col2im(cols: Float, img: Float, p: Conv2dParams): void;
  /** out[b, c, :] += bias[c] over out [n, c, plane] (conv_transpose's bias). */
  channelBias(out: Float, bias: Float, n: number, c: number, plane: number): void;
}
