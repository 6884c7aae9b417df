// Modern models against PyTorch: each model's training step timed in rounds that alternate
// gradlab (all cores) with PyTorch on 1 and on 2 threads, the fastest step of every column
// kept. PyTorch's best thread count is the reference; ratios above 1× mean gradlab is faster.

import { availableParallelism } from "node:os";
import { setNumThreads } from "../../lib/backend/index.js";
import { fmt, ratio, table, time } from "../timing.js";
import { MODELS, type ModelName } from "./gradlab-models.js";
import { TorchPeer } from "./torch-peer.js";

const LABELS: Record<ModelName, string> = {
  gpt: "tiny GPT (2×128, 4 heads, block 64, batch 32, AdamW)",
  lstm: "char-LSTM (64→256, seq 64, batch 32, Adam)",
  cnn: "CNN 1→16→32 3×3 on Fashion-MNIST (batch 128, Adam)",
  lenet: "LeNet-5 on Fashion-MNIST (batch 64, Adam)",
};

export async function compareWithTorch(names: ModelName[], rounds: number, budgetMs: number): Promise<void> {
  const threads = availableParallelism();
  const peer = await TorchPeer.start();
  if (typeof peer === "string") console.log(`PyTorch columns skipped: ${peer}`);
  const rows: string[][] = [];
  for (const name of names) {
    const step = MODELS[name]();
    const best = { gradlab: Infinity, t1: Infinity, t2: Infinity };
    for (let r = 0; r < rounds; r++) {
      setNumThreads(threads);
      best.gradlab = Math.min(best.gradlab, time(step.run, budgetMs, 200, r === 0 ? 2 : 1).ms);
      if (typeof peer !== "string") {
        for (const [key, n] of [["t1", 1], ["t2", 2]] as const) {
          const t = await peer.time(name, n, budgetMs);
          if (typeof t === "string") console.log(`  PyTorch ${name} ${n}T: ${t}`);
          else best[key] = Math.min(best[key], t.ms);
        }
      }
    }
    const rate = (ms: number) => (Number.isFinite(ms) ? (step.items / ms) * 1000 : null);
    const g = rate(best.gradlab), t1 = rate(best.t1), t2 = rate(best.t2);
    const torchBest = t1 === null ? t2 : t2 === null ? t1 : Math.max(t1, t2);
    rows.push([LABELS[name], `${fmt(g, 0)} ${step.unit}/s`, fmt(t1, 0), fmt(t2, 0), ratio(g, torchBest)]);
  }
  if (typeof peer !== "string") peer.close();
  const torchName = typeof peer === "string" ? "PyTorch" : `PyTorch ${peer.version}`;
  console.log(`training step against ${torchName} (items/s, higher is better; gradlab on ${threads} threads, ${rounds} interleaved rounds)`);
  table(["model", "gradlab", "torch 1T", "torch 2T", "vs best torch"], rows);
}
