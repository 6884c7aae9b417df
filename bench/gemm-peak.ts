// The GEMM against the machine's measured WebAssembly SIMD peak, for both builds of the
// module (plain SIMD: multiply then add; relaxed SIMD: fused f32x4.relaxed_madd), on one
// thread: the peak is `simdPeak` (register-only multiply-add chains), the GEMM runs the
// module's sgemm on square sizes and on the CNN conv shapes (im2col GEMMs).
// node dist/bench/gemm-peak.js  (sets --experimental-wasm-relaxed-simd for its own process)

import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { setFlagsFromString } from "node:v8";
import { wasmPath, type WasmBuild } from "../lib/backend/wasm/runtime.js";
import { fmt, table, time } from "./timing.js";
import { FLOPS_PER_ROUND } from "./peak.js";

setFlagsFromString("--experimental-wasm-relaxed-simd");
const WA = (globalThis as unknown as { WebAssembly: {
  Memory: new (d: object) => { buffer: ArrayBuffer }; Module: new (b: Uint8Array) => object;
  Instance: new (m: object, i: object) => { exports: Record<string, (...a: number[]) => number> };
} }).WebAssembly;

function load(build: WasmBuild) {
  const memory = new WA.Memory({ initial: 2048, maximum: 65536, shared: true });
  const e = new WA.Instance(new WA.Module(readFileSync(wasmPath(build)!)), { env: { memory } }).exports;
  return { e, f32: new Float32Array(memory.buffer) };
}

const builds: WasmBuild[] = ["simd", "relaxed-simd"];
const mods = Object.fromEntries(builds.map((b) => [b, load(b)]));
// [m, n, k]: squares, then conv2 forward (cOut×P×K per image), its weight gradient (K×cOut×P)
const shapes: [string, number, number, number][] = [
  ["256²", 256, 256, 256], ["512²", 512, 512, 512], ["1024²", 1024, 1024, 1024],
  ["conv2 fwd 32×196×144", 32, 196, 144], ["conv2 dW 144×32×196", 144, 32, 196], ["conv1 fwd 16×784×9", 16, 784, 9],
  ["GPT qkv 2048×384×128", 2048, 384, 128],
];
console.log(`load average ${loadavg().map((v) => v.toFixed(1)).join(" ")}`);
const peak: Record<string, number> = {};
// V8 runs wasm in its baseline compiler first and tiers up in the background: the peak is
// measured before and after the GEMMs, the fastest kept.
const measurePeak = () => {
  for (const b of builds) {
    const iters = 2e6;
    const t = time(() => { mods[b]!.e.simdPeak!(iters); }, 600, 20, 3).ms;
    peak[b] = Math.max(peak[b] ?? 0, (FLOPS_PER_ROUND * iters) / t / 1e6);
  }
};
measurePeak();
const gflops: Record<string, Record<string, number>> = {};
for (const [name, m, n, k] of shapes) {
  gflops[name] = {};
  for (const b of builds) {
    const { e, f32 } = mods[b]!;
    const pa = 1024, pb = pa + m * k * 4, pc = pb + k * n * 4, ws = pc + m * n * 4 + 64;
    for (let i = 0; i < m * k + k * n; i++) f32[(pa >> 2) + i] = Math.sin(i);
    const reps = Math.max(1, Math.round(2e8 / (2 * m * n * k)));
    const t = time(() => { for (let r = 0; r < reps; r++) e.sgemm!(m, n, k, pa, k, 1, pb, n, 1, pc, n, 0, ws); }, 800, 50).ms / reps;
    gflops[name]![b] = (2 * m * n * k) / t / 1e6;
  }
}
measurePeak();
const rows: string[][] = [];
rows.push(["SIMD multiply-add peak", ...builds.map((b) => `${fmt(peak[b]!)} GFLOPS`)]);
for (const [name] of shapes) {
  rows.push([`sgemm ${name}`, ...builds.map((b) => `${fmt(gflops[name]![b]!)} (${fmt((100 * gflops[name]![b]!) / peak[b]!, 0)}%)`)]);
}
table(["1 thread, GFLOPS (share of peak)", ...builds], rows);
console.log(`load average ${loadavg().map((v) => v.toFixed(1)).join(" ")}`);
