// unfold (im2col) and fold (col2im): sliding blocks of [N, C, H, W] as columns of
// [N, C·kH·kW, L], and back (summing overlaps). Each is the other's adjoint, so each one's
// backward is the other's loop. Useful to show that a convolution is a matrix product.

import { getKernels } from "../../backend/index.js";
import type { Conv2dParams } from "../../backend/kernels.js";
import type { Float } from "../../dtype.js";
import { fmtShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { record } from "../op.js";
import { type FloatDType, checkFloat, emptyFloat, floatData, tuple } from "./util.js";

type Size = number | readonly number[];

export interface UnfoldOptions {
  dilation?: Size;
  padding?: Size;
  stride?: Size;
}

interface Geo { C: number; H: number; W: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; oH: number; oW: number }

function geometry(op: string, C: number, H: number, W: number, kernelSize: Size, o: UnfoldOptions, x: Tensor): Geo {
  const [kh, kw] = tuple(op, "kernelSize", kernelSize, 2, 1);
  const [sh, sw] = tuple(op, "stride", o.stride ?? 1, 2, 1);
  const [ph, pw] = tuple(op, "padding", o.padding ?? 0, 2, 0);
  const [dh, dw] = tuple(op, "dilation", o.dilation ?? 1, 2, 1);
  const oH = Math.floor((H + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const oW = Math.floor((W + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (oH < 1 || oW < 1) throw new Error(`${op}: a ${H}x${W} image (shape ${fmtShape(x.shape)}) is too small for kernel ${kh}x${kw} with padding ${ph}x${pw} and dilation ${dh}x${dw}`);
  return { C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oH, oW };
}

/** The kernels' geometry for n images (cOut and groups are unused by im2col/col2im). */
function params(n: number, g: Geo): Conv2dParams {
  return {
    n, cIn: g.C, h: g.H, w: g.W, cOut: 1, kh: g.kh, kw: g.kw, strideH: g.sh, strideW: g.sw, padH: g.ph, padW: g.pw,
    dilationH: g.dh, dilationW: g.dw, groups: 1, outH: g.oH, outW: g.oW,
  };
}

/** [N, C, H, W] (or [C, H, W]) → [N, C·kH·kW, L] with L the number of block positions. */
export function unfold(x: Tensor, kernelSize: Size, options: UnfoldOptions = {}): Tensor {
  const op = "unfold";
  const dt = checkFloat(op, "input", x);
  if (x.ndim !== 4 && x.ndim !== 3) throw new Error(`${op}: expected input of shape [N, C, H, W] or [C, H, W], got ${fmtShape(x.shape)}`);
  const batched = x.ndim === 4, n = batched ? x.shape[0] : 1;
  const [C, H, W] = x.shape.slice(-3);
  const g = geometry(op, C, H, W, kernelSize, options, x);
  const rows = C * g.kh * g.kw, L = g.oH * g.oW;
  const [out, od] = emptyFloat(batched ? [n, rows, L] : [rows, L], dt);
  getKernels().im2col(floatData(x, dt), od, params(n, g));
  return record(out, "Im2ColBackward", [x], (grad) => [col2imTensor(floatData(grad, dt), x.shape, n, g, dt)]);
}

function col2imTensor(cols: Float, shape: readonly number[], n: number, g: Geo, dt: FloatDType): Tensor {
  const [t, d] = emptyFloat(shape, dt);
  getKernels().col2im(cols, d, params(n, g));
  return t;
}

/** [N, C·kH·kW, L] (or 2-D) → [N, C, outH, outW], summing overlapping blocks; the adjoint of unfold. */
export function fold(x: Tensor, outputSize: Size, kernelSize: Size, options: UnfoldOptions = {}): Tensor {
  const op = "fold";
  const dt = checkFloat(op, "input", x);
  if (x.ndim !== 3 && x.ndim !== 2) throw new Error(`${op}: expected input of shape [N, C·kH·kW, L] or [C·kH·kW, L], got ${fmtShape(x.shape)}`);
  const batched = x.ndim === 3, n = batched ? x.shape[0] : 1;
  const [rows, L] = x.shape.slice(-2);
  const [H, W] = tuple(op, "outputSize", outputSize, 2, 1);
  const [kh, kw] = tuple(op, "kernelSize", kernelSize, 2, 1);
  if (rows % (kh * kw) !== 0) throw new Error(`${op}: input of shape ${fmtShape(x.shape)} has ${rows} rows, not a multiple of kH·kW = ${kh * kw}`);
  const g = geometry(op, rows / (kh * kw), H, W, kernelSize, options, x);
  if (g.oH * g.oW !== L) throw new Error(`${op}: input of shape ${fmtShape(x.shape)} has ${L} blocks, but output ${H}x${W} with these options has ${g.oH * g.oW}`);
  const shape = batched ? [n, g.C, H, W] : [g.C, H, W];
  const out = col2imTensor(floatData(x, dt), shape, n, g, dt);
  return record(out, "Col2ImBackward", [x], (grad) => {
    const [t, d] = emptyFloat(x.shape, dt);
    getKernels().im2col(floatData(grad, dt), d, params(n, g));
    return [t];
  });
}
