// linear on the wasm GEMM with the bias added in the arena before the one copy out.

import { arenaMatmul } from "./matmul.js";
import { runRange, withArena } from "./dispatch.js";

export function linearForwardF32(x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array, m: number, n: number, k: number): void {
  if (m * n === 0) return;
  withArena("linear", (rt) => {
    const px = rt.put(x, m * k), pw = rt.put(w, n * k), pb = bias ? rt.put(bias, n) : 0;
    const po = rt.alloc(m * n * 4);
    arenaMatmul(rt, { batch: 1, m, n, k, transA: false, transB: true, strideA: 0, strideB: 0 })(px, pw, po);
    if (bias) runRange("linear", "biasRowsRange", () => [po, pb, n, 0, 0], { startArg: 3, total: m, align: 1 }, m * n);
    rt.getF32(po, out, m * n);
  });
}
