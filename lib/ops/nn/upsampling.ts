// interpolate (nearest / linear / bilinear resizing, PyTorch's source-index rules) and
// pixelShuffle / pixelUnshuffle. interpolate is separable: each spatial dim gets two source
// taps and a weight per output index, shared by the forward gather and the backward scatter.

import { getKernels } from "../../backend/index.js";
import type { Resample2dParams, ResampleTaps } from "../../backend/kernels.js";
import { fmtShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { record } from "../op.js";
import { checkFloat, emptyFloat, floatData } from "./util.js";

export type InterpolateMode = "nearest" | "linear" | "bilinear";

export interface InterpolateOptions {
  /** Output spatial size (one number for every spatial dim, or one per dim). */
  size?: number | readonly number[];
  /** Multiplier of the spatial size (output = floor(input · scaleFactor)). */
  scaleFactor?: number | readonly number[];
  mode?: InterpolateMode;
  /** linear/bilinear: map corner pixel centres onto each other (default false). */
  alignCorners?: boolean;
}


function taps(mode: InterpolateMode, inSize: number, outSize: number, scaleFactor: number | null, align: boolean): ResampleTaps {
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), w1 = new Float64Array(outSize);
  // PyTorch uses 1/scaleFactor as the step when a scale factor is given.
  const scale = scaleFactor !== null ? 1 / scaleFactor : inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    if (mode === "nearest") {
      const s = Math.min(Math.floor(o * scale), inSize - 1);
      i0[o] = s; i1[o] = s;
      continue;
    }
    let src = align ? (outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0) : (o + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    const a = Math.min(Math.floor(src), inSize - 1);
    i0[o] = a;
    i1[o] = Math.min(a + 1, inSize - 1);
    w1[o] = src - a;
  }
  return { i0, i1, w1 };
}

/** Resizes the spatial dims of [N, C, L] (nearest, linear) or [N, C, H, W] (nearest, bilinear). */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const op = "interpolate";
  const dt = checkFloat(op, "input", x);
  const mode = options.mode ?? "nearest";
  if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`${op}: expected input of shape [N, C, L] or [N, C, H, W], got ${fmtShape(x.shape)}`);
  const spatial = x.ndim - 2;
  if (mode === "linear" && spatial !== 1) throw new Error(`${op}: mode "linear" needs a 3-D input [N, C, L], got ${fmtShape(x.shape)}`);
  if (mode === "bilinear" && spatial !== 2) throw new Error(`${op}: mode "bilinear" needs a 4-D input [N, C, H, W], got ${fmtShape(x.shape)}`);
  if (mode !== "nearest" && mode !== "linear" && mode !== "bilinear") throw new Error(`${op}: unknown mode ${JSON.stringify(mode)}`);
  if ((options.size === undefined) === (options.scaleFactor === undefined)) throw new Error(`${op}: give exactly one of size and scaleFactor`);
  if (options.alignCorners !== undefined && mode === "nearest") throw new Error(`${op}: alignCorners only applies to linear and bilinear modes`);
  const each = <T>(v: T | readonly T[], what: string): T[] => {
    const arr = Array.isArray(v) ? (v as T[]) : new Array<T>(spatial).fill(v as T);
    if (arr.length !== spatial) throw new Error(`${op}: ${what} needs ${spatial} values for input shape ${fmtShape(x.shape)}, got ${JSON.stringify(v)}`);
    return arr;
  };
  const inSizes = x.shape.slice(2);
  const factors = options.scaleFactor !== undefined ? each(options.scaleFactor, "scaleFactor") : null;
  const outSizes = options.size !== undefined ? each(options.size, "size") : inSizes.map((s, i) => Math.floor(s * factors![i]));
  if (outSizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`${op}: output size ${JSON.stringify(outSizes)} must be positive integers (input shape ${fmtShape(x.shape)})`);
  const align = options.alignCorners ?? false;
  const H = spatial === 2 ? inSizes[0] : 1, W = inSizes[spatial - 1];
  const oH = spatial === 2 ? outSizes[0] : 1, oW = outSizes[spatial - 1];
  const th = taps(mode, H, oH, spatial === 2 && factors ? factors[0] : null, align);
  const tw = taps(mode, W, oW, factors ? factors[spatial - 1] : null, align);
  const rp: Resample2dParams = { planes: x.shape[0] * x.shape[1], h: H, w: W, outH: oH, outW: oW, rows: th, cols: tw };
  const [out, od] = emptyFloat([x.shape[0], x.shape[1], ...outSizes], dt);
  getKernels().resample2dForward(floatData(x, dt), od, rp);
  const name = mode === "nearest" ? "UpsampleNearestBackward" : mode === "linear" ? "UpsampleLinearBackward" : "UpsampleBilinearBackward";
  return record(out, name, [x], (g) => {
    const [dx, dd] = emptyFloat(x.shape, dt);
    getKernels().resample2dBackward(floatData(g, dt), dd, rp);
    return [dx];
  });
}

/** [N, C·r², H, W] → [N, C, H·r, W·r] (sub-pixel convolution's rearrangement). */
export function pixelShuffle(x: Tensor, upscaleFactor: number): Tensor {
  const r = upscaleFactor;
  if (x.ndim < 3) throw new Error(`pixelShuffle: expected input of shape [..., C·r², H, W], got ${fmtShape(x.shape)}`);
  const [c, h, w] = x.shape.slice(-3);
  if (!Number.isInteger(r) || r < 1 || c % (r * r) !== 0) throw new Error(`pixelShuffle: ${c} channels (input shape ${fmtShape(x.shape)}) are not divisible by upscaleFactor² = ${r * r}`);
  const lead = x.shape.slice(0, -3), nd = lead.length;
  const perm = [...lead.map((_, i) => i), nd, nd + 3, nd + 1, nd + 4, nd + 2];
  return x.reshape([...lead, c / (r * r), r, r, h, w]).permute(perm).reshape([...lead, c / (r * r), h * r, w * r]);
}

/** [N, C, H·r, W·r] → [N, C·r², H, W], the inverse of pixelShuffle. */
export function pixelUnshuffle(x: Tensor, downscaleFactor: number): Tensor {
  const r = downscaleFactor;
  if (x.ndim < 3) throw new Error(`pixelUnshuffle: expected input of shape [..., C, H·r, W·r], got ${fmtShape(x.shape)}`);
  const [c, h, w] = x.shape.slice(-3);
  if (!Number.isInteger(r) || r < 1 || h % r !== 0 || w % r !== 0) throw new Error(`pixelUnshuffle: spatial size ${h}x${w} (input shape ${fmtShape(x.shape)}) is not divisible by downscaleFactor ${r}`);
  const lead = x.shape.slice(0, -3), nd = lead.length;
  const perm = [...lead.map((_, i) => i), nd, nd + 2, nd + 4, nd + 1, nd + 3];
  return x.reshape([...lead, c, h / r, r, w / r, r]).permute(perm).reshape([...lead, c * r * r, h / r, w / r]);
}
