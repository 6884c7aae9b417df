// matmul on the wasm GEMM: inputs copied into the arena, output rows (or, for short wide
// products, columns) split into chunks the threads claim; each thread packs into its own
// workspace.

import type { MatmulParams } from "../kernels.js";
import { runRange, withArena } from "./dispatch.js";
import type { WasmRuntime } from "./runtime.js";
import { TriangleCode } from "./opcodes.js";

export function matmulF32(a: Float32Array, b: Float32Array, out: Float32Array, p: MatmulParams): void {
  const { batch, m, n, k } = p;
  if (batch * m * n === 0) return;
  withArena("matmul", (rt) => {
    const pa = rt.put(a, (p.strideA === 0 ? 0 : (batch - 1) * p.strideA) + m * k);
    const pb = rt.put(b, (p.strideB === 0 ? 0 : (batch - 1) * p.strideB) + k * n);
    const pc = rt.alloc(batch * m * n * 4);
    arenaMatmul(rt, p)(pa, pb, pc);
    rt.getF32(pc, out, batch * m * n);
  });
}

/**
 * A GEMM of shape `p` on operands already in the arena (byte offsets), callable many times
 * (a recurrence's steps); each thread's packing workspace is allocated once, on first use.
 */
export function arenaMatmul(rt: WasmRuntime, p: MatmulParams): (pa: number, pb: number, pc: number) => void {
  const { batch, m, n, k } = p;
  const rows = batch * m;
  // split the larger dimension: each chunk re-packs the whole operand of the other one
  const byRows = rows >= n;
  const wsBytes = rt.exports.sgemmWorkspaceBytes!(m, n, k) as number;
  const ws: number[] = [];
  // Each chunk re-packs the other operand (k×n floats for a chunk of rows), so only two
  // chunks per thread, and of at least 128 rows (columns): the weight gradients' long k
  // (dyᵀ·x over 2048 tokens) made 32-row chunks spend a tenth of their time re-packing.
  // args: ..., r0 (11), r1, c0 (13), c1, ws
  const split = byRows
    ? { startArg: 11, total: rows, align: 4, chunksPerThread: 2, minChunk: 128 }
    : { startArg: 13, total: n, align: 8, chunksPerThread: 2, minChunk: 128 };
  const tri = TriangleCode[p.triangle ?? "none"];
  // a triangle skips about half the products
  const work = 2 * rows * n * k * (tri === TriangleCode.none ? 1 : 0.5);
  return (pa, pb, pc) => {
    runRange("matmul", "matmulRange", (i) => [batch, m, n, k, p.transA ? 1 : 0, p.transB ? 1 : 0, p.strideA, p.strideB,
      pa, pb, pc, 0, rows, 0, n, ws[i] ??= rt.alloc(wsBytes), tri], split, work);
  };
}
