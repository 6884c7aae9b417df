// Every differentiable core op against finite differences (float64), with broadcasting and
// non-contiguous (transposed / sliced) inputs. Functional NN ops are checked in test/lib/ops/nn.
import { describe, expect, it } from "vitest";
import {
  F, Tensor, arange, cat, chunk, gather, gradcheck, indexSelect, manualSeed, matmul, maximum, minimum, randn, scatterAdd,
  split, stack, tensor, unbind, where, zeros, type GradcheckOptions,
} from "../../lib/index.js";
import { backwardNamesIn, collectNames } from "./gradcheck-coverage.js";

const f64 = { dtype: "float64" as const };

/** A float64 leaf that requires grad. */
function leaf(shape: number[], shift = 0): Tensor {
  return randn(shape, f64).add(shift).detach().requiresGrad_();
}

/** A non-contiguous float64 leaf (transposed storage). */
function ncLeaf(shape: number[], shift = 0): Tensor {
  const rev = shape.slice().reverse();
  const base = randn(rev, f64).add(shift);
  const t = base.permute(rev.map((_, i) => rev.length - 1 - i)).detach().requiresGrad_();
  expect(t.isContiguous() || shape.filter((s) => s > 1).length < 2).toBe(shape.filter((s) => s > 1).length < 2);
  return t;
}

/** A sliced (offset, strided) float64 leaf. */
function slicedLeaf(shape: number[], shift = 0): Tensor {
  const big = randn([shape[0] * 2, ...shape.slice(1)], f64).add(shift);
  return big.slice(0, 1, null, 2).detach().requiresGrad_();
}

/** Positive values away from 0 for log/sqrt/div. */
function posLeaf(shape: number[]): Tensor {
  return randn(shape, f64).abs().add(0.5).detach().requiresGrad_();
}

type Case = [string, (...xs: Tensor[]) => Tensor | Tensor[], () => Tensor[], GradcheckOptions?];

const cases: Case[] = [
  // elementwise binary, with broadcasting and non-contiguous operands
  ["add", (a, b) => a.add(b), () => [leaf([3, 4]), leaf([4])]],
  ["add alpha + scalar", (a, b) => a.add(b, { alpha: -2 }).add(3), () => [ncLeaf([3, 4]), leaf([3, 1])]],
  ["sub", (a, b) => a.sub(b), () => [leaf([2, 1, 3]), ncLeaf([4, 3])]],
  ["rsub scalar", (a) => F.sub(2, a), () => [leaf([3])]],
  ["mul", (a, b) => a.mul(b), () => [slicedLeaf([2, 3]), leaf([2, 1])]],
  ["div", (a, b) => a.div(b), () => [ncLeaf([3, 2]), posLeaf([2])]],
  ["rdiv scalar", (a) => F.div(1.5, a), () => [posLeaf([4])]],
  ["pow scalar", (a) => a.pow(3), () => [leaf([2, 3])]],
  ["pow fractional", (a) => a.pow(0.5), () => [posLeaf([5])]],
  ["pow tensor", (a, b) => a.pow(b), () => [posLeaf([2, 3]), leaf([3])]],
  ["scalar pow tensor", (b) => F.pow(2, b), () => [leaf([4])]],
  ["maximum", (a, b) => maximum(a, b), () => [leaf([3, 4]), ncLeaf([4], 0.1)]],
  ["minimum", (a, b) => minimum(a, b), () => [ncLeaf([4, 3]), leaf([1, 3], 0.1)]],
  ["max(other)", (a, b) => a.max(b), () => [leaf([5]), leaf([5], 0.3)]],
  // unary
  ["neg", (a) => a.neg(), () => [ncLeaf([3, 2])]],
  ["abs", (a) => a.abs(), () => [posLeaf([4]).mul(tensor([1, -1, 1, -1], f64)).detach().requiresGrad_()]],
  ["exp", (a) => a.exp(), () => [ncLeaf([2, 3])]],
  ["log", (a) => a.log(), () => [posLeaf([2, 3])]],
  ["sqrt", (a) => a.sqrt(), () => [posLeaf([5])]],
  ["rsqrt", (a) => a.rsqrt(), () => [posLeaf([5])]],
  ["sin", (a) => a.sin(), () => [slicedLeaf([3, 2])]],
  ["cos", (a) => a.cos(), () => [leaf([4])]],
  ["square", (a) => a.square(), () => [ncLeaf([2, 2])]],
  ["reciprocal", (a) => a.reciprocal(), () => [posLeaf([3])]],
  ["log1p", (a) => a.log1p(), () => [posLeaf([3])]],
  ["expm1", (a) => a.expm1(), () => [leaf([3])]],
  ["clamp", (a) => a.clamp(-0.5, 0.5), () => [tensor([-1, -0.2, 0.3, 0.9, 2], f64).requiresGrad_()]],
  ["clamp min only", (a) => a.clamp(0.1), () => [tensor([-1, 0.5, 2], f64).requiresGrad_()]],
  ["where", (a, b) => where(a.gt(0), a, b), () => [leaf([3, 4]), leaf([4])]],
  ["where scalar", (a) => where(a.lt(0), 0, a.mul(2)), () => [ncLeaf([3, 3], 0.05)]],
  ["maskedFill", (a) => a.maskedFill(tensor([true, false, true]), -1), () => [leaf([2, 3])]],
  // reductions
  ["sum all", (a) => a.sum(), () => [ncLeaf([3, 4])]],
  ["sum dim", (a) => a.sum(1), () => [leaf([2, 3, 4])]],
  ["sum dims keepdim", (a) => a.sum([0, 2], true), () => [ncLeaf([2, 3, 4])]],
  ["mean", (a) => a.mean(-1), () => [slicedLeaf([2, 5])]],
  ["mean all", (a) => a.mean(), () => [leaf([3, 3])]],
  ["prod", (a) => a.prod(1), () => [leaf([3, 4])]],
  ["prod with zero", (a) => a.prod(), () => [tensor([2, 0, 3, -1], f64).requiresGrad_()]],
  ["prod two zeros", (a) => a.prod(0), () => [tensor([[0, 1], [0, 2], [3, 0.5]], f64).requiresGrad_()]],
  ["amax", (a) => a.amax(0), () => [ncLeaf([3, 4])]],
  ["amin keepdim", (a) => a.amin(1, true), () => [leaf([3, 4])]],
  ["max all", (a) => a.max(), () => [leaf([3, 4])]],
  ["max dim values", (a) => a.max(1).values, () => [ncLeaf([3, 4])]],
  ["min dim keepdim", (a) => a.min(0, true).values, () => [leaf([3, 4])]],
  ["var", (a) => a.var(1), () => [leaf([3, 5])]],
  ["var all unbiased false", (a) => a.var(null, { unbiased: false }), () => [ncLeaf([3, 2])]],
  ["std", (a) => a.std(0, { keepdim: true }), () => [slicedLeaf([4, 3])]],
  ["logsumexp", (a) => a.logsumexp(1), () => [ncLeaf([3, 4])]],
  ["logsumexp dims", (a) => a.logsumexp([0, 1], true), () => [leaf([3, 4], 50)]],
  // matmul
  ["matmul 2d", (a, b) => a.matmul(b), () => [leaf([3, 4]), leaf([4, 2])]],
  ["matmul transposed operands", (a, b) => a.matmul(b), () => [ncLeaf([3, 4]), ncLeaf([4, 2])]],
  ["matmul batched", (a, b) => matmul(a, b), () => [leaf([2, 3, 4]), ncLeaf([2, 4, 5])]],
  ["matmul broadcast batch", (a, b) => matmul(a, b), () => [leaf([2, 1, 3, 4]), leaf([3, 4, 2])]],
  ["matmul batched @ 2d", (a, b) => matmul(a, b), () => [leaf([2, 3, 4]), leaf([4, 2])]],
  ["matmul vec·vec", (a, b) => matmul(a, b), () => [leaf([4]), leaf([4])]],
  ["matmul mat@vec", (a, b) => matmul(a, b), () => [ncLeaf([3, 4]), leaf([4])]],
  ["matmul vec@batched", (a, b) => matmul(a, b), () => [leaf([3]), leaf([2, 3, 4])]],
  ["matmul sliced", (a, b) => a.matmul(b), () => [slicedLeaf([2, 3]), leaf([3, 3])]],
  // views
  ["reshape", (a) => a.reshape(6, 2).mul(tensor([1, 2], f64)), () => [leaf([3, 4])]],
  ["reshape non-contiguous", (a) => a.reshape(-1).mul(arange(12, f64)), () => [ncLeaf([3, 4])]],
  ["view", (a) => a.view([2, 2, 3]).sum(2), () => [leaf([4, 3])]],
  ["transpose", (a) => a.transpose(0, 2).mul(arange(24, f64).reshape(4, 3, 2)), () => [leaf([2, 3, 4])]],
  ["permute", (a) => a.permute(2, 0, 1).contiguous(), () => [ncLeaf([2, 3, 4])]],
  ["t / T", (a) => a.t().matmul(a).add(a.T.matmul(a)), () => [leaf([3, 2])]],
  ["unsqueeze/squeeze", (a) => a.unsqueeze(1).mul(arange(3, f64).reshape(3, 1)).squeeze(), () => [leaf([2, 1, 3]).squeeze(1).detach().requiresGrad_()]],
  ["flatten/unflatten", (a) => a.flatten(1).mul(arange(12, f64)).unflatten(1, [3, 4]), () => [ncLeaf([2, 3, 4])]],
  ["expand", (a) => a.expand(3, 2, 4).mul(arange(24, f64).reshape(3, 2, 4)), () => [leaf([2, 1])]],
  ["narrow", (a) => a.narrow(1, 1, 2), () => [ncLeaf([3, 4])]],
  ["select", (a) => a.select(0, -1), () => [leaf([3, 4])]],
  ["slice step", (a) => a.slice(1, 0, null, 2).mul(2), () => [slicedLeaf([2, 5])]],
  ["index basic", (a) => a.index(1, [0, 3], "..."), () => [leaf([3, 4, 2])]],
  ["index tensor", (a) => a.index(null, tensor([2, 0, 2], { dtype: "int32" })), () => [ncLeaf([2, 3])]],
  ["index bool mask", (a) => a.index(tensor([true, false, true])), () => [leaf([3, 2])]],
  ["contiguous", (a) => a.contiguous().mul(arange(6, f64).reshape(2, 3)), () => [ncLeaf([2, 3])]],
  ["clone", (a) => a.clone().mul(3), () => [leaf([3])]],
  ["repeat", (a) => a.repeat(2, 1, 3).mul(arange(36, f64).reshape(2, 3, 6)), () => [leaf([3, 2])]],
  // indexing
  ["indexSelect", (a) => indexSelect(a, 0, tensor([1, 1, 0], { dtype: "int32" })), () => [ncLeaf([2, 3])]],
  ["flip", (a) => a.flip([0, 2]), () => [ncLeaf([2, 3, 2])]],
  ["cumsum", (a) => a.cumsum(1), () => [ncLeaf([3, 4])]],
  ["sort values", (a) => a.sort(1, true).values, () => [slicedLeaf([3, 5])]],
  ["a view written in place", (a) => {
    const v = a.mul(1).narrow(1, 1, 2);
    v.mul_(3);
    return v;
  }, () => [leaf([3, 4])]],
  ["gather", (a) => gather(a, 1, tensor([[0, 0], [2, 1]], { dtype: "int32" })), () => [leaf([2, 3])]],
  ["scatterAdd", (a, s) => scatterAdd(a, 1, tensor([[0, 0], [2, 1]], { dtype: "int32" }), s), () => [leaf([2, 3]), ncLeaf([2, 2])]],
  ["gather 3-D middle dim, transposed input", (a) => gather(a, 1, tensor([[[0, 2], [1, 1]], [[2, 0], [0, 0]]], { dtype: "int32" })), () => [ncLeaf([2, 3, 2])]],
  ["scatterAdd 3-D dim 0", (a, s) => scatterAdd(a, 0, tensor([[[1], [0]], [[1], [1]]], { dtype: "int32" }), s), () => [leaf([2, 2, 3]), leaf([2, 2, 1])]],
  ["tril", (a) => a.tril(), () => [leaf([3, 3])]],
  ["triu batched", (a) => a.triu(1), () => [ncLeaf([2, 3, 4])]],
  // joining
  ["cat", (a, b) => cat([a, b], 1), () => [leaf([2, 3]), ncLeaf([2, 2])]],
  ["stack", (a, b) => stack([a, b], -1), () => [leaf([2, 3]), slicedLeaf([2, 3])]],
  ["split", (a) => split(a, 2, 1).map((p, i) => p.mul(i + 1)), () => [leaf([2, 5])]],
  ["chunk", (a) => chunk(a, 3, 0)[1], () => [ncLeaf([5, 2])]],
  ["unbind", (a) => unbind(a, 1)[2].mul(2), () => [leaf([2, 3])]],
  // dtype casts between floats
  ["to float32 and back", (a) => a.to("float32").to("float64").mul(2), () => [tensor([0.5, 0.25, -2], f64).requiresGrad_()], { eps: 1e-2, atol: 1e-4 }],
  // in-place on non-leaf tensors inside the graph
  ["in-place chain", (a, b) => { const h = a.mul(1); h.mul_(b).add_(b).sub_(1).div_(2); return h; }, () => [leaf([3]), leaf([3])]],
  ["in-place through views", (a, b) => { const h = a.mul(1); h.select(1, 0).mul_(b); h.narrow(1, 1, 2).add_(b.unsqueeze(1)); return h.square(); }, () => [leaf([2, 3]), leaf([2])]],
  ["copy_ rows into a buffer", (a) => { const buf = zeros([3, 2], f64); for (let t = 0; t < 3; t++) buf.select(0, t).copy_(a.mul(t + 1)); return buf.mul(buf); }, () => [leaf([2])]],
  ["copy_ into buffer", (a) => { const buf = zeros([2, 3], f64); buf.copy_(a); return buf.mul(buf); }, () => [leaf([3])]],
];

describe("gradcheck over every differentiable core op", () => {
  for (const [name, fn, make, opts] of cases) {
    it(name, () => {
      manualSeed(name.length * 7919 + name.charCodeAt(0));
      expect(gradcheck(fn, make(), opts)).toBe(true);
    });
  }
});

describe("gradcheck coverage", () => {
  it("every differentiable op in lib/ops/*.ts has a row in the table above", () => {
    manualSeed(7);
    const covered = new Set<string>();
    for (const [, fn, make] of cases) collectNames(fn, make(), covered);
    const missing = [...backwardNamesIn("lib/ops")].filter((n) => !covered.has(n)).sort();
    expect(missing, "backward nodes no gradcheck row builds: add a row for the op").toEqual([]);
  });
});

describe("gradcheck itself", () => {
  it("catches a wrong backward", () => {
    // x * x whose backward is made wrong by a hook doubling the gradient.
    const x = leaf([3]);
    const wrong = (a: Tensor) => {
      const y = a.mul(a);
      if (y.requiresGrad) y.registerHook((g) => g.mul(2));
      return y;
    };
    expect(() => gradcheck(wrong, [x])).toThrow(/gradcheck: gradient mismatch for input 0 \(shape \[3\]\)/);
    expect(gradcheck(wrong, [x], { raiseException: false })).toBe(false);
  });

  it("requires float64 leaves", () => {
    expect(() => gradcheck((a) => a.mul(2), [randn([2], { requiresGrad: true })])).toThrow(/float64/);
    expect(() => gradcheck((a) => a.mul(2), [randn([2], f64)])).toThrow(/no input requires grad/);
  });
});
