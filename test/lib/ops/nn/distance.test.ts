// normalize, cosineSimilarity, pairwiseDistance: hand-worked values.
import { describe, expect, it } from "vitest";
import { F, tensor, zeros } from "../../../../lib/index.js";

const f64 = { dtype: "float64" as const };

describe("normalize / cosineSimilarity / pairwiseDistance", () => {
  it("normalize gives unit rows; zero rows stay zero with a zero gradient", () => {
    expect(F.normalize(tensor([[3, 4], [0, 0]], f64)).toArray()).toEqual([[0.6, 0.8], [0, 0]]);
    expect(F.normalize(tensor([[3, 4]], f64), { p: 1 }).toArray()).toEqual([[3 / 7, 4 / 7]]);
    expect(F.normalize(tensor([[3], [4]], f64), { dim: 0 }).toArray()).toEqual([[0.6], [0.8]]);
    const z = zeros([1, 3], f64).requiresGrad_();
    F.normalize(z).sum().backward();
    expect(Array.from(z.grad!.data).every((v) => Number.isFinite(v))).toBe(true);
  });

  it("cosineSimilarity: hand-worked angles, broadcasting", () => {
    const a = tensor([[1, 0], [1, 1], [2, 0]], f64), b = tensor([[0, 1], [1, 1], [-3, 0]], f64);
    const c = F.cosineSimilarity(a, b).data;
    expect(c[0]).toBeCloseTo(0, 15);
    expect(c[1]).toBeCloseTo(1, 15);
    expect(c[2]).toBeCloseTo(-1, 15);
    const d = F.cosineSimilarity(a, tensor([1, 0], f64)).data;
    expect(d[1]).toBeCloseTo(Math.SQRT1_2, 15);
  });

  it("pairwiseDistance", () => {
    const r = F.pairwiseDistance(tensor([[0, 0], [1, 1]], f64), tensor([[3, 4], [1, 1]], f64), { eps: 0 }).data;
    expect(r[0]).toBeCloseTo(5, 14);
    expect(r[1]).toBe(0);
    expect(F.pairwiseDistance(tensor([[0, 0]], f64), tensor([[3, 4]], f64), { p: 1, eps: 0, keepdim: true }).toArray()).toEqual([[7]]);
  });
});
