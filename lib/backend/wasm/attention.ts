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

/** The storage span [lo, hi) that `rows`×`cols` slices of x cover, and the offsets relative to lo. */
function span(x: AttentionOperand, batch: number, rows: number, cols: number): { lo: number; hi: number; offsets: Int32Array } {
  let lo = Infinity, hi = 0;
  for (let b = 0; b < batch; b++) {
    const o = x.offsets[b]!;
    lo = Math.min(lo, o);
    hi = Math.max(hi, o + (rows - 1) * x.rowStride + cols);
  }
  const offsets = new Int32Array(batch);
  for (let b = 0; b < batch; b++) offsets[b] = x.offsets[b]! - lo;
  return { lo, hi, offsets };
}

/** Copies the storage span of `rows`×`cols` slices into the arena: [data ptr, offsets ptr, row stride]. */
function putOperand(rt: WasmRuntime, x: AttentionOperand, batch: number, rows: number, cols: number): number[] {
  const { lo, hi, offsets } = span(x, batch, rows, cols);
  return [rt.put((x.data as Float32Array).subarray(lo, hi)), rt.put(offsets), x.rowStride];
}

/**
 * Arena room for an output operand: [data ptr, offsets ptr, row stride], and `copyOut` to call
 * once the kernel has written it. A span the slices do not cover whole is copied in first, so
 * the values between them survive the copy back.
 */
function outOperand(rt: WasmRuntime, x: AttentionOperand, batch: number, rows: number, cols: number): { args: number[]; copyOut: () => void } {
  const { lo, hi, offsets } = span(x, batch, rows, cols);
  const data = x.data as Float32Array;
  const p = hi - lo === batch * rows * cols ? rt.alloc((hi - lo) * 4) : rt.put(data.subarray(lo, hi));
  return { args: [p, rt.put(offsets), x.rowStride], copyOut: () => rt.getF32(p, data.subarray(lo, hi)) };
}

/** The three arguments of a skipped output (null pointers) or of a written one. */
const NO_OUTPUT = { args: [0, 0, 0], copyOut: () => undefined };

export function attentionForwardF32(q: AttentionOperand, k: AttentionOperand, v: AttentionOperand, mask: Float32Array | null, maskStride: number,
  attn: Float32Array, out: AttentionOperand, batch: number, L: number, S: number, E: number, Ev: number, scale: number, causal: boolean): boolean {
  const nA = batch * L * S;
  withArena("attention", (rt) => {
    const ops = [...putOperand(rt, q, batch, L, E), ...putOperand(rt, k, batch, S, E), ...putOperand(rt, v, batch, S, Ev)];
    const pm = mask ? rt.put(mask, maskStride === 0 ? L * S : batch * maskStride) : 0;
    const pa = rt.alloc(nA * 4), po = outOperand(rt, out, batch, L, Ev), scratch = rt.alloc(batch * scratchFloats(S, E, Ev) * 4);
    runRange("attention", "attentionForwardRange", () => [...ops, pm, maskStride, pa, ...po.args, scratch, L, S, E, Ev, scale, causal ? 1 : 0, 0, 0],
      slicesOf(batch, 22), nA * (2 * (E + Ev) + SCORE_WORK));
    rt.getF32(pa, attn, nA);
    po.copyOut();
  });
  return true;
}

export function attentionBackwardF32(q: AttentionOperand, k: AttentionOperand, v: AttentionOperand, attn: Float32Array, g: AttentionOperand,
  dq: AttentionOperand | null, dk: AttentionOperand | null, dv: AttentionOperand | null, batch: number, L: number, S: number, E: number, Ev: number, scale: number): boolean {
  withArena("attention backward", (rt) => {
    const ops = [...putOperand(rt, q, batch, L, E), ...putOperand(rt, k, batch, S, E), ...putOperand(rt, v, batch, S, Ev)];
    const pa = rt.put(attn, batch * L * S), pg = putOperand(rt, g, batch, L, Ev);
    const grads = [dq ? outOperand(rt, dq, batch, L, E) : NO_OUTPUT, dk ? outOperand(rt, dk, batch, S, E) : NO_OUTPUT, dv ? outOperand(rt, dv, batch, S, Ev) : NO_OUTPUT];
    const scratch = rt.alloc(batch * scratchFloats(S, E, Ev) * 4);
    runRange("attention backward", "attentionBackwardRange", () => [...ops, pa, ...pg, ...grads.flatMap((o) => o.args), scratch, L, S, E, Ev, scale, 0, 0],
      slicesOf(batch, 28), batch * L * S * 2 * (2 * E + 2 * Ev));
    for (const o of grads) o.copyOut();
  });
  return true;
}
