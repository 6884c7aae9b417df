// Fused small-shape attention on the wasm SIMD kernels, split over the pool by (batch·head)
// slices: each slice is computed whole by one thread, so results do not depend on threads.

import { runRange, withArena } from "./dispatch.js";

/** Work of one score (exp included) beyond its dot products, when choosing threads. */
const SCORE_WORK = 24;
const slicesOf = (batch: number, startArg: number) => ({ startArg, total: batch, align: 1 });

export function attentionForwardF32(q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null, maskStride: number,
  attn: Float32Array, out: Float32Array, batch: number, L: number, S: number, E: number, Ev: number, scale: number, causal: boolean): boolean {
  const nA = batch * L * S, nO = batch * L * Ev;
  withArena("attention", (rt) => {
    const pq = rt.put(q, batch * L * E), pk = rt.put(k, batch * S * E), pv = rt.put(v, batch * S * Ev);
    const pm = mask ? rt.put(mask, maskStride === 0 ? L * S : batch * maskStride) : 0;
    const pa = rt.alloc(nA * 4), po = rt.alloc(nO * 4);
    runRange("attention", "attentionForwardRange", () => [pq, pk, pv, pm, maskStride, pa, po, L, S, E, Ev, scale, causal ? 1 : 0, 0, 0],
      slicesOf(batch, 13), nA * (2 * (E + Ev) + SCORE_WORK));
    rt.getF32(pa, attn, nA);
    rt.getF32(po, out, nO);
  });
  return true;
}

export function attentionBackwardF32(q: Float32Array, k: Float32Array, v: Float32Array, attn: Float32Array, g: Float32Array,
  dq: Float32Array | null, dk: Float32Array | null, dv: Float32Array | null, batch: number, L: number, S: number, E: number, Ev: number, scale: number): boolean {
  const nQ = batch * L * E, nK = batch * S * E, nV = batch * S * Ev;
  withArena("attention backward", (rt) => {
    const pq = rt.put(q, nQ), pk = rt.put(k, nK), pv = rt.put(v, nV), pa = rt.put(attn, batch * L * S), pg = rt.put(g, batch * L * Ev);
    const pdq = dq ? rt.alloc(nQ * 4) : 0, pdk = dk ? rt.alloc(nK * 4) : 0, pdv = dv ? rt.alloc(nV * 4) : 0;
    const scratch = rt.alloc(batch * S * 4);
    runRange("attention backward", "attentionBackwardRange", () => [pq, pk, pv, pa, pg, pdq, pdk, pdv, scratch, L, S, E, Ev, scale, 0, 0],
      slicesOf(batch, 14), batch * L * S * 2 * (2 * E + 2 * Ev));
    if (dq) rt.getF32(pdq, dq, nQ);
    if (dk) rt.getF32(pdk, dk, nK);
    if (dv) rt.getF32(pdv, dv, nV);
  });
  return true;
}
