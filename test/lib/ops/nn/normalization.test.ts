// layerNorm, batchNorm, groupNorm against their definitions (statistics computed here).
import { describe, expect, it } from "vitest";
import { F, ones, randn, tensor, zeros } from "../../../../lib/index.js";

const f64 = { dtype: "float64" as const };

function stats(v: number[]): { mean: number; varB: number; varU: number } {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const ss = v.reduce((s, x) => s + (x - mean) ** 2, 0);
  return { mean, varB: ss / v.length, varU: ss / (v.length - 1) };
}

describe("layerNorm", () => {
  it("hand-worked row", () => {
    // [1, 2, 3]: mean 2, biased var 2/3
    const out = F.layerNorm(tensor([[1, 2, 3]], f64), [3], { eps: 0 }).data;
    const r = Math.sqrt(1.5);
    [-r, 0, r].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 14));
  });

  it("each normalised group has mean 0 and variance 1; affine applies per element", () => {
    const x = randn([4, 2, 3], f64).mul(5).add(3);
    const y = F.layerNorm(x, [2, 3], { eps: 0 });
    for (let m = 0; m < 4; m++) {
      const s = stats(Array.from(y.select(0, m).data));
      expect(s.mean).toBeCloseTo(0, 13);
      expect(s.varB).toBeCloseTo(1, 12);
    }
    const w = randn([3], f64), b = randn([3], f64);
    const z = F.layerNorm(x, 3, { weight: w, bias: b });
    const plain = F.layerNorm(x, 3);
    const expected = plain.mul(w).add(b).data;
    Array.from(z.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 13));
  });

  it("eps enters under the square root", () => {
    const out = F.layerNorm(tensor([[0, 2]], f64), 2, { eps: 1 }).data; // var 1 → /√2
    expect(out[0]).toBeCloseTo(-1 / Math.SQRT2, 14);
  });

  it("errors name the shapes", () => {
    expect(() => F.layerNorm(randn([2, 3]), [4])).toThrow(/layerNorm: normalizedShape \[4\] must match the trailing dims of the input shape \[2, 3\]/);
    expect(() => F.layerNorm(randn([2, 3]), [3], { weight: randn([2]) })).toThrow(/layerNorm: weight of shape \[2\] does not match \[3\]/);
  });
});

describe("batchNorm", () => {
  it("training: per-channel batch statistics and PyTorch's running-stat update", () => {
    const x = randn([4, 2, 3], f64).mul(2).add(1);
    const rm = zeros([2], f64), rv = ones([2], f64);
    const y = F.batchNorm(x, rm, rv, { training: true, momentum: 0.1, eps: 0 });
    for (let c = 0; c < 2; c++) {
      const xs = Array.from(x.select(1, c).data), ys = Array.from(y.select(1, c).data);
      const sx = stats(xs), sy = stats(ys);
      expect(sy.mean).toBeCloseTo(0, 13);
      expect(sy.varB).toBeCloseTo(1, 12);
      expect(rm.data[c]).toBeCloseTo(0.1 * sx.mean, 14);
      expect(rv.data[c]).toBeCloseTo(0.9 + 0.1 * sx.varU, 14); // unbiased variance for the running stat
    }
  });

  it("eval: uses the running statistics, weight and bias", () => {
    const x = tensor([[1, 2], [3, 4]], f64);
    const y = F.batchNorm(x, tensor([1, 2], f64), tensor([4, 1], f64), { weight: tensor([2, 1], f64), bias: tensor([0, 10], f64), eps: 0 });
    expect(y.toArray()).toEqual([[0, 10], [2, 12]]);
  });

  it("running stats are not touched in eval, and may be null in training", () => {
    const rm = zeros([3], f64);
    F.batchNorm(randn([5, 3], f64), rm, ones([3], f64));
    expect(Array.from(rm.data)).toEqual([0, 0, 0]);
    expect(F.batchNorm(randn([5, 3, 2, 2]), null, null, { training: true }).shape).toEqual([5, 3, 2, 2]);
  });

  it("errors", () => {
    expect(() => F.batchNorm(randn([1, 3]), null, null, { training: true })).toThrow(/batchNorm: expected more than 1 value per channel when training, got input of shape \[1, 3\]/);
    expect(() => F.batchNorm(randn([2, 3]), null, null)).toThrow(/batchNorm: runningMean and runningVar are required/);
    expect(() => F.batchNorm(randn([2, 3]), zeros([2]), ones([2]))).toThrow(/batchNorm: runningMean must be a tensor of shape \[3\] \(input shape \[2, 3\]\), got \[2\]/);
  });
});

describe("groupNorm", () => {
  it("normalises each group of channels over all positions", () => {
    const x = randn([2, 4, 3], f64).mul(3).sub(1);
    const y = F.groupNorm(x, 2, { eps: 0 });
    for (let n = 0; n < 2; n++) for (let g = 0; g < 2; g++) {
      const s = stats(Array.from(y.select(0, n).narrow(0, 2 * g, 2).contiguous().data));
      expect(s.mean).toBeCloseTo(0, 13);
      expect(s.varB).toBeCloseTo(1, 12);
    }
    // one group = layerNorm over [C, L]; C groups with no affine = instance norm
    const ln = F.layerNorm(x, [4, 3], { eps: 0 }).data;
    Array.from(F.groupNorm(x, 1, { eps: 0 }).data).forEach((v, i) => expect(v).toBeCloseTo(ln[i], 13));
    expect(() => F.groupNorm(x, 3)).toThrow(/groupNorm: numGroups \(3\) must divide the 4 channels/);
  });
});

describe("instanceNorm", () => {
  it("each channel of each sample has mean 0 and variance 1", () => {
    const x = randn([2, 3, 4, 5], f64).mul(2).add(7);
    const y = F.instanceNorm(x, { eps: 0 });
    for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) {
      const s = stats(Array.from(y.select(0, n).select(0, c).contiguous().data));
      expect(s.mean).toBeCloseTo(0, 13);
      expect(s.varB).toBeCloseTo(1, 12);
    }
    expect(() => F.instanceNorm(randn([2, 3]))).toThrow(/instanceNorm: expected input of shape \[N, C, ...\]/);
  });
});

describe("batchNorm and later running-stat updates", () => {
  it("an eval-mode graph still backpropagates after a training-mode forward updated the running stats", () => {
    const rm = zeros([2]), rv = ones([2]);
    const x = randn([4, 2]).requiresGrad_();
    const evalOut = F.batchNorm(x, rm, rv);
    F.batchNorm(randn([4, 2]), rm, rv, { training: true });
    evalOut.sum().backward();
    // eval: d(sum)/dx = 1/√(var + eps) with the running var at forward time (1)
    for (const v of x.grad!.data) expect(v).toBeCloseTo(1 / Math.sqrt(1 + 1e-5), 6);
  });
});
