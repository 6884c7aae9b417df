// `npm run bench`: gradlab's compute backend against TensorFlow.js (wasm and cpu backends)
// and PyTorch in one run, as ratios. Matmul GFLOPS (also as a share of the measured WASM SIMD
// peak), a LeNet-sized conv layer forward+backward, full training steps (MLP 784-256-10,
// LeNet-5; batch 64, Adam) against tfjs, and a tiny GPT, a char-LSTM, a CNN and LeNet-5
// against their PyTorch twins. BENCH_ONLY=models|tfjs runs one half; BENCH_MODELS=gpt,lstm
// picks models; BENCH_ROUNDS sets the interleaved rounds.

import { availableParallelism, cpus, loadavg } from "node:os";
import { getBackendInfo, getKernels, setNumThreads } from "../lib/backend/index.js";
import { wasmLoadError } from "../lib/backend/wasm/index.js";
import { getPool } from "../lib/backend/wasm/threads.js";
import type { Conv2dParams } from "../lib/backend/kernels.js";
import { time, fmt, ratio, table } from "./timing.js";
import * as tfb from "./tfjs.js";
import { kernelLenetStep, kernelMlpStep } from "./kernel-steps.js";
import { librarySteps } from "./gradlab-steps.js";
import { measurePeak } from "./peak.js";
import { compareWithTorch } from "./models/compare.js";
import { MODELS, type ModelName } from "./models/gradlab-models.js";

const threads = availableParallelism();
// what users get: the registry, with the wasm/pool kernels installed at import
const kernels = getKernels();
if (getBackendInfo().kernels.matmul !== "wasm") throw new Error(`bench: wasm kernels not installed: ${wasmLoadError()}`);
const setPoolThreads = setNumThreads;
setPoolThreads(threads);

async function tfTime(backend: tfb.TfBackend, make: () => { run: () => void; dispose: () => void }, budget: number): Promise<number | null> {
  try {
    await tfb.useBackend(backend);
    const op = make();
    try {
      return time(op.run, budget, 50).ms;
    } finally {
      op.dispose();
    }
  } catch (e) {
    console.log(`  (tfjs-${backend}: ${(e as Error).message.split("\n")[0]})`);
    return null;
  }
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");
console.log(`gradlab backend benchmark — ${cpus()[0]?.model ?? "cpu"}, ${threads} threads, node ${process.version}`);
console.log(`load average at start: ${load()}; every figure is the fastest of repeated runs (see bench/timing.ts)\n`);

const only = process.env.BENCH_ONLY ?? "all";
if (only !== "models") await tfjsComparisons();
if (only !== "tfjs") {
  const names = (process.env.BENCH_MODELS ?? Object.keys(MODELS).join(",")).split(",") as ModelName[];
  for (const n of names) if (!(n in MODELS)) throw new Error(`bench: unknown model ${n}; known: ${Object.keys(MODELS).join(", ")}`);
  await compareWithTorch(names, Number(process.env.BENCH_ROUNDS ?? 3), 2000);
}

console.log(`pool workers started: ${getPool()?.liveWorkers ?? 0}; load average at end: ${load()}`);
process.exit(0);

async function tfjsComparisons(): Promise<void> {
// ---- matmul ----
// The peak is measured before and after the GEMMs and the higher kept: V8 compiles wasm with
// its baseline compiler first and optimizes in the background.
const build = getBackendInfo().wasm ?? "simd";
const peakBefore = measurePeak(build);
const mm: { n: number; g1: number | null; gN: number | null; tw: number | null; tc: number | null }[] = [];
for (const n of [256, 512, 1024]) {
  const a = Float32Array.from({ length: n * n }, Math.random), b = Float32Array.from({ length: n * n }, Math.random);
  const c = new Float32Array(n * n);
  const p = { batch: 1, m: n, n, k: n, transA: false, transB: false, strideA: 0, strideB: 0 };
  const flop = 2 * n ** 3;
  const gf = (ms: number | null) => (ms === null ? null : flop / ms / 1e6);
  setPoolThreads(1);
  const g1 = gf(time(() => kernels.matmul(a, b, c, p), 800).ms);
  setPoolThreads(threads);
  const gN = gf(time(() => kernels.matmul(a, b, c, p), 800).ms);
  const tw = gf(await tfTime("wasm", () => tfb.matmulOp(n), 800));
  const tc = gf(await tfTime("cpu", () => tfb.matmulOp(n), n >= 1024 ? 1 : 500));
  mm.push({ n, g1, gN, tw, tc });
}
const peakAfter = measurePeak(build);
const peak = typeof peakBefore === "string" || typeof peakAfter === "string" ? peakAfter : Math.max(peakBefore, peakAfter);
const share = (g: number | null, nThreads: number) => (g === null || typeof peak === "string" ? "n/a" : `${Math.round((100 * g) / (peak * nThreads))}%`);
const mmRows = mm.map(({ n, g1, gN, tw, tc }) => [`${n}×${n}`, fmt(g1), fmt(gN), share(g1, 1), share(gN, threads), fmt(tw), fmt(tc), ratio(gN, tw), ratio(gN, tc)]);
console.log(typeof peak === "string" ? `WASM SIMD peak not measured: ${peak}` : `WASM SIMD multiply-add peak of the ${build} build, one thread: ${fmt(peak)} GFLOPS (simdPeak)`);
console.log("matmul (GFLOPS, higher is better; % of peak × threads)");
table(["size", "gradlab 1T", `gradlab ${threads}T`, "1T % peak", `${threads}T % peak`, "tfjs-wasm", "tfjs-cpu", "vs wasm", "vs cpu"], mmRows);

// ---- conv2d layer: LeNet's second conv, 64×6×14×14 → 64×16×10×10, forward + both gradients ----
{
  const p: Conv2dParams = { n: 64, cIn: 6, h: 14, w: 14, cOut: 16, kh: 5, kw: 5, strideH: 1, strideW: 1,
    padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 1, outH: 10, outW: 10 };
  const x = Float32Array.from({ length: 64 * 6 * 196 }, Math.random), w = Float32Array.from({ length: 16 * 150 }, Math.random);
  const y = new Float32Array(64 * 1600), dy = Float32Array.from({ length: 64 * 1600 }, Math.random);
  const dx = new Float32Array(x.length), dw = new Float32Array(w.length);
  const step = () => {
    kernels.conv2dForward(x, w, y, p);
    kernels.conv2dBackwardInput(dy, w, dx, p);
    kernels.conv2dBackwardWeight(x, dy, dw, p);
  };
  setPoolThreads(1);
  const g1 = time(step, 800).ms;
  setPoolThreads(threads);
  const gN = time(step, 800).ms;
  const tw = await tfTime("wasm", () => tfb.convOp(64, 6, 14, 14, 16, 5), 800);
  const tc = await tfTime("cpu", () => tfb.convOp(64, 6, 14, 14, 16, 5), 800);
  console.log("conv2d 64×6×14×14 ⊛ 16×6×5×5, forward + backward input + backward weight (ms, lower is better)");
  table(["layer", "gradlab 1T", `gradlab ${threads}T`, "tfjs-wasm", "tfjs-cpu", "vs wasm", "vs cpu"],
    [["LeNet conv2", fmt(g1, 2), fmt(gN, 2), fmt(tw, 2), fmt(tc, 2), ratio(tw, gN), ratio(tc, gN)]]);
}

// ---- training steps ----
{
  const lib = await librarySteps();
  const sps = (ms: number | null) => (ms === null ? null : (64 / ms) * 1000);
  const rows: string[][] = [];
  for (const [name, libStep, kStep, tfStep] of [
    ["MLP 784-256-10", typeof lib === "string" ? null : lib.mlp, kernelMlpStep(kernels), tfb.mlpStep],
    ["LeNet-5", typeof lib === "string" ? null : lib.lenet, kernelLenetStep(kernels), tfb.lenetStep],
  ] as const) {
    const gl = libStep ? sps(time(libStep, 2500, 400, 3).ms) : null;
    const gk = sps(time(kStep, 2000, 400, 3).ms);
    const tw = sps(await tfTime("wasm", tfStep, 2000));
    const tc = sps(await tfTime("cpu", tfStep, name === "LeNet-5" ? 1 : 1500));
    rows.push([name, fmt(gl, 0), fmt(gk, 0), fmt(tw, 0), fmt(tc, 0), ratio(gl ?? gk, tw), ratio(gl ?? gk, tc)]);
  }
  console.log("training step, batch 64, Adam (samples/s, higher is better)");
  if (typeof lib === "string") console.log(`  gradlab API column n/a: ${lib}; ratios use the kernel-level step`);
  table(["model", "gradlab API", "gradlab kernels", "tfjs-wasm", "tfjs-cpu", "vs wasm", "vs cpu"], rows);
}
}
