// The LSTM cell's pointwise math on the wasm SIMD kernels, split over the pool by rows.
// (The GRU cell stays on the reference.)

import { runRange, withArena } from "./dispatch.js";

const MIN_ELEMENTS = 1024;
/** Work of one hidden unit (five transcendental gates) when choosing threads. */
const UNIT_WORK = 100;

export function lstmCellF32(gates: Float32Array, c: Float32Array, hc: Float32Array, acts: Float32Array, N: number, H: number): boolean {
  if (N * H < MIN_ELEMENTS) return false;
  withArena("lstmCell", (rt) => {
    const pg = rt.put(gates, N * 4 * H), pc = rt.put(c, N * H), po = rt.alloc(N * 2 * H * 4), pa = rt.alloc(N * 4 * H * 4);
    runRange("lstmCell", "lstmCellRange", () => [pg, pc, po, pa, H, 0, 0], { startArg: 5, total: N, align: 1 }, N * H * UNIT_WORK);
    rt.getF32(po, hc, N * 2 * H);
    rt.getF32(pa, acts, N * 4 * H);
  });
  return true;
}

export function lstmCellBackwardF32(acts: Float32Array, c: Float32Array, hc: Float32Array, ghc: Float32Array, dGates: Float32Array, dc: Float32Array, N: number, H: number): boolean {
  if (N * H < MIN_ELEMENTS) return false;
  withArena("lstmCell backward", (rt) => {
    const pa = rt.put(acts, N * 4 * H), pc = rt.put(c, N * H), ph = rt.put(hc, N * 2 * H), pgh = rt.put(ghc, N * 2 * H);
    const pd = rt.alloc(N * 4 * H * 4), pdc = rt.alloc(N * H * 4);
    runRange("lstmCell backward", "lstmCellBackwardRange", () => [pa, pc, ph, pgh, pd, pdc, H, 0, 0], { startArg: 7, total: N, align: 1 }, N * H * UNIT_WORK);
    rt.getF32(pd, dGates, N * 4 * H);
    rt.getF32(pdc, dc, N * H);
  });
  return true;
}
