// Micro-benchmark of the image-model training steps of issue 13 through the public API, at 1
// and 2 threads, rounds interleaved: the CNN (conv 1→16→32 3×3, ReLU, 2×2 max pool, linear;
// batch 128, Adam) or LeNet-5 (batch 64, Adam) of bench/models/gradlab-models.ts, on its
// Fashion-MNIST batches; with --profile, the time each kernel takes within one step.
// node --expose-gc dist/bench/cnn-step.js [--model cnn|lenet] [--profile [--profile-threads T]] [--rounds N]

import { loadavg } from "node:os";
import { setNumThreads } from "../lib/index.js";
import { getKernels, registerKernels, type Kernels } from "../lib/backend/index.js";
import { makeCnn, makeLenet } from "./models/gradlab-models.js";
import { time, fmt, table } from "./timing.js";

const MODELS = { cnn: makeCnn, lenet: makeLenet } as const;

const args = process.argv.slice(2);
const modelName = (args.includes("--model") ? args[args.indexOf("--model") + 1] : "cnn") as keyof typeof MODELS;
if (!(modelName in MODELS)) throw new Error(`cnn-step: unknown --model ${modelName}; expected ${Object.keys(MODELS).join(" or ")}`);
const bench = MODELS[modelName]();
const BATCH = bench.items;

/** Wraps every kernel with a timer; returns the totals and a function that undoes it. */
function profileKernels(): { totals: Map<string, number>; calls: Map<string, number>; undo: () => void } {
  const k = getKernels();
  const saved = { ...k };
  const totals = new Map<string, number>(), calls = new Map<string, number>();
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(saved)) {
    wrapped[name] = (...args: unknown[]) => {
      // conv kernels by layer (their params carry cIn and cOut), others by op name
      const conv = args.find((a): a is { cIn: number; cOut: number } => typeof a === "object" && a !== null && "cIn" in a && "cOut" in a);
      const label = typeof args[0] === "string" ? `${name}:${args[0]}` : conv ? `${name} ${conv.cIn}→${conv.cOut}` : name;
      const t0 = performance.now();
      const r = (fn as (...a: unknown[]) => unknown)(...args);
      totals.set(label, (totals.get(label) ?? 0) + performance.now() - t0);
      calls.set(label, (calls.get(label) ?? 0) + 1);
      return r;
    };
  }
  registerKernels(wrapped as Partial<Kernels>, "profile");
  return { totals, calls, undo: () => Object.assign(k, saved) };
}

const rounds = Number(args[args.indexOf("--rounds") + 1]) || 3;
const step = bench.run;
step();
console.log(`${modelName} step (batch ${BATCH}), load average ${loadavg().map((v) => v.toFixed(1)).join(" ")}`);
const best: Record<number, number> = { 1: Infinity, 2: Infinity };
for (let r = 0; r < rounds; r++) {
  for (const t of [1, 2]) {
    setNumThreads(t);
    best[t] = Math.min(best[t]!, time(step, 1500, 50).ms);
  }
}
table(["threads", "ms/step", "samples/s"], [1, 2].map((t) => [String(t), fmt(best[t]!, 2), fmt((BATCH / best[t]!) * 1000, 0)]));

if (args.includes("--profile")) {
  const profThreads = args.includes("--profile-threads") ? Number(args[args.indexOf("--profile-threads") + 1]) : 1;
  setNumThreads(profThreads);
  const steps = 30;
  const p = profileKernels();
  // per kernel, its mean and its fastest step (on shared cores the fastest is what the code costs)
  const fastest = new Map<string, number>();
  let fastestStep = Infinity, fastestOutside = Infinity, total = 0;
  for (let i = 0; i < steps; i++) {
    const before = new Map(p.totals);
    const t0 = performance.now();
    step();
    const ms = performance.now() - t0;
    total += ms;
    fastestStep = Math.min(fastestStep, ms);
    let inStep = 0;
    for (const [name, t] of p.totals) {
      const d = t - (before.get(name) ?? 0);
      inStep += d;
      fastest.set(name, Math.min(fastest.get(name) ?? Infinity, d));
    }
    fastestOutside = Math.min(fastestOutside, ms - inStep);
  }
  p.undo();
  const rows = [...p.totals.entries()].sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => [name, fmt(ms / steps, 3), fmt(fastest.get(name)!, 3), String(p.calls.get(name)! / steps)]);
  const inKernels = [...p.totals.values()].reduce((a, b) => a + b, 0) / steps;
  rows.push(["(outside kernels)", fmt(total / steps - inKernels, 3), fmt(fastestOutside, 3), ""]);
  console.log(`profile, ${profThreads} thread(s), ${steps} steps: mean ${fmt(total / steps, 2)} ms/step, fastest ${fmt(fastestStep, 2)}`);
  table(["kernel", "mean ms/step", "fastest", "calls/step"], rows);
}
console.log(`load average at the end ${loadavg().map((v) => v.toFixed(1)).join(" ")}`);
