// The LSTM cell's pointwise math on the wasm SIMD kernels, split over the pool by rows, and a
// whole LSTM layer's recurrence in one dispatch per sequence (W_hh packed once, every step in wasm;
// the states it produces stay in a kept arena region until the backward has read them).
// (The GRU cell stays on the reference.)

import { runRange, withArena } from "./dispatch.js";
import { arenaMatmul } from "./matmul.js";
import { wasmRuntime, type KeptRegion, type WasmRuntime } from "./runtime.js";

/** lstmSequence's input projection on float32 (lib/backend/kernels/rnn.ts). */
export interface LstmProjectionF32 {
  x: Float32Array;
  wih: Float32Array;
  I: number;
}
export interface LstmProjectionGradF32 extends LstmProjectionF32 {
  dx: Float32Array | null;
  dwih: Float32Array | null;
}

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

/** Packs B(p, j) = src[p*rsB + j*csB] (k×n) into the 8-column panels the recurrence kernels read. */
function putPanels(rt: WasmRuntime, src: number, k: number, n: number, rsB: number, csB: number): number {
  const dst = rt.alloc(rt.exports.rnnPanelBytes!(k, n) as number);
  rt.exports.rnnPackPanels!(k, n, src, rsB, csB, dst);
  return dst;
}

/**
 * Copies an [L, N, w] sequence (or batch first [N, L, w]) into the arena as [L, N, w], the
 * layout every arena array of the recurrence uses (contiguous steps keep its GEMMs' rows
 * together); returns the byte offset.
 */
function putSeq(rt: WasmRuntime, src: Float32Array, L: number, N: number, w: number, batchFirst: boolean): number {
  if (!batchFirst) return rt.put(src, L * N * w);
  const ptr = rt.alloc(L * N * w * 4), f = rt.f32, at = ptr >> 2;
  for (let n = 0; n < N; n++) for (let t = 0; t < L; t++) f.set(src.subarray((n * L + t) * w, (n * L + t + 1) * w), at + (t * N + n) * w);
  return ptr;
}

/** The inverse of putSeq: [L, N, w] rows `stride` floats apart in the arena into dst's layout. */
function getSeq(rt: WasmRuntime, ptr: number, dst: Float32Array, L: number, N: number, w: number, batchFirst: boolean, stride = w): void {
  const f = rt.f32, at = ptr >> 2;
  if (!batchFirst && stride === w) return rt.getF32(ptr, dst, L * N * w);
  for (let t = 0; t < L; t++) {
    for (let n = 0; n < N; n++) {
      const from = at + (t * N + n) * stride;
      dst.set(f.subarray(from, from + w), batchFirst ? (n * L + t) * w : (t * N + n) * w);
    }
  }
}

/** lstmStatesBefore (reference/rnn.ts) inside the arena, from hc already there at `po`. */
function statesBefore(rt: WasmRuntime, po: number, h0: Float32Array, c0: Float32Array, L: number, N: number, H: number, reverse: boolean): [number, number] {
  const NH = N * H, ph = rt.alloc(L * NH * 4), pc = rt.alloc(L * NH * 4), f = rt.f32;
  const time = (s: number) => (reverse ? L - 1 - s : s);
  f.set(h0.subarray(0, NH), (ph >> 2) + time(0) * NH);
  f.set(c0.subarray(0, NH), (pc >> 2) + time(0) * NH);
  for (let s = 1; s < L; s++) {
    const dh = (ph >> 2) + time(s) * NH, dc = (pc >> 2) + time(s) * NH, o = (po >> 2) + time(s - 1) * 2 * NH;
    for (let n = 0; n < N; n++) {
      f.copyWithin(dh + n * H, o + n * 2 * H, o + n * 2 * H + H);
      f.copyWithin(dc + n * H, o + n * 2 * H + H, o + (n + 1) * 2 * H);
    }
  }
  return [ph, pc];
}

/** Rows of the batch per chunk a thread claims: whole sequences run per chunk, so few chunks. */
const sequenceSplit = (startArg: number, N: number) => ({ startArg, total: N, align: 4, chunksPerThread: 2 });

/**
 * What lstmSequenceF32 leaves in the arena for its backward, by the `saved` array it was
 * given: the states each step starts from (h, c [L, N, H]), the gate activations [L, N, 4H]
 * and hc [L, N, 2H]. `saved` itself is written only when the runtime spills the region.
 */
interface KeptSequence {
  region: KeptRegion;
  ph: number;
  pc: number;
  pa: number;
  po: number;
  /** floats of acts (L·N·4H) and of hc (L·N·2H) */
  nActs: number;
  nHc: number;
}
const kept = new WeakMap<Float32Array, KeptSequence>();
const align64 = (bytes: number) => Math.ceil(bytes / 64) * 64;

/** saved = [acts | hc] from the arena. */
function writeSaved(rt: WasmRuntime, k: KeptSequence, saved: Float32Array): void {
  rt.getF32(k.pa, saved.subarray(0, k.nActs), k.nActs);
  rt.getF32(k.po, saved.subarray(k.nActs, k.nActs + k.nHc), k.nHc);
}

/** Writes `saved` from the arena if lstmSequenceF32 kept it there, and drops the region. */
export function lstmSequenceSpill(saved: Float32Array): void {
  const k = kept.get(saved);
  if (k?.region.live) {
    const rt = wasmRuntime()!;
    writeSaved(rt, k, saved);
    rt.free(k.region);
  }
  kept.delete(saved);
}

export function lstmSequenceFreeF32(saved: Float32Array): void {
  const k = kept.get(saved);
  if (k) wasmRuntime()!.free(k.region);
  kept.delete(saved);
}

export function lstmSequenceF32(xw: Float32Array | LstmProjectionF32, bias: Float32Array | null, h0: Float32Array, c0: Float32Array, whh: Float32Array, out: Float32Array,
  saved: Float32Array, L: number, N: number, H: number, reverse: boolean, batchFirst: boolean): boolean {
  const G = 4 * H, NH = N * H, NG = N * G;
  if (L * NH === 0) return false;
  lstmSequenceFreeF32(saved);
  withArena("lstmSequence", (rt) => {
    // the states, acts and hc stay in the arena for the backward. (`saved` is held strongly
    // until the region is freed or spilled, bounded by the keep budget: a WeakRef would keep
    // it alive until the end of the job anyway, i.e. for a whole training loop in one cell.)
    const sNH = align64(L * NH * 4), sA = align64(L * NG * 4);
    const region = rt.keep(2 * sNH + sA + L * 2 * NH * 4, () => {
      writeSaved(rt, k, saved);
      kept.delete(saved);
    });
    const k: KeptSequence = { region, ph: region.ptr, pc: region.ptr + sNH, pa: region.ptr + 2 * sNH, po: region.ptr + 2 * sNH + sA, nActs: L * NG, nHc: L * 2 * NH };
    const { ph, pc, pa, po } = k;
    try {
      const pw = putPanels(rt, rt.put(whh, G * H), H, G, 1, H), pb = bias ? rt.put(bias, G) : 0;
      let px: number;
      if (ArrayBuffer.isView(xw)) px = putSeq(rt, xw, L, N, G, batchFirst);
      else {
        // x·W_ihᵀ for every step in one GEMM, kept in the arena
        const pi = putSeq(rt, xw.x, L, N, xw.I, batchFirst), pwi = rt.put(xw.wih, G * xw.I);
        px = rt.alloc(L * NG * 4);
        arenaMatmul(rt, { batch: 1, m: L * N, n: G, k: xw.I, transA: false, transB: true, strideA: 0, strideB: 0 })(pi, pwi, px);
      }
      const pg = rt.alloc(NG * 4);
      const first = reverse ? L - 1 : 0, last = reverse ? 0 : L - 1;
      rt.f32.set(h0.subarray(0, NH), (ph >> 2) + first * NH);
      rt.f32.set(c0.subarray(0, NH), (pc >> 2) + first * NH);
      const tmp: number[] = [];
      runRange("lstmSequence", "lstmSequenceRange", (i) => [px, bias ? 1 : 0, pb, pw, ph, pc, po, pa, pg, tmp[i] ??= rt.alloc(128), L, N, H, reverse ? 1 : 0, 0, 0],
        sequenceSplit(14, N), 2 * L * NG * H + L * NH * UNIT_WORK);
      // out: h of every step in the input's layout, then the last step's c
      getSeq(rt, po, out, L, N, H, batchFirst, 2 * H);
      getSeq(rt, po + (last * 2 * NH + H) * 4, out.subarray(L * NH), 1, N, H, false, 2 * H);
    } catch (e) {
      rt.free(region);
      throw e;
    }
    kept.set(saved, k);
  });
  return true;
}

export function lstmSequenceBackwardF32(saved: Float32Array, h0: Float32Array, c0: Float32Array, whh: Float32Array,
  g: Float32Array, dxw: Float32Array | LstmProjectionGradF32, dh0: Float32Array, dc0: Float32Array, dwhh: Float32Array | null, dbias: Float32Array | null,
  L: number, N: number, H: number, reverse: boolean, batchFirst: boolean): boolean {
  const G = 4 * H, NH = N * H, NG = N * G;
  if (L * NH === 0) return false;
  const k = kept.get(saved);
  if (k && !k.region.live) kept.delete(saved);
  const live = k?.region.live ? k : null;
  try {
    withArena("lstmSequence backward", (rt) => backward(rt, live));
  } catch (e) {
    // a reference fallback (over the arena cap) reads `saved`
    if (live) lstmSequenceSpill(saved);
    throw e;
  }
  return true;

  function backward(rt: WasmRuntime, live: KeptSequence | null): void {
    let pa: number, po: number, ph: number, pc: number;
    if (live) ({ pa, po, ph, pc } = live);
    else {
      pa = rt.put(saved, L * NG);
      po = rt.put(saved.subarray(L * NG), L * 2 * NH);
      [ph, pc] = statesBefore(rt, po, h0, c0, L, N, H, reverse);
    }
    // ∂/∂h of every step; ∂/∂c of the last one starts the carried dc, the carried dh starts at 0
    const pg = putSeq(rt, g, L, N, H, batchFirst), pdc = rt.put(g.subarray(L * NH), NH), pdh = rt.alloc(NH * 4);
    rt.f32.fill(0, pdh >> 2, (pdh >> 2) + NH);
    const pw = putPanels(rt, rt.put(whh, G * H), G, H, H, 1);
    const pd = rt.alloc(L * NG * 4), pghc = rt.alloc(2 * NH * 4);
    const tmp: number[] = [];
    runRange("lstmSequence backward", "lstmSequenceBackwardRange",
      (i) => [pa, pc, po, pg, pw, pd, pdh, pdc, pghc, tmp[i] ??= rt.alloc(128), L, N, H, reverse ? 1 : 0, 0, 0],
      sequenceSplit(14, N), 2 * L * NG * H + L * NH * UNIT_WORK);
    if (dwhh) {
      const pdw = rt.alloc(G * H * 4);
      arenaMatmul(rt, { batch: 1, m: G, n: H, k: L * N, transA: true, transB: false, strideA: 0, strideB: 0 })(pd, ph, pdw);
      rt.getF32(pdw, dwhh, G * H);
    }
    if (dbias) {
      const pdb = rt.alloc(G * 4);
      runRange("lstmSequence backward", "columnSumRange", () => [pd, L * N, G, pdb, 0, 0], { startArg: 4, total: G, align: 4 }, L * NG);
      rt.getF32(pdb, dbias, G);
    }
    if (ArrayBuffer.isView(dxw)) getSeq(rt, pd, dxw, L, N, G, batchFirst);
    else {
      const { x, wih, I, dx, dwih } = dxw;
      if (dx) {
        const pwi = rt.put(wih, G * I), pdx = rt.alloc(L * N * I * 4);
        arenaMatmul(rt, { batch: 1, m: L * N, n: I, k: G, transA: false, transB: false, strideA: 0, strideB: 0 })(pd, pwi, pdx);
        getSeq(rt, pdx, dx, L, N, I, batchFirst);
      }
      if (dwih) {
        const pi = putSeq(rt, x, L, N, I, batchFirst), pdw = rt.alloc(G * I * 4);
        arenaMatmul(rt, { batch: 1, m: G, n: I, k: L * N, transA: true, transB: false, strideA: 0, strideB: 0 })(pd, pi, pdw);
        rt.getF32(pdw, dwih, G * I);
      }
    }
    rt.getF32(pdh, dh0, NH);
    rt.getF32(pdc, dc0, NH);
  }
}
