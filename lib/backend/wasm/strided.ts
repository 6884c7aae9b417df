// Strided float32 copies into a contiguous output on wasm: the source's extent copied into
// the arena in one memcpy, rows gathered there with v128 moves, the result copied out in
// one memcpy (a JS element loop costs several times those three passes).

import { coalesce } from "../reference/strided.js";
import { dispatchTuning, runRange, withArena } from "./dispatch.js";

/** Work of one copied element when choosing threads (GEMM-flop units, as minWorkPerThread). */
const ELEMENT_WORK = 16;

/** out (contiguous from oo) = x at xo with strides xs over shape; false when not handled here. */
export function stridedCopyF32(x: Float32Array, xo: number, xs: readonly number[], out: Float32Array, oo: number, os: readonly number[], shape: readonly number[]): boolean {
  let numel = 1;
  for (const s of shape) numel *= s;
  if (numel < dispatchTuning.minElementwise) return false;
  const [cs, [cx, co]] = coalesce(shape, [xs, os]);
  const nd = cs.length;
  if (nd < 2) return false; // one contiguous or strided run: the reference loop
  let extent = 1;
  for (let d = nd - 1, step = 1; d >= 0; d--) {
    if (co![d] !== step || cx![d]! < 0) return false;
    step *= cs[d]!;
    extent += (cs[d]! - 1) * cx![d]!;
  }
  // one buffer (an in-place copy, or two resident tensors): only when the ranges are apart
  if (x.buffer === out.buffer) {
    const xs0 = x.byteOffset + xo * 4, os0 = out.byteOffset + oo * 4;
    if (xs0 < os0 + numel * 4 && os0 < xs0 + extent * 4) return false;
  }
  withArena("contiguous", (rt) => {
    const px = rt.put(x.subarray(xo), extent);
    const pshape = rt.alloc(nd * 8), pstrides = pshape + nd * 4;
    rt.i32.set(cs, pshape >> 2);
    rt.i32.set(cx!, pstrides >> 2);
    const po = rt.out(out.subarray(oo), numel);
    const rows = numel / cs[nd - 1]!;
    runRange("contiguous", "stridedCopyRange", () => [px, po, nd, pshape, pstrides, 0, 0], { startArg: 5, total: rows, align: 1 }, numel * ELEMENT_WORK);
    rt.getF32(po, out.subarray(oo), numel);
  });
  return true;
}

/**
 * out (from oo, strides os) = g (from go, strides gs), or += g when `accumulate`, over shape:
 * a slicing view's gradient written or added into the whole input's (the engine's partial
 * gradients). false when not handled here: small, 1-D, a negative stride, or g and out
 * overlapping.
 */
export function stridedScatterF32(g: Float32Array, go: number, gs: readonly number[], out: Float32Array, oo: number, os: readonly number[], shape: readonly number[], accumulate: boolean): boolean {
  let numel = 1;
  for (const s of shape) numel *= s;
  if (numel < dispatchTuning.minElementwise) return false;
  const [cs, [cg, co]] = coalesce(shape, [gs, os]);
  const nd = cs.length;
  if (nd < 2) return false;
  let extentG = 1, extentO = 1;
  for (let d = 0; d < nd; d++) {
    if (cg![d]! < 0 || co![d]! < 0) return false;
    extentG += (cs[d]! - 1) * cg![d]!;
    extentO += (cs[d]! - 1) * co![d]!;
  }
  if (g.buffer === out.buffer) {
    const g0 = g.byteOffset + go * 4, o0 = out.byteOffset + oo * 4;
    if (g0 < o0 + extentO * 4 && o0 < g0 + extentG * 4) return false;
  }
  const name = accumulate ? "strided add" : "strided copy";
  withArena(name, (rt) => {
    const pg = rt.put(g.subarray(go), extentG);
    // the output's extent comes in too: the elements between the rows keep their values
    const dst = out.subarray(oo), po = rt.put(dst, extentO);
    const pshape = rt.alloc(nd * 12), pgs = pshape + nd * 4, pos = pgs + nd * 4;
    rt.i32.set(cs, pshape >> 2);
    rt.i32.set(cg!, pgs >> 2);
    rt.i32.set(co!, pos >> 2);
    const rows = numel / cs[nd - 1]!;
    runRange(name, "stridedScatterRange", () => [pg, po, nd, pshape, pgs, pos, accumulate ? 1 : 0, 0, 0], { startArg: 7, total: rows, align: 1 }, numel * ELEMENT_WORK);
    rt.getF32(po, dst, extentO);
  });
  return true;
}
