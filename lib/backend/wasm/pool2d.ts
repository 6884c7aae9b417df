// Max/avg pooling on the wasm kernels, split across threads by (image, channel) plane.

import type { Pool2dParams } from "../kernels.js";
import { runRange, withArena } from "./dispatch.js";

export function window(p: Pool2dParams): number[] {
  return [p.h, p.w, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW, p.dilationH, p.dilationW, p.outH, p.outW];
}

const xLen = (p: Pool2dParams) => p.n * p.c * p.h * p.w;
const yLen = (p: Pool2dParams) => p.n * p.c * p.outH * p.outW;
const planes = (p: Pool2dParams, startArg: number) => ({ startArg, total: p.n * p.c, align: 1 });

function work(p: Pool2dParams): number {
  return p.n * p.c * p.outH * p.outW * p.kh * p.kw;
}

export function maxPool2dForwardF32(x: Float32Array, out: Float32Array, argmax: Int32Array, p: Pool2dParams): void {
  if (p.n * p.c === 0) return;
  withArena("maxPool2d", (rt) => {
    const px = rt.put(x, xLen(p)), po = rt.alloc(yLen(p) * 4), pa = rt.alloc(yLen(p) * 4);
    runRange("maxPool2d", "maxPool2dForwardRange", () => [...window(p), px, po, pa, 0, 0], planes(p, 15), work(p));
    rt.getF32(po, out, yLen(p));
    rt.getI32(pa, argmax, yLen(p));
  });
}

/** dx = dy scattered to argmax; with `pooled`, only where pooled > 0 (a pooled ReLU's mask too). */
export function maxPool2dBackwardF32(dy: Float32Array, argmax: Int32Array, dx: Float32Array, p: Pool2dParams, pooled?: Float32Array): void {
  if (p.n * p.c === 0) return;
  withArena("maxPool2d backward", (rt) => {
    const pdy = rt.put(dy, yLen(p)), pa = rt.put(argmax, yLen(p)), pdx = rt.alloc(xLen(p) * 4);
    const pp = pooled ? rt.put(pooled, yLen(p)) : 0;
    runRange("maxPool2d backward", "maxPool2dBackwardRange", () => [p.h, p.w, p.outH, p.outW, pdy, pa, pdx, pp, 0, 0], planes(p, 8), work(p));
    rt.getF32(pdx, dx, xLen(p));
  });
}

export function avgPool2dForwardF32(x: Float32Array, out: Float32Array, p: Pool2dParams): void {
  if (p.n * p.c === 0) return;
  withArena("avgPool2d", (rt) => {
    const px = rt.put(x, xLen(p)), po = rt.alloc(yLen(p) * 4);
    runRange("avgPool2d", "avgPool2dForwardRange", () => [...window(p), p.countIncludePad ? 1 : 0, px, po, 0, 0], planes(p, 15), work(p));
    rt.getF32(po, out, yLen(p));
  });
}

export function avgPool2dBackwardF32(dy: Float32Array, dx: Float32Array, p: Pool2dParams): void {
  if (p.n * p.c === 0) return;
  withArena("avgPool2d backward", (rt) => {
    const pdy = rt.put(dy, yLen(p)), pdx = rt.alloc(xLen(p) * 4);
    runRange("avgPool2d backward", "avgPool2dBackwardRange", () => [...window(p), p.countIncludePad ? 1 : 0, pdy, pdx, 0, 0], planes(p, 15), work(p));
    rt.getF32(pdx, dx, xLen(p));
  });
}
