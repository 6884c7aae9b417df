// Elementwise and sum-reduction kernels on wasm SIMD. They are memory-bound, so they only
// pay off on large arrays (below dispatchTuning.minElementwise the JS loop is as fast);
// each returns false when it does not handle the call, and the caller uses the reference.

import type { BinaryOp, ReduceOp, UnaryOp } from "../kernels.js";
import { dispatchTuning, runParts, splitRange, threadsFor, withArena } from "./dispatch.js";

/** Below dispatchTuning.minElementwise (bench/thresholds.ts) the reference loop is as fast. */
const small = (n: number): boolean => n < dispatchTuning.minElementwise;
/** Elementwise work counts less than a flop of matmul: memory traffic dominates. */
const ELEMENT_WORK = 4;

const BINARY: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 };
const UNARY: Partial<Record<UnaryOp, number>> = {
  neg: 0, abs: 1, sqrt: 2, rsqrt: 3, square: 4, reciprocal: 5, relu: 6, exp: 7, log: 8, tanh: 9, sigmoid: 10,
};

function ranges(n: number): [number, number][] {
  return splitRange(n, threadsFor(n * ELEMENT_WORK, Math.ceil(n / 4096)), 16);
}

export function binaryF32(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array): boolean {
  const code = BINARY[op];
  const n = Math.min(out.length, a.length, b.length);
  if (code === undefined || small(n)) return false;
  withArena(op, (rt) => {
    const pa = rt.put(a, n), pb = rt.put(b, n), po = rt.alloc(n * 4);
    runParts(op, "binaryRange", ranges(n).map(([i0, i1]) => [code, pa, pb, po, i0, i1]), n);
    rt.getF32(po, out, n);
  });
  return true;
}

export function binaryScalarF32(op: BinaryOp, x: Float32Array, s: number, out: Float32Array, scalarFirst: boolean): boolean {
  const code = BINARY[op];
  const n = Math.min(x.length, out.length);
  if (code === undefined || small(n)) return false;
  withArena(op, (rt) => {
    const px = rt.put(x, n), po = rt.alloc(n * 4);
    const parts = ranges(n).map(([i0, i1]) => [code, px, s, po, i0, i1, scalarFirst ? 1 : 0]);
    runParts(op, "binaryScalarRange", parts, n);
    rt.getF32(po, out, n);
  });
  return true;
}

export function unaryF32(op: UnaryOp, x: Float32Array, out: Float32Array): boolean {
  const code = UNARY[op];
  const n = Math.min(x.length, out.length);
  if (code === undefined || small(n)) return false;
  withArena(op, (rt) => {
    const px = rt.put(x, n), po = rt.alloc(n * 4);
    runParts(op, "unaryRange", ranges(n).map(([i0, i1]) => [code, px, po, i0, i1]), n);
    rt.getF32(po, out, n);
  });
  return true;
}

export function reduceF32(op: ReduceOp, x: Float32Array, out: Float32Array, outer: number, size: number, inner: number): boolean {
  const n = outer * size * inner;
  if (op !== "sum" || small(n) || size === 0) return false;
  withArena("sum", (rt) => {
    const px = rt.put(x, n), po = rt.alloc(outer * inner * 4);
    const split = splitRange(outer, threadsFor(n * ELEMENT_WORK, outer), 1);
    const parts = split.map(([o0, o1]) => [px, po, size, inner, o0, o1, rt.alloc(inner * 8)]);
    runParts("sum", "reduceSumRange", parts, n);
    rt.getF32(po, out, outer * inner);
  });
  return true;
}
