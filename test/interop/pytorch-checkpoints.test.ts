// PyTorch checkpoints in and out, against Debian's python3-torch: models defined the same way on
// both sides (test/interop/torch/models.py) give the same outputs after loading the other's
// weights, state-dict keys and dtypes as PyTorch has them.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Tensor, load, loadWithMetadata, manualSeed, nn, noGrad, optim, randn, save, tensor } from "../../lib/index.js";
import { removeTempDirs, tempDir } from "../temp-dirs.js";

const PYTHON = "/usr/bin/python3";
const SCRIPT = join(import.meta.dirname, "torch", "models.py");
let dir = "";

beforeAll(() => {
  dir = tempDir("gradlab-torch-");
  execFileSync(PYTHON, [SCRIPT, "make", dir], { timeout: 120_000 });
}, 130_000);
afterAll(removeTempDirs);

type Outputs = Record<string, Tensor>;
/** The gradlab twin of each model in models.py and how it is called (same outputs, same names). */
const cases: Record<string, { make: () => nn.Module; run: (m: nn.Module, io: Outputs) => Outputs }> = {
  linear: { make: () => new nn.Linear(5, 3), run: plain },
  conv1d: { make: () => new nn.Conv1d(2, 4, 3, { stride: 2, padding: 1 }), run: plain },
  cnn: {
    make: () => new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(4, 6, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(24, 10),
    ),
    run: plain,
  },
  conv_transpose2d: { make: () => new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }), run: plain },
  batchnorm1d: { make: () => new nn.BatchNorm1d(5), run: plain },
  layernorm: { make: () => new nn.LayerNorm(4), run: plain },
  embedding: { make: () => new nn.Embedding(10, 4), run: plain },
  rnn: { make: () => new nn.RNN(4, 5, { numLayers: 2, batchFirst: true }), run: recurrent },
  lstm: {
    make: () => new nn.LSTM(4, 5, { numLayers: 2, bidirectional: true, batchFirst: true }),
    run: (m, io) => {
      const [y, [h, c]] = (m as nn.LSTM).call(io.x);
      return { y, h, c };
    },
  },
  gru: { make: () => new nn.GRU(4, 5), run: recurrent },
  mha: {
    make: () => new nn.MultiheadAttention(8, 2, { batchFirst: true }),
    run: (m, io) => {
      const [y, w] = (m as nn.MultiheadAttention).call(io.q, io.kv, io.kv);
      return { y, w: w! };
    },
  },
  transformer_encoder_layer: { make: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), run: plain },
  transformer_encoder: {
    make: () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: "gelu", normFirst: true }), 2, { norm: new nn.LayerNorm(8) }),
    run: plain,
  },
  gru_bidirectional: { make: () => new nn.GRU(4, 3, { numLayers: 2, bidirectional: true, batchFirst: true }), run: recurrent },
  conv2d_groups: { make: () => new nn.Conv2d(4, 6, 3, { stride: 2, padding: 2, dilation: 2, groups: 2 }), run: plain },
};

function plain(m: nn.Module, io: Outputs): Outputs {
  return { y: m.call(io.x) as Tensor };
}
function recurrent(m: nn.Module, io: Outputs): Outputs {
  const [y, h] = (m as nn.RNN).call(io.x);
  return { y, h };
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const ad = a.data, bd = b.data;
  let d = 0;
  for (let i = 0; i < ad.length; i++) d = Math.max(d, Math.abs(ad[i] - bd[i]));
  return d;
}

describe("PyTorch → gradlab", () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: PyTorch's state_dict loads strictly and gives PyTorch's outputs to 1e-5`, () => {
      const model = c.make();
      const sd = load(join(dir, `${name}.safetensors`));
      expect(Object.keys(sd).sort()).toEqual(Object.keys(model.stateDict()).sort());
      model.loadStateDict(sd);
      model.eval();
      const io = load<Outputs>(join(dir, `${name}.io.safetensors`));
      const outs = noGrad(() => c.run(model, io));
      for (const [k, y] of Object.entries(outs)) expect(maxAbsDiff(y, io[k]), `${name} output ${k}`).toBeLessThanOrEqual(1e-5);
    });
  }

  it("a torch.save file says how to write safetensors instead", () => {
    const path = join(dir, "model.pt");
    execFileSync(PYTHON, ["-c", `import torch; torch.save(torch.nn.Linear(2, 2).state_dict(), ${JSON.stringify(path)})`]);
    expect(() => load(path)).toThrow(`load: ${path} is a torch.save file (zip), not safetensors; in Python write the weights with safetensors.torch.save_file(model.state_dict(), "model.safetensors") and load that`);
  });

  it("reads every dtype PyTorch writes that gradlab has, f16/bf16 as float32, I64 as int32", () => {
    const t = load(join(dir, "dtypes.safetensors"));
    const dtypes = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, (v as Tensor).dtype]));
    expect(dtypes).toEqual({ f32: "float32", f64: "float64", f16: "float32", bf16: "float32", i32: "int32", i64: "int32", bool: "bool", u8: "int32", empty: "float32" });
    expect(t.f32.toArray()).toEqual([1.5, -2.25, 65504, Math.fround(1e-4)]);
    expect(t.f64.toArray()).toEqual([0.5, -0.75, 65504 / 3, Math.fround(1e-4) / 3]);
    expect(t.f16.toArray().slice(0, 3)).toEqual([1.5, -2.25, 65504]);
    expect(t.f16.toArray()[3]).toBeCloseTo(1e-4, 7);
    expect(t.bf16.toArray().slice(0, 2)).toEqual([1.5, -2.25]);
    expect(t.bf16.toArray()[2]).toBe(65536); // bf16 has 8 significant bits: 65504 rounds to 2^16
    expect(t.i64.toArray()).toEqual([7, -8, 2147483647]);
    expect(t.bool.toArray()).toEqual([true, false, true]);
    expect(t.u8.toArray()).toEqual([0, 255]);
    expect(t.empty.shape).toEqual([0, 3]);
  });
});

describe("gradlab → PyTorch", () => {
  it("writes every gradlab dtype as PyTorch reads it, int64 buffers as I64", () => {
    const path = join(dir, "dtypes.from-gradlab.safetensors");
    const bn = new nn.BatchNorm1d(2);
    save({
      f32: tensor([1.5, -2]), f64: tensor([Math.PI], { dtype: "float64" }), i32: tensor([7, -1], { dtype: "int32" }),
      bool: tensor([true, false], { dtype: "bool" }), nbt: bn.stateDict().num_batches_tracked, back: load(join(dir, "dtypes.safetensors")).i64,
    }, path);
    const py = JSON.parse(execFileSync(PYTHON, [SCRIPT, "dtypes", path]).toString()) as Record<string, [string, string, unknown]>;
    expect(py).toEqual({
      f32: ["F32", "torch.float32", [1.5, -2]], f64: ["F64", "torch.float64", [Math.PI]], i32: ["I32", "torch.int32", [7, -1]],
      bool: ["BOOL", "torch.bool", [true, false]], nbt: ["I64", "torch.int64", 0], back: ["I64", "torch.int64", [7, -8, 2147483647]],
    });
  });

  it("every model's state dict loads strictly into PyTorch and gives gradlab's outputs to 1e-5", () => {
    manualSeed(1);
    for (const [name, c] of Object.entries(cases)) {
      const model = c.make();
      model.loadStateDict(load(join(dir, `${name}.safetensors`)));
      const io = load<Outputs>(join(dir, `${name}.io.safetensors`));
      // Move away from PyTorch's weights and, for BatchNorm, its statistics, so the check is
      // about what gradlab wrote.
      noGrad(() => {
        for (const p of model.parameters()) p.add_(randn(p.shape as number[]).mul(0.1));
        model.train();
        if (name === "cnn" || name === "batchnorm1d") model.call(io.x.mul(1.5).add(0.2));
        model.eval();
      });
      const outs = noGrad(() => c.run(model, io));
      const inputs = Object.fromEntries(Object.entries(io).filter(([k]) => !(k in outs)));
      save(model.stateDict(), join(dir, `${name}.from-gradlab.safetensors`));
      save({ ...inputs, ...Object.fromEntries(Object.entries(outs).map(([k, v]) => [`out_${k}`, v])) }, join(dir, `${name}.from-gradlab.io.safetensors`));
    }
    const report = JSON.parse(execFileSync(PYTHON, [SCRIPT, "check", dir], { timeout: 120_000 }).toString()) as Record<string, { maxDiff: number; dtypes: string[]; int64: string[] }>;
    expect(Object.keys(report).sort()).toEqual(Object.keys(cases).sort());
    for (const [name, r] of Object.entries(report)) expect(r.maxDiff, name).toBeLessThanOrEqual(1e-5);
    expect(report.cnn.int64).toEqual(["1.num_batches_tracked"]);
    expect(report.batchnorm1d.int64).toEqual(["num_batches_tracked"]);
    expect(report.linear.dtypes).toEqual(["F32"]);
  }, 120_000);
});

describe("whole checkpoints", () => {
  const make = () => new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 2));

  /** Trains `steps` steps of a fixed regression problem; returns the last loss. */
  function train(m: nn.Module, opt: optim.Optimizer, sched: { step(): void } | null, steps: number): number {
    manualSeed(7);
    const x = randn([16, 4]), target = randn([16, 2]);
    let loss = 0;
    for (let i = 0; i < steps; i++) {
      opt.zeroGrad();
      const l = (m.call(x) as Tensor).sub(target).square().mean();
      l.backward();
      opt.step();
      sched?.step();
      loss = l.item();
    }
    return loss;
  }

  const optimizers: Record<string, (p: Tensor[]) => optim.Optimizer> = {
    SGD: (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true }),
    Adam: (p) => new optim.Adam(p, { lr: 0.01, amsgrad: true }),
    AdamW: (p) => new optim.AdamW(p, { lr: 0.01 }),
    RMSprop: (p) => new optim.RMSprop(p, { lr: 0.01, momentum: 0.5, centered: true }),
    Adagrad: (p) => new optim.Adagrad(p, { lr: 0.1 }),
  };
  const schedulers: Record<string, (o: optim.Optimizer) => optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau> = {
    StepLR: (o) => new optim.lrScheduler.StepLR(o, 2, { gamma: 0.5 }),
    ExponentialLR: (o) => new optim.lrScheduler.ExponentialLR(o, 0.9),
    CosineAnnealingLR: (o) => new optim.lrScheduler.CosineAnnealingLR(o, 10),
    OneCycleLR: (o) => new optim.lrScheduler.OneCycleLR(o, 0.05, { totalSteps: 20 }),
    LambdaLR: (o) => new optim.lrScheduler.LambdaLR(o, (e) => 1 / (1 + e)),
    MultiStepLR: (o) => new optim.lrScheduler.MultiStepLR(o, [2, 5], { gamma: 0.5 }),
    LinearLR: (o) => new optim.lrScheduler.LinearLR(o, { totalIters: 6 }),
    ReduceLROnPlateau: (o) => new optim.lrScheduler.ReduceLROnPlateau(o, { patience: 0 }),
  };
  const stepOf = (s: ReturnType<(typeof schedulers)[string]>) => ({ step: () => (s instanceof optim.lrScheduler.ReduceLROnPlateau ? s.step(1) : s.step()) });

  for (const [optName, makeOpt] of Object.entries(optimizers)) {
    for (const schedName of optName === "SGD" ? Object.keys(schedulers) : ["StepLR"]) {
      it(`${optName} + ${schedName}: 3 steps, save, load into fresh objects, 3 more = 6 uninterrupted`, () => {
        const path = join(dir, `ckpt-${optName}-${schedName}`);
        manualSeed(0);
        const ref = make();
        const init = Object.fromEntries(Object.entries(ref.stateDict()).map(([k, v]) => [k, v.clone()]));
        const refOpt = makeOpt(ref.parameters());
        const refSched = schedulers[schedName](refOpt);
        train(ref, refOpt, stepOf(refSched), 3);
        const expected = train(ref, refOpt, stepOf(refSched), 3);

        const a = make();
        a.loadStateDict(init);
        const optA = makeOpt(a.parameters());
        const schedA = schedulers[schedName](optA);
        train(a, optA, stepOf(schedA), 3);
        save({ model: a.stateDict(), optimizer: optA.stateDict(), scheduler: schedA.stateDict(), epoch: 3, note: "half way", best: Infinity }, path);

        const ckpt = load(path);
        expect(ckpt.epoch).toBe(3);
        expect(ckpt.note).toBe("half way");
        expect(ckpt.best).toBe(Infinity);
        const b = make();
        b.loadStateDict(ckpt.model);
        const optB = makeOpt(b.parameters());
        const schedB = schedulers[schedName](optB);
        optB.loadStateDict(ckpt.optimizer);
        schedB.loadStateDict(ckpt.scheduler);
        expect(optB.paramGroups[0].lr).toBe(optA.paramGroups[0].lr);
        expect(train(b, optB, stepOf(schedB), 3)).toBe(expected);
        for (const [k, v] of Object.entries(ref.stateDict())) expect(Array.from(b.stateDict()[k].data), k).toEqual(Array.from(v.data));
      });
    }
  }

  it("the file is safetensors PyTorch reads: tensors under dotted paths, the rest in the metadata", () => {
    const model = make();
    const opt = new optim.Adam(model.parameters());
    train(model, opt, null, 1);
    const path = join(dir, "ckpt-layout.safetensors");
    save({ model: model.stateDict(), optimizer: opt.stateDict(), epoch: 1 }, path);
    const { tensors, metadata } = loadWithMetadata(path);
    expect(Object.keys(tensors)).toContain("model.0.weight");
    expect(Object.keys(tensors)).toContain("optimizer.state.0.expAvg");
    expect(tensors["model.1.num_batches_tracked"].toArray()).toEqual(1);
    expect(JSON.parse(metadata["gradlab.checkpoint"]).epoch).toBe(1);
    const py = execFileSync(PYTHON, ["-c", `import sys; sys.path.insert(0, ${JSON.stringify(join(import.meta.dirname, "torch"))}); import models, json
t, d, m = models.read(${JSON.stringify(path)}); print(json.dumps({"keys": len(t), "nbt": d["model.1.num_batches_tracked"], "epoch": json.loads(m["gradlab.checkpoint"])["epoch"]}))`]).toString();
    expect(JSON.parse(py)).toEqual({ keys: Object.keys(tensors).length, nbt: "I64", epoch: 1 });
    // A flat state dict stays a plain safetensors file, with no structure entry.
    save(model.stateDict(), join(dir, "flat.safetensors"));
    expect(loadWithMetadata(join(dir, "flat.safetensors")).metadata).toEqual({});
    expect(readFileSync(join(dir, "flat.safetensors")).subarray(8, 40).toString()).toMatch(/^\{"0\.weight"/);
  });

  it("a module or optimizer where a state dict belongs says to pass .stateDict()", () => {
    const model = make();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const p = join(dir, "bad");
    expect(() => save({ model, optimizer: opt } as never, p)).toThrow('save: "model" is an nn.Module (Sequential); save its state dict instead: model.stateDict()');
    expect(() => save({ model: model.stateDict(), optimizer: opt } as never, p)).toThrow('save: "optimizer" is an optimizer (SGD); save its state dict instead: optimizer.stateDict()');
    expect(() => save(model as never, p)).toThrow("save: the value is an nn.Module (Sequential); save its state dict instead: model.stateDict()");
    expect(() => save({ when: new Date() } as never, p)).toThrow('save: "when" is a Date, which a checkpoint cannot hold');
    expect(() => model.loadStateDict(make() as never)).toThrow("loadStateDict: got an nn.Module (Sequential), not a state dict; pass model.stateDict()");
    expect(() => opt.loadStateDict(opt as never)).toThrow("SGD.loadStateDict: got an optimizer, not its state; pass optimizer.stateDict()");
    save({ model: model.stateDict(), epoch: 2 }, join(dir, "whole"));
    expect(() => model.loadStateDict(load(join(dir, "whole")))).toThrow('loadStateDict: got a checkpoint whose "model" entry is this model\'s state dict; pass checkpoint.model');
    const prefixed = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [`module.${k}`, v]));
    expect(() => model.loadStateDict(prefixed)).toThrow('loadStateDict: every key starts with "module." (as PyTorch\'s DataParallel writes them); strip it');
    expect(() => new optim.Adam(model as never)).toThrow("Adam: params must be an iterable of tensors, got an nn.Module (Sequential); pass model.parameters()");
  });
});
