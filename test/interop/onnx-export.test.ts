// onnx.exportModel against a real runtime: each model is exported, run in onnxruntime-node
// on a batch of a different size than the sample (dynamic axes), and compared with gradlab.
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { F, Tensor, autograd, manualSeed, nn, noGrad, onnx, randint, randn, tensor } from "../../lib/index.js";
import { removeTempDirs, tempDir } from "../temp-dirs.js";

afterAll(removeTempDirs);
const dir = tempDir("gradlab-onnx-");

const ORT_TYPES = { float32: "float32", float64: "float64", int32: "int32", bool: "bool" } as const;

/** Exports `model` on `sample`, runs the file in onnxruntime on `inputs`, returns the max |diff| per output. */
async function roundTrip(name: string, model: nn.Module, sample: Tensor[], inputs: Tensor[], dynamic = true, opset = 17): Promise<number[]> {
  const path = join(dir, `${name}.onnx`);
  const inputNames = sample.map((_, i) => `x${i}`);
  model.eval();
  const expected = noGrad(() => model.call(...(inputs as []))) as unknown;
  const outs = (Array.isArray(expected) ? expected.flat(2) : [expected]).filter((t): t is Tensor => t instanceof Tensor);
  const outputNames = outs.map((_, i) => `y${i}`);
  const dynamicAxes = dynamic ? Object.fromEntries([...inputNames, ...outputNames].map((n) => [n, { 0: "batch" }])) : undefined;
  onnx.exportModel(model, sample, path, { inputNames, outputNames, dynamicAxes, opset });
  const session = await ort.InferenceSession.create(path);
  const feeds = Object.fromEntries(inputs.map((t, i) => [inputNames[i], new ort.Tensor(ORT_TYPES[t.dtype], t.contiguous().data as Float32Array, [...t.shape])]));
  const result = await session.run(feeds);
  return outs.map((t, i) => {
    const got = result[outputNames[i]];
    expect([...got.dims], `${name} output ${i} shape`).toEqual([...t.shape]);
    const a = got.data as Float32Array, e = t.contiguous().data;
    let d = 0;
    for (let k = 0; k < e.length; k++) d = Math.max(d, Math.abs(a[k] - e[k]));
    return d;
  });
}

async function expectMatches(name: string, model: nn.Module, sample: Tensor[], inputs: Tensor[], dynamic = true, opset = 17): Promise<void> {
  const diffs = await roundTrip(name, model, sample, inputs, dynamic, opset);
  for (const d of diffs) expect(d, name).toBeLessThanOrEqual(1e-4);
}

/** Moves BatchNorm's running statistics away from 0/1 with a few training batches. */
function warmUp(model: nn.Module, shape: number[]): void {
  model.train();
  noGrad(() => { for (let i = 0; i < 3; i++) model.call(randn(shape).mul(2).add(0.5)); });
  model.eval();
}

describe("onnx.exportModel: the tutorials' models in onnxruntime", () => {
  it("05/10: MLP with ReLU and Dropout", async () => {
    manualSeed(0);
    const mlp = new nn.Sequential(new nn.Linear(64, 256), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(256, 256), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(256, 10));
    await expectMatches("mlp", mlp, [randn([2, 64])], [randn([7, 64])]);
  });

  it("08: GAN generator and discriminator (Tanh, LeakyReLU)", async () => {
    const G = new nn.Sequential(new nn.Linear(8, 64), new nn.Tanh(), new nn.Linear(64, 64), new nn.Tanh(), new nn.Linear(64, 2));
    const D = new nn.Sequential(new nn.Linear(2, 64), new nn.LeakyReLU(0.2), new nn.Linear(64, 64), new nn.LeakyReLU(0.2), new nn.Linear(64, 1), new nn.Sigmoid());
    await expectMatches("generator", G, [randn([1, 8])], [randn([5, 8])]);
    const path = join(dir, "named.onnx");
    onnx.exportModel(G, [randn([1, 8])], path, { inputNames: ["noise vector"], outputNames: ["sample"] });
    const s = await ort.InferenceSession.create(path);
    expect([s.inputNames, s.outputNames]).toEqual([["noise vector"], ["sample"]]);
    await expectMatches("discriminator", D, [randn([1, 2])], [randn([5, 2])]);
  });

  it("06: CNN with BatchNorm (eval), max pooling, Flatten", async () => {
    manualSeed(1);
    const cnn = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(8, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(16 * 7 * 7, 10),
    );
    warmUp(cnn, [16, 1, 28, 28]);
    await expectMatches("cnn", cnn, [randn([1, 1, 28, 28])], [randn([4, 1, 28, 28])]);
  });

  it("07: LSTM forecaster (custom module, select of the last step)", async () => {
    class Forecaster extends nn.Module {
      lstm = new nn.LSTM(1, 32, { batchFirst: true });
      head = new nn.Linear(32, 1);
      override forward(x: Tensor): Tensor {
        const [out] = this.lstm.forward(x);
        return this.head.forward(out.select(1, 23));
      }
    }
    await expectMatches("forecaster", new Forecaster(), [randn([2, 24, 1])], [randn([5, 24, 1])]);
  });

  it("09: Transformer (Embedding, PositionalEncoding, TransformerEncoder, Linear)", async () => {
    manualSeed(2);
    class Reverser extends nn.Module {
      embed = new nn.Embedding(8, 32);
      pos = new nn.PositionalEncoding(32, { maxLen: 6, batchFirst: true });
      encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, dropout: 0, batchFirst: true }), 2);
      out = new nn.Linear(32, 8);
      override forward(x: Tensor): Tensor {
        return this.out.forward(this.encoder.forward(this.pos.forward(this.embed.forward(x))));
      }
    }
    await expectMatches("reverser", new Reverser(), [randint(0, 8, [2, 6])], [randint(0, 8, [9, 6])]);
  });
});

describe("onnx.exportModel: layers", () => {
  it("LSTM (2 layers, bidirectional), GRU and RNN: outputs and final states", async () => {
    manualSeed(3);
    const x = randn([6, 3, 4]), x2 = randn([6, 5, 4]);
    const seqFirst = { dynamic: false };
    await expectMatches("lstm2bi", new nn.LSTM(4, 5, { numLayers: 2, bidirectional: true }), [x], [x], seqFirst.dynamic);
    await expectMatches("gru", new nn.GRU(4, 5, { numLayers: 2 }), [x], [x], false);
    await expectMatches("rnn-relu", new nn.RNN(4, 5, { nonlinearity: "relu", bidirectional: true }), [x], [x], false);
    await expectMatches("lstm-batch-first", new nn.LSTM(4, 5, { batchFirst: true }), [x.transpose(0, 1)], [x2.transpose(0, 1)]);
  });

  it("MultiheadAttention, seq-first, with averaged weights; cross-attention", async () => {
    manualSeed(4);
    const mha = new nn.MultiheadAttention(8, 2);
    noGrad(() => { for (const p of mha.parameters()) p.add_(randn(p.shape as number[]).mul(0.2)); });
    class Cross extends nn.Module {
      attn = new nn.MultiheadAttention(8, 4, { batchFirst: true });
      override forward(q: Tensor, kv: Tensor): Tensor {
        return this.attn.call(q, kv, kv)[0];
      }
    }
    const q = randn([5, 3, 8]);
    await expectMatches("mha-self", new (class extends nn.Module { m = mha; override forward(x: Tensor) { return this.m.call(x, x, x); } })(), [q], [q], false);
    await expectMatches("mha-cross", new Cross(), [randn([1, 5, 8]), randn([1, 7, 8])], [randn([3, 5, 8]), randn([3, 7, 8])]);
  });

  it("attention masks: causal, a float attnMask, and a key padding mask fed as an input", async () => {
    manualSeed(7);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true });
    class Causal extends nn.Module {
      enc = new nn.TransformerEncoder(layer, 2);
      override forward(x: Tensor, pad: Tensor): Tensor {
        return this.enc.call(x, { mask: nn.causalMask(5), srcKeyPaddingMask: pad });
      }
    }
    const pad = (n: number) => tensor(Array.from({ length: n }, (_, i) => [false, false, false, i % 2 === 1, i % 3 === 2]), { dtype: "bool" });
    await expectMatches("causal-padded", new Causal(), [randn([2, 5, 8]), pad(2)], [randn([6, 5, 8]), pad(6)]);
    class Biased extends nn.Module {
      attn = new nn.MultiheadAttention(8, 2);
      bias = randn([3, 3]);
      override forward(x: Tensor): Tensor {
        return this.attn.call(x, x, x, { attnMask: this.bias, isCausal: false })[0];
      }
    }
    await expectMatches("float-mask", new Biased(), [randn([3, 2, 8])], [randn([3, 2, 8])], false);
    class Seq2Seq extends nn.Module {
      t = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 16, dropout: 0, batchFirst: true });
      override forward(src: Tensor, tgt: Tensor): Tensor {
        return this.t.call(src, tgt, { tgtMask: nn.causalMask(4), tgtIsCausal: true });
      }
    }
    await expectMatches("transformer", new Seq2Seq(), [randn([1, 6, 8]), randn([1, 4, 8])], [randn([3, 6, 8]), randn([3, 4, 8])]);
    const preNorm = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: "gelu", normFirst: true }), 2, { norm: new nn.LayerNorm(8) });
    await expectMatches("pre-norm-gelu", preNorm, [randn([5, 2, 8])], [randn([5, 2, 8])], false);
    await expectMatches("conv2d-groups", new nn.Conv2d(4, 6, 3, { stride: 2, padding: 2, dilation: 2, groups: 2 }), [randn([1, 4, 9, 9])], [randn([3, 4, 9, 9])]);
  });

  it("Conv1d, ConvTranspose2d, AvgPool2d, AdaptiveAvgPool2d, LayerNorm, GELU, SiLU, ELU, Softmax", async () => {
    manualSeed(5);
    const c1 = new nn.Sequential(new nn.Conv1d(3, 4, 3, { stride: 2, padding: 1 }), new nn.GELU(), new nn.Conv1d(4, 2, 3, { padding: "same", dilation: 2 }), new nn.Flatten(), new nn.Softmax(1));
    await expectMatches("conv1d", c1, [randn([1, 3, 10])], [randn([3, 3, 10])]);
    const pool1d = new nn.Sequential(new nn.Conv1d(2, 3, 3), new nn.MaxPool1d(3, { stride: 2, padding: 1, ceilMode: true }), new nn.AvgPool1d(2), new nn.Flatten());
    await expectMatches("pool1d", pool1d, [randn([1, 2, 13])], [randn([4, 2, 13])]);
    const adaptive = new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1 }), new nn.MaxPool2d(3, { stride: 1, dilation: 2 }), new nn.AdaptiveAvgPool2d([2, 2]), new nn.Flatten());
    await expectMatches("adaptive", adaptive, [randn([1, 2, 12, 12])], [randn([2, 2, 12, 12])]);
    const c2 = new nn.Sequential(new nn.ConvTranspose2d(3, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }), new nn.SiLU(), new nn.AvgPool2d(2, { padding: 1, countIncludePad: false }), new nn.ELU(0.5), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.LayerNorm(4), new nn.LogSoftmax(-1));
    await expectMatches("conv-transpose", c2, [randn([1, 3, 5, 5])], [randn([2, 3, 5, 5])]);
    const bn1 = new nn.Sequential(new nn.Linear(6, 5), new nn.BatchNorm1d(5), new nn.GELU("tanh"));
    warmUp(bn1, [16, 6]);
    await expectMatches("batchnorm1d", bn1, [randn([2, 6])], [randn([4, 6])]);
  });

  it("every other activation layer, and Unflatten", async () => {
    manualSeed(8);
    const acts = new nn.Sequential(
      new nn.Linear(4, 12), new nn.Softplus({ beta: 2 }), new nn.Linear(12, 12), new nn.Hardtanh({ minVal: -0.5, maxVal: 0.5 }), new nn.Linear(12, 12), new nn.ReLU6(),
      new nn.Linear(12, 12), new nn.SELU(), new nn.Linear(12, 12), new nn.CELU(0.7), new nn.Linear(12, 12), new nn.Mish(),
      new nn.Linear(12, 12), new nn.Hardswish(), new nn.Linear(12, 12), new nn.Hardsigmoid(), new nn.Linear(12, 12), new nn.Softsign(),
      new nn.Linear(12, 12), new nn.LogSigmoid(), new nn.Linear(12, 12), new nn.Threshold(0.1, -2), new nn.Linear(12, 12), new nn.GLU(),
      new nn.Linear(6, 6), new nn.Softmin(1), new nn.Unflatten(1, [2, 3]), new nn.PReLU({ numParameters: 2 }), new nn.Flatten(), new nn.Softplus(),
    );
    noGrad(() => { for (const p of acts.parameters()) p.mul_(3); });
    await expectMatches("activations", acts, [randn([1, 4])], [randn([9, 4]).mul(2)]);
  });

  it("ops between layers: arithmetic with tensors and numbers, views, reductions, F activations", async () => {
    manualSeed(6);
    class Glue extends nn.Module {
      a = new nn.Linear(6, 6);
      b = new nn.Linear(6, 4);
      scale = nn.Parameter(randn([6]));
      override forward(x: Tensor): Tensor {
        const h = this.a.call(x);
        const r = F.relu(h).add(x).mul(this.scale).sub(0.5).div(2); // residual, parameter, scalars
        const v = r.reshape([-1, 2, 3]).transpose(1, 2).flatten(1);    // [N, 6] again
        const s = F.softmax(v, 1).mul(F.gelu(v)).add(F.leakyRelu(v, 0.1)).add(v.exp().mean(1, true));
        return this.b.call(s.add(v.square().sum(-1, true).sqrt()).narrow(1, 0, 6)).neg();
      }
    }
    await expectMatches("glue", new Glue(), [randn([2, 6])], [randn([5, 6])]);
    await expectMatches("glue-opset18", new Glue(), [randn([2, 6])], [randn([5, 6])], true, 18);
  });

  it("unsupported ops fail with the op's name and where it ran", () => {
    class Cumulative extends nn.Module {
      fc = new nn.Linear(3, 3);
      override forward(x: Tensor): Tensor {
        return this.fc.call(x).cumsum(1);
      }
    }
    expect(() => onnx.exportModel(new Cumulative(), [randn([2, 3])], join(dir, "bad.onnx"))).toThrow(/onnx.exportModel: unsupported op Cumsum \(autograd node CumsumBackward\); export supports Add, Sub/);
    class Cube extends autograd.Function {
      static override forward(_c: autograd.Context, x: Tensor): Tensor { return x.pow(3); }
      static override backward(_c: autograd.Context, g: Tensor): Tensor { return g; }
    }
    class Inner extends nn.Module { override forward(x: Tensor) { return Cube.apply(x).cumsum(0); } }
    const outer = new nn.Sequential(new nn.Linear(3, 3), new Inner());
    expect(() => onnx.exportModel(outer, [randn([2, 3])], join(dir, "bad2.onnx"))).toThrow(/unsupported op Cumsum \(autograd node CumsumBackward\) in module "1"/);
    expect(() => onnx.exportModel(new nn.Linear(2, 2), [randn([1, 2])], join(dir, "bad4.onnx"), { inputNames: ["x"], dynamicAxes: { input: [0] } }))
      .toThrow('onnx.exportModel: dynamicAxes names "input", which is not an input (x) or output (output_0)');
    expect(() => onnx.exportModel(new nn.Linear(2, 2), [randn([1, 2])], join(dir, "bad5.onnx"), { inputNames: ["x"], outputNames: ["x"] }))
      .toThrow('onnx.exportModel: the name "x" is given to more than one input or output');
    const mp = new nn.MaxPool2d(2, { returnIndices: true });
    expect(() => onnx.exportModel(mp, [randn([1, 1, 4, 4])], join(dir, "bad3.onnx"))).toThrow("onnx.exportModel: MaxPool2d with returnIndices is not supported");
  });
});
