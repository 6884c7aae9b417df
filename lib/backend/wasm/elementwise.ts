// Elementwise and sum-reduction kernels on wasm SIMD. They are memory-bound, so they only
// pay off on large arrays (below dispatchTuning.minElementwise the JS loop is as fast);
// each returns false when it does not handle the call, and the caller uses the reference.

import type { BinaryOp, ReduceOp, UnaryOp } from "../kernels.js";
import { dispatchTuning, runRange, withArena } from "./dispatch.js";
import { BinaryCode, ExtremeCode, UnaryCode } from "./opcodes.js";
import type { WasmRuntime } from "./runtime.js";

/** Below dispatchTuning.minElementwise (bench/thresholds.ts) the reference loop is as fast. */
const small = (n: number): boolean => n < dispatchTuning.minElementwise;
/** One element of these memory-bound ops is weighted as this many flops when choosing threads. */
const ELEMENT_WORK = 4;

const BINARY = BinaryCode as unknown as Partial<Record<BinaryOp, number>>;
const UNARY = UnaryCode as unknown as Partial<Record<UnaryOp, number>>;

/** Element ranges are split in multiples of 4096 (whole SIMD vectors, cache friendly). */
const elements = (n: number, startArg: number) => ({ startArg, total: n, align: 4096 });

export function binaryF32(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array): boolean {
  const code = BINARY[op];
  const n = Math.min(out.length, a.length, b.length);
  if (code === undefined || small(n)) return false;
  withArena(op, (rt) => {
    const pa = rt.put(a, n), pb = rt.put(b, n), po = rt.out(out, n);
    runRange(op, "binaryRange", () => [code, pa, pb, po, 0, 0], elements(n, 4), n * ELEMENT_WORK);
    rt.getF32(po, out, n);
  });
  return true;
}

export function binaryScalarF32(op: BinaryOp, x: Float32Array, s: number, out: Float32Array, scalarFirst: boolean): boolean {
  const code = BINARY[op];
  const n = Math.min(x.length, out.length);
  if (code === undefined || small(n)) return false;
  withArena(op, (rt) => {
    const px = rt.put(x, n), po = rt.out(out, n);
    runRange(op, "binaryScalarRange", () => [code, px, s, po, 0, 0, scalarFirst ? 1 : 0], elements(n, 4), n * ELEMENT_WORK);
    rt.getF32(po, out, n);
  });
  return true;
}

export function unaryF32(op: UnaryOp, x: Float32Array, out: Float32Array): boolean {
  const code = UNARY[op];
  const n = Math.min(x.length, out.length);
  if (code === undefined || small(n)) return false;
  withArena(op, (rt) => {
    const px = rt.put(x, n), po = rt.out(out, n);
    runRange(op, "unaryRange", () => [code, px, po, 0, 0], elements(n, 3), n * ELEMENT_WORK * (code >= UnaryCode.exp ? 4 : 1));
    rt.getF32(po, out, n);
  });
  return true;
}

export function reluMaskF32(dy: Float32Array, y: Float32Array, out: Float32Array): boolean {
  const n = out.length;
  if (small(n)) return false;
  withArena("relu backward", (rt) => {
    const pd = rt.put(dy, n), py = rt.put(y, n), po = rt.out(out, n);
    runRange("relu backward", "reluMaskRange", () => [pd, py, po, 0, 0], elements(n, 3), n * ELEMENT_WORK);
    rt.getF32(po, out, n);
  });
  return true;
}

/**
 * where on float32 values with a one-byte-per-element condition (a bool tensor's storage),
 * repeating with period cond.length (Kernels.where); a period that is not a multiple of 4 is
 * copied in repeated to the full length.
 */
export function whereF32(cond: Uint8Array, a: Float32Array | null, b: Float32Array | null, out: Float32Array): boolean {
  const n = out.length, period = cond.length;
  if (a === null || b === null) return false;
  const sa = a.length === 1, sb = b.length === 1;
  if (small(n) || period === 0 || n % period !== 0 || (!sa && a.length < n) || (!sb && b.length < n)) return false;
  withArena("where", (rt) => {
    const periodic = period % 4 === 0;
    const pc = periodic ? rt.putBytes(cond) : repeatedBytes(rt, cond, n);
    const pa = rt.put(a, sa ? 1 : n), pb = rt.put(b, sb ? 1 : n), po = rt.out(out, n);
    runRange("where", "whereRange", () => [pc, pa, pb, sa ? 1 : 0, sb ? 1 : 0, po, periodic ? period : n, 0, 0], elements(n, 7), n * ELEMENT_WORK);
    rt.getF32(po, out, n);
  });
  return true;
}

/** `src` repeated to `n` bytes in the arena (n a multiple of its length), by doubling copies. */
function repeatedBytes(rt: WasmRuntime, src: Uint8Array, n: number): number {
  const ptr = rt.alloc(n);
  const bytes = new Uint8Array(rt.memory.buffer, ptr, n);
  bytes.set(src);
  rt.copied.in += src.length;
  for (let have = src.length; have < n; have *= 2) bytes.copyWithin(have, 0, Math.min(have, n - have));
  return ptr;
}

export function reduceF32(op: ReduceOp, x: Float32Array, out: Float32Array, outer: number, size: number, inner: number): boolean {
  const n = outer * size * inner;
  if (op === "prod" || small(n) || size === 0) return false;
  if (op === "max" || op === "min") {
    withArena(op, (rt) => {
      const px = rt.put(x, n), po = rt.out(out, outer * inner);
      runRange(op, "reduceMaxMinRange", () => [op === "max" ? ExtremeCode.max : ExtremeCode.min, px, po, size, inner, 0, 0],
        { startArg: 5, total: outer, align: 1 }, n * ELEMENT_WORK);
      rt.getF32(po, out, outer * inner);
    });
    return true;
  }
  withArena("sum", (rt) => {
    const px = rt.put(x, n), po = rt.out(out, outer * inner);
    runRange("sum", "reduceSumRange", () => [px, po, size, inner, 0, 0, rt.alloc(inner * 8)],
      { startArg: 4, total: outer, align: 1 }, n * ELEMENT_WORK);
    rt.getF32(po, out, outer * inner);
  });
  return true;
}
