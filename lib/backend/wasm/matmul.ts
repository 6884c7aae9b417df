// matmul on the wasm GEMM: inputs copied into the arena, output rows (or, for short
// wide products, columns) split across threads; every thread packs into its own workspace.

import type { MatmulParams } from "../kernels.js";
import { runParts, splitRange, threadsFor, withArena } from "./dispatch.js";

export function matmulF32(a: Float32Array, b: Float32Array, out: Float32Array, p: MatmulParams): void {
  const { batch, m, n, k } = p;
  if (batch * m * n === 0) return;
  withArena("matmul", (rt) => {
    const pa = rt.put(a, (p.strideA === 0 ? 0 : (batch - 1) * p.strideA) + m * k);
    const pb = rt.put(b, (p.strideB === 0 ? 0 : (batch - 1) * p.strideB) + k * n);
    const pc = rt.alloc(batch * m * n * 4);
    const rows = batch * m;
    const work = 2 * rows * n * k;
    let t = threadsFor(work, Math.max(Math.ceil(rows / 4), Math.ceil(n / 8)));
    const byRows = rows >= 16 * t || rows >= n;
    const ranges = splitRange(byRows ? rows : n, t, byRows ? 4 : 8);
    t = ranges.length;
    const wsBytes = rt.exports.sgemmWorkspaceBytes!(byRows ? ranges[0]![1] - ranges[0]![0] : m, byRows ? n : ranges[0]![1] - ranges[0]![0], k) as number;
    const parts = ranges.map(([s, e]) => {
      const ws = rt.alloc(wsBytes);
      const [r0, r1, c0, c1] = byRows ? [s, e, 0, n] : [0, rows, s, e];
      return [batch, m, n, k, p.transA ? 1 : 0, p.transB ? 1 : 0, p.strideA, p.strideB, pa, pb, pc, r0, r1, c0, c1, ws];
    });
    runParts("matmul", "matmulRange", parts, work);
    rt.getF32(pc, out, batch * m * n);
  });
}
