import { describe, expect, it } from "vitest";
import { nn, optim, tensor, manualSeed, noGrad, Generator, type Tensor } from "../../lib/index.js";

const VOCAB = 8;
const LEN = 6;

function batch(gen: Generator, n: number): { x: Tensor; y: Tensor } {
  const xs = new Int32Array(n * LEN);
  const ys = new Int32Array(n * LEN);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < LEN; t++) xs[i * LEN + t] = gen.nextInt(0, VOCAB);
    for (let t = 0; t < LEN; t++) ys[i * LEN + t] = xs[i * LEN + LEN - 1 - t];
  }
  return { x: tensor(xs, { dtype: "int32" }).reshape(n, LEN), y: tensor(ys, { dtype: "int32" }).reshape(n, LEN) };
}

class Reverser extends nn.Module {
  embed = new nn.Embedding(VOCAB, 32);
  pos = new nn.PositionalEncoding(32, { maxLen: LEN, batchFirst: true });
  encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, dropout: 0, batchFirst: true }), 2);
  out = new nn.Linear(32, VOCAB);
  override forward(x: Tensor): Tensor {
    return this.out.call(this.encoder.call(this.pos.call(this.embed.call(x))));
  }
}

describe("learning: Transformer", () => {
  it("a Transformer encoder learns to reverse short sequences", () => {
    manualSeed(4);
    const gen = new Generator(4);
    const model = new Reverser();
    const opt = new optim.AdamW(model.parameters(), { lr: 2e-3, weightDecay: 0 });
    const lossFn = new nn.CrossEntropyLoss();
    const steps = 600;
    const sched = new optim.lrScheduler.CosineAnnealingLR(opt, steps);
    for (let step = 0; step < steps; step++) {
      const { x, y } = batch(gen, 64);
      opt.zeroGrad();
      const logits = model.call(x);
      lossFn.call(logits.reshape(-1, VOCAB), y.reshape(-1)).backward();
      opt.step();
      sched.step();
    }
    model.eval();
    const { x, y } = batch(new Generator(123), 256);
    const pred = noGrad(() => model.call(x)).argmax(-1).data;
    let tokens = 0;
    let seqs = 0;
    for (let i = 0; i < 256; i++) {
      let all = true;
      for (let t = 0; t < LEN; t++) {
        const ok = pred[i * LEN + t] === y.data[i * LEN + t];
        if (ok) tokens++;
        else all = false;
      }
      if (all) seqs++;
    }
    console.log(`Transformer reverse: token accuracy ${((100 * tokens) / (256 * LEN)).toFixed(1)}%, sequence accuracy ${((100 * seqs) / 256).toFixed(1)}%`);
    expect(tokens / (256 * LEN)).toBeGreaterThanOrEqual(0.95);
  });
});
