import { describe, expect, it } from "vitest";
import { nn, tensor, manualSeed, noGrad, type Tensor } from "../../../lib/index.js";
import { expectAllClose, gradcheckModule, rand64 } from "./helpers.js";

function setData(t: Tensor, values: number[]): void {
  (t.data as Float32Array | Float64Array).set(values);
}

describe("Linear", () => {
  it("computes x Wᵀ + b (hand case) on 2-D and 3-D input", () => {
    const lin = new nn.Linear(2, 3);
    setData(lin.weight, [1, 2, 3, 4, 5, 6]);
    setData(lin.bias!, [0.5, -1, 0]);
    expect(lin.call(tensor([[1, -1]])).toArray()).toEqual([[-0.5, -2, -1]]);
    expect(lin.call(tensor([[[1, -1], [0, 1]]])).toArray()).toEqual([[[-0.5, -2, -1], [2.5, 3, 6]]]);
    expect(() => lin.call(tensor([[1, 2, 3]]))).toThrow(/Linear: input of shape \[1, 3\]/);
  });

  it("default init is U(±1/√in) for weight and bias", () => {
    manualSeed(0);
    const lin = new nn.Linear(100, 50);
    const bound = 1 / 10;
    const w = Array.from(lin.weight.data);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(variance).toBeCloseTo((bound * bound) / 3, 3); // U(−b, b) has variance b²/3
    expect(Math.max(...Array.from(lin.bias!.data).map(Math.abs))).toBeLessThanOrEqual(bound);
  });

  it("gradcheck", () => {
    gradcheckModule(new nn.Linear(3, 2, { dtype: "float64" }), [rand64([4, 3])]);
  });
});

describe("init", () => {
  it("xavierUniform bound √(6/(fan_in+fan_out)), kaimingNormal std √2/√fan_in, calculateGain", () => {
    manualSeed(1);
    const t = tensor(new Float64Array(200 * 300), { dtype: "float64" }).reshape(200, 300);
    nn.init.xavierUniform(t);
    const a = Math.sqrt(6 / 500);
    const d = Array.from(t.data);
    expect(Math.max(...d.map(Math.abs))).toBeLessThanOrEqual(a);
    expect(Math.max(...d.map(Math.abs))).toBeGreaterThan(0.99 * a);
    nn.init.kaimingNormal(t, { nonlinearity: "relu" });
    const v = Array.from(t.data).reduce((s, x) => s + x * x, 0) / t.numel;
    expect(v).toBeCloseTo(2 / 300, 3);
    expect(nn.init.calculateGain("tanh")).toBeCloseTo(5 / 3, 12);
    expect(nn.init.calculateGain("leaky_relu", 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 12);
    expect(() => nn.init.xavierUniform(tensor([1, 2]))).toThrow(/fewer than 2 dimensions/);
  });
});

describe("containers and shape modules", () => {
  it("Flatten keeps the batch dim", () => {
    expect(new nn.Flatten().call(tensor(new Float32Array(24)).reshape(2, 3, 4)).shape).toEqual([2, 12]);
  });
  it("Sequential gradcheck through Linear–Tanh–Linear", () => {
    const seq = new nn.Sequential(new nn.Linear(3, 4, { dtype: "float64" }), new nn.Tanh(), new nn.Linear(4, 2, { dtype: "float64" }));
    gradcheckModule(seq, [rand64([2, 3])]);
  });
});

describe("activations", () => {
  it("hand values", () => {
    const x = tensor([[-2, 0, 1]]);
    expect(new nn.ReLU().call(x).toArray()).toEqual([[0, 0, 1]]);
    expectAllClose(new nn.LeakyReLU(0.1).call(x).toArray(), [[-0.2, 0, 1]]);
    expectAllClose(new nn.Sigmoid().call(x).toArray(), [[1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-1))]]);
    expectAllClose(new nn.Tanh().call(x).toArray(), [[Math.tanh(-2), 0, Math.tanh(1)]]);
    // GELU(x) = x Φ(x); Φ(1) = 0.8413447460685429, Φ(−2) = 0.022750131948179195
    expectAllClose(new nn.GELU().call(x).toArray(), [[-2 * 0.022750131948179195, 0, 0.8413447460685429]]);
    const e = [Math.exp(-2), 1, Math.E];
    const s = e[0] + e[1] + e[2];
    expectAllClose(new nn.Softmax(1).call(x).toArray(), [e.map((v) => v / s)]);
    expectAllClose(new nn.LogSoftmax(-1).call(x).toArray(), [e.map((v) => Math.log(v / s))]);
  });
});

describe("Conv1d / Conv2d", () => {
  /** Direct convolution with plain loops: the definition of PyTorch's cross-correlation. */
  function refConv2d(x: number[][][][], w: number[][][][], b: number[], stride: number, pad: number, dil: number, groups: number) {
    const [N, C, H, W] = [x.length, x[0].length, x[0][0].length, x[0][0][0].length];
    const [O, Cg, KH, KW] = [w.length, w[0].length, w[0][0].length, w[0][0][0].length];
    const OH = Math.floor((H + 2 * pad - dil * (KH - 1) - 1) / stride) + 1;
    const OW = Math.floor((W + 2 * pad - dil * (KW - 1) - 1) / stride) + 1;
    const og = O / groups;
    const out: number[][][][] = [];
    for (let n = 0; n < N; n++) {
      out.push([]);
      for (let o = 0; o < O; o++) {
        out[n].push([]);
        const g = Math.floor(o / og);
        for (let i = 0; i < OH; i++) {
          out[n][o].push([]);
          for (let j = 0; j < OW; j++) {
            let s = b[o];
            for (let c = 0; c < Cg; c++)
              for (let p = 0; p < KH; p++)
                for (let q = 0; q < KW; q++) {
                  const r = i * stride - pad + p * dil;
                  const cc = j * stride - pad + q * dil;
                  if (r >= 0 && r < H && cc >= 0 && cc < W) s += x[n][g * Cg + c][r][cc] * w[o][c][p][q];
                }
            out[n][o][i].push(s);
          }
        }
      }
    }
    void C;
    return out;
  }

  it("Conv2d matches the direct definition (stride 2, padding 1, dilation 2, groups 2)", () => {
    manualSeed(3);
    const conv = new nn.Conv2d(4, 6, 3, { stride: 2, padding: 1, dilation: 2, groups: 2, dtype: "float64" });
    expect(conv.weight.shape).toEqual([6, 2, 3, 3]);
    const x = rand64([2, 4, 7, 6], false);
    const y = conv.call(x);
    const ref = refConv2d(
      x.toArray() as number[][][][],
      conv.weight.toArray() as number[][][][],
      conv.bias!.toArray() as number[],
      2,
      1,
      2,
      2,
    );
    expect(y.shape).toEqual([2, 6, ref[0][0].length, ref[0][0][0].length]);
    expectAllClose(y.toArray(), ref, 1e-10);
  });

  it("Conv2d hand case: a 2×2 box filter", () => {
    const conv = new nn.Conv2d(1, 1, 2, { bias: false });
    setData(conv.weight, [1, 1, 1, 1]);
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    expect(conv.call(x).toArray()).toEqual([[[[12, 16], [24, 28]]]]);
    expect(String(new nn.Conv2d(1, 6, 5, { padding: 2 }))).toBe("Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))");
  });

  it("Conv1d hand case: [1, 2, 3, 4] * [1, −1] with padding 1", () => {
    const conv = new nn.Conv1d(1, 1, 2, { padding: 1 });
    setData(conv.weight, [1, -1]);
    setData(conv.bias!, [0.5]);
    expect(conv.call(tensor([[[1, 2, 3, 4]]])).toArray()).toEqual([[[-0.5, -0.5, -0.5, -0.5, 4.5]]]);
  });

  it("gradcheck Conv1d and Conv2d", () => {
    gradcheckModule(new nn.Conv1d(2, 3, 3, { stride: 2, padding: 1, dtype: "float64" }), [rand64([2, 2, 7])]);
    gradcheckModule(new nn.Conv2d(2, 2, 3, { padding: 1, groups: 2, dtype: "float64" }), [rand64([1, 2, 4, 4])]);
  });
});

describe("pooling", () => {
  const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
  it("MaxPool2d / AvgPool2d / AdaptiveAvgPool2d hand cases", () => {
    expect(new nn.MaxPool2d(2).call(x).toArray()).toEqual([[[[6, 8], [14, 16]]]]);
    expect(new nn.AvgPool2d(2).call(x).toArray()).toEqual([[[[3.5, 5.5], [11.5, 13.5]]]]);
    expect(new nn.MaxPool2d(3, { stride: 1 }).call(x).toArray()).toEqual([[[[11, 12], [15, 16]]]]);
    expect(new nn.AdaptiveAvgPool2d(1).call(x).toArray()).toEqual([[[[8.5]]]]);
    expect(new nn.AdaptiveAvgPool2d(2).call(x).toArray()).toEqual([[[[3.5, 5.5], [11.5, 13.5]]]]);
  });
  it("gradcheck", () => {
    gradcheckModule(new nn.AvgPool2d(2), [rand64([1, 2, 4, 4])]);
    gradcheckModule(new nn.MaxPool2d(2), [rand64([1, 2, 4, 4])]);
    gradcheckModule(new nn.AdaptiveAvgPool2d([2, 1]), [rand64([1, 1, 4, 3])]);
  });
});

describe("normalisation", () => {
  it("BatchNorm1d: batch statistics in training, running averages updated with unbiased variance", () => {
    const bn = new nn.BatchNorm1d(2);
    const x = tensor([[1, 10], [2, 20], [3, 30], [6, 60]]);
    const y = bn.call(x).toArray() as number[][];
    // Feature 0: mean 3, biased var (4+1+0+9)/4 = 3.5, unbiased 14/3
    const expected0 = [1, 2, 3, 6].map((v) => (v - 3) / Math.sqrt(3.5 + 1e-5));
    expectAllClose(y.map((r) => r[0]), expected0);
    expectAllClose(bn.running_mean!.toArray(), [0.1 * 3, 0.1 * 30]);
    expectAllClose(bn.running_var!.toArray(), [0.9 + 0.1 * (14 / 3), 0.9 + 0.1 * (1400 / 3)]);
    expect(bn.num_batches_tracked!.item()).toBe(1);
    // eval: (x − running_mean) / √(running_var + ε)
    bn.eval();
    const z = bn.call(tensor([[1, 1]])).toArray() as number[][];
    expectAllClose(z[0], [(1 - 0.3) / Math.sqrt(0.9 + 1.4 / 3 + 1e-5), (1 - 3) / Math.sqrt(0.9 + 140 / 3 + 1e-5)]);
    expect(bn.num_batches_tracked!.item()).toBe(1);
    expect(Object.keys(bn.stateDict())).toEqual(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]);
  });

  it("BatchNorm2d normalises each channel over N, H, W; momentum null is a cumulative average", () => {
    const bn = new nn.BatchNorm2d(1, { momentum: null, affine: false });
    bn.call(tensor([[[[0, 2], [4, 6]]]])); // mean 3
    bn.call(tensor([[[[1, 1], [1, 1]]]])); // mean 1
    expectAllClose(bn.running_mean!.toArray(), [2]);
    const y = new nn.BatchNorm2d(1).call(tensor([[[[0, 2], [4, 6]]]])).toArray();
    expectAllClose(y, [[[[-3, -1], [1, 3]].map((r) => r.map((v) => v / Math.sqrt(5 + 1e-5)))]]);
  });

  it("LayerNorm over the last dim (hand case) and gradcheck", () => {
    const ln = new nn.LayerNorm(4);
    const y = ln.call(tensor([[1, 2, 3, 4]])).toArray();
    expectAllClose(y, [[-1.5, -0.5, 0.5, 1.5].map((v) => v / Math.sqrt(1.25 + 1e-5))]);
    const ln64 = new nn.LayerNorm([2, 3], { dtype: "float64" });
    noGrad(() => {
      ln64.weight!.copy_(rand64([2, 3], false));
      ln64.bias!.copy_(rand64([2, 3], false));
    });
    gradcheckModule(ln64, [rand64([2, 2, 3])]);
  });

  it("BatchNorm gradcheck in training mode", () => {
    gradcheckModule(new nn.BatchNorm1d(3, { dtype: "float64" }), [rand64([5, 3])]);
    gradcheckModule(new nn.BatchNorm2d(2, { dtype: "float64" }), [rand64([2, 2, 2, 2])]);
  });
});

describe("Dropout and Embedding", () => {
  it("Dropout zeroes ≈ p of the entries and scales the rest by 1/(1−p) in training; identity in eval", () => {
    manualSeed(5);
    const d = new nn.Dropout(0.25);
    const x = tensor(new Float32Array(4000).fill(1));
    const y = Array.from(d.call(x).data);
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros / 4000).toBeGreaterThan(0.22);
    expect(zeros / 4000).toBeLessThan(0.28);
    expect(y.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    d.eval();
    expect(Array.from(d.call(x).data).every((v) => v === 1)).toBe(true);
  });

  it("Embedding looks up rows; the padding row stays zero and gets no gradient", () => {
    const emb = new nn.Embedding(4, 2, { paddingIdx: 0 });
    setData(emb.weight, [0, 0, 1, 2, 3, 4, 5, 6]);
    const idx = tensor([[1, 0], [3, 1]], { dtype: "int32" });
    const y = emb.call(idx);
    expect(y.toArray()).toEqual([[[1, 2], [0, 0]], [[5, 6], [1, 2]]]);
    y.sum().backward();
    expect(emb.weight.grad!.toArray()).toEqual([[0, 0], [2, 2], [0, 0], [1, 1]]);
    const fresh = new nn.Embedding(5, 3, { paddingIdx: 2 });
    expect(Array.from(fresh.weight.data.subarray(6, 9))).toEqual([0, 0, 0]);
  });
});

describe("losses as modules", () => {
  const pred = tensor([[0.5, 2], [1, -1]]);
  const target = tensor([[1, 1], [0, 0]]);
  it("MSELoss and L1Loss with reductions", () => {
    expect(new nn.MSELoss().call(pred, target).item()).toBeCloseTo((0.25 + 1 + 1 + 1) / 4, 6);
    expect(new nn.MSELoss({ reduction: "sum" }).call(pred, target).item()).toBeCloseTo(3.25, 6);
    expect(new nn.L1Loss().call(pred, target).item()).toBeCloseTo((0.5 + 1 + 1 + 1) / 4, 6);
    expect(new nn.L1Loss({ reduction: "none" }).call(pred, target).toArray()).toEqual([[0.5, 1], [1, 1]]);
  });

  it("CrossEntropyLoss and NLLLoss (hand values)", () => {
    const logits = tensor([[1, 2, 3], [1, 1, 1]]);
    const y = tensor([2, 0], { dtype: "int32" });
    const lse = Math.log(Math.E + Math.E ** 2 + Math.E ** 3);
    const l0 = lse - 3;
    const l1 = Math.log(3);
    expect(new nn.CrossEntropyLoss().call(logits, y).item()).toBeCloseTo((l0 + l1) / 2, 5);
    // label smoothing ε: (1 − ε)·nll + ε·mean_c(−log p_c)
    const eps = 0.1;
    const smooth0 = (1 - eps) * l0 + (eps / 3) * (3 * lse - 6);
    const smooth1 = l1;
    expect(new nn.CrossEntropyLoss({ labelSmoothing: eps }).call(logits, y).item()).toBeCloseTo((smooth0 + smooth1) / 2, 5);
    const logp = tensor([[-0.1, -2.3], [-1.2, -0.4]]);
    expect(new nn.NLLLoss().call(logp, tensor([1, 0], { dtype: "int32" })).item()).toBeCloseTo((2.3 + 1.2) / 2, 6);
  });

  it("BCELoss and BCEWithLogitsLoss (hand values)", () => {
    const p = tensor([0.8, 0.3]);
    const t = tensor([1, 0]);
    const bce = -(Math.log(0.8) + Math.log(0.7)) / 2;
    expect(new nn.BCELoss().call(p, t).item()).toBeCloseTo(bce, 5);
    const z = tensor([2, -1]);
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    expect(new nn.BCEWithLogitsLoss().call(z, t).item()).toBeCloseTo(-(Math.log(s(2)) + Math.log(1 - s(-1))) / 2, 5);
  });

  it("CrossEntropyLoss gradcheck", () => {
    const logits = rand64([3, 4]);
    const y = tensor([0, 3, 1], { dtype: "int32" });
    gradcheckModule(new nn.CrossEntropyLoss({ labelSmoothing: 0.2 }), [logits, y], (a, b) => new nn.CrossEntropyLoss({ labelSmoothing: 0.2 }).forward(a, b));
  });
});

describe("Embedding copies", () => {
  it("a deep copy keeps the padding row frozen", () => {
    const emb = nn.deepCopy(new nn.Embedding(3, 2, { paddingIdx: 1 }));
    emb.call(tensor([1, 1, 2], { dtype: "int32" })).sum().backward();
    expect(emb.weight.grad!.toArray()).toEqual([[0, 0], [0, 0], [1, 1]]);
  });
});

describe("more layers: Softplus, GroupNorm, Dropout2d, 1-D pooling, Huber/SmoothL1/KL losses", () => {
  it("hand values", () => {
    expect(new nn.Softplus().call(tensor([0])).item()).toBeCloseTo(Math.log(2), 6);
    const gn = new nn.GroupNorm(2, 4);
    const y = gn.call(tensor([[[1], [3], [10], [14]]])).toArray();
    expectAllClose(y, [[[-1 / Math.sqrt(1 + 1e-5)], [1 / Math.sqrt(1 + 1e-5)], [-2 / Math.sqrt(4 + 1e-5)], [2 / Math.sqrt(4 + 1e-5)]]]);
    expect(new nn.MaxPool1d(2).call(tensor([[[1, 3, 2, 5]]])).toArray()).toEqual([[[3, 5]]]);
    expect(new nn.AvgPool1d(2).call(tensor([[[1, 3, 2, 5]]])).toArray()).toEqual([[[2, 3.5]]]);
    const pred = tensor([0.5, 3]);
    const target = tensor([0, 1]);
    // errors 0.5 and 2: ½·0.5² = 0.125 and 2 − ½ = 1.5
    expect(new nn.HuberLoss().call(pred, target).item()).toBeCloseTo(0.8125, 6);
    expect(new nn.SmoothL1Loss({ beta: 1 }).call(pred, target).item()).toBeCloseTo(0.8125, 6);
    const p = [0.25, 0.75];
    const q = [0.5, 0.5];
    const kl = p[0] * Math.log(p[0] / q[0]) + p[1] * Math.log(p[1] / q[1]);
    expect(new nn.KLDivLoss({ reduction: "batchmean" }).call(tensor([q.map(Math.log)]), tensor([p])).item()).toBeCloseTo(kl, 6);
  });

  it("Dropout2d drops whole channels", () => {
    manualSeed(8);
    const y = new nn.Dropout2d(0.5).call(tensor(new Float32Array(2 * 50 * 4).fill(1)).reshape(2, 50, 2, 2));
    const d = Array.from(y.data);
    let dropped = 0;
    for (let c = 0; c < 100; c++) {
      const ch = d.slice(4 * c, 4 * c + 4);
      expect(new Set(ch).size).toBe(1);
      if (ch[0] === 0) dropped++;
    }
    expect(dropped).toBeGreaterThan(30);
    expect(dropped).toBeLessThan(70);
  });

  it("GroupNorm gradcheck", () => {
    const gn = new nn.GroupNorm(2, 4, { dtype: "float64" });
    noGrad(() => gn.weight!.copy_(rand64([4], false)));
    gradcheckModule(gn, [rand64([2, 4, 3])]);
  });
});

describe("nn.utils vectors", () => {
  it("parametersToVector / vectorToParameters round-trip in order", () => {
    const lin = new nn.Linear(2, 2);
    const v = nn.utils.parametersToVector(lin.parameters());
    expect(v.shape).toEqual([6]);
    expect(Array.from(v.data)).toEqual([...Array.from(lin.weight.data), ...Array.from(lin.bias!.data)]);
    nn.utils.vectorToParameters(tensor([1, 2, 3, 4, 5, 6]), lin.parameters());
    expect(lin.weight.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(lin.bias!.toArray()).toEqual([5, 6]);
    expect(() => nn.utils.vectorToParameters(tensor([1]), lin.parameters())).toThrow(/does not hold the 6 parameter values/);
  });
});

describe("gradcheck sweep over the remaining modules", () => {
  it("activations, Flatten, Embedding, PositionalEncoding, losses, cells; Dropout with a fixed mask", () => {
    manualSeed(40);
    const x = () => rand64([3, 4]);
    for (const m of [new nn.ReLU(), new nn.LeakyReLU(0.2), new nn.ELU(), new nn.GELU(), new nn.GELU("tanh"), new nn.SiLU(), new nn.Sigmoid(), new nn.Tanh(), new nn.Softplus(), new nn.Softmax(1), new nn.LogSoftmax(0), new nn.Flatten(0)]) {
      gradcheckModule(m, [x()]);
    }
    const emb = new nn.Embedding(5, 3, { dtype: "float64" });
    gradcheckModule(emb, [], () => emb.forward(tensor([[0, 4], [4, 2]], { dtype: "int32" })));
    gradcheckModule(new nn.PositionalEncoding(4, { maxLen: 8, dtype: "float64" }), [rand64([3, 2, 4])]);
    const target = rand64([3, 4], false);
    const probs = tensor([[0.2, 0.9, 0.5, 0.1], [0.7, 0.3, 0.6, 0.4], [0.5, 0.5, 0.8, 0.2]], { dtype: "float64" });
    gradcheckModule(new nn.MSELoss(), [x(), target]);
    gradcheckModule(new nn.L1Loss({ reduction: "sum" }), [x(), target]);
    gradcheckModule(new nn.HuberLoss({ delta: 0.5 }), [x(), target]);
    gradcheckModule(new nn.BCEWithLogitsLoss(), [x(), probs]);
    gradcheckModule(new nn.BCELoss(), [tensor([[0.3, 0.6], [0.8, 0.1]], { dtype: "float64", requiresGrad: true }), tensor([[1, 0], [0, 1]], { dtype: "float64" })]);
    gradcheckModule(new nn.NLLLoss(), [x(), tensor([0, 3, 1], { dtype: "int32" })]);
    gradcheckModule(new nn.RNNCell(3, 2, { dtype: "float64" }), [rand64([2, 3]), rand64([2, 2])]);
    gradcheckModule(new nn.GRUCell(3, 2, { dtype: "float64" }), [rand64([2, 3]), rand64([2, 2])]);
    const drop = new nn.Dropout(0.4);
    const input = x();
    gradcheckModule(drop, [input], (v) => {
      manualSeed(41); // the same mask on every evaluation
      return drop.forward(v);
    });
  });
});

describe("Conv padding modes", () => {
  it('padding "same" keeps the size; "valid" is no padding', () => {
    const x = rand64([1, 2, 5, 6], false).float();
    expect(new nn.Conv2d(2, 3, 3, { padding: "same" }).call(x).shape).toEqual([1, 3, 5, 6]);
    expect(new nn.Conv2d(2, 3, 3, { padding: "valid" }).call(x).shape).toEqual([1, 3, 3, 4]);
    expect(new nn.Conv1d(2, 3, 4, { padding: "same" }).call(x.select(2, 0)).shape).toEqual([1, 3, 6]);
    expect(() => new nn.Conv2d(2, 3, 3, { padding: "same", stride: 2 })).toThrow(/"same" is not supported for strided convolutions/);
  });
});
