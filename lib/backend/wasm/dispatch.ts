// Decides how many threads a kernel call is worth and runs its parts: inline when one
// part, through the worker pool otherwise.

import { getPool } from "../pool/index.js";
import { wasmRuntime, type WasmRuntime } from "./runtime.js";

/**
 * Work (in flops, or element-ops for memory-bound kernels) below which one more thread
 * costs more to wake and join (~20-50 µs) than it saves. Measured with bench/thresholds.ts.
 * Tests lower it to force splitting on small shapes.
 */
export const dispatchTuning = {
  minWorkPerThread: 1.5e6,
  /** Elementwise/sum calls shorter than this stay on the JS reference (copy-in/out not worth it). */
  minElementwise: 4096,
};

/** How many threads to use for `work` units, never more than `maxParts`. */
export function threadsFor(work: number, maxParts: number): number {
  const pool = getPool();
  const t = pool ? pool.numThreads : 1;
  return Math.max(1, Math.min(t, maxParts, Math.floor(work / dispatchTuning.minWorkPerThread)));
}

/** Runs `fn` over the argument lists in `parts` (parts[0] on this thread). */
export function runParts(op: string, fn: string, parts: number[][], work: number): void {
  const rt = wasmRuntime()!;
  if (parts.length === 1) {
    rt.exports[fn]!(...parts[0]!);
    return;
  }
  // allowance on top of the pool's base timeout: 0.2 GFLOP/s per part is very slow
  getPool()!.run(op, fn, parts, work / parts.length / 2e5);
}

/** Splits [0, total) into `parts` ranges whose starts are multiples of `align`. */
export function splitRange(total: number, parts: number, align: number): [number, number][] {
  const chunk = Math.ceil(Math.ceil(total / parts) / align) * align;
  const out: [number, number][] = [];
  for (let s = 0; s < total; s += chunk) out.push([s, Math.min(total, s + chunk)]);
  return out;
}

/** Runs `body` for kernel `op` with the runtime and always releases the arena afterwards. */
export function withArena<T>(op: string, body: (rt: WasmRuntime) => T): T {
  const rt = wasmRuntime()!;
  rt.op = op;
  // an op cut short by a terminated (interrupted) call never ran its `finally`
  rt.reset();
  try {
    return body(rt);
  } finally {
    rt.reset();
  }
}
