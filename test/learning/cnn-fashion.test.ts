import { describe, expect, it } from "vitest";
import { nn, optim, data, manualSeed, noGrad, Generator, type Tensor } from "../../lib/index.js";

describe("learning: CNN", () => {
  it("a small CNN reaches ≥ 85% on the Fashion-MNIST subset test split", () => {
    manualSeed(2);
    const { train, test } = data.loadFashionMnist({ subset: true });
    const model = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }),
      new nn.BatchNorm2d(8),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(8, 16, 3, { padding: 1 }),
      new nn.BatchNorm2d(16),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(16 * 7 * 7, 10),
    );
    const epochs = 4;
    const loader = new data.DataLoader(train, { batchSize: 64, shuffle: true, generator: new Generator(2) });
    const opt = new optim.Adam(model.parameters(), { lr: 2e-3 });
    const sched = new optim.lrScheduler.OneCycleLR(opt, 4e-3, { epochs, stepsPerEpoch: loader.length });
    const lossFn = new nn.CrossEntropyLoss();
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (const [xb, yb] of loader) {
        opt.zeroGrad();
        lossFn.call(model.call(xb), yb).backward();
        opt.step();
        sched.step();
      }
    }
    model.eval();
    const [xt, yt] = test.tensors as [Tensor, Tensor];
    let ok = 0;
    const evalLoader = new data.DataLoader(test, { batchSize: 500 });
    for (const [xb, yb] of evalLoader) {
      const pred = noGrad(() => model.call(xb)).argmax(1).data;
      for (let i = 0; i < yb.numel; i++) if (pred[i] === yb.data[i]) ok++;
    }
    const acc = ok / yt.numel;
    void xt;
    console.log(`Fashion-MNIST subset CNN test accuracy ${(acc * 100).toFixed(1)}%`);
    expect(acc).toBeGreaterThanOrEqual(0.85);
  });
});
