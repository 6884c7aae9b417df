// The wasm backend's kernel set: float32 calls go to the SIMD kernels (split across the
// worker pool when large), float64 (gradcheck) and anything the module lacks fall back to
// the TypeScript reference. `wasmKernels()` returns null when the module cannot load, so
// the registry keeps the reference kernels.

import type { Kernels, Values } from "../kernels.js";
import { referenceKernels as ref } from "../reference.js";
import { ArenaCapExceeded, wasmRuntime } from "./runtime.js";
import { matmulF32 } from "./matmul.js";
import { channelSumF32, conv2dBackwardF32, conv2dBackwardInputF32, conv2dBackwardWeightF32, conv2dForwardF32, conv2dMaxPoolBackwardF32, conv2dMaxPoolForwardF32 } from "./conv2d.js";
import {
  avgPool2dBackwardF32, avgPool2dForwardF32, maxPool2dBackwardF32, maxPool2dForwardF32,
} from "./pool2d.js";
import { binaryF32, binaryScalarF32, reduceF32, reluMaskF32, unaryF32, whereF32 } from "./elementwise.js";
import { getPoolThreads, setPoolThreads } from "./threads.js";
import { modelWasmKernels } from "./models.js";
import { stridedCopyF32, stridedScatterF32 } from "./strided.js";

export { wasmRuntime, wasmLoadError } from "./runtime.js";

// By tag, not instanceof: arrays made in another realm (a vm context) are Float32Arrays too.
const isF32 = (x: unknown): boolean => ArrayBuffer.isView(x) && (x as Float32Array)[Symbol.toStringTag] === "Float32Array";
const isU8 = (x: unknown): boolean => ArrayBuffer.isView(x) && (x as Uint8Array)[Symbol.toStringTag] === "Uint8Array";
const f32 = (...xs: unknown[]): boolean => xs.every(isF32);
/** A float32 operand of a float32 kernel: one broadcast value (ops pass scalars as float64) converted, else as it is or null. */
const asF32 = (v: Values): Float32Array | null => (isF32(v) ? (v as Float32Array) : v.length === 1 ? Float32Array.of(v[0]!) : null);

/**
 * Each kernel, run on the reference instead when its call needs more scratch than the
 * arena cap (alloc throws before the kernel computes or writes any output).
 */
function overCapToReference(kernels: Partial<Kernels>): Partial<Kernels> {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(kernels) as [keyof Kernels, (...a: unknown[]) => unknown][]) {
    const fallback = ref[name] as unknown as (...a: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      try {
        return fn(...args);
      } catch (e) {
        if (e instanceof ArenaCapExceeded) return fallback(...args);
        throw e;
      }
    };
  }
  return wrapped as Partial<Kernels>;
}

export function wasmKernels(): Partial<Kernels> | null {
  if (!wasmRuntime()) return null;
  return overCapToReference({
    matmul: (a, b, out, p) => (f32(a, b, out) ? matmulF32(a as Float32Array, b as Float32Array, out as Float32Array, p) : ref.matmul(a, b, out, p)),
    conv2dForward: (x, w, out, p, ep) =>
      f32(x, w, out) && (!ep?.bias || isF32(ep.bias))
        ? conv2dForwardF32(x as Float32Array, w as Float32Array, out as Float32Array, p, ep as { bias: Float32Array | null; relu: boolean } | undefined)
        : ref.conv2dForward(x, w, out, p, ep),
    conv2dMaxPoolForward: (x, w, out, argmax, p, pool, ep) =>
      f32(x, w, out) && (!ep?.bias || isF32(ep.bias))
        ? conv2dMaxPoolForwardF32(x as Float32Array, w as Float32Array, out as Float32Array, argmax, p, pool,
          ep as { bias: Float32Array | null; relu: boolean } | undefined)
        : ref.conv2dMaxPoolForward(x, w, out, argmax, p, pool, ep),
    conv2dMaxPoolBackward: (x, w, dy, pooled, argmax, dx, dw, db, p, pool) =>
      f32(x, w, dy, pooled) && [dx, dw, db].every((t) => t === null || isF32(t))
        ? conv2dMaxPoolBackwardF32(x as Float32Array, w as Float32Array, dy as Float32Array, pooled as Float32Array, argmax,
          dx as Float32Array | null, dw as Float32Array | null, db as Float32Array | null, p, pool)
        : ref.conv2dMaxPoolBackward(x, w, dy, pooled, argmax, dx, dw, db, p, pool),
    conv2dBackwardInput: (dy, w, dx, p) =>
      f32(dy, w, dx) ? conv2dBackwardInputF32(dy as Float32Array, w as Float32Array, dx as Float32Array, p) : ref.conv2dBackwardInput(dy, w, dx, p),
    conv2dBackwardWeight: (x, dy, dw, p) =>
      f32(x, dy, dw) ? conv2dBackwardWeightF32(x as Float32Array, dy as Float32Array, dw as Float32Array, p) : ref.conv2dBackwardWeight(x, dy, dw, p),
    conv2dBackward: (x, w, dy, dx, dw, db, p) =>
      f32(x, w, dy) && [dx, dw, db].every((t) => t === null || isF32(t))
        ? conv2dBackwardF32(x as Float32Array, w as Float32Array, dy as Float32Array, dx as Float32Array | null, dw as Float32Array | null, db as Float32Array | null, p)
        : ref.conv2dBackward(x, w, dy, dx, dw, db, p),
    channelSum: (dy, db, n, c, plane) => (f32(dy, db) ? channelSumF32(dy as Float32Array, db as Float32Array, n, c, plane) : ref.channelSum(dy, db, n, c, plane)),
    maxPool2dForward: (x, out, argmax, p) =>
      f32(x, out) ? maxPool2dForwardF32(x as Float32Array, out as Float32Array, argmax, p) : ref.maxPool2dForward(x, out, argmax, p),
    maxPool2dBackward: (dy, argmax, dx, p) =>
      f32(dy, dx) ? maxPool2dBackwardF32(dy as Float32Array, argmax, dx as Float32Array, p) : ref.maxPool2dBackward(dy, argmax, dx, p),
    maxPoolReluBackward: (dy, pooled, argmax, dx, p) =>
      f32(dy, pooled, dx) ? maxPool2dBackwardF32(dy as Float32Array, argmax, dx as Float32Array, p, pooled as Float32Array) : ref.maxPoolReluBackward(dy, pooled, argmax, dx, p),
    avgPool2dForward: (x, out, p) => (f32(x, out) ? avgPool2dForwardF32(x as Float32Array, out as Float32Array, p) : ref.avgPool2dForward(x, out, p)),
    avgPool2dBackward: (dy, dx, p) => (f32(dy, dx) ? avgPool2dBackwardF32(dy as Float32Array, dx as Float32Array, p) : ref.avgPool2dBackward(dy, dx, p)),
    unary: (op, x, out) => (f32(x, out) && unaryF32(op, x as Float32Array, out as Float32Array)) || ref.unary(op, x, out),
    binary: (op, a, b, out) => (f32(a, b, out) && binaryF32(op, a as Float32Array, b as Float32Array, out as Float32Array)) || ref.binary(op, a, b, out),
    binaryScalar: (op, x, s, out, first) =>
      (f32(x, out) && binaryScalarF32(op, x as Float32Array, s, out as Float32Array, first)) || ref.binaryScalar(op, x, s, out, first),
    where: (cond, a, b, out) =>
      (isU8(cond) && isF32(out) && whereF32(cond as Uint8Array, asF32(a), asF32(b), out as Float32Array)) || ref.where(cond, a, b, out),
    reluMask: (dy, y, out) => (f32(dy, y, out) && reluMaskF32(dy as Float32Array, y as Float32Array, out as Float32Array)) || ref.reluMask(dy, y, out),
    reduce: (op, x, out, outer, size, inner) =>
      (f32(x, out) && reduceF32(op, x as Float32Array, out as Float32Array, outer, size, inner)) || ref.reduce(op, x, out, outer, size, inner),
    stridedUnary: (op, x, xo, xs, out, oo, os, shape) =>
      (op === "copy" && f32(x, out) && (stridedCopyF32(x as Float32Array, xo, xs, out as Float32Array, oo, os, shape)
        || stridedScatterF32(x as Float32Array, xo, xs, out as Float32Array, oo, os, shape, false)))
      || ref.stridedUnary(op, x, xo, xs, out, oo, os, shape),
    // out += y in place over a strided view (the engine adding a slice's gradient into the whole's)
    stridedBinary: (op, x, xo, xs, y, yo, ys, out, oo, os, shape) =>
      (op === "add" && x === out && xo === oo && xs.every((s, d) => s === os[d]) && f32(y, out)
        && stridedScatterF32(y as Float32Array, yo, ys, out as Float32Array, oo, os, shape, true))
      || ref.stridedBinary(op, x, xo, xs, y, yo, ys, out, oo, os, shape),
    ...modelWasmKernels(),
  });
}

/** `setNumThreads`/`getBackendInfo().numThreads` control for the registry. */
export const poolThreadControl = {
  setNumThreads: setPoolThreads,
  getNumThreads: getPoolThreads,
};
