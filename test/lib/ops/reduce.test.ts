import { describe, expect, it } from "vitest";
import { arange, logsumexp, tensor, zeros } from "../../../lib/index.js";

const x = () => tensor([[1, 5, 3], [4, 2, 6]]);

describe("reductions", () => {
  it("sum and mean over all, one and several dims", () => {
    expect(x().sum().toArray()).toBe(21);
    expect(x().sum().shape).toEqual([]);
    expect(x().sum(0).toArray()).toEqual([5, 7, 9]);
    expect(x().sum(1).toArray()).toEqual([9, 12]);
    expect(x().sum(-1, true).toArray()).toEqual([[9], [12]]);
    expect(x().sum([0, 1]).toArray()).toBe(21);
    expect(x().mean().toArray()).toBe(3.5);
    expect(x().mean(0).toArray()).toEqual([2.5, 3.5, 4.5]);
    const t = arange(24).reshape(2, 3, 4);
    // Non-adjacent dims: sum over dims 0 and 2 of n = 12a + 4b + c is 2*4*(4b) + 4*(12*1) + 2*6.
    expect(t.sum([0, 2]).toArray()).toEqual([60, 92, 124]);
    expect(t.transpose(0, 2).sum(0).toArray()).toEqual(t.sum(2).t().toArray());
    expect(zeros([0, 3]).sum(0).toArray()).toEqual([0, 0, 0]);
  });

  it("prod", () => {
    expect(x().prod().toArray()).toBe(720);
    expect(x().prod(1).toArray()).toEqual([15, 48]);
    expect(x().prod(0, true).toArray()).toEqual([[4, 10, 18]]);
  });

  it("max/min with and without dim, argmax/argmin (first on ties)", () => {
    expect(x().max().toArray()).toBe(6);
    expect(x().min().toArray()).toBe(1);
    const { values, indices } = x().max(1);
    expect(values.toArray()).toEqual([5, 6]);
    expect(indices.toArray()).toEqual([1, 2]);
    expect(indices.dtype).toBe("int32");
    const [v2, i2] = x().max(1); // destructures like PyTorch's (values, indices) tuple
    expect(v2.toArray()).toEqual([5, 6]);
    expect(i2.toArray()).toEqual([1, 2]);
    const m = x().min(0, true);
    expect(m.values.toArray()).toEqual([[1, 2, 3]]);
    expect(m.indices.toArray()).toEqual([[0, 1, 0]]);
    expect(x().argmax().toArray()).toBe(5);
    expect(x().argmin(1).toArray()).toEqual([0, 1]);
    expect(tensor([2, 7, 7, 1]).argmax().toArray()).toBe(1);
    expect(x().amax(0).toArray()).toEqual([4, 5, 6]);
    expect(x().amin([0, 1]).toArray()).toBe(1);
    expect(tensor([1, NaN, 3]).max().toArray()).toBeNaN();
    expect(() => zeros([0]).max()).toThrow(/^max: cannot reduce over an empty dim/);
    expect(() => x().sum(2)).toThrow(/sum: dim 2 out of range/);
  });

  it("var and std (hand-worked)", () => {
    const t = tensor([2, 4, 4, 4, 5, 5, 7, 9]);
    // mean 5, squared deviations sum to 32.
    expect(t.var().item()).toBeCloseTo(32 / 7, 6);
    expect(t.var(0, { unbiased: false }).item()).toBeCloseTo(4, 6);
    expect(t.std(0, { correction: 0 }).item()).toBeCloseTo(2, 6);
    expect(x().var(1).toArray()).toEqual([4, 4]);
    expect(x().std(0, { keepdim: true }).shape).toEqual([1, 3]);
  });

  it("logsumexp is stable and matches the definition", () => {
    const t = tensor([[1, 2, 3], [1000, 1000, 1000]], { dtype: "float64" });
    const r = logsumexp(t, 1);
    expect(r.data[0]).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), 12);
    expect(r.data[1]).toBeCloseTo(1000 + Math.log(3), 10);
    expect(tensor([-Infinity, -Infinity]).logsumexp(0).item()).toBe(-Infinity);
    expect(t.logsumexp(1, true).shape).toEqual([2, 1]);
  });

  it("gradient of max(dim) goes to the winner; amax splits ties", () => {
    const a = tensor([[1, 3, 3]], { requiresGrad: true });
    a.max(1).values.sum().backward();
    expect(a.grad!.toArray()).toEqual([[0, 1, 0]]);
    const b = tensor([1, 3, 3], { requiresGrad: true });
    b.amax().backward();
    expect(b.grad!.toArray()).toEqual([0, 0.5, 0.5]);
  });

  it("float32 sums accumulate in double precision", () => {
    const t = tensor(new Float32Array(1_000_000).fill(0.1));
    expect(Math.abs(t.sum().item() - 100000)).toBeLessThan(0.05);
    const rows = tensor(new Float32Array(200_000).fill(0.1)).reshape(100_000, 2);
    expect(Math.abs(rows.sum(0).data[0] - 10000)).toBeLessThan(0.01);
  });
});
