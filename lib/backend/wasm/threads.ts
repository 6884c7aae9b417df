// The wasm backend's process-wide worker pool (created on first use; workers start on the
// first op that is big enough to split). `setNumThreads` in lib/backend/index.ts forwards here.

import { availableParallelism } from "node:os";
import { WorkerPool } from "../pool/index.js";
import { wasmRuntime } from "./runtime.js";

let pool: WorkerPool | null = null;
let requestedThreads = Math.max(1, availableParallelism());

/** The pool over the wasm runtime, or null when wasm is unavailable. */
export function getPool(): WorkerPool | null {
  if (pool) return pool;
  const rt = wasmRuntime();
  if (!rt) return null;
  pool = new WorkerPool(rt);
  pool.numThreads = requestedThreads;
  return pool;
}

/** Threads (including the calling one) that big kernels are split across. */
export function setPoolThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
  if (pool) pool.numThreads = n; // first: a refused count changes nothing
  requestedThreads = n;
}

export function getPoolThreads(): number {
  return requestedThreads;
}
