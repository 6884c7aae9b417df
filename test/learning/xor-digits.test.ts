// Learning tests: seeded training runs that must reach a quality bar (never timed).
import { describe, expect, it } from "vitest";
import { nn, optim, data, tensor, manualSeed, noGrad, Generator, type Tensor } from "../../lib/index.js";

function accuracy(model: nn.Module, x: Tensor, y: Tensor): number {
  const pred = noGrad(() => model.call(x)).argmax(1).data;
  let ok = 0;
  for (let i = 0; i < y.numel; i++) if (pred[i] === y.data[i]) ok++;
  return ok / y.numel;
}

describe("learning: MLPs", () => {
  it("an MLP learns XOR", () => {
    manualSeed(0);
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tensor([[0], [1], [1], [0]]);
    const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 1));
    const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
    const lossFn = new nn.BCEWithLogitsLoss();
    let loss = Infinity;
    for (let step = 0; step < 500; step++) {
      opt.zeroGrad();
      const l = lossFn.call(model.call(x), y);
      l.backward();
      opt.step();
      loss = l.item();
    }
    expect(loss).toBeLessThan(0.05);
    const p = noGrad(() => model.call(x)).data;
    expect(Array.from(p as Float32Array).map((v) => (v > 0 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  });

  it("an MLP reaches ≥ 95% on the digits test split", () => {
    manualSeed(1);
    const { train, test } = data.loadDigits();
    const model = new nn.Sequential(new nn.Linear(64, 128), new nn.ReLU(), new nn.Linear(128, 10));
    const opt = new optim.Adam(model.parameters(), { lr: 3e-3 });
    const loader = new data.DataLoader(train, { batchSize: 64, shuffle: true, generator: new Generator(1) });
    const lossFn = new nn.CrossEntropyLoss();
    for (let epoch = 0; epoch < 40; epoch++) {
      for (const [xb, yb] of loader) {
        opt.zeroGrad();
        lossFn.call(model.call(xb), yb).backward();
        opt.step();
      }
    }
    model.eval();
    const acc = accuracy(model, ...(test.tensors as [Tensor, Tensor]));
    console.log(`digits MLP test accuracy ${(acc * 100).toFixed(1)}%`);
    expect(acc).toBeGreaterThanOrEqual(0.95);
  });
});
