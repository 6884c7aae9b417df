// Margin and likelihood losses against hand-worked values (and PyTorch's documented example).
import { describe, expect, it } from "vitest";
import { F, tensor } from "../../../../lib/index.js";

const f64 = { dtype: "float64" as const };
const i32 = { dtype: "int32" as const };
const t = (v: unknown) => tensor(v as number[], f64);

describe("margin losses", () => {
  it("marginRankingLoss", () => {
    expect(F.marginRankingLoss(t([1, 2]), t([2, 0]), t([1, 1])).item()).toBeCloseTo(0.5, 15);
    expect(Array.from(F.marginRankingLoss(t([1, 2]), t([2, 0]), t([-1, 1]), { margin: 0.5, reduction: "none" }).data)).toEqual([0, 0]);
    expect(() => F.marginRankingLoss(t([1]), t([2]), t([0]))).toThrow(/marginRankingLoss: target values must be 1 or -1, got 0/);
  });

  it("hingeEmbeddingLoss and softMarginLoss", () => {
    expect(F.hingeEmbeddingLoss(t([0.3, 0.3, 2]), t([1, -1, -1])).item()).toBeCloseTo(1 / 3, 15);
    expect(F.softMarginLoss(t([0, 1000]), t([1, 1]), { reduction: "none" }).data[0]).toBeCloseTo(Math.LN2, 15);
    expect(F.softMarginLoss(t([-1000]), t([1])).item()).toBe(1000);
  });

  it("cosineEmbeddingLoss", () => {
    expect(F.cosineEmbeddingLoss(t([[1, 0]]), t([[0, 1]]), t([1])).item()).toBeCloseTo(1, 12);
    expect(F.cosineEmbeddingLoss(t([[1, 0]]), t([[1, 1]]), t([-1]), { margin: 0.5 }).item()).toBeCloseTo(Math.SQRT1_2 - 0.5, 10);
  });

  it("tripletMarginLoss", () => {
    expect(F.tripletMarginLoss(t([[0, 0]]), t([[3, 4]]), t([[0, 1]]), { eps: 0 }).item()).toBeCloseTo(5, 14);
    // swap with the 1-norm: d(p, n) = 6 > d(a, n) = 1, so the anchor distance stays
    expect(F.tripletMarginLoss(t([[0, 0]]), t([[3, 4]]), t([[0, 1]]), { eps: 0, swap: true, p: 1 }).item()).toBeCloseTo(7, 14);
  });

  it("multiMarginLoss: PyTorch's documented example gives 0.325", () => {
    expect(F.multiMarginLoss(t([[0.1, 0.2, 0.4, 0.8]]), tensor([3], i32)).item()).toBeCloseTo(0.325, 15);
    expect(F.multiMarginLoss(t([0.1, 0.2, 0.4, 0.8]), tensor(3, i32), { p: 2 }).item()).toBeCloseTo((0.09 + 0.16 + 0.36) / 4, 15);
  });
});

describe("likelihood losses", () => {
  it("poissonNllLoss", () => {
    expect(F.poissonNllLoss(t([0]), t([2])).item()).toBe(1);
    expect(F.poissonNllLoss(t([2]), t([2]), { logInput: false }).item()).toBeCloseTo(2 - 2 * Math.log(2 + 1e-8), 14);
    // full adds log(target!) ≈ t·log t − t + ½·log(2πt) for t > 1
    const full = F.poissonNllLoss(t([0]), t([3]), { full: true }).item();
    expect(full).toBeCloseTo(1 + 3 * Math.log(3) - 3 + 0.5 * Math.log(6 * Math.PI), 14);
  });

  it("gaussianNllLoss", () => {
    expect(F.gaussianNllLoss(t([1]), t([3]), t([4])).item()).toBeCloseTo(0.5 * (Math.log(4) + 1), 15);
    expect(F.gaussianNllLoss(t([1]), t([3]), t([4]), { full: true }).item()).toBeCloseTo(0.5 * (Math.log(4) + 1 + Math.log(2 * Math.PI)), 15);
  });
});
