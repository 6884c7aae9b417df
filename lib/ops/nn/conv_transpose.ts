// convTranspose2d / convTranspose1d ("deconvolution"): the adjoint of conv2d, so its forward is
// conv2d's input-gradient kernel, its input gradient is conv2d's forward, and its weight
// gradient is conv2d's weight-gradient kernel with the roles of input and output swapped.

import { getKernels } from "../../backend/index.js";
import type { Conv2dParams } from "../../backend/kernels.js";
import { fmtShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { record } from "../op.js";
import { checkBias } from "./conv.js";
import { checkFloat, checkSameDType, emptyFloat, floatData, tuple } from "./util.js";

export interface ConvTranspose2dOptions {
  bias?: Tensor | null;
  stride?: number | readonly number[];
  /** The padding of the conv2d this transposes: removes that many rows/columns from each side of the output. */
  padding?: number | readonly number[];
  /** Extra rows/columns on one side of the output (resolves the size ambiguity of strided convs). */
  outputPadding?: number | readonly number[];
  dilation?: number | readonly number[];
  groups?: number;
}

export type ConvTranspose1dOptions = ConvTranspose2dOptions;

function transposed(op: string, x: Tensor, w: Tensor, o: ConvTranspose2dOptions, dims: 1 | 2, name: string): Tensor {
  const dt = checkFloat(op, "input", x);
  checkFloat(op, "weight", w);
  checkSameDType(op, "input", x, "weight", w);
  const full = dims + 2;
  if (x.ndim !== full && x.ndim !== full - 1) throw new Error(`${op}: expected input of shape ${dims === 2 ? "[N, C, H, W] or [C, H, W]" : "[N, C, L] or [C, L]"}, got ${fmtShape(x.shape)}`);
  if (w.ndim !== full) throw new Error(`${op}: expected weight of shape [C_in, C_out/groups, ${dims === 2 ? "kH, kW" : "k"}], got ${fmtShape(w.shape)} (input ${fmtShape(x.shape)})`);
  const groups = o.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`${op}: groups must be a positive integer, got ${groups}`);
  const batched = x.ndim === full, n = batched ? x.shape[0] : 1;
  const cIn = x.shape[batched ? 1 : 0];
  if (w.shape[0] !== cIn) throw new Error(`${op}: input of shape ${fmtShape(x.shape)} has ${cIn} channels, but weight of shape ${fmtShape(w.shape)} expects ${w.shape[0]}`);
  if (cIn % groups !== 0) throw new Error(`${op}: groups=${groups} does not divide the ${cIn} input channels (input ${fmtShape(x.shape)})`);
  const cOut = w.shape[1] * groups;
  const hw = (what: string, v: number | readonly number[], min: number, pad1: number): number[] => (dims === 2 ? tuple(op, what, v, 2, min) : [pad1, tuple(op, what, v, 1, min)[0]]);
  const [sh, sw] = hw("stride", o.stride ?? 1, 1, 1);
  const [ph, pw] = hw("padding", o.padding ?? 0, 0, 0);
  const [oph, opw] = hw("outputPadding", o.outputPadding ?? 0, 0, 0);
  const [dh, dw] = hw("dilation", o.dilation ?? 1, 1, 1);
  if ((oph >= sh && oph >= dh) || (opw >= sw && opw >= dw)) {
    throw new Error(`${op}: outputPadding ${JSON.stringify(o.outputPadding)} must be smaller than either stride or dilation`);
  }
  const kh = dims === 2 ? w.shape[2] : 1, kw = w.shape[full - 1];
  const H = dims === 2 ? x.shape[x.ndim - 2] : 1, W = x.shape[x.ndim - 1];
  const oH = (H - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1;
  const oW = (W - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1;
  if (oH < 1 || oW < 1) throw new Error(`${op}: input of shape ${fmtShape(x.shape)} with weight ${fmtShape(w.shape)} and padding ${JSON.stringify(o.padding)} gives an empty output (${oH}x${oW})`);
  const bias = checkBias(op, o.bias, cOut, x);
  // The conv2d whose input gradient this is: input [n, cOut, oH, oW] → output [n, cIn, H, W].
  const p: Conv2dParams = {
    n, cIn: cOut, h: oH, w: oW, cOut: cIn, kh, kw, strideH: sh, strideW: sw, padH: ph, padW: pw,
    dilationH: dh, dilationW: dw, groups, outH: H, outW: W,
  };
  const K = getKernels();
  const xd = floatData(x, dt), wd = floatData(w, dt);
  const lead = batched ? [n, cOut] : [cOut];
  const [out, od] = emptyFloat(dims === 2 ? [...lead, oH, oW] : [...lead, oW], dt);
  K.conv2dBackwardInput(xd, wd, od, p);
  const plane = oH * oW;
  if (bias) K.channelBias(od, floatData(bias, dt), n, cOut, plane);
  return record(out, name, [x, w, bias], (g, needs) => {
    const gd = floatData(g, dt);
    let dx: Tensor | null = null, dwT: Tensor | null = null, db: Tensor | null = null;
    if (needs[0]) {
      const [t, d] = emptyFloat(x.shape, dt);
      K.conv2dForward(gd, wd, d, p);
      dx = t;
    }
    if (needs[1]) {
      const [t, d] = emptyFloat(w.shape, dt);
      K.conv2dBackwardWeight(gd, xd, d, p);
      dwT = t;
    }
    if (needs[2] && bias) {
      const [t, d] = emptyFloat(bias.shape, dt);
      K.channelSum(gd, d, n, cOut, plane);
      db = t;
    }
    return [dx, dwT, db];
  }, bias ? [x, w, bias] : [x, w]);
}

/**
 * Transposed 2-D convolution of x [N, C_in, H, W] (or [C_in, H, W]) with weight
 * [C_in, C_out/groups, kH, kW]: output [N, C_out, (H − 1)·s − 2p + d·(kH − 1) + outputPadding + 1, ...].
 */
export function convTranspose2d(x: Tensor, weight: Tensor, options: ConvTranspose2dOptions = {}): Tensor {
  return transposed("convTranspose2d", x, weight, options, 2, "ConvTranspose2dBackward");
}

/** Transposed 1-D convolution of x [N, C_in, L] (or [C_in, L]) with weight [C_in, C_out/groups, k]. */
export function convTranspose1d(x: Tensor, weight: Tensor, options: ConvTranspose1dOptions = {}): Tensor {
  return transposed("convTranspose1d", x, weight, options, 1, "ConvTranspose1dBackward");
}
