// Pointwise activations (gelu, geluTanh, silu) and the fused backward of those and of
// tanh/sigmoid on the wasm SIMD kernels, split over the pool in element blocks.

import type { PointwiseGradOp, PointwiseOp } from "../kernels/activation.js";
import { PointwiseCode } from "./opcodes.js";
import { runRange, withArena } from "./dispatch.js";

/** Below this many elements the copies in and out cost more than the JS loop. */
export const MIN_POINTWISE = 1024;
/** Work of one element (a few dozen flops with exp and a division) when choosing threads. */
const ELEMENT_WORK = 24;
const elements = (n: number, startArg: number) => ({ startArg, total: n, align: 1024 });

export function pointwiseF32(op: PointwiseOp, x: Float32Array, out: Float32Array): boolean {
  const n = Math.min(x.length, out.length);
  if (n < MIN_POINTWISE) return false;
  withArena(op, (rt) => {
    const px = rt.put(x, n), po = rt.out(out, n);
    runRange(op, "pointwiseRange", () => [PointwiseCode[op], px, po, 0, 0], elements(n, 3), n * ELEMENT_WORK);
    rt.getF32(po, out, n);
  });
  return true;
}

export function pointwiseBackwardF32(op: PointwiseGradOp, saved: Float32Array, g: Float32Array, dx: Float32Array): boolean {
  const n = dx.length;
  if (n < MIN_POINTWISE || saved.length < n || g.length < n) return false;
  withArena(`${op} backward`, (rt) => {
    const ps = rt.put(saved, n), pg = rt.put(g, n), pd = rt.out(dx, n);
    arenaPointwiseBackward(op, ps, pg, pd, n);
    rt.getF32(pd, dx, n);
  });
  return true;
}

/**
 * dx = g·op'(saved) over n floats already in the arena (dx may be g: each element is read
 * before it is written). For n < MIN_POINTWISE callers use the reference, as
 * pointwiseBackwardF32 does, so a fused caller gets the same bits.
 */
export function arenaPointwiseBackward(op: PointwiseGradOp, ps: number, pg: number, pd: number, n: number): void {
  const name = `${op} backward`;
  runRange(name, "pointwiseBackwardRange", () => [PointwiseCode[op], ps, pg, pd, 0, 0], elements(n, 4), n * ELEMENT_WORK);
}
