// Embedding lookup on wasm: rows gathered by memory.copy (split over the pool by output rows),
// the backward's scatter-add in one call (rows of one index must add up in order). Only
// where the table is resident or not much larger than the rows read: copying a large
// vocabulary's table into the arena to gather a few rows would cost more than the JS loop.

import { runRange, withArena } from "./dispatch.js";
import { wasmRuntime } from "./runtime.js";

/** Table floats copied per float gathered, past which the JS reference is cheaper. */
const MAX_TABLE_RATIO = 4;

export function embeddingForwardF32(weight: Float32Array, idx: Int32Array, out: Float32Array, D: number): boolean {
  const n = idx.length, rt = wasmRuntime()!;
  if (!rt.isResident(weight) && weight.length > MAX_TABLE_RATIO * n * D) return false;
  if (n * D === 0) return true;
  withArena("embedding", (rt) => {
    const pw = rt.put(weight), pi = rt.put(idx), po = rt.out(out, n * D);
    runRange("embedding", "embeddingGatherRange", () => [pw, pi, po, D, 0, 0], { startArg: 4, total: n, align: 1 }, n * D);
    rt.getF32(po, out, n * D);
  });
  return true;
}

export function embeddingBackwardF32(g: Float32Array, idx: Int32Array, dw: Float32Array, D: number, paddingIdx: number): boolean {
  const n = idx.length, rt = wasmRuntime()!;
  if (!rt.isResident(dw) && dw.length > MAX_TABLE_RATIO * n * D) return false;
  if (dw.length === 0) return true;
  withArena("embedding backward", (rt) => {
    const pg = rt.put(g, n * D), pi = rt.put(idx), pd = rt.out(dw);
    rt.exports.embeddingScatterAdd!(pg, pi, pd, n, dw.length / D, D, paddingIdx);
    rt.getF32(pd, dw);
  });
  return true;
}
