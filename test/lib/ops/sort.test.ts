import { describe, expect, it } from "vitest";
import { F, arange, gradcheck, randn, tensor } from "../../../lib/index.js";

describe("sort, topk, cumsum, flip", () => {
  it("sort is stable, along any dim, ascending or descending", () => {
    const t = tensor([[3, 1, 2, 1], [0, 5, 5, -1]]);
    const s = t.sort();
    expect(s.values.toArray()).toEqual([[1, 1, 2, 3], [-1, 0, 5, 5]]);
    expect(s.indices.toArray()).toEqual([[1, 3, 2, 0], [3, 0, 1, 2]]);
    const d = t.sort(0, true);
    expect(d.values.toArray()).toEqual([[3, 5, 5, 1], [0, 1, 2, -1]]);
    expect(d.indices.toArray()).toEqual([[0, 1, 1, 0], [1, 0, 0, 1]]);
    expect(tensor([2, NaN, 1]).sort().values.toArray()).toEqual([1, 2, NaN]);
    expect(t.argsort(1, true).toArray()).toEqual([[0, 2, 1, 3], [1, 2, 0, 3]]);
  });

  it("topk", () => {
    const t = tensor([[1, 9, 3, 7], [4, 2, 8, 6]]);
    const k = t.topk(2);
    expect(k.values.toArray()).toEqual([[9, 7], [8, 6]]);
    expect(k.indices.toArray()).toEqual([[1, 3], [2, 3]]);
    expect(t.topk(1, 0, { largest: false }).values.toArray()).toEqual([[1, 2, 3, 6]]);
    expect(() => t.topk(5)).toThrow(/topk: k \(5\) must be between 0 and the size of dim -1 \(4\)/);
  });

  it("cumsum and flip", () => {
    expect(arange(1, 5).cumsum(0).toArray()).toEqual([1, 3, 6, 10]);
    expect(tensor([[1, 2], [3, 4]]).cumsum(0).toArray()).toEqual([[1, 2], [4, 6]]);
    expect(tensor([[1, 2], [3, 4]]).t().cumsum(1).toArray()).toEqual([[1, 4], [2, 6]]);
    expect(tensor([true, true]).cumsum(0).dtype).toBe("int32");
    expect(arange(6).reshape(2, 3).flip(1).toArray()).toEqual([[2, 1, 0], [5, 4, 3]]);
    expect(arange(6).reshape(2, 3).flip(0, 1).toArray()).toEqual([[5, 4, 3], [2, 1, 0]]);
    expect(F.flip(arange(4), [0]).isContiguous()).toBe(true);
  });

  it("gradients (finite differences)", () => {
    const f64 = { dtype: "float64" as const };
    const x = randn([3, 4], f64).requiresGrad_();
    expect(gradcheck((a) => a.sort(1).values.mul(tensor([1, 2, 3, 4], f64)), [x])).toBe(true);
    expect(gradcheck((a) => a.topk(2, 0).values, [x])).toBe(true);
    expect(gradcheck((a) => a.t().cumsum(1), [x])).toBe(true);
    expect(gradcheck((a) => a.flip(0, 1).mul(arange(12, f64).reshape(3, 4)), [x])).toBe(true);
  });
});
