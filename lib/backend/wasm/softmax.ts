// softmax / logSoftmax over contiguous rows (inner = 1, the last dim) and the attention
// weights on the wasm SIMD kernels, split over the pool by rows. Other layouts stay on the
// reference.

import { runRange, withArena } from "./dispatch.js";

const MIN_ELEMENTS = 1024;
/** Work of one element (exp included) when choosing threads. */
const ELEMENT_WORK = 24;
const rowsOf = (rows: number, startArg: number) => ({ startArg, total: rows, align: 1 });

export function softmaxF32(x: Float32Array, out: Float32Array, outer: number, size: number, inner: number, log: boolean): boolean {
  const n = outer * size;
  if (inner !== 1 || n < MIN_ELEMENTS) return false;
  const op = log ? "logSoftmax" : "softmax";
  withArena(op, (rt) => {
    const px = rt.put(x, n), po = rt.out(out, n);
    runRange(op, "softmaxRowsRange", () => [px, po, size, log ? 1 : 0, 0, 0], rowsOf(outer, 4), n * ELEMENT_WORK);
    rt.getF32(po, out, n);
  });
  return true;
}

export function softmaxBackwardF32(y: Float32Array, g: Float32Array, dx: Float32Array, outer: number, size: number, inner: number, log: boolean, scale: number): boolean {
  const n = outer * size;
  if (inner !== 1 || n < MIN_ELEMENTS) return false;
  const op = log ? "logSoftmax backward" : "softmax backward";
  withArena(op, (rt) => {
    const py = rt.put(y, n), pg = rt.put(g, n), pd = rt.out(dx, n);
    runRange(op, "softmaxBackwardRowsRange", () => [py, pg, pd, size, log ? 1 : 0, scale, 0, 0], rowsOf(outer, 6), n * (log ? ELEMENT_WORK : 16));
    rt.getF32(pd, dx, n);
  });
  return true;
}

export function attentionSoftmaxF32(x: Float32Array, mask: Float32Array | null, maskStride: number, out: Float32Array, batch: number, L: number, S: number, scale: number, causal: boolean): boolean {
  const n = batch * L * S;
  if (n < MIN_ELEMENTS) return false;
  withArena("attention softmax", (rt) => {
    const px = rt.put(x, n);
    const pm = mask ? rt.put(mask, maskStride === 0 ? L * S : batch * maskStride) : 0;
    const po = rt.out(out, n);
    runRange("attention softmax", "attentionSoftmaxRange", () => [px, pm, maskStride, po, L, S, scale, causal ? 1 : 0, 0, 0],
      rowsOf(batch * L, 8), n * ELEMENT_WORK);
    rt.getF32(po, out, n);
  });
  return true;
}
