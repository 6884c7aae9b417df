// Losses against hand-worked values and identities between them.
import { describe, expect, it } from "vitest";
import { F, oneHot, randn, tensor } from "../../../../lib/index.js";

const f64 = { dtype: "float64" as const };
const i32 = { dtype: "int32" as const };

/** log-softmax of one row, computed directly. */
function logSoftmaxRow(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

describe("crossEntropy with class indices", () => {
  const logits = tensor([[1, 2, 3], [1, 1, 1]], f64);
  const target = tensor([2, 0], i32);

  it("hand-worked mean, sum and none", () => {
    const l0 = -Math.log(0.6652409557748219), l1 = Math.log(3);
    expect(F.crossEntropy(logits, target).item()).toBeCloseTo((l0 + l1) / 2, 14);
    expect(F.crossEntropy(logits, target, { reduction: "sum" }).item()).toBeCloseTo(l0 + l1, 14);
    const none = F.crossEntropy(logits, target, { reduction: "none" });
    expect(none.shape).toEqual([2]);
    expect(none.data[0]).toBeCloseTo(l0, 14);
    expect(none.data[1]).toBeCloseTo(l1, 14);
    expect(F.crossEntropy(logits, target).gradFn).toBeNull(); // no input requires grad
    expect(F.crossEntropy(logits.detach().requiresGrad_(), target).gradFn!.name).toBe("CrossEntropyBackward");
  });

  it("class weights: mean divides by the summed weight of the targets", () => {
    const w = tensor([1, 2, 3], f64);
    const l0 = -Math.log(0.6652409557748219), l1 = Math.log(3);
    expect(F.crossEntropy(logits, target, { weight: w }).item()).toBeCloseTo((3 * l0 + 1 * l1) / 4, 14);
    expect(F.crossEntropy(logits, target, { weight: w, reduction: "sum" }).item()).toBeCloseTo(3 * l0 + l1, 14);
  });

  it("ignoreIndex drops targets from the loss and the mean's count", () => {
    const l0 = -Math.log(0.6652409557748219);
    expect(F.crossEntropy(logits, tensor([2, -100], i32)).item()).toBeCloseTo(l0, 14);
    expect(F.crossEntropy(logits, tensor([2, 1], i32), { ignoreIndex: 1 }).item()).toBeCloseTo(l0, 14);
    const none = F.crossEntropy(logits, tensor([-100, 0], i32), { reduction: "none" }).data;
    expect(none[0]).toBe(0);
    // Gradient of ignored rows is zero.
    const x = logits.detach().requiresGrad_();
    F.crossEntropy(x, tensor([2, -100], i32)).backward();
    expect(Array.from(x.grad!.data).slice(3)).toEqual([0, 0, 0]);
  });

  it("label smoothing: (1 − ε)·nll + ε·mean over classes of −log p", () => {
    const eps = 0.2;
    const rows = [[1, 2, 3], [1, 1, 1]], ys = [2, 0];
    let expected = 0;
    rows.forEach((r, n) => {
      const lp = logSoftmaxRow(r);
      expected += (1 - eps) * -lp[ys[n]] + (eps / 3) * -lp.reduce((s, v) => s + v, 0);
    });
    expect(F.crossEntropy(logits, target, { labelSmoothing: eps }).item()).toBeCloseTo(expected / 2, 14);
  });

  it("gradient is (softmax − onehot) / N", () => {
    const x = logits.detach().requiresGrad_();
    F.crossEntropy(x, target).backward();
    const p0 = [0.09003057317038046, 0.24472847105479764, 0.6652409557748219];
    const expected = [p0[0] / 2, p0[1] / 2, (p0[2] - 1) / 2, (1 / 3 - 1) / 2, 1 / 6, 1 / 6];
    const g = x.grad!.data;
    expected.forEach((v, i) => expect(g[i]).toBeCloseTo(v, 14));
  });

  it("is stable for huge logits", () => {
    const l = F.crossEntropy(tensor([[1000, 0], [-1000, 1000]], f64), tensor([0, 0], i32), { reduction: "none" }).data;
    expect(l[0]).toBeCloseTo(0, 12);
    expect(l[1]).toBeCloseTo(2000, 9);
  });

  it("[N, C, d1, d2] equals the flattened [N·d1·d2, C] problem", () => {
    const x = randn([2, 3, 2, 2], f64), y = tensor([0, 2, 1, 1, 2, 0, 0, 1], i32).reshape(2, 2, 2);
    const flatX = x.permute(0, 2, 3, 1).reshape(-1, 3), flatY = y.reshape(-1);
    expect(F.crossEntropy(x, y, { labelSmoothing: 0.1 }).item()).toBeCloseTo(F.crossEntropy(flatX, flatY, { labelSmoothing: 0.1 }).item(), 13);
    const none = F.crossEntropy(x, y, { reduction: "none" });
    expect(none.shape).toEqual([2, 2, 2]);
    const flatNone = F.crossEntropy(flatX, flatY, { reduction: "none" }).data;
    Array.from(none.data).forEach((v, i) => expect(v).toBeCloseTo(flatNone[i], 13));
  });

  it("unbatched [C] input with a 0-d target", () => {
    const l = F.crossEntropy(tensor([1, 2, 3], f64), tensor(2, i32));
    expect(l.shape).toEqual([]);
    expect(l.item()).toBeCloseTo(-Math.log(0.6652409557748219), 14);
  });

  it("equals nllLoss(logSoftmax(x))", () => {
    const x = randn([5, 4], f64), y = tensor([3, 0, 1, 1, 2], i32), w = tensor([0.5, 1, 2, 1.5], f64);
    expect(F.crossEntropy(x, y, { weight: w }).item()).toBeCloseTo(F.nllLoss(x.logSoftmax(1), y, { weight: w }).item(), 14);
  });

  it("errors name the problem and shapes", () => {
    expect(() => F.crossEntropy(logits, tensor([2, 0]))).toThrow(/crossEntropy: .*must be int32.*float32.*\[2\]/);
    expect(() => F.crossEntropy(logits, tensor([2, 0, 1], i32))).toThrow(/target shape \[3\] does not match input shape \[2, 3\]/);
    expect(() => F.crossEntropy(logits, tensor([3, 0], i32))).toThrow(/target 3 is out of bounds for 3 classes/);
    expect(() => F.crossEntropy(logits, target, { reduction: "avg" as "mean" })).toThrow(/reduction must be/);
    expect(() => F.crossEntropy(logits, target, { weight: tensor([1, 2], f64) })).toThrow(/weight must be a 1-D tensor of 3 class weights, got shape \[2\]/);
    expect(() => F.crossEntropy(logits, tensor([[0.5, 0.5]], f64))).toThrow(/probability target shape \[1, 2\] does not match input shape \[2, 3\]/);
  });
});

describe("crossEntropy with probability targets", () => {
  it("one-hot probabilities give the class-index loss, with or without smoothing and weights", () => {
    const x = randn([4, 3], f64), y = tensor([2, 0, 1, 2], i32);
    const probs = oneHot(y, 3).to("float64");
    for (const opts of [{}, { labelSmoothing: 0.3 }, { reduction: "sum" as const }]) {
      expect(F.crossEntropy(x, probs, opts).item()).toBeCloseTo(F.crossEntropy(x, y, opts).item(), 13);
    }
  });

  it("hand-worked soft target", () => {
    // −Σ t·log p with p = softmax([0, ln 3]) = [1/4, 3/4], t = [1/2, 1/2]
    const l = F.crossEntropy(tensor([[0, Math.log(3)]], f64), tensor([[0.5, 0.5]], f64)).item();
    expect(l).toBeCloseTo(-(0.5 * Math.log(0.25) + 0.5 * Math.log(0.75)), 14);
  });

  it("mean divides by the number of samples, not the weights", () => {
    const x = randn([3, 2], f64), t = randn([3, 2], f64).softmax(1), w = tensor([2, 0.5], f64);
    const lp = x.logSoftmax(1);
    const expected = lp.mul(t).mul(w).sum().neg().item() / 3;
    expect(F.crossEntropy(x, t, { weight: w }).item()).toBeCloseTo(expected, 13);
  });
});

describe("nllLoss", () => {
  it("hand-worked values with weights and ignoreIndex", () => {
    const lp = tensor([[-1, -2, -3], [-0.5, -1.5, -2.5]], f64);
    expect(F.nllLoss(lp, tensor([1, 2], i32)).item()).toBeCloseTo((2 + 2.5) / 2, 14);
    expect(F.nllLoss(lp, tensor([1, 2], i32), { weight: tensor([1, 2, 4], f64) }).item()).toBeCloseTo((4 + 10) / 6, 14);
    expect(F.nllLoss(lp, tensor([1, 2], i32), { ignoreIndex: 2, reduction: "sum" }).item()).toBe(2);
    expect(Array.from(F.nllLoss(lp, tensor([0, 1], i32), { reduction: "none" }).data)).toEqual([1, 1.5]);
  });
});

describe("regression losses", () => {
  const a = tensor([1, 2, 3], f64), b = tensor([1, 0, 5], f64);
  it("mseLoss and l1Loss", () => {
    expect(F.mseLoss(a, b).item()).toBeCloseTo(8 / 3, 14);
    expect(F.mseLoss(a, b, { reduction: "sum" }).item()).toBe(8);
    expect(Array.from(F.mseLoss(a, b, { reduction: "none" }).data)).toEqual([0, 4, 4]);
    expect(F.l1Loss(a, b).item()).toBeCloseTo(4 / 3, 14);
    expect(F.l1Loss(a, b, { reduction: "sum" }).item()).toBe(4);
  });

  it("mseLoss broadcasts target against input", () => {
    expect(F.mseLoss(tensor([[1, 2], [3, 4]], f64), tensor([1, 2], f64), { reduction: "sum" }).item()).toBe(8);
    expect(() => F.mseLoss(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(/mseLoss: shapes \[3\] and \[2\]/);
  });

  it("huberLoss and smoothL1Loss", () => {
    // errors 0.5 and 3 with delta 1: 0.5·0.25 and 1·(3 − 0.5)
    const x = tensor([0.5, 3], f64), z = tensor([0, 0], f64);
    expect(F.huberLoss(x, z, { reduction: "sum" }).item()).toBeCloseTo(0.125 + 2.5, 14);
    expect(F.huberLoss(x, z, { delta: 2, reduction: "sum" }).item()).toBeCloseTo(0.125 + 2 * (3 - 1), 14);
    // smoothL1 with beta 2: 0.5·0.25/2 and 3 − 1
    expect(F.smoothL1Loss(x, z, { beta: 2, reduction: "sum" }).item()).toBeCloseTo(0.0625 + 2, 14);
    expect(F.smoothL1Loss(x, z, { beta: 0 }).item()).toBeCloseTo(1.75, 14);
  });

  it("klDiv", () => {
    const p = tensor([[0.25, 0.75]], f64), q = tensor([[0.5, 0.5]], f64);
    const kl = 0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75);
    expect(F.klDiv(p.log(), q, { reduction: "sum" }).item()).toBeCloseTo(kl, 14);
    expect(F.klDiv(p.log(), q.log(), { reduction: "batchmean", logTarget: true }).item()).toBeCloseTo(kl, 14);
    expect(F.klDiv(p.log(), q).item()).toBeCloseTo(kl / 2, 14);
  });
});

describe("binary cross-entropy", () => {
  it("hand-worked values; logs clamped at −100", () => {
    const l = F.binaryCrossEntropy(tensor([0.8, 0.3], f64), tensor([1, 0], f64)).item();
    expect(l).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 14);
    expect(F.binaryCrossEntropy(tensor([0], f64), tensor([1], f64)).item()).toBe(100);
    expect(F.binaryCrossEntropy(tensor([1], f64), tensor([1], f64)).item()).toBe(0);
    const w = F.binaryCrossEntropy(tensor([0.8, 0.3], f64), tensor([1, 0], f64), { weight: tensor([2, 1], f64), reduction: "sum" }).item();
    expect(w).toBeCloseTo(-(2 * Math.log(0.8) + Math.log(0.7)), 14);
    expect(() => F.binaryCrossEntropy(tensor([1.5]), tensor([1]))).toThrow(/binaryCrossEntropy: input values must be probabilities/);
    expect(() => F.binaryCrossEntropy(tensor([0.5, 0.5]), tensor([1]))).toThrow(/target shape \[1\] must match input shape \[2\]/);
  });

  it("withLogits equals binaryCrossEntropy(sigmoid(x)) and stays finite for huge logits", () => {
    const x = randn([3, 4], f64).mul(3), t = randn([3, 4], f64).sigmoid();
    expect(F.binaryCrossEntropyWithLogits(x, t).item()).toBeCloseTo(F.binaryCrossEntropy(x.sigmoid(), t).item(), 12);
    const big = F.binaryCrossEntropyWithLogits(tensor([-1000, 1000], f64), tensor([1, 1], f64), { reduction: "none" }).data;
    expect(big[0]).toBe(1000);
    expect(big[1]).toBe(0);
  });

  it("posWeight scales the positive term", () => {
    // x = 0: each term is log 2; target 1 with posWeight 3 gives 3·log 2
    const l = F.binaryCrossEntropyWithLogits(tensor([[0, 0]], f64), tensor([[1, 0]], f64), { posWeight: tensor([3, 3], f64), reduction: "none" }).data;
    expect(l[0]).toBeCloseTo(3 * Math.LN2, 14);
    expect(l[1]).toBeCloseTo(Math.LN2, 14);
  });
});

describe("saved tensors", () => {
  it("changing the target in place before backward is detected", () => {
    const x = randn([2, 3]).requiresGrad_(), y = tensor([0, 2], i32);
    const l = F.crossEntropy(x, y);
    y.fill_(1);
    expect(() => l.backward()).toThrow(/modified by an in-place operation/);
  });
});
