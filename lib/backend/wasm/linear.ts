// linear on the wasm GEMM with the bias added in the arena before the one copy out; its
// backward copies the output gradient in once for dx, dw and db, and takes dx through the
// input's activation backward (GELU's, say) before copying it out.

import type { InputActivationGrad } from "../kernels/linear.js";
import { pointwiseBackward } from "../reference/activation.js";
import { arenaPointwiseBackward, MIN_POINTWISE } from "./activation.js";
import { arenaMatmul } from "./matmul.js";
import { runRange, withArena } from "./dispatch.js";

export function linearForwardF32(x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array, m: number, n: number, k: number): void {
  if (m * n === 0) return;
  withArena("linear", (rt) => {
    const px = rt.put(x, m * k), pw = rt.put(w, n * k), pb = bias ? rt.put(bias, n) : 0;
    const po = rt.out(out, m * n);
    arenaMatmul(rt, { batch: 1, m, n, k, transA: false, transB: true, strideA: 0, strideB: 0 })(px, pw, po);
    if (bias) runRange("linear", "biasRowsRange", () => [po, pb, n, 0, 0], { startArg: 3, total: m, align: 1 }, m * n);
    rt.getF32(po, out, m * n);
  });
}

export function linearBackwardF32(g: Float32Array, x: Float32Array, w: Float32Array, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null,
  m: number, n: number, k: number, act?: { op: InputActivationGrad["op"]; saved: Float32Array } | null): void {
  if (m * n * k === 0) { // empty products and sums: the reference writes the zeros (and dx's activation backward)
    if (dx && act) pointwiseBackward(act.op, act.saved, dx, dx);
    return;
  }
  withArena("linear backward", (rt) => {
    const pg = rt.put(g, m * n);
    if (dx) {
      const pw = rt.put(w, n * k), pdx = rt.out(dx, m * k);
      arenaMatmul(rt, { batch: 1, m, n: k, k: n, transA: false, transB: false, strideA: 0, strideB: 0 })(pg, pw, pdx);
      // the activation's backward on dx in place, in the arena when its own kernel would be wasm
      const inArena = act && m * k >= MIN_POINTWISE;
      if (inArena) arenaPointwiseBackward(act.op, rt.put(act.saved, m * k), pdx, pdx, m * k);
      rt.getF32(pdx, dx, m * k);
      if (act && !inArena) pointwiseBackward(act.op, act.saved, dx, dx);
    }
    if (dw) {
      const px = rt.put(x, m * k), pdw = rt.out(dw, n * k);
      arenaMatmul(rt, { batch: 1, m: n, n: k, k: m, transA: true, transB: false, strideA: 0, strideB: 0 })(pg, px, pdw);
      rt.getF32(pdw, dw, n * k);
    }
    if (db) {
      // the sum kernel of reduce("sum"), so db has the bits the separate reduction gave
      const pdb = rt.out(db, n);
      runRange("linear backward", "reduceSumRange", () => [pg, pdb, m, n, 0, 0, rt.alloc(n * 8)], { startArg: 4, total: 1, align: 1 }, m * n);
      rt.getF32(pdb, db, n);
    }
  });
}
