// autograd.grad (functional gradients) and createGraph (double backward).
import { describe, expect, it } from "vitest";
import { Tensor, autograd, enableGrad, gradcheck, matmul, randn, tensor } from "../../lib/index.js";

const f64 = { dtype: "float64" as const };

describe("autograd.grad", () => {
  it("returns gradients without touching .grad", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const [g] = autograd.grad(x.mul(x).sum(), x);
    expect(g!.toArray()).toEqual([2, 4, 6]);
    expect(x.grad).toBeNull();
  });

  it("handles several outputs and inputs, non-leaf inputs and gradOutputs", () => {
    const x = tensor([1, 2], { requiresGrad: true }), w = tensor([3, 4], { requiresGrad: true });
    const h = x.mul(w);
    const y = h.mul(2);
    const [gx, gh, gw] = autograd.grad([y, x.sum()], [x, h, w], { gradOutputs: [tensor([1, 10]), null] });
    expect(gh!.toArray()).toEqual([2, 20]);
    expect(gx!.toArray()).toEqual([2 * 3 + 1, 20 * 4 + 1]);
    expect(gw!.toArray()).toEqual([2 * 1, 20 * 2]);
  });

  it("unused inputs need allowUnused", () => {
    const x = tensor([1], { requiresGrad: true }), z = tensor([1], { requiresGrad: true });
    expect(() => autograd.grad(x.mul(2).sum(), [x, z])).toThrow(/grad: input 1 \(shape \[1\]\) was not used/);
    expect(autograd.grad(x.mul(2).sum(), [x, z], { allowUnused: true })[1]).toBeNull();
  });
});

describe("double backward (createGraph)", () => {
  it("second derivative of x^3 is 6x", () => {
    const x = tensor([1, -2, 0.5], { requiresGrad: true, dtype: "float64" });
    const [g] = autograd.grad(x.pow(3).sum(), x, { createGraph: true });
    expect(g!.toArray()).toEqual([3, 12, 0.75]);
    expect(g!.requiresGrad).toBe(true);
    g!.sum().backward();
    expect(x.grad!.toArray()).toEqual([6, -12, 3]);
  });

  it("backward({ createGraph }) leaves a differentiable .grad", () => {
    const x = tensor([2], { requiresGrad: true, dtype: "float64" });
    x.exp().mul(x).sum().backward({ createGraph: true }); // d/dx = e^x (1 + x)
    const g = x.grad!;
    expect(g.item()).toBeCloseTo(Math.exp(2) * 3, 10);
    const [gg] = autograd.grad(g.sum(), x); // e^x (2 + x)
    expect(gg!.item()).toBeCloseTo(Math.exp(2) * 4, 10);
  });

  // Second derivatives checked by finite differences of the first derivative.
  const v = (shape: number[]) => randn(shape, f64);
  const cases: [string, (x: Tensor) => Tensor, number[]][] = [
    ["exp * sin", (x) => x.exp().mul(x.sin()), [3]],
    ["div and pow", (x) => x.div(x.square().add(1)).pow(2), [4]],
    ["matmul with itself", (x) => matmul(x, x.t()), [2, 3]],
    ["log softmax-like", (x) => x.sub(x.logsumexp(1, true)), [2, 3]],
    ["mean/var", (x) => x.var(1).mul(x.mean(1)), [3, 4]],
    ["slices and cat", (x) => x.narrow(1, 0, 2).mul(x.slice(1, 1)).square(), [2, 3]],
    ["indexSelect", (x) => x.indexSelect(0, tensor([1, 1, 0], { dtype: "int32" })).square(), [2, 3]],
    ["gather and max", (x) => x.gather(1, tensor([[2], [0]], { dtype: "int32" })).square().add(x.amax(1, true).square()), [2, 3]],
    ["maximum and clamp", (x) => x.maximum(x.mul(0.3)).clamp(-1, 1).mul(x), [5]],
  ];
  for (const [name, f, shape] of cases) {
    it(`gradcheck of the gradient: ${name}`, () => {
      const x = randn(shape, f64).add(0.1).requiresGrad_();
      const w = v(f(x.detach()).shape as number[]);
      const firstDerivative = (a: Tensor) => enableGrad(() => autograd.grad(f(a).mul(w).sum(), a, { createGraph: true })[0]!);
      expect(gradcheck(firstDerivative, [x])).toBe(true);
    });
  }
});
