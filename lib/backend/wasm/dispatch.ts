// Decides how many threads a kernel call is worth and runs it: inline when one thread,
// otherwise through the worker pool with the range argument split into chunks that the
// threads claim dynamically (a thread whose core is busy elsewhere simply takes fewer).

import { getPool } from "./threads.js";
import { wasmRuntime, type WasmRuntime } from "./runtime.js";

/**
 * Measured with bench/thresholds.ts. minWorkPerThread: work (flops, or element-ops for
 * memory-bound kernels) below which one more thread costs more to wake and join than it
 * saves. Tests lower it to force splitting on small shapes.
 */
export const dispatchTuning = {
  minWorkPerThread: 1.5e6,
  /** Elementwise/sum calls shorter than this stay on the JS reference (copy-in/out not worth it). */
  minElementwise: 4096,
};

/**
 * Counts of runRange calls when a profiler sets it (bench/model-profile.ts --kernels): those
 * run inline on the calling thread (and their wall time: work no thread count shares) and
 * those dispatched to the pool. null (the default) costs nothing.
 */
export const dispatchStats: { current: { inline: number; inlineMs: number; split: number } | null } = { current: null };

/** How many threads to use for `work` units, never more than `maxParts`. */
export function threadsFor(work: number, maxParts: number): number {
  const pool = getPool();
  const t = pool ? pool.numThreads : 1;
  return Math.max(1, Math.min(t, maxParts, Math.floor(work / dispatchTuning.minWorkPerThread)));
}

export interface RangeSplit {
  /** index of the range start in the argument list; the end follows it */
  startArg: number;
  /** the range is [0, total) */
  total: number;
  /** chunk starts are multiples of this */
  align: number;
  /** chunks per thread: more balance better, fewer repeat less per-chunk setup (packing) */
  chunksPerThread?: number;
  /** fewer chunks per thread (down to one) while chunks would be shorter than this (per-chunk setup) */
  minChunk?: number;
}

/**
 * Runs wasm export `fn` over the range [0, split.total) held at args[startArg], args[startArg+1].
 * `argsFor(t)` gives thread t's argument list (threads differ only in their workspaces).
 * Returns the number of threads used.
 */
export function runRange(op: string, fn: string, argsFor: (thread: number) => number[], split: RangeSplit, work: number): number {
  const rt = wasmRuntime()!;
  const { startArg, total, align } = split;
  const t = threadsFor(work, Math.ceil(total / align));
  if (t === 1) {
    const a = argsFor(0);
    a[startArg] = 0;
    a[startArg + 1] = total;
    const stats = dispatchStats.current, t0 = stats ? performance.now() : 0;
    try {
      rt.exports[fn]!(...a);
    } catch (e) {
      throw new Error(`${op}: ${(e as Error).message}`, { cause: e });
    }
    if (stats) {
      stats.inline++;
      stats.inlineMs += performance.now() - t0;
    }
    return 1;
  }
  const alignUp = (x: number) => Math.max(align, Math.ceil(x / align) * align);
  // a multiple of t chunks, so every thread gets as many (three 128-row chunks of a 384-row
  // weight gradient left one of two threads idle for a third of the call)
  let chunks = t * (split.chunksPerThread ?? 4);
  while (chunks > t && total / chunks < (split.minChunk ?? 0)) chunks -= t;
  const size = alignUp(total / chunks);
  const parts = Array.from({ length: t }, (_, i) => argsFor(i));
  if (dispatchStats.current) dispatchStats.current.split++;
  // allowance on top of the pool's base timeout: 0.2 GFLOP/s per thread is very slow
  getPool()!.run(op, fn, parts, work / t / 2e5, { startArg, endArg: startArg + 1, size, total });
  return t;
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
