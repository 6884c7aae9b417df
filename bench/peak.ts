// The machine's measured WebAssembly SIMD multiply-add peak on one thread, for the build of
// the module the backend runs (simdPeak in lib/backend/wasm/assembly/peak.ts), so the GEMM's
// GFLOPS can be read as a share of what this CPU and engine can do.

import { readFileSync } from "node:fs";
import { wasmPath, type WasmBuild } from "../lib/backend/wasm/runtime.js";
import { time } from "./timing.js";

// @types/node 20 does not declare WebAssembly (it lives in lib.dom): the members used here.
const WA = (globalThis as unknown as {
  WebAssembly: {
    Memory: new (d: { initial: number; maximum: number; shared: boolean }) => object;
    Module: new (bytes: Uint8Array) => object;
    Instance: new (m: object, imports: object) => { exports: { simdPeak?: (iters: number) => number } };
  };
}).WebAssembly;

/** Multiply-add flops in one round of simdPeak: 10 accumulators × 4 lanes × (mul + add). */
export const FLOPS_PER_ROUND = 80;

/** GFLOPS of the fastest of several runs, or a string saying why it could not be measured. */
export function measurePeak(build: WasmBuild): number | string {
  const path = wasmPath(build);
  if (path === null) return `the ${build} build of the module is missing (npm run build)`;
  const memory = new WA.Memory({ initial: 64, maximum: 65536, shared: true });
  const { simdPeak } = new WA.Instance(new WA.Module(readFileSync(path)), { env: { memory } }).exports;
  if (simdPeak === undefined) return "the module has no simdPeak export";
  const iters = 2_000_000;
  return (FLOPS_PER_ROUND * iters) / time(() => { simdPeak(iters); }, 600, 20, 3).ms / 1e6;
}
