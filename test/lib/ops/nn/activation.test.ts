// Activations and softmax against published values and identities.
import { describe, expect, it } from "vitest";
import { F, arange, randn, tensor } from "../../../../lib/index.js";
import { erf, erfc, normalCdf } from "../../../../lib/backend/reference/special.js";
import { erfcFast } from "../../../../lib/backend/reference/activation.js";

const f64 = { dtype: "float64" as const };
const vals = (t: { data: ArrayLike<number> }) => Array.from(t.data);

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

describe("erf (for exact gelu)", () => {
  it("erfcFast (float32 gelu) keeps 2e-8 relative accuracy from 0 into the far tail", () => {
    for (let z = 0; z <= 26; z += 0.01) {
      expect(Math.abs(erfcFast(z) / erfc(z) - 1), `erfc(${z})`).toBeLessThan(2e-8);
    }
  });

  it("matches published values to within a few ulps", () => {
    // Abramowitz & Stegun table 7.1 / standard references.
    const table: [number, number][] = [
      [0, 0], [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149],
      [1.5, 0.9661051464753108], [2, 0.9953222650189527], [2.5, 0.999593047982555], [3, 0.9999779095030014],
      [4, 0.9999999845827421],
    ];
    for (const [x, v] of table) {
      expect(Math.abs(erf(x) - v)).toBeLessThan(1e-15);
      expect(Math.abs(erf(-x) + v)).toBeLessThan(1e-15);
    }
  });

  it("erfc keeps relative accuracy in the tail", () => {
    expect(erfc(5) / 1.5374597944280349e-12).toBeCloseTo(1, 13);
    expect(erfc(10) / 2.088487583762545e-45).toBeCloseTo(1, 13);
    expect(erfc(-3)).toBeCloseTo(2 - 2.209049699858544e-5, 15);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 15);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 15);
  });
});

describe("elementwise activations", () => {
  const x = tensor([-2, -0.5, 0, 1.5], f64);

  it("relu, leakyRelu, elu: hand-worked values", () => {
    expect(vals(F.relu(x))).toEqual([0, 0, 0, 1.5]);
    expect(vals(x.relu())).toEqual([0, 0, 0, 1.5]);
    expectClose(F.leakyRelu(x).data, [-0.02, -0.005, 0, 1.5]);
    expectClose(F.leakyRelu(x, { negativeSlope: 0.2 }).data, [-0.4, -0.1, 0, 1.5]);
    expectClose(F.leakyRelu(x, 0.2).data, [-0.4, -0.1, 0, 1.5]);
    expectClose(F.elu(x).data, [Math.exp(-2) - 1, Math.exp(-0.5) - 1, 0, 1.5]);
    expectClose(F.elu(x, { alpha: 2 }).data, [2 * (Math.exp(-2) - 1), 2 * (Math.exp(-0.5) - 1), 0, 1.5]);
  });

  it("relu keeps integer tensors integer", () => {
    const r = F.relu(tensor([-3, 4], { dtype: "int32" }));
    expect(r.dtype).toBe("int32");
    expect(vals(r)).toEqual([0, 4]);
  });

  it("gelu: published values, exact and tanh approximation", () => {
    const g = F.gelu(tensor([1, -1, 0, 2, -6], f64)).data;
    expect(g[0]).toBeCloseTo(0.8413447460685429, 15);
    expect(g[1]).toBeCloseTo(-0.15865525393145707, 15);
    expect(g[2]).toBe(0);
    expect(g[3]).toBeCloseTo(2 * 0.9772498680518208, 15);
    expect(g[4] / (-6 * 9.865876450376946e-10)).toBeCloseTo(1, 10); // x·Φ(x), Φ(−6) ≈ 9.8659e−10
    const t = F.gelu(tensor([1], f64), { approximate: "tanh" }).item();
    expect(t).toBeCloseTo(0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715)), 15);
    expect(Math.abs(t - 0.8413447460685429)).toBeLessThan(2e-4); // the approximation is close to exact
    expect(() => F.gelu(x, { approximate: "fast" as "tanh" })).toThrow(/gelu: approximate/);
  });

  it("silu, sigmoid, tanh, softplus", () => {
    const s1 = 1 / (1 + Math.exp(-1));
    expectClose(F.silu(tensor([1, -1, 0], f64)).data, [s1, -(1 - s1), 0]);
    expectClose(F.sigmoid(tensor([0, 1, 800, -800], f64)).data, [0.5, s1, 1, 0]);
    expect(tensor([2], f64).sigmoid().item()).toBeCloseTo(0.8807970779778823, 15);
    expectClose(F.tanh(tensor([0.5, -0.5], f64)).data, [0.46211715726000974, -0.46211715726000974]);
    expect(tensor([0.5], f64).tanh().item()).toBeCloseTo(0.46211715726000974, 15);
    const sp = F.softplus(tensor([0, 30, -800, 1], f64)).data;
    expect(sp[0]).toBeCloseTo(Math.LN2, 15);
    expect(sp[1]).toBe(30); // above the threshold: x itself
    expect(sp[2]).toBe(0);
    expect(sp[3]).toBeCloseTo(1.3132616875182228, 15);
    expect(F.softplus(tensor([1], f64), { beta: 2 }).item()).toBeCloseTo(Math.log(1 + Math.exp(2)) / 2, 15);
  });

  it("float32 in, float32 out; int input computes in float32", () => {
    expect(F.gelu(tensor([1, 2])).dtype).toBe("float32");
    expect(F.sigmoid(tensor([0], { dtype: "int32" })).dtype).toBe("float32");
    expect(F.sigmoid(tensor([0], { dtype: "int32" })).item()).toBe(0.5);
  });

  it("records named backward nodes", () => {
    const a = randn([3]).requiresGrad_();
    expect(F.relu(a).gradFn!.name).toBe("ReluBackward");
    expect(F.gelu(a).gradFn!.name).toBe("GeluBackward");
    expect(a.softmax(0).gradFn!.name).toBe("SoftmaxBackward");
    expect(a.logSoftmax(0).gradFn!.name).toBe("LogSoftmaxBackward");
  });

  it("reads non-contiguous inputs in logical order", () => {
    const base = arange(6, f64).sub(2.5).reshape(2, 3);
    const t = base.t(); // [3, 2], transposed storage
    expect(F.relu(t).toArray()).toEqual([[0, 0.5], [0, 1.5], [0, 2.5]]);
  });
});

describe("softmax / logSoftmax", () => {
  it("hand-worked values", () => {
    expectClose(F.softmax(tensor([1, 2, 3], f64), 0).data, [0.09003057317038046, 0.24472847105479764, 0.6652409557748219], 15);
  });

  it("rows sum to 1 along any dim; logSoftmax = log(softmax)", () => {
    const x = randn([3, 4, 5], f64).mul(3);
    for (const d of [0, 1, 2, -1]) {
      const s = F.softmax(x, d);
      const sums = s.sum(d).data;
      for (const v of sums) expect(v).toBeCloseTo(1, 14);
      expectClose(F.logSoftmax(x, d).data, s.log().data, 12);
      // Independent: exp(x) / sum(exp(x)) with core ops.
      expectClose(s.data, x.exp().div(x.exp().sum(d, true)).data, 14);
    }
  });

  it("is stable for huge logits", () => {
    expectClose(F.softmax(tensor([1000, 1000], f64), 0).data, [0.5, 0.5]);
    expectClose(F.logSoftmax(tensor([1000, 0], f64), 0).data, [0, -1000]);
    expectClose(F.softmax(tensor([-1000, 0]), 0).data, [0, 1]);
  });

  it("needs a valid dim", () => {
    expect(() => F.softmax(tensor([1, 2]), 2)).toThrow(/softmax: dim 2 out of range/);
    expect(() => F.softmax(tensor([1, 2]), undefined as unknown as number)).toThrow(/softmax: dim is required/);
  });
});

describe("less common activations", () => {
  const x = tensor([-4, -1, 0.5, 2, 7], f64);
  it("hardtanh, relu6, hardsigmoid, hardswish, softsign: hand-worked", () => {
    expect(vals(F.hardtanh(x))).toEqual([-1, -1, 0.5, 1, 1]);
    expect(vals(F.hardtanh(x, { minVal: -2, maxVal: 3 }))).toEqual([-2, -1, 0.5, 2, 3]);
    expect(vals(F.relu6(x))).toEqual([0, 0, 0.5, 2, 6]);
    expectClose(F.hardsigmoid(x).data, [0, 2 / 6, 3.5 / 6, 5 / 6, 1]);
    expectClose(F.hardswish(x).data, [0, -2 / 6, 0.5 * 3.5 / 6, 2 * 5 / 6, 7]);
    expectClose(F.softsign(x).data, [-0.8, -0.5, 0.5 / 1.5, 2 / 3, 7 / 8]);
  });

  it("selu, celu, logSigmoid, mish: published constants and identities", () => {
    // selu(1) = scale; selu(−∞) → −scale·alpha ≈ −1.7581
    expect(F.selu(tensor([1], f64)).item()).toBeCloseTo(1.0507009873554805, 15);
    expect(F.selu(tensor([-50], f64)).item()).toBeCloseTo(-1.7580993408473766, 13);
    expectClose(F.celu(x, { alpha: 2 }).data, [2 * (Math.exp(-2) - 1), 2 * (Math.exp(-0.5) - 1), 0.5, 2, 7]);
    expectClose(F.logSigmoid(x).data, vals(F.sigmoid(x).log()), 13);
    expect(F.logSigmoid(tensor([-800], f64)).item()).toBe(-800);
    expectClose(F.mish(x).data, vals(x.mul(F.softplus(x).tanh())), 13);
  });
});
