// The models `npm run bench` trains against their PyTorch twins (bench/torch/twins.py), written
// as a PyTorch user writes them: a nanoGPT-style tiny GPT, a character-level LSTM, a small CNN
// on Fashion-MNIST and LeNet-5. Each `make*` returns one training step (forward, backward,
// optimizer step) on fixed data, and the number of tokens or samples the step processes.

import { existsSync } from "node:fs";
import { nn, optim, F, Tensor, manualSeed, ones, data as gdata } from "../../lib/index.js";
import { loadCorpus, windows } from "./corpus.js";

export interface BenchStep { run: () => void; items: number; unit: "tokens" | "samples" }

// ---- tiny GPT: 2 blocks, d=128, 4 heads, block 64, batch 32, AdamW ----
export const GPT = { layers: 2, d: 128, heads: 4, block: 64, batch: 32 };

class CausalSelfAttention extends nn.Module {
  cAttn = new nn.Linear(GPT.d, 3 * GPT.d);
  cProj = new nn.Linear(GPT.d, GPT.d);
  mask = ones([GPT.block, GPT.block], { dtype: "bool" }).tril().logicalNot();
  override forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape as [number, number, number];
    const H = GPT.heads, hs = C / H;
    const [q, k, v] = this.cAttn.call(x).split(C, 2).map((t) => t.view([B, T, H, hs]).transpose(1, 2)) as [Tensor, Tensor, Tensor];
    let att = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(hs));
    att = F.softmax(att.maskedFill(this.mask, -Infinity), -1);
    const y = att.matmul(v).transpose(1, 2).contiguous().view([B, T, C]);
    return this.cProj.call(y);
  }
}

class Block extends nn.Module {
  ln1 = new nn.LayerNorm(GPT.d);
  attn = new CausalSelfAttention();
  ln2 = new nn.LayerNorm(GPT.d);
  fc = new nn.Linear(GPT.d, 4 * GPT.d);
  proj = new nn.Linear(4 * GPT.d, GPT.d);
  override forward(x: Tensor): Tensor {
    x = x.add(this.attn.call(this.ln1.call(x)));
    return x.add(this.proj.call(F.gelu(this.fc.call(this.ln2.call(x)))));
  }
}

class TinyGPT extends nn.Module {
  wte: nn.Embedding; wpe: nn.Embedding; blocks: nn.ModuleList; lnF = new nn.LayerNorm(GPT.d); head: nn.Linear;
  pos = Tensor.fromArray(Int32Array.from({ length: GPT.block }, (_, i) => i), [GPT.block], "int32");
  constructor(vocab: number) {
    super();
    this.wte = new nn.Embedding(vocab, GPT.d);
    this.wpe = new nn.Embedding(GPT.block, GPT.d);
    this.blocks = new nn.ModuleList(Array.from({ length: GPT.layers }, () => new Block()));
    this.head = new nn.Linear(GPT.d, vocab, { bias: false });
  }
  override forward(idx: Tensor): Tensor {
    let x = this.wte.call(idx).add(this.wpe.call(this.pos));
    for (const b of this.blocks) x = (b as Block).call(x);
    return this.head.call(this.lnF.call(x));
  }
}

export function makeGpt(): BenchStep {
  manualSeed(0);
  const corpus = loadCorpus();
  const model = new TinyGPT(corpus.vocab);
  return lmStep(model, new optim.AdamW(model.parameters(), { lr: 3e-4 }), corpus, GPT.batch, GPT.block);
}

/** One next-token training step on fixed windows of the corpus. */
function lmStep(model: nn.Module, opt: optim.Optimizer, corpus: ReturnType<typeof loadCorpus>, batch: number, block: number): BenchStep {
  const { x, y } = windows(corpus, batch, block, 0);
  const idx = Tensor.fromArray(x, [batch, block], "int32"), tgt = Tensor.fromArray(y, [batch * block], "int32");
  return {
    run: () => {
      opt.zeroGrad();
      const loss = F.crossEntropy((model.call(idx) as Tensor).view([batch * block, corpus.vocab]), tgt);
      loss.backward();
      opt.step();
      loss.item();
    },
    items: batch * block, unit: "tokens",
  };
}

// ---- char-LSTM: embedding 64, one LSTM layer of 256, sequence 64, batch 32, Adam ----
export const LSTM = { embed: 64, hidden: 256, seq: 64, batch: 32 };

class CharLSTM extends nn.Module {
  embed: nn.Embedding; lstm = new nn.LSTM(LSTM.embed, LSTM.hidden, { batchFirst: true }); head: nn.Linear;
  constructor(vocab: number) {
    super();
    this.embed = new nn.Embedding(vocab, LSTM.embed);
    this.head = new nn.Linear(LSTM.hidden, vocab);
  }
  override forward(idx: Tensor): Tensor {
    const [out] = this.lstm.call(this.embed.call(idx));
    return this.head.call(out);
  }
}

export function makeCharLstm(): BenchStep {
  manualSeed(0);
  const corpus = loadCorpus();
  const model = new CharLSTM(corpus.vocab);
  return lmStep(model, new optim.Adam(model.parameters(), { lr: 2e-3 }), corpus, LSTM.batch, LSTM.seq);
}

// ---- image models on Fashion-MNIST batches (Debian's files when present, else the shipped subset) ----
export const FASHION_DIR = "/usr/share/datasets/fashion-mnist";

function fashionBatches(batch: number, count: number): { x: Tensor; y: Tensor }[] {
  const ds = existsSync(FASHION_DIR) ? gdata.loadMnistFolder(FASHION_DIR).test : gdata.loadFashionMnist().test;
  const out: { x: Tensor; y: Tensor }[] = [];
  const loader = new gdata.DataLoader(ds, { batchSize: batch, shuffle: false, dropLast: true });
  for (const [x, y] of loader) {
    out.push({ x: x as Tensor, y: y as Tensor });
    if (out.length === count) break;
  }
  return out;
}

function imageStep(model: nn.Module, batch: number, opt: optim.Optimizer): BenchStep {
  const batches = fashionBatches(batch, 8);
  let i = 0;
  return {
    run: () => {
      const { x, y } = batches[i++ % batches.length]!;
      opt.zeroGrad();
      const loss = F.crossEntropy(model.call(x) as Tensor, y);
      loss.backward();
      opt.step();
      loss.item();
    },
    items: batch, unit: "samples",
  };
}

/** conv 1→16→32 3×3 (padding 1), ReLU, 2×2 max pool after each, linear to 10; batch 128, Adam. */
export function makeCnn(): BenchStep {
  manualSeed(0);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(32 * 7 * 7, 10));
  return imageStep(model, 128, new optim.Adam(model.parameters(), { lr: 1e-3 }));
}

/** LeNet-5 with ReLU and max pooling on 28×28 (first conv padded by 2); batch 64, Adam. */
export function makeLenet(): BenchStep {
  manualSeed(0);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(),
    new nn.Linear(84, 10));
  return imageStep(model, 64, new optim.Adam(model.parameters(), { lr: 1e-3 }));
}

export const MODELS = { gpt: makeGpt, lstm: makeCharLstm, cnn: makeCnn, lenet: makeLenet } as const;
export type ModelName = keyof typeof MODELS;
