// A long training loop must run at flat memory: every tensor, graph node and saved tensor of
// a step becomes unreachable once the step ends (no dispose/tidy needed).
import { describe, expect, it } from "vitest";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { F, manualSeed, nn, noGrad, optim, randint, randn, tensor, zeros } from "../../lib/index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function usage(): { heap: number; external: number } {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external }; // external includes ArrayBuffers
}

describe("memory", () => {
  it("10,000 SGD steps of linear regression keep heap and external memory flat", () => {
    manualSeed(0);
    const X = randn([32, 8]);
    const trueW = randn([8, 1]);
    const y = X.matmul(trueW).add(0.5);
    const w = zeros([8, 1], { requiresGrad: true });
    const b = zeros([1], { requiresGrad: true });
    const lr = 0.05;
    const step = () => {
      const loss = X.matmul(w).add(b).sub(y).square().mean();
      loss.backward();
      noGrad(() => {
        w.sub_(w.grad!.mul(lr));
        b.sub_(b.grad!.mul(lr));
      });
      w.grad = null;
      b.grad = null;
      return loss;
    };
    for (let i = 0; i < 500; i++) step(); // warm up JIT and caches
    const before = usage();
    let last = 0;
    for (let i = 0; i < 10_000; i++) last = step().item();
    const after = usage();
    expect(last).toBeLessThan(1e-6); // it did learn: the data is exactly linear
    const mb = (n: number) => n / 2 ** 20;
    expect(mb(after.heap - before.heap)).toBeLessThan(2);
    expect(mb(after.external - before.external)).toBeLessThan(1);
  });

  it("backward releases saved tensors even while the output stays reachable", () => {
    const before = usage();
    const losses = [];
    for (let i = 0; i < 20; i++) {
      const x = randn([1000, 100], { requiresGrad: true }); // 400 kB
      const l = x.exp().exp().exp().exp().sum(); // four saved 400 kB outputs
      l.backward();
      x.grad = null;
      losses.push(l); // l -> graph nodes -> x stay reachable (as in PyTorch); saved tensors must not
    }
    const after = usage();
    // Reachable: 20 leaves x 0.38 MB = 7.6 MB. Keeping saved tensors would add 30 MB more.
    expect((after.external - before.external) / 2 ** 20).toBeLessThan(12);
    expect(tensor(losses.length).item()).toBe(20);
  });

  it("an nn.Sequential + Adam + crossEntropy loop stays flat too", () => {
    manualSeed(1);
    const model = new nn.Sequential(new nn.Linear(20, 32), new nn.ReLU(), new nn.Linear(32, 5));
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = randn([16, 20]), y = randint(0, 5, [16]);
    const step = () => {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    };
    for (let i = 0; i < 300; i++) step();
    const before = usage();
    for (let i = 0; i < 3000; i++) step();
    const after = usage();
    expect((after.heap - before.heap) / 2 ** 20).toBeLessThan(2);
    expect((after.external - before.external) / 2 ** 20).toBeLessThan(1);
  });
});
