// Training steps of a tiny GPT (2 pre-norm blocks, d=128, 4 heads, block 64, batch 32,
// vocab 65, AdamW) and of a char-LSTM (embedding 65→64, LSTM 64→256, seq 64, batch 32,
// linear 256→65, Adam) through the public API, timed on their own so a `node --cpu-prof`
// run shows what dominates a step:
//   node dist/bench/model-profile.js [gpt|lstm|reverser] [steps] [threads] [--kernels]
// (--kernels: wall and CPU time and arena copies per backend kernel per step, the rest is the library's own;
// its wasm calls run inline on the calling thread, with their wall time, and pool dispatches)
//   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/model-profile.js gpt 30 1

import { readFileSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";
import { F, Generator, manualSeed, nn, optim, setNumThreads, tensor, type Tensor } from "../lib/index.js";
import { getKernels } from "../lib/backend/index.js";
import { storagePoolStats } from "../lib/backend/storage-pool.js";
import { residentStats } from "../lib/backend/index.js";
import { wasmRuntime } from "../lib/backend/wasm/runtime.js";
import { dispatchStats } from "../lib/backend/wasm/dispatch.js";
import { MODELS, type ModelName } from "./models/gradlab-models.js";

export const GPT = { vocab: 65, d: 128, heads: 4, block: 64, batch: 32, layers: 2 } as const;

class Block extends nn.Module {
  ln1 = new nn.LayerNorm(GPT.d);
  attn = new nn.MultiheadAttention(GPT.d, GPT.heads, { batchFirst: true });
  ln2 = new nn.LayerNorm(GPT.d);
  fc = new nn.Linear(GPT.d, 4 * GPT.d);
  proj = new nn.Linear(4 * GPT.d, GPT.d);
  override forward(x: Tensor): Tensor {
    const h = this.ln1.call(x);
    x = x.add(this.attn.call(h, h, h, { isCausal: true, needWeights: false })[0]);
    return x.add(this.proj.call(F.gelu(this.fc.call(this.ln2.call(x)))));
  }
}

export class TinyGPT extends nn.Module {
  tok = new nn.Embedding(GPT.vocab, GPT.d);
  pos = new nn.Embedding(GPT.block, GPT.d);
  blocks = new nn.ModuleList(Array.from({ length: GPT.layers }, () => new Block()));
  lnF = new nn.LayerNorm(GPT.d);
  head = new nn.Linear(GPT.d, GPT.vocab);
  private positions = tensor(Array.from({ length: GPT.block }, (_, i) => i), { dtype: "int32" });
  override forward(idx: Tensor): Tensor {
    let x = this.tok.call(idx).add(this.pos.call(this.positions));
    for (const b of this.blocks) x = b.call(x);
    return this.head.call(this.lnF.call(x));
  }
}

/**
 * One training step closure of a next-token model over a fixed random batch of
 * [batch, len] token ids (vocabulary `vocab`); returns the loss.
 */
function tokenStep(model: nn.Module, opt: optim.Optimizer, batch: number, len: number, vocab: number, seed: number): () => number {
  const gen = new Generator(seed);
  const n = batch * len;
  const ids = new Int32Array(n), next = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = gen.nextInt(0, vocab);
  for (let i = 0; i < n; i++) next[i] = ids[(i + 1) % n];
  const x = tensor(ids, { dtype: "int32" }).reshape(batch, len);
  const y = tensor(next, { dtype: "int32" });
  return () => {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.call(x).reshape(-1, vocab), y);
    loss.backward();
    opt.step();
    return loss.item();
  };
}

export function gptStep(seed = 0): () => number {
  manualSeed(seed);
  const model = new TinyGPT();
  return tokenStep(model, new optim.AdamW(model.parameters(), { lr: 3e-4 }), GPT.batch, GPT.block, GPT.vocab, seed);
}

export const LSTM = { vocab: 65, embed: 64, hidden: 256, seq: 64, batch: 32 } as const;

class CharLSTM extends nn.Module {
  emb = new nn.Embedding(LSTM.vocab, LSTM.embed);
  lstm = new nn.LSTM(LSTM.embed, LSTM.hidden, { batchFirst: true });
  head = new nn.Linear(LSTM.hidden, LSTM.vocab);
  override forward(idx: Tensor): Tensor {
    return this.head.call(this.lstm.call(this.emb.call(idx))[0]);
  }
}

export function lstmStep(seed = 0): () => number {
  manualSeed(seed);
  const model = new CharLSTM();
  return tokenStep(model, new optim.Adam(model.parameters(), { lr: 2e-3 }), LSTM.batch, LSTM.seq, LSTM.vocab, seed);
}

/** Notebook 09's sequence reverser (d = 32, 2 encoder layers, batch 64 × 6 tokens, AdamW): small ops. */
export const REVERSER = { vocab: 8, len: 6, d: 32, heads: 4, ff: 64, layers: 2, batch: 64 } as const;

class Reverser extends nn.Module {
  embed = new nn.Embedding(REVERSER.vocab, REVERSER.d);
  pos = new nn.PositionalEncoding(REVERSER.d, { maxLen: REVERSER.len, batchFirst: true });
  encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(REVERSER.d, REVERSER.heads, { dimFeedforward: REVERSER.ff, dropout: 0, batchFirst: true }), REVERSER.layers);
  out = new nn.Linear(REVERSER.d, REVERSER.vocab);
  override forward(x: Tensor): Tensor {
    return this.out.call(this.encoder.call(this.pos.call(this.embed.call(x))));
  }
}

export function reverserStep(seed = 0): () => number {
  manualSeed(seed);
  const model = new Reverser();
  return tokenStep(model, new optim.AdamW(model.parameters(), { lr: 2e-3, weightDecay: 0 }), REVERSER.batch, REVERSER.len, REVERSER.vocab, seed);
}

/** The models profiled here: their step, tokens per step and label. */
const LOCAL: Record<string, { step: () => () => number; tokens: number; label: string }> = {
  gpt: { step: gptStep, tokens: GPT.batch * GPT.block, label: "tiny GPT" },
  lstm: { step: lstmStep, tokens: LSTM.batch * LSTM.seq, label: "char-LSTM" },
  reverser: { step: reverserStep, tokens: REVERSER.batch * REVERSER.len, label: "notebook 09's reverser" },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const which = args[0] ?? "gpt";
  const benchModel = which.startsWith("bench:") ? (which.slice(6) as ModelName) : null;
  const local = LOCAL[which];
  if (benchModel !== null ? !(benchModel in MODELS) : local === undefined) throw new Error(`model-profile: unknown model ${which} (${Object.keys(LOCAL).join(", ")}, or bench:${Object.keys(MODELS).join("|bench:")})`);
  const steps = Number(args[1] ?? 20);
  if (args[2]) setNumThreads(Number(args[2]));
  // bench:<name> profiles the step `npm run bench` times against PyTorch (bench/models/)
  const benchStep = benchModel !== null ? MODELS[benchModel]() : null;
  const step = benchStep !== null ? benchStep.run : local!.step();
  step(); step();
  const perKernel = process.argv.includes("--kernels") ? timeKernels() : null;
  // wall time, and the process's CPU time (at 1 thread: what the step costs, whatever else
  // runs on the machine; a shared core mostly stretches the wall time)
  const times: number[] = [], cpu: number[] = [];
  // main-thread costs no kernel split can share: GC pauses and first touches of fresh pages
  // (new tensor storage); page faults from /proc where there is one
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration; });
  gc.observe({ entryTypes: ["gc"] });
  const faults = (): number => {
    try {
      return Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")[7]);
    } catch {
      return NaN;
    }
  };
  const faults0 = faults();
  // arena copies and storage reused from the pool (lib/backend/storage-pool.ts), per step
  const copied0 = { ...(wasmRuntime()?.copied ?? { in: 0, out: 0 }) }, pool0 = storagePoolStats(), res0 = residentStats();
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    step();
    const c = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  const faultsPerStep = (faults() - faults0) / steps;
  const copied = wasmRuntime()?.copied ?? { in: 0, out: 0 }, pool = storagePoolStats(), res = residentStats();
  const mbPerStep = (b: number) => (b / steps / 1e6).toFixed(1);
  await new Promise((r) => setTimeout(r, 10)); // GC entries arrive on the event loop
  gc.disconnect();
  const best = Math.min(...times), med = times.sort((a, b) => a - b)[times.length >> 1]!;
  const cpuBest = Math.min(...cpu);
  const tokens = benchStep?.items ?? local!.tokens;
  const label = benchModel !== null ? `bench's ${benchModel}` : local!.label;
  console.log(`${label} step: wall best ${best.toFixed(1)} ms, median ${med.toFixed(1)} ms; CPU best ${cpuBest.toFixed(1)} ms; ${(tokens / best * 1000).toFixed(0)} ${benchStep?.unit ?? "tokens"}/s (best wall); GC ${(gcMs / steps).toFixed(1)} ms/step, ${faultsPerStep.toFixed(0)} page faults/step; arena copies ${mbPerStep(copied.in - copied0.in)} MB in, ${mbPerStep(copied.out - copied0.out)} MB out, storage reused ${mbPerStep(pool.reusedBytes - pool0.reusedBytes)} MB, resident outputs ${mbPerStep(res.allocated - res0.allocated)} MB (materialized ${mbPerStep(res.materialized - res0.materialized)} MB, dead freed ${mbPerStep(res.freedDead - res0.freedDead)} MB, collected ${mbPerStep(res.collected - res0.collected)} MB, refused ${mbPerStep(res.refused - res0.refused)} MB) per step, ${res.collections - res0.collections} full GCs asked for; threads ${args[2] ?? "default"}; load ${(await import("node:os")).loadavg()[0].toFixed(2)}`);
  if (perKernel) {
    const rows = [...perKernel].sort((a, b) => b[1].cpu - a[1].cpu);
    for (const [name, k] of rows) {
      const per = (x: number, d = 1) => (x / steps).toFixed(d);
      console.log(`  ${name.padEnd(24)} ${per(k.calls, 0).padStart(4)} calls  wall ${per(k.wall).padStart(6)} ms  CPU ${per(k.cpu).padStart(6)} ms`
        + `  wasm inline ${per(k.inline, 0).padStart(3)} (${per(k.inlineMs).padStart(5)} ms) pool ${per(k.split, 0).padStart(3)}`
        + `  arena ${per(k.bytesIn / 1e6).padStart(5)} MB in ${per(k.bytesOut / 1e6).padStart(5)} MB out  (per step)`);
    }
    const sum = (f: (k: KernelStats) => number) => (rows.reduce((a, [, k]) => a + f(k), 0) / steps);
    console.log(`  all kernels: CPU ${sum((k) => k.cpu).toFixed(1)} ms; wasm calls inline ${sum((k) => k.inline).toFixed(0)} (${sum((k) => k.inlineMs).toFixed(1)} ms wall), pool dispatches ${sum((k) => k.split).toFixed(0)} per step`);
  }
}

interface KernelStats { calls: number; wall: number; cpu: number; inline: number; inlineMs: number; split: number; bytesIn: number; bytesOut: number }

/**
 * Wraps every registry kernel to add up its calls, wall and process CPU time (all threads);
 * a kernel called from inside another counts only in the outer one. Also its wasm calls: inline
 * (with their wall time) and pool dispatches (dispatchStats).
 */
function timeKernels(): Map<string, KernelStats> {
  const stats = new Map<string, KernelStats>();
  const kernels = getKernels() as unknown as Record<string, (...a: unknown[]) => unknown>;
  let depth = 0;
  for (const [name, fn] of Object.entries(kernels)) {
    kernels[name] = (...a: unknown[]) => {
      if (depth > 0) return fn(...a);
      depth++;
      const d = (dispatchStats.current = { inline: 0, inlineMs: 0, split: 0 });
      const rt = wasmRuntime(), in0 = rt?.copied.in ?? 0, out0 = rt?.copied.out ?? 0;
      const t0 = performance.now(), c0 = process.cpuUsage();
      try {
        return fn(...a);
      } finally {
        depth--;
        const c = process.cpuUsage(c0);
        dispatchStats.current = null;
        const s = stats.get(name) ?? { calls: 0, wall: 0, cpu: 0, inline: 0, inlineMs: 0, split: 0, bytesIn: 0, bytesOut: 0 };
        s.bytesIn += (rt?.copied.in ?? 0) - in0;
        s.bytesOut += (rt?.copied.out ?? 0) - out0;
        s.calls++;
        s.inline += d.inline;
        s.inlineMs += d.inlineMs;
        s.split += d.split;
        s.wall += performance.now() - t0;
        s.cpu += (c.user + c.system) / 1000;
        stats.set(name, s);
      }
    };
  }
  return stats;
}
