// The storage pool reuses the buffers of a backward pass's dead intermediate gradients for
// later allocations of the same size. These tests hold on to every kind of tensor user code
// can reach during and after backward and check that reuse never overwrites one of them.
import { describe, expect, it } from "vitest";
import { autograd, F, manualSeed, nn, optim, randn, type Tensor } from "../../../lib/index.js";
import { storagePoolStats as poolStats } from "../../../lib/backend/storage-pool.js";
import { residentStats } from "../../../lib/backend/index.js";
import { setPoisonDeadGradients } from "../../../lib/autograd/dead-gradients.js";

/** Dead gradients go back to the JS pool or, when resident in the wasm memory, to its heap. */
const storagePoolStats = () => {
  const p = poolStats(), r = residentStats();
  return { releasedBytes: p.releasedBytes + r.freedDead, reusedBytes: p.reusedBytes + r.reused };
};

const snapshot = (t: Tensor): number[] => Array.from(t.contiguous().storage.data as Float32Array);
/** Index of the first element that differs (-1: none), so a failure prints one number, not 16k. */
const firstDiff = (a: number[], b: number[]): number => (a.length !== b.length ? 0 : a.findIndex((v, i) => !Object.is(v, b[i])));

/** A small MLP big enough that its activations and gradients are pooled (≥ 16 kB). */
function model() {
  manualSeed(3);
  const l1 = new nn.Linear(64, 256), l2 = new nn.Linear(256, 64), l3 = new nn.Linear(64, 10);
  const net = new nn.Sequential(l1, new nn.GELU(), l2, new nn.Tanh(), l3);
  const x = randn([128, 64]), y = randn([128, 10]);
  return { net, l1, l2, l3, x, y, loss: () => F.mseLoss(net.call(x) as Tensor, y) };
}

describe("storage pool", () => {
  it("reuses dead gradient buffers across steps, with the same gradients as autograd.grad (which does not pool)", () => {
    const { net, loss } = model();
    const params = net.parameters();
    for (let i = 0; i < 3; i++) {
      net.zeroGrad();
      loss().backward();
    }
    const before = storagePoolStats();
    net.zeroGrad();
    loss().backward();
    const after = storagePoolStats();
    expect(after.releasedBytes).toBeGreaterThan(before.releasedBytes);
    expect(after.reusedBytes).toBeGreaterThan(before.reusedBytes);
    const reference = autograd.grad(loss(), params);
    params.forEach((p, i) => expect(firstDiff(snapshot(p.grad!), snapshot(reference[i]!))).toBe(-1));
  });

  it("keeps a gradient that two inputs share (a residual add) until both have used it", () => {
    manualSeed(4);
    const l1 = new nn.Linear(64, 128), l2 = new nn.Linear(128, 128);
    const x = randn([64, 64]);
    // AddBackward hands one buffer to both branches; the branch run first must not free it
    const loss = () => {
      const h = l1.call(x) as Tensor;
      return h.add((l2.call(h) as Tensor).tanh().mul(2)).square().sum();
    };
    for (let i = 0; i < 3; i++) {
      l1.zeroGrad();
      l2.zeroGrad();
      loss().backward();
    }
    const params = [...l1.parameters(), ...l2.parameters()];
    const reference = autograd.grad(loss(), params);
    params.forEach((p, i) => expect(firstDiff(snapshot(p.grad!), snapshot(reference[i]!))).toBe(-1));
  });

  it("never hands out a buffer user code still holds: old .grad, forward outputs, hooked and retained gradients", () => {
    const { net, l1, l2, l3, x, y } = model();
    const opt = new optim.AdamW(net.parameters(), { lr: 1e-3 });
    const kept: { t: Tensor; values: number[] }[] = [];
    const keep = (t: Tensor) => kept.push({ t, values: snapshot(t) });
    for (let step = 0; step < 6; step++) {
      opt.zeroGrad();
      const hidden = F.gelu(l1.call(x) as Tensor);
      hidden.retainGrad();
      hidden.registerHook((g) => { keep(g); });
      const out = l3.call((l2.call(hidden) as Tensor).tanh()) as Tensor;
      const l = F.mseLoss(out, y);
      l.backward();
      keep(out);
      keep(hidden.grad!);
      for (const p of net.parameters()) keep(p.grad!);
      opt.step();
    }
    for (const { t, values } of kept) expect(firstDiff(snapshot(t), values)).toBe(-1);
  });

  it("never reuses what a custom Function's backward saw", () => {
    const seen: { t: Tensor; values: number[] }[] = [];
    class Stash extends autograd.Function {
      static override forward(_ctx: autograd.Context, x: Tensor): Tensor {
        return x.mul(2);
      }
      static override backward(_ctx: autograd.Context, g: Tensor): Tensor {
        seen.push({ t: g, values: snapshot(g) });
        return g.mul(2);
      }
    }
    const w = randn([256, 256], { requiresGrad: true });
    for (let i = 0; i < 4; i++) {
      w.grad = null;
      (Stash.apply(w.mul(i + 1).tanh()) as Tensor).tanh().sum().backward();
    }
    for (const { t, values } of seen) expect(firstDiff(snapshot(t), values)).toBe(-1);
  });

  it("no backward reads a gradient after the engine released it: poisoned with NaN at release, the gradients are bit-identical", () => {
    // conv + ReLU + pool (fused backward), a transformer encoder layer (attention, LayerNorm,
    // GELU, slicing views), an LSTM, each trained a few steps with Adam
    const models: [string, () => { net: nn.Module; loss: () => Tensor }][] = [
      ["CNN", () => {
        const net = new nn.Sequential(new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(8 * 8 * 8, 10));
        const x = randn([32, 1, 16, 16]), y = randn([32, 10]);
        return { net, loss: () => F.mseLoss(net.call(x) as Tensor, y) };
      }],
      ["conv + ReLU without a pool", () => {
        const net = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(8, 8, 3), new nn.Flatten(), new nn.Linear(8 * 14 * 14, 10));
        const x = randn([16, 3, 16, 16]), y = randn([16, 10]);
        return { net, loss: () => F.mseLoss(net.call(x) as Tensor, y) };
      }],
      ["transformer", () => {
        const net = new nn.TransformerEncoderLayer(64, 4, { dimFeedforward: 128, dropout: 0, batchFirst: true, activation: "gelu" });
        const x = randn([16, 24, 64]);
        return { net, loss: () => (net.call(x) as Tensor).square().mean() };
      }],
      ["LSTM", () => {
        const net = new nn.LSTM(32, 64, { batchFirst: true });
        const x = randn([16, 20, 32]);
        return { net, loss: () => ((net.call(x) as unknown as [Tensor])[0]).square().mean() };
      }],
    ];
    const run = (make: (typeof models)[number][1]) => {
      manualSeed(11);
      const { net, loss } = make();
      const opt = new optim.Adam(net.parameters(), { lr: 1e-3 });
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        loss().backward();
        opt.step();
      }
      return net.parameters().map((p) => snapshot(p.grad!));
    };
    for (const [name, make] of models) {
      const plain = run(make);
      setPoisonDeadGradients(true);
      let poisoned: number[][];
      try {
        poisoned = run(make);
      } finally {
        setPoisonDeadGradients(false);
      }
      plain.forEach((g, i) => expect(firstDiff(poisoned[i]!, g), `${name} parameter ${i}`).toBe(-1));
    }
  });
});
