// The kernel registry: ops call `getKernels().<name>(...)`; backends replace entries with
// `registerKernels`. Tensor storage comes from `allocate` (zero-filled) or `allocateUninit`
// (for outputs a kernel overwrites): ordinary GC-managed typed arrays, some reused from what a
// backward pass released (storage-pool.ts; the wasm backend copies operands into its own
// arena per call, see wasm/runtime.ts), or, for the outputs of ops that run inside
// `residentScope`, regions of the wasm memory itself (wasm/resident.ts).

import { Buffer } from "node:buffer";
import { availableParallelism } from "node:os";
import type { DType, TypedArray } from "../dtype.js";
import type { KernelName, Kernels } from "./kernels.js";
import { referenceKernels } from "./reference.js";
import { noteBirth, takePooled } from "./storage-pool.js";

export type { Kernels, KernelName, MatmulParams, Conv2dParams, Pool2dParams, UnaryOp, BinaryOp, ReduceOp, Float, Values, StridedUnaryOp, StridedBinaryOp } from "./kernels.js";
export { referenceKernels } from "./reference.js";
// float32 tensor storage in the wasm memory between kernels (tensor.ts's Storage uses it)
export { adoptResident, allocResident, releaseResident, inResidentScope, residentScope, residentStats, flushResident, noteFreedDead, noteMaterialized, type Region } from "./wasm/resident.js";

const active: Kernels = { ...referenceKernels };
const providers: Record<string, string> = Object.fromEntries(Object.keys(referenceKernels).map((k) => [k, "reference"]));

export function getKernels(): Kernels {
  return active;
}

/** Replaces some kernels; `provider` names them in `getBackendInfo()`. */
export function registerKernels(partial: Partial<Kernels>, provider = "custom"): void {
  for (const key of Object.keys(partial) as KernelName[]) {
    const fn = partial[key];
    if (typeof fn !== "function") throw new Error(`registerKernels: ${key} is not a function`);
    if (!(key in referenceKernels)) throw new Error(`registerKernels: unknown kernel ${key}`);
    (active as unknown as Record<string, unknown>)[key] = fn;
    providers[key] = provider;
  }
}

/** Puts the reference kernels back (tests compare backends this way). */
export function resetKernels(): void {
  Object.assign(active, referenceKernels);
  for (const k of Object.keys(providers)) providers[k] = "reference";
}

/** The typed-array class each dtype's storage is. */
const ARRAY_OF: Record<DType, Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor> = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array,
};

/**
 * A zero-filled array of `n` elements of `dtype`. All tensor storage comes from here or
 * from allocateUninit (both reuse storage the autograd engine released, storage-pool.ts).
 */
export function allocate(dtype: DType, n: number): TypedArray {
  const array = ARRAY_OF[dtype];
  const pooled = takePooled(dtype, n, n * array.BYTES_PER_ELEMENT);
  if (pooled) return pooled.fill(0);
  const a = new array(n);
  noteBirth(a);
  return a;
}

/** Below this many bytes the engine's zero-filled arrays cost no more than a raw allocation. */
const UNINIT_MIN_BYTES = 4096;

/**
 * An array of `n` elements of `dtype` whose contents are unspecified, for outputs a kernel
 * overwrites entirely (a matmul's product, a copy, an elementwise result): a zero-filled
 * array costs a memset or fresh zero pages on every call, an unfilled one reuses the
 * allocator's freed memory. Still an ordinary GC-managed typed array.
 */
export function allocateUninit(dtype: DType, n: number): TypedArray {
  const array = ARRAY_OF[dtype];
  const bytes = n * array.BYTES_PER_ELEMENT;
  if (bytes < UNINIT_MIN_BYTES || !Number.isSafeInteger(n)) return new array(n);
  const a = takePooled(dtype, n, bytes) ?? new array(Buffer.allocUnsafeSlow(bytes).buffer, 0, n); // its own ArrayBuffer, offset 0
  noteBirth(a);
  return a;
}

export interface ThreadControl {
  setNumThreads(n: number): void;
  getNumThreads(): number;
}
let threads: ThreadControl | null = null;

/** Called by the worker-pool backend to take over `setNumThreads`. */
export function registerThreadControl(control: ThreadControl | null): void {
  threads = control;
}

/** More threads than this many per core only cost memory and switching. */
const THREADS_PER_CORE = 4;

export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
  const max = THREADS_PER_CORE * availableParallelism();
  if (n > max) throw new Error(`setNumThreads: ${n} threads is more than ${THREADS_PER_CORE} per core (${max} on this machine with ${availableParallelism()} cores)`);
  if (threads) threads.setNumThreads(n);
}

export interface BackendInfo {
  numThreads: number;
  /** The WebAssembly module in use: "relaxed-simd" (fused multiply-adds), "simd", or null (reference only). */
  wasm: "relaxed-simd" | "simd" | null;
  /** Which provider implements each kernel ("reference", "wasm", "pool", ...). */
  kernels: Record<string, string>;
  providers: string[];
}

export function getBackendInfo(): BackendInfo {
  return {
    numThreads: threads ? threads.getNumThreads() : 1,
    wasm: Object.values(providers).includes("wasm") ? (wasmRuntime()?.build ?? null) : null,
    kernels: { ...providers },
    providers: [...new Set(Object.values(providers))],
  };
}

// Faster kernels (lib/backend/wasm, which splits large calls over the pool in
// lib/backend/pool): float32 calls go to WebAssembly SIMD; float64 and anything else stay
// on the reference. GRADLAB_BACKEND=reference keeps the reference only.
import { wasmKernels, wasmRuntime, poolThreadControl } from "./wasm/index.js";
import { setResidentEnabled } from "./wasm/resident.js";
if (typeof process === "undefined" || process.env.GRADLAB_BACKEND !== "reference") {
  const wasm = wasmKernels();
  if (wasm) {
    registerKernels(wasm, "wasm");
    registerThreadControl(poolThreadControl);
    setResidentEnabled(true);
  }
}
