// Fused small-shape attention on the wasm SIMD kernels, split over the pool by (batch·head)
// slices: each slice is computed whole by one thread, so results do not depend on threads.
// Strided q/k/v (and the gradient g) are copied in as the span of storage their slices cover (memcpy, no gather),
// one span per storage array when they are views of one projection.

import type { AttentionOperand } from "../kernels/attention.js";
import { runRange, withArena } from "./dispatch.js";
import { type WasmRuntime, wasmRuntime } from "./runtime.js";

/** Work of one score (exp included) beyond its dot products, when choosing threads. */
const SCORE_WORK = 24;
/** Scratch floats per slice, from the module (one formula for both sides). */
const scratchFloats = (S: number, E: number, Ev: number): number => wasmRuntime()!.exports.attentionScratchFloats!(S, E, Ev) as number;
const slicesOf = (batch: number, startArg: number) => ({ startArg, total: batch, align: 1 });

/** The storage span [lo, hi) that `rows`×`cols` slices of x cover. */
function span(x: AttentionOperand, batch: number, rows: number, cols: number): [number, number] {
  let lo = Infinity, hi = 0;
  for (let b = 0; b < batch; b++) {
    const o = x.offsets[b]!;
    lo = Math.min(lo, o);
    hi = Math.max(hi, o + (rows - 1) * x.rowStride + cols);
  }
  return [lo, hi];
}

/** An operand with the size of its slices, or null for a gradient that is not wanted. */
type Slices = [x: AttentionOperand, rows: number, cols: number] | null;

/**
 * Operands in the arena, each storage array copied once: the span its operands' slices
 * cover together (q, k and v split from one projection share one; so do their gradients).
 * Gives [data ptr, offsets ptr, row stride] per operand ([0, 0, 0] for null) and, for
 * outputs, `copyOut` to call once the kernel has written them. An output span the slices do
 * not cover whole is copied in first, so the values between them survive the copy back.
 */
function arenaOperands(rt: WasmRuntime, batch: number, list: readonly Slices[], output: boolean): { args: number[][]; copyOut: () => void } {
  const spans = new Map<Float32Array, { lo: number; hi: number; elements: number; ptr: number }>();
  for (const s of list) {
    if (!s) continue;
    const [x, rows, cols] = s, data = x.data as Float32Array;
    const [lo, hi] = span(x, batch, rows, cols);
    const e = spans.get(data);
    if (e) {
      e.lo = Math.min(e.lo, lo);
      e.hi = Math.max(e.hi, hi);
      e.elements += batch * rows * cols;
    } else spans.set(data, { lo, hi, elements: batch * rows * cols, ptr: 0 });
  }
  // a resident output the slices cover whole is written in place (rt.out), as is one put reads in place
  for (const [data, e] of spans) e.ptr = output && e.hi - e.lo === e.elements ? rt.out(data.subarray(e.lo, e.hi)) : rt.put(data.subarray(e.lo, e.hi));
  const args = list.map((s) => {
    if (!s) return [0, 0, 0];
    const e = spans.get(s[0].data as Float32Array)!;
    let offsets = s[0].offsets;
    if (e.lo !== 0) {
      offsets = new Int32Array(batch);
      for (let b = 0; b < batch; b++) offsets[b] = s[0].offsets[b]! - e.lo;
    }
    return [e.ptr, rt.put(offsets, batch), s[0].rowStride];
  });
  return { args, copyOut: () => { for (const [data, e] of spans) rt.getF32(e.ptr, data.subarray(e.lo, e.hi)); } };
}

export function attentionForwardF32(q: AttentionOperand, k: AttentionOperand, v: AttentionOperand, mask: Float32Array | null, maskStride: number,
  attn: Float32Array, out: AttentionOperand, batch: number, L: number, S: number, E: number, Ev: number, scale: number, causal: boolean): boolean {
  const nA = batch * L * S;
  withArena("attention", (rt) => {
    const ops = arenaOperands(rt, batch, [[q, L, E], [k, S, E], [v, S, Ev]], false).args.flat();
    const pm = mask ? rt.put(mask, maskStride === 0 ? L * S : batch * maskStride) : 0;
    const pa = rt.out(attn, nA), po = arenaOperands(rt, batch, [[out, L, Ev]], true), scratch = rt.alloc(batch * scratchFloats(S, E, Ev) * 4);
    runRange("attention", "attentionForwardRange", () => [...ops, pm, maskStride, pa, ...po.args[0]!, scratch, L, S, E, Ev, scale, causal ? 1 : 0, 0, 0],
      slicesOf(batch, 22), nA * (2 * (E + Ev) + SCORE_WORK));
    rt.getF32(pa, attn, nA);
    po.copyOut();
  });
  return true;
}

export function attentionBackwardF32(q: AttentionOperand, k: AttentionOperand, v: AttentionOperand, attn: Float32Array, g: AttentionOperand,
  dq: AttentionOperand | null, dk: AttentionOperand | null, dv: AttentionOperand | null, batch: number, L: number, S: number, E: number, Ev: number, scale: number): boolean {
  withArena("attention backward", (rt) => {
    const ops = arenaOperands(rt, batch, [[q, L, E], [k, S, E], [v, S, Ev]], false).args.flat();
    const pa = rt.put(attn, batch * L * S), pg = arenaOperands(rt, batch, [[g, L, Ev]], false).args[0]!;
    const grads = arenaOperands(rt, batch, [dq && [dq, L, E], dk && [dk, S, E], dv && [dv, S, Ev]], true);
    const scratch = rt.alloc(batch * scratchFloats(S, E, Ev) * 4);
    runRange("attention backward", "attentionBackwardRange", () => [...ops, pa, ...pg, ...grads.args.flat(), scratch, L, S, E, Ev, scale, 0, 0],
      slicesOf(batch, 28), batch * L * S * 2 * (2 * E + 2 * Ev));
    grads.copyOut();
  });
  return true;
}
