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
    const [pa, offA, pb, offB] = a === b && p.offsetsA && p.offsetsB
      // two views of one tensor (q and k split from one projection): its span copied in once
      ? putShared(rt, a, batch, [p.offsetsA, p.transA ? k : m, p.transA ? m : k, p.ldA], [p.offsetsB, p.transB ? n : k, p.transB ? k : n, p.ldB])
      : [...putOperand(rt, a, p.offsetsA, p.strideA, batch, p.transA ? k : m, p.transA ? m : k, p.ldA),
        ...putOperand(rt, b, p.offsetsB, p.strideB, batch, p.transB ? n : k, p.transB ? k : n, p.ldB)];
    if (!p.offsetsC) {
      const pc = rt.out(out, batch * m * n);
      arenaMatmul(rt, p, offA, offB)(pa, pb, pc);
      rt.getF32(pc, out, batch * m * n);
      return;
    }
    // the span the matrices cover, copied in too: what lies between them is copied back as it was
    const [lo, hi] = span(p.offsetsC, batch, m, n, p.ldC ?? n);
    const [pc, offC] = putOperand(rt, out, p.offsetsC, 0, batch, m, n, p.ldC ?? n);
    arenaMatmul(rt, p, offA, offB, offC)(pa, pb, pc);
    rt.getF32(pc, out.subarray(lo), hi - lo);
  });
}

/** [lowest offset, end of the highest] of `batch` rows×cols matrices with row stride ld. */
function span(offsets: Int32Array, batch: number, rows: number, cols: number, ld: number): [number, number] {
  let lo = Infinity, hi = 0;
  for (let b = 0; b < batch; b++) {
    lo = Math.min(lo, offsets[b]!);
    hi = Math.max(hi, offsets[b]! + (rows - 1) * ld + cols);
  }
  return [lo, hi];
}

/**
 * Copies what the batch's stored rows×cols matrices cover into the arena: [data, offsets
 * table or 0]. With per-matrix offsets, the span from the lowest to the end of the highest
 * (memcpy, no gather), the offsets rebased to it.
 */
function putOperand(rt: WasmRuntime, x: Float32Array, offsets: Int32Array | undefined, stride: number, batch: number,
  rows: number, cols: number, ld = cols): [number, number] {
  if (!offsets) return [rt.put(x, (stride === 0 ? 0 : (batch - 1) * stride) + (rows - 1) * ld + cols), 0];
  const [lo, hi] = span(offsets, batch, rows, cols, ld);
  return [rt.put(x.subarray(lo, hi)), putRebased(rt, offsets, batch, lo)];
}

/** The per-matrix offsets table, relative to `lo` (where the copied span starts), in the arena. */
function putRebased(rt: WasmRuntime, offsets: Int32Array, batch: number, lo: number): number {
  const rebased = new Int32Array(batch);
  for (let b = 0; b < batch; b++) rebased[b] = offsets[b]! - lo;
  return rt.put(rebased);
}

/** offsets, rows, cols and row stride (default cols) of one operand's stored matrices */
type StoredMatrices = [Int32Array, number, number, number | undefined];

/** putOperand for two operands read from one array: the union of their spans copied once, [data, offsets] for each. */
function putShared(rt: WasmRuntime, x: Float32Array, batch: number, a: StoredMatrices, b: StoredMatrices): [number, number, number, number] {
  const [loA, hiA] = span(a[0], batch, a[1], a[2], a[3] ?? a[2]), [loB, hiB] = span(b[0], batch, b[1], b[2], b[3] ?? b[2]);
  const lo = Math.min(loA, loB), data = rt.put(x.subarray(lo, Math.max(hiA, hiB)));
  return [data, putRebased(rt, a[0], batch, lo), data, putRebased(rt, b[0], batch, lo)];
}

/**
 * A GEMM of shape `p` on operands already in the arena (byte offsets; offA/offB/offC: arena
 * i32 tables of per-matrix offsets, 0 for p's strides), callable many times (a recurrence's
 * steps); each thread's packing workspace is allocated once, on first use.
 */
export function arenaMatmul(rt: WasmRuntime, p: MatmulParams, offA = 0, offB = 0, offC = 0): (pa: number, pb: number, pc: number) => void {
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
  const ldA = p.ldA ?? (p.transA ? m : k), ldB = p.ldB ?? (p.transB ? k : n);
  // a triangle skips about half the products
  const work = 2 * rows * n * k * (tri === TriangleCode.none ? 1 : 0.5);
  return (pa, pb, pc) => {
    runRange("matmul", "matmulRange", (i) => [batch, m, n, k, p.transA ? 1 : 0, p.transB ? 1 : 0, p.strideA, p.strideB,
      pa, pb, pc, 0, rows, 0, n, ws[i] ??= rt.alloc(wsBytes), tri, offA, offB, ldA, ldB, offC, p.ldC ?? n], split, work);
  };
}
