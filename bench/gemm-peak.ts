// The GEMM against the machine's measured WebAssembly SIMD peak, for both builds of the
// module (plain SIMD: multiply then add; relaxed SIMD: fused f32x4.relaxed_madd), on one
// thread: the peak is `simdPeak` (register-only multiply-add chains), the GEMM runs the
// module's sgemm on square sizes and on the issue's CNN conv shapes (im2col GEMMs).
// Then the backend's matmul kernel (arena copies included) at the GPT's and the LSTM's
// shapes on 1 and on 2 threads, rounds interleaved: how far the split over the pool scales.
// node dist/bench/gemm-peak.js  (sets --experimental-wasm-relaxed-simd for its own process)

import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { setFlagsFromString } from "node:v8";
import { wasmPath, type WasmBuild } from "../lib/backend/wasm/runtime.js";
import { dispatchTuning } from "../lib/backend/wasm/dispatch.js";
import { getKernels, setNumThreads, type MatmulParams } from "../lib/backend/index.js";
import "../lib/index.js";
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

// [name, batch, m, n, k, transA, transB]: the tiny GPT's linear layers forward (x·Wᵀ), their
// input gradients (dy·W) and weight gradients (dyᵀ·x), its per-head attention products, and
// the char-LSTM's per-step gate product and its input gradient.
const modelShapes: [string, number, number, number, number, boolean, boolean][] = [
  ["GPT qkv x·Wᵀ", 1, 2048, 384, 128, false, true],
  ["GPT fc x·Wᵀ", 1, 2048, 512, 128, false, true],
  ["GPT proj x·Wᵀ", 1, 2048, 128, 512, false, true],
  ["GPT attn-out dy·W", 1, 2048, 128, 128, false, false],
  ["GPT fc dW dyᵀ·x", 1, 512, 128, 2048, true, false],
  ["GPT attn-out dW dyᵀ·x", 1, 128, 128, 2048, true, false],
  ["GPT q·kᵀ per head", 128, 64, 64, 32, false, true],
  ["GPT att·v per head", 128, 64, 32, 64, false, false],
  ["LSTM gates h·Wᵀ", 1, 32, 1024, 256, false, true],
  ["LSTM dh dG·W", 1, 32, 256, 1024, false, false],
];
setNumThreads(2);
const minWork = dispatchTuning.minWorkPerThread;
const mrows: string[][] = [];
for (const [name, batch, m, n, k, transA, transB] of modelShapes) {
  const p: MatmulParams = { batch, m, n, k, transA, transB, strideA: batch > 1 ? m * k : 0, strideB: batch > 1 ? k * n : 0 };
  const a = Float32Array.from({ length: batch * m * k }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: batch * k * n }, (_, i) => Math.cos(i));
  const out = new Float32Array(batch * m * n);
  const flops = 2 * batch * m * n * k;
  const reps = Math.max(1, Math.round(2e7 / flops));
  const run = () => { for (let r = 0; r < reps; r++) getKernels().matmul(a, b, out, p); };
  // one thread: the same kernel kept inline (the pool's worker stays alive between rounds)
  const best = [Infinity, Infinity];
  for (let round = 0; round < 6; round++) {
    for (const t of [1, 2]) {
      dispatchTuning.minWorkPerThread = t === 1 ? Infinity : minWork;
      best[t - 1] = Math.min(best[t - 1]!, time(run, 150, 40).ms / reps);
    }
  }
  dispatchTuning.minWorkPerThread = minWork;
  const g = best.map((ms) => flops / ms / 1e6);
  mrows.push([`${name} ${batch > 1 ? `${batch}× ` : ""}${m}×${n}×${k}`, fmt(g[0]!), fmt(g[1]!), `${(best[0]! / best[1]!).toFixed(2)}×`]);
}
table(["backend matmul (copies included), GFLOPS", "1 thread", "2 threads", "speed-up"], mrows);
console.log(`load average ${loadavg().map((v) => v.toFixed(1)).join(" ")}`);
