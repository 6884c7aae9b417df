// layerNorm forward and backward on the wasm SIMD kernels: rows split over the pool for the
// normalisation and dx, columns for the weight/bias gradients (each column is summed over
// the rows in one fixed order, so results are identical for any number of threads).

import { runRange, withArena } from "./dispatch.js";

const MIN_ELEMENTS = 1024;
/**
 * Work of one element per pass when choosing threads, in the units of minWorkPerThread
 * (GEMM flops): each pass takes about as long per element as 30 flops of the GEMM, so
 * the [2048, 128] rows of a small transformer are split.
 */
const ELEMENT_WORK = 32;

export function layerNormF32(x: Float32Array, w: Float32Array | null, b: Float32Array | null, out: Float32Array, mean: Float32Array, rstd: Float32Array, rows: number, D: number, eps: number): boolean {
  const n = rows * D;
  if (n < MIN_ELEMENTS) return false;
  withArena("layerNorm", (rt) => {
    const px = rt.put(x, n), pw = w ? rt.put(w, D) : 0, pb = b ? rt.put(b, D) : 0;
    const po = rt.out(out, n), pm = rt.alloc(rows * 4), pr = rt.alloc(rows * 4);
    runRange("layerNorm", "layerNormRange", () => [px, pw, pb, po, pm, pr, D, eps, 0, 0], { startArg: 8, total: rows, align: 1 }, n * ELEMENT_WORK);
    rt.getF32(po, out, n);
    rt.getF32(pm, mean, rows);
    rt.getF32(pr, rstd, rows);
  });
  return true;
}

export function layerNormBackwardF32(x: Float32Array, w: Float32Array | null, mean: Float32Array, rstd: Float32Array, g: Float32Array,
  dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, rows: number, D: number): boolean {
  const n = rows * D;
  if (n < MIN_ELEMENTS) return false;
  withArena("layerNorm backward", (rt) => {
    const px = rt.put(x, n), pw = w ? rt.put(w, D) : 0, pm = rt.put(mean, rows), pr = rt.put(rstd, rows), pg = rt.put(g, n);
    if (dx) {
      const pd = rt.out(dx, n);
      runRange("layerNorm backward", "layerNormBackwardRange", () => [px, pw, pm, pr, pg, pd, D, 0, 0], { startArg: 7, total: rows, align: 1 }, n * ELEMENT_WORK);
      rt.getF32(pd, dx, n);
    }
    if (dw || db) {
      const pdw = dw ? rt.alloc(D * 4) : 0, pdb = db ? rt.alloc(D * 4) : 0, ws = rt.alloc(D * 16);
      runRange("layerNorm backward", "layerNormParamGradRange", () => [px, pm, pr, pg, pdw, pdb, rows, D, ws, 0, 0],
        { startArg: 9, total: D, align: 4, chunksPerThread: 1 }, n * ELEMENT_WORK);
      if (dw) rt.getF32(pdw, dw, D);
      if (db) rt.getF32(pdb, db, D);
    }
  });
  return true;
}
