// A generic worker pool over one shared WebAssembly memory. It imports nothing from the
// backends: the wasm backend (wasm/threads.ts) owns the process-wide pool and hands it its
// runtime as the PoolTarget.

export { WorkerPool, PoolError, type PoolTarget, type Chunking } from "./pool.js";
