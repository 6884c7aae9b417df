// PyTorch idioms that must exist and type-check as PyTorch users write them.
import { describe, expect, it } from "vitest";
import { F, Tensor, autograd, isfinite, isinf, isnan, tensor } from "../../lib/index.js";

describe("isnan / isinf / isfinite", () => {
  const x = tensor([1, NaN, Infinity, -Infinity, -0, 3e38]);
  it("as functions, methods and in F, on float tensors", () => {
    expect(isnan(x).toArray()).toEqual([false, true, false, false, false, false]);
    expect(x.isinf().toArray()).toEqual([false, false, true, true, false, false]);
    expect(F.isfinite(x).toArray()).toEqual([true, false, false, false, true, true]);
    expect(isnan(x).dtype).toBe("bool");
    const f64 = x.to("float64").reshape([2, 3]).transpose(0, 1);
    expect(f64.isnan().shape).toEqual([3, 2]);
    expect(f64.isnan().toArray()).toEqual([[false, false], [true, false], [false, false]]);
    expect(f64.isinf().toArray()).toEqual([[false, true], [false, false], [true, false]]);
  });
  it("integer and bool tensors are finite", () => {
    const i = tensor([1, -2], { dtype: "int32" });
    expect(isnan(i).toArray()).toEqual([false, false]);
    expect(isinf(i).toArray()).toEqual([false, false]);
    expect(isfinite(tensor([true, false], { dtype: "bool" })).toArray()).toEqual([true, true]);
  });
  it("counts NaNs the PyTorch way: x.isnan().sum()", () => {
    expect(x.isnan().sum().item()).toBe(1);
    expect(x.isfinite().logicalNot().sum().item()).toBe(3);
  });
});

describe("autograd.grad overloads", () => {
  it("results are tensors without non-null assertions; null only with allowUnused", () => {
    const a = tensor([2], { requiresGrad: true });
    const b = tensor([5], { requiresGrad: true });
    const y = a.mul(a).sum();
    const [ga]: Tensor[] = autograd.grad(y, [a], { retainGraph: true });
    expect(ga.item()).toBe(4); // type-checks: ga is a Tensor
    const [ga2, gb] = autograd.grad(y, [a, b], { allowUnused: true });
    // @ts-expect-error with allowUnused a result may be null (type-level check, not called)
    const unchecked = () => gb.item();
    expect(typeof unchecked).toBe("function");
    expect(gb).toBeNull();
    expect(ga2!.item()).toBe(4);
    const opts = { allowUnused: false as boolean };
    const r: (Tensor | null)[] = autograd.grad(a.mul(3).sum(), a, opts);
    expect(r[0]!.item()).toBe(3);
  });
});
