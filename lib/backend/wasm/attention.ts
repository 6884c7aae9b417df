// Fused small-shape attention on the wasm SIMD kernels, split over the pool by (batch·head)
// slices: each slice is computed whole by one thread, so results do not depend on threads.
// Strided q/k/v (and the gradient g) are copied in as the span of storage their slices cover (memcpy, no gather).

import type { AttentionOperand } from "../kernels/attention.js";
import { runRange, withArena } from "./dispatch.js";
import { type WasmRuntime, wasmRuntime } from "./runtime.js";

/** Work of one score (exp included) beyond its dot products, when choosing threads. */
const SCORE_WORK = 24;
/** Scratch floats per slice, from the module (one formula for both sides). */
const scratchFloats = (S: number, E: number, Ev: number): number => wasmRuntime()!.exports.attentionScratchFloats!(S, E, Ev) as number;
const slicesOf = (batch: number, startArg: number) => ({ startArg, total: batch, align: 1 });

/** Copies the storage span of `rows`×`cols` slices into the arena: [data ptr, offsets ptr, row stride]. */
function putOperand(rt: WasmRuntime, x: AttentionOperand, batch: number, rows: number, cols: number): number[] {
  let lo = Infinity, hi = 0;
  for (let b = 0; b < batch; b++) {
    const o = x.offsets[b]!;
    lo = Math.min(lo, o);
    hi = Math.max(hi, o + (rows - 1) * x.rowStride + cols);
  }
  const offsets = new Int32Array(batch);
  for (let b = 0; b < batch; b++) offsets[b] = x.offsets[b]! - lo;
  const data = x.data as Float32Array;
  return [rt.put(data.subarray(lo, hi)), rt.put(offsets), x.rowStride];
}

export function attentionForwardF32(q: AttentionOperand, k: AttentionOperand, v: AttentionOperand, mask: Float32Array | null, maskStride: number,
  attn: Float32Array, out: Float32Array, batch: number, L: number, S: number, E: number, Ev: number, scale: number, causal: boolean): boolean {
  const nA = batch * L * S, nO = batch * L * Ev;
  withArena("attention", (rt) => {
    const ops = [...putOperand(rt, q, batch, L, E), ...putOperand(rt, k, batch, S, E), ...putOperand(rt, v, batch, S, Ev)];
    const pm = mask ? rt.put(mask, maskStride === 0 ? L * S : batch * maskStride) : 0;
    const pa = rt.alloc(nA * 4), po = rt.alloc(nO * 4), scratch = rt.alloc(batch * scratchFloats(S, E, Ev) * 4);
    runRange("attention", "attentionForwardRange", () => [...ops, pm, maskStride, pa, po, scratch, L, S, E, Ev, scale, causal ? 1 : 0, 0, 0],
      slicesOf(batch, 20), nA * (2 * (E + Ev) + SCORE_WORK));
    rt.getF32(pa, attn, nA);
    rt.getF32(po, out, nO);
  });
  return true;
}

export function attentionBackwardF32(q: AttentionOperand, k: AttentionOperand, v: AttentionOperand, attn: Float32Array, g: AttentionOperand,
  dq: Float32Array | null, dk: Float32Array | null, dv: Float32Array | null, batch: number, L: number, S: number, E: number, Ev: number, scale: number): boolean {
  const nQ = batch * L * E, nK = batch * S * E, nV = batch * S * Ev;
  withArena("attention backward", (rt) => {
    const ops = [...putOperand(rt, q, batch, L, E), ...putOperand(rt, k, batch, S, E), ...putOperand(rt, v, batch, S, Ev)];
    const pa = rt.put(attn, batch * L * S), pg = putOperand(rt, g, batch, L, Ev);
    const pdq = dq ? rt.alloc(nQ * 4) : 0, pdk = dk ? rt.alloc(nK * 4) : 0, pdv = dv ? rt.alloc(nV * 4) : 0;
    const scratch = rt.alloc(batch * scratchFloats(S, E, Ev) * 4);
    runRange("attention backward", "attentionBackwardRange", () => [...ops, pa, ...pg, pdq, pdk, pdv, scratch, L, S, E, Ev, scale, 0, 0],
      slicesOf(batch, 22), batch * L * S * 2 * (2 * E + 2 * Ev));
    if (dq) rt.getF32(pdq, dq, nQ);
    if (dk) rt.getF32(pdk, dk, nK);
    if (dv) rt.getF32(pdv, dv, nV);
  });
  return true;
}
