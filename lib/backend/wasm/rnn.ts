// The LSTM cell's pointwise math on the wasm SIMD kernels, split over the pool by rows, and a
// whole LSTM layer's recurrence in one arena (W_hh and the states copied in once, not per step).
// (The GRU cell stays on the reference.)

import { runRange, withArena } from "./dispatch.js";
import { arenaMatmul } from "./matmul.js";
import { BinaryCode } from "./opcodes.js";

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

export function lstmSequenceF32(xw: Float32Array, h0: Float32Array, c0: Float32Array, whh: Float32Array, hc: Float32Array,
  hPrev: Float32Array, cPrev: Float32Array, acts: Float32Array, L: number, N: number, H: number, reverse: boolean): boolean {
  const G = 4 * H, NH = N * H, NG = N * G;
  if (L * NH === 0) return false;
  withArena("lstmSequence", (rt) => {
    const pw = rt.put(whh, G * H), px = rt.put(xw, L * NG);
    const ph = rt.alloc(L * NH * 4), pc = rt.alloc(L * NH * 4), po = rt.alloc(L * 2 * NH * 4), pa = rt.alloc(L * NG * 4), pg = rt.alloc(NG * 4);
    const gemm = arenaMatmul(rt, { batch: 1, m: N, n: G, k: H, transA: false, transB: true, strideA: 0, strideB: 0 });
    const time = (s: number) => (reverse ? L - 1 - s : s);
    rt.f32.set(h0.subarray(0, NH), (ph >> 2) + time(0) * NH);
    rt.f32.set(c0.subarray(0, NH), (pc >> 2) + time(0) * NH);
    for (let s = 0; s < L; s++) {
      const t = time(s);
      gemm(ph + t * NH * 4, pw, pg);
      runRange("lstmSequence", "binaryRange", () => [BinaryCode.add, pg, px + t * NG * 4, pg, 0, 0], { startArg: 4, total: NG, align: 4096 }, NG * 4);
      const pht = po + t * 2 * NH * 4;
      runRange("lstmSequence", "lstmCellRange", () => [pg, pc + t * NH * 4, pht, pa + t * NG * 4, H, 0, 0], { startArg: 5, total: N, align: 1 }, NH * UNIT_WORK);
      if (s + 1 < L) {
        // h_t and c_t, interleaved in each row of hc, become the next step's contiguous states
        const f = rt.f32, tn = time(s + 1), src = pht >> 2, dh = (ph >> 2) + tn * NH, dc = (pc >> 2) + tn * NH;
        for (let n = 0; n < N; n++) {
          f.copyWithin(dh + n * H, src + n * 2 * H, src + n * 2 * H + H);
          f.copyWithin(dc + n * H, src + n * 2 * H + H, src + (n + 1) * 2 * H);
        }
      }
    }
    rt.getF32(po, hc, L * 2 * NH);
    rt.getF32(pa, acts, L * NG);
    rt.getF32(ph, hPrev, L * NH);
    rt.getF32(pc, cPrev, L * NH);
  });
  return true;
}

export function lstmSequenceBackwardF32(acts: Float32Array, cPrev: Float32Array, hPrev: Float32Array, hc: Float32Array, whh: Float32Array,
  g: Float32Array, dxw: Float32Array, dh0: Float32Array, dc0: Float32Array, dwhh: Float32Array | null,
  L: number, N: number, H: number, reverse: boolean): boolean {
  const G = 4 * H, NH = N * H, NG = N * G;
  if (L * NH === 0) return false;
  withArena("lstmSequence backward", (rt) => {
    const pa = rt.put(acts, L * NG), pc = rt.put(cPrev, L * NH), po = rt.put(hc, L * 2 * NH), pg = rt.put(g, L * 2 * NH), pw = rt.put(whh, G * H);
    const pd = rt.alloc(L * NG * 4), pdh = rt.alloc(NH * 4), pdc = rt.alloc(NH * 4), pghc = rt.alloc(2 * NH * 4);
    const dhGemm = arenaMatmul(rt, { batch: 1, m: N, n: H, k: G, transA: false, transB: false, strideA: 0, strideB: 0 });
    // dh and dc carry ∂/∂(h, c) of the state each step starts from back to the step before
    rt.f32.fill(0, pdh >> 2, (pdh >> 2) + NH);
    rt.f32.fill(0, pdc >> 2, (pdc >> 2) + NH);
    for (let s = L - 1; s >= 0; s--) {
      const t = reverse ? L - 1 - s : s;
      const f = rt.f32, gq = (pg >> 2) + t * 2 * NH, q = pghc >> 2, dh = pdh >> 2, dc = pdc >> 2;
      for (let n = 0; n < N; n++) {
        const r = n * 2 * H, rh = n * H;
        for (let j = 0; j < H; j++) {
          f[q + r + j] = f[gq + r + j] + f[dh + rh + j];
          f[q + r + H + j] = f[gq + r + H + j] + f[dc + rh + j];
        }
      }
      const pdt = pd + t * NG * 4;
      runRange("lstmSequence backward", "lstmCellBackwardRange", () => [pa + t * NG * 4, pc + t * NH * 4, po + t * 2 * NH * 4, pghc, pdt, pdc, H, 0, 0],
        { startArg: 7, total: N, align: 1 }, NH * UNIT_WORK);
      dhGemm(pdt, pw, pdh);
    }
    if (dwhh) {
      const ph = rt.put(hPrev, L * NH), pdw = rt.alloc(G * H * 4);
      arenaMatmul(rt, { batch: 1, m: G, n: H, k: L * N, transA: true, transB: false, strideA: 0, strideB: 0 })(pd, ph, pdw);
      rt.getF32(pdw, dwhh, G * H);
    }
    rt.getF32(pd, dxw, L * NG);
    rt.getF32(pdh, dh0, NH);
    rt.getF32(pdc, dc0, NH);
  });
  return true;
}
