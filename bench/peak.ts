// The machine's measured WebAssembly SIMD multiply-add peak on one thread (bench/assembly/
// peak.ts, built by `npm run build:bench-wasm`), so the GEMM's GFLOPS can be read as a share
// of what this CPU and engine can do rather than as a bare number.

import { readFileSync, existsSync } from "node:fs";

const WASM = new URL("./peak.wasm", import.meta.url);
// @types/node 20 does not declare WebAssembly (it lives in lib.dom): the two members used here.
const WA = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (m: object, imports: object) => { exports: object };
  };
}).WebAssembly;

/** GFLOPS of the fastest of several runs, or a string saying why it could not be measured. */
export function measurePeak(): number | string {
  if (!existsSync(WASM)) return "dist/bench/peak.wasm missing (npm run build:bench-wasm)";
  const inst = new WA.Instance(new WA.Module(readFileSync(WASM)), { env: { abort() {} } });
  const { peakLoop, FLOPS_PER_STEP } = inst.exports as { peakLoop: (n: number, seed: number) => number; FLOPS_PER_STEP: { value: number } };
  const steps = 4_000_000;
  let best = Infinity;
  for (let r = 0; r < 12; r++) {
    const t0 = performance.now();
    peakLoop(steps, 1 + r);
    best = Math.min(best, performance.now() - t0);
  }
  return (Number(FLOPS_PER_STEP.value) * steps) / best / 1e6;
}
