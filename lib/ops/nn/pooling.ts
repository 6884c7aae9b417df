// Pooling: maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, and the 1-D forms maxPool1d / avgPool1d
// (a length-L signal is a 1×L image). Windows are computed by the backend's pool kernels.

import { getKernels } from "../../backend/index.js";
import type { AdaptivePool2dParams, Pool2dParams } from "../../backend/kernels.js";
import { fmtShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { record } from "../op.js";
import { type FloatDType, checkFloat, emptyFloat, floatData, tuple, uninitFloat } from "./util.js";

type Size = number | readonly number[];

export interface MaxPool2dOptions {
  /** Default: the kernel size (non-overlapping windows). */
  stride?: Size | null;
  padding?: Size;
  dilation?: Size;
  /** Round the output size up instead of down (windows may then run past the edge). */
  ceilMode?: boolean;
  /** Also return the flat index (into each H·W plane) of every maximum. */
  returnIndices?: boolean;
}

export interface AvgPool2dOptions {
  stride?: Size | null;
  padding?: Size;
  ceilMode?: boolean;
  /** Count padded zeros in each window's divisor (default true). */
  countIncludePad?: boolean;
}

export type MaxPool1dOptions = MaxPool2dOptions;
export type AvgPool1dOptions = AvgPool2dOptions;

function outSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // The last window must start inside the input or its left padding.
  if (ceil && (o - 1) * s >= size + p) o--;
  return o;
}

interface Layout { n: number; c: number; h: number; w: number; dims: 1 | 2; batched: boolean }

function layoutOf(op: string, x: Tensor, dims: 1 | 2): Layout {
  const full = dims + 2;
  if (x.ndim !== full && x.ndim !== full - 1) {
    throw new Error(`${op}: expected input of shape ${dims === 2 ? "[N, C, H, W] or [C, H, W]" : "[N, C, L] or [C, L]"}, got ${fmtShape(x.shape)}`);
  }
  const batched = x.ndim === full;
  const n = batched ? x.shape[0] : 1;
  const c = x.shape[batched ? 1 : 0];
  const h = dims === 2 ? x.shape[x.ndim - 2] : 1;
  return { n, c, h, w: x.shape[x.ndim - 1], dims, batched };
}

interface PoolSpec { kernel: Size; stride?: Size | null; padding?: Size; dilation?: Size; ceilMode?: boolean; countIncludePad?: boolean }

function poolParams(op: string, x: Tensor, L: Layout, o: PoolSpec): Pool2dParams {
  const hw = (name: string, v: Size, min: number): number[] => {
    if (L.dims === 2) return tuple(op, name, v, 2, min);
    return [name === "padding" ? 0 : 1, tuple(op, name, v, 1, min)[0]];
  };
  const [kh, kw] = hw("kernelSize", o.kernel, 1);
  const [strideH, strideW] = hw("stride", o.stride ?? o.kernel, 1);
  const [padH, padW] = hw("padding", o.padding ?? 0, 0);
  const [dilationH, dilationW] = hw("dilation", o.dilation ?? 1, 1);
  if (2 * padH > kh || 2 * padW > kw) {
    throw new Error(`${op}: padding ${JSON.stringify(o.padding)} must be at most half the kernel size ${JSON.stringify(o.kernel)}`);
  }
  const ceil = o.ceilMode ?? false;
  const outH = outSize(L.h, kh, strideH, padH, dilationH, ceil);
  const outW = outSize(L.w, kw, strideW, padW, dilationW, ceil);
  if (outH < 1 || outW < 1) {
    throw new Error(`${op}: input of shape ${fmtShape(x.shape)} is too small for kernel size ${JSON.stringify(o.kernel)} (padding ${JSON.stringify(o.padding ?? 0)}, dilation ${JSON.stringify(o.dilation ?? 1)}): the output would have size ${L.dims === 2 ? `${outH}x${outW}` : outW}`);
  }
  return {
    n: L.n, c: L.c, h: L.h, w: L.w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW,
    countIncludePad: o.countIncludePad ?? true,
  };
}

function outShapeOf(x: Tensor, L: Layout, p: Pool2dParams): number[] {
  const lead = x.shape.slice(0, x.ndim - L.dims);
  return L.dims === 2 ? [...lead, p.outH, p.outW] : [...lead, p.outW];
}

function maxPoolRaw(name: string, x: Tensor, p: Pool2dParams, shape: number[], dt: FloatDType): [Tensor, Tensor] {
  const K = getKernels();
  // the kernels write every output element (and the backward every dx element)
  const [out, od] = uninitFloat(shape, dt);
  const indices = Tensor.uninit(shape, "int32");
  const argmax = indices.storage.data as Int32Array;
  K.maxPool2dForward(floatData(x, dt), od, argmax, p);
  const res = record(out, name, [x], (g) => {
    const [dx, d] = uninitFloat(x.shape, dt);
    K.maxPool2dBackward(floatData(g, dt), argmax, d, p);
    return [dx];
  });
  return [res, indices];
}

function avgPoolRaw(name: string, x: Tensor, p: Pool2dParams, shape: number[], dt: FloatDType): Tensor {
  const K = getKernels();
  const [out, od] = uninitFloat(shape, dt);
  K.avgPool2dForward(floatData(x, dt), od, p);
  return record(out, name, [x], (g) => {
    const [dx, d] = uninitFloat(x.shape, dt);
    K.avgPool2dBackward(floatData(g, dt), d, p);
    return [dx];
  });
}

/**
 * @internal maxPool2d's kernel parameters and output shape for input x, validated as
 * maxPool2d does (x's values are not read: the fused conv path passes a placeholder).
 */
export function maxPool2dPlan(x: Tensor, kernelSize: Size, options: MaxPool2dOptions = {}): { p: Pool2dParams; shape: number[] } {
  const L = layoutOf("maxPool2d", x, 2);
  const p = poolParams("maxPool2d", x, L, { kernel: kernelSize, ...options });
  return { p, shape: outShapeOf(x, L, p) };
}

/** Max over kernelSize windows of [N, C, H, W] (or [C, H, W]). */
export function maxPool2d(x: Tensor, kernelSize: Size, options?: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(x: Tensor, kernelSize: Size, options: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(x: Tensor, kernelSize: Size, options: MaxPool2dOptions = {}): Tensor | [Tensor, Tensor] {
  const dt = checkFloat("maxPool2d", "input", x);
  const L = layoutOf("maxPool2d", x, 2);
  const p = poolParams("maxPool2d", x, L, { kernel: kernelSize, ...options });
  const r = maxPoolRaw("MaxPool2dBackward", x, p, outShapeOf(x, L, p), dt);
  return options.returnIndices ? r : r[0];
}

/** Max over kernelSize windows of [N, C, L] (or [C, L]). */
export function maxPool1d(x: Tensor, kernelSize: Size, options?: MaxPool1dOptions & { returnIndices?: false }): Tensor;
export function maxPool1d(x: Tensor, kernelSize: Size, options: MaxPool1dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool1d(x: Tensor, kernelSize: Size, options: MaxPool1dOptions = {}): Tensor | [Tensor, Tensor] {
  const dt = checkFloat("maxPool1d", "input", x);
  const L = layoutOf("maxPool1d", x, 1);
  const p = poolParams("maxPool1d", x, L, { kernel: kernelSize, ...options });
  const r = maxPoolRaw("MaxPool1dBackward", x, p, outShapeOf(x, L, p), dt);
  return options.returnIndices ? r : r[0];
}

/** Mean over kernelSize windows of [N, C, H, W] (or [C, H, W]). */
export function avgPool2d(x: Tensor, kernelSize: Size, options: AvgPool2dOptions = {}): Tensor {
  const dt = checkFloat("avgPool2d", "input", x);
  const L = layoutOf("avgPool2d", x, 2);
  const p = poolParams("avgPool2d", x, L, { kernel: kernelSize, ...options, dilation: 1 });
  return avgPoolRaw("AvgPool2dBackward", x, p, outShapeOf(x, L, p), dt);
}

/** Mean over kernelSize windows of [N, C, L] (or [C, L]). */
export function avgPool1d(x: Tensor, kernelSize: Size, options: AvgPool1dOptions = {}): Tensor {
  const dt = checkFloat("avgPool1d", "input", x);
  const L = layoutOf("avgPool1d", x, 1);
  const p = poolParams("avgPool1d", x, L, { kernel: kernelSize, ...options, dilation: 1 });
  return avgPoolRaw("AvgPool1dBackward", x, p, outShapeOf(x, L, p), dt);
}

/**
 * Averages [N, C, H, W] (or [C, H, W]) down to outputSize whatever the input size; window i
 * covers rows floor(i·H/oH) .. ceil((i+1)·H/oH). `null` keeps that dim's size.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = "adaptiveAvgPool2d";
  const dt = checkFloat(op, "input", x);
  const L = layoutOf(op, x, 2);
  const [oH, oW] = adaptiveSize(op, x, L, outputSize);
  const shape = [...x.shape.slice(0, x.ndim - 2), oH, oW];
  if (L.h % oH === 0 && L.w % oW === 0) {
    // Equal windows: an ordinary average pool, on the backend's kernels.
    const kh = L.h / oH, kw = L.w / oW;
    const p: Pool2dParams = {
      n: L.n, c: L.c, h: L.h, w: L.w, kh, kw, strideH: kh, strideW: kw, padH: 0, padW: 0,
      dilationH: 1, dilationW: 1, outH: oH, outW: oW, countIncludePad: true,
    };
    return avgPoolRaw("AdaptiveAvgPool2dBackward", x, p, shape, dt);
  }
  const ap: AdaptivePool2dParams = { planes: L.n * L.c, h: L.h, w: L.w, outH: oH, outW: oW };
  const [out, od] = emptyFloat(shape, dt);
  getKernels().adaptiveAvgPool2dForward(floatData(x, dt), od, ap);
  return record(out, "AdaptiveAvgPool2dBackward", [x], (g) => {
    const [dx, d] = emptyFloat(x.shape, dt);
    getKernels().adaptiveAvgPool2dBackward(floatData(g, dt), d, ap);
    return [dx];
  });
}

/** Max over the adaptive windows of adaptiveAvgPool2d; `returnIndices` as in maxPool2d. */
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | readonly (number | null)[], options?: { returnIndices?: false }): Tensor;
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | readonly (number | null)[], options: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | readonly (number | null)[], options: { returnIndices?: boolean } = {}): Tensor | [Tensor, Tensor] {
  const op = "adaptiveMaxPool2d";
  const dt = checkFloat(op, "input", x);
  const L = layoutOf(op, x, 2);
  const [oH, oW] = adaptiveSize(op, x, L, outputSize);
  const shape = [...x.shape.slice(0, x.ndim - 2), oH, oW];
  const ap: AdaptivePool2dParams = { planes: L.n * L.c, h: L.h, w: L.w, outH: oH, outW: oW };
  const [out, od] = emptyFloat(shape, dt);
  const indices = Tensor.empty(shape, "int32");
  const arg = indices.storage.data as Int32Array;
  getKernels().adaptiveMaxPool2dForward(floatData(x, dt), od, arg, ap);
  // the argmax is a flat index in each plane, as max pooling's: its backward kernel applies
  const bp: Pool2dParams = {
    n: ap.planes, c: 1, h: L.h, w: L.w, kh: 1, kw: 1, strideH: 1, strideW: 1, padH: 0, padW: 0,
    dilationH: 1, dilationW: 1, outH: oH, outW: oW, countIncludePad: false,
  };
  const res = record(out, "AdaptiveMaxPool2dBackward", [x], (g) => {
    const [dx, d] = emptyFloat(x.shape, dt);
    getKernels().maxPool2dBackward(floatData(g, dt), arg, d, bp);
    return [dx];
  });
  return options.returnIndices ? [res, indices] : res;
}

function adaptiveSize(op: string, x: Tensor, L: Layout, outputSize: number | readonly (number | null)[]): [number, number] {
  const req = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize;
  if (!Array.isArray(req) || req.length !== 2) throw new Error(`${op}: outputSize must be a number or [oH, oW], got ${JSON.stringify(outputSize)}`);
  const oH = req[0] ?? L.h, oW = req[1] ?? L.w;
  if (!Number.isInteger(oH) || !Number.isInteger(oW) || oH < 1 || oW < 1) {
    throw new Error(`${op}: outputSize must contain positive integers, got ${JSON.stringify(outputSize)}`);
  }
  if (L.h === 0 || L.w === 0) throw new Error(`${op}: input of shape ${fmtShape(x.shape)} has an empty spatial dim`);
  return [oH, oW];
}
