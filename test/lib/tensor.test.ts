import { describe, expect, it } from "vitest";
import { inspect } from "node:util";
import {
  Tensor, arange, eye, full, linspace, manualSeed, multinomial, ones, randperm, onesLike, rand, randint, randn, randnLike, tensor, zeros, zerosLike,
} from "../../lib/index.js";

describe("tensor creation", () => {
  it("infers shape and dtype from nested data", () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe("float32");
    expect(t.strides).toEqual([3, 1]);
    expect(t.numel).toBe(6);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensor([true, false]).dtype).toBe("bool");
    expect(tensor(new Float64Array([1, 2])).dtype).toBe("float64");
    expect(tensor(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(tensor(3).shape).toEqual([]);
    expect(tensor(3).item()).toBe(3);
    expect(tensor([]).shape).toEqual([0]);
  });

  it("accepts one-element tensors inside data", () => {
    expect(tensor([tensor(1), tensor([2])]).toArray()).toEqual([1, 2]);
    expect(() => tensor([tensor([1, 2])])).toThrow(/tensor: only one-element tensors/);
  });

  it("rejects ragged data, bad dtypes and PyTorch-style shape varargs", () => {
    expect(() => zeros(2, 3 as never)).toThrow(/zeros: options must be an object.*zeros\(\[2, 3\]\)/);
    expect(() => tensor([[1, 2], [3]])).toThrow(/tensor: ragged/);
    expect(() => zeros([2], { dtype: "int64" as never })).toThrow(/unknown dtype/);
    expect(() => tensor([1, 2], { dtype: "int32", requiresGrad: true })).toThrow(/only float tensors/);
  });

  it("fills, ranges and identities", () => {
    expect(zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(ones(3).toArray()).toEqual([1, 1, 1]);
    expect(full([2], 7, { dtype: "int32" }).toArray()).toEqual([7, 7]);
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 7, 2).toArray()).toEqual([1, 3, 5]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(Array.from(linspace(0, 1, 5, { dtype: "float64" }).data)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    const t = tensor([[1, 2]], { dtype: "float64" });
    expect(zerosLike(t).dtype).toBe("float64");
    expect(onesLike(t).toArray()).toEqual([[1, 1]]);
  });

  it("random draws are reproducible and have the right statistics", () => {
    manualSeed(42);
    const a = randn([10000]);
    manualSeed(42);
    const b = randn([10000]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const m = a.mean().item(), s = a.std().item();
    expect(Math.abs(m)).toBeLessThan(0.05); // 5 standard errors of the mean
    expect(Math.abs(s - 1)).toBeLessThan(0.05);
    const u = rand([10000]);
    expect(u.min().item()).toBeGreaterThanOrEqual(0);
    expect(u.max().item()).toBeLessThan(1);
    expect(Math.abs(u.mean().item() - 0.5)).toBeLessThan(0.02);
    const r = randint(3, 6, [1000]);
    expect(r.dtype).toBe("int32");
    expect(r.min().item()).toBe(3);
    expect(r.max().item()).toBe(5);
    expect(randint(2, [5]).max().item()).toBeLessThanOrEqual(1);
    expect(randnLike(a).shape).toEqual([10000]);
    manualSeed(1);
    const c = randn([5]);
    expect(Array.from(c.data)).not.toEqual(Array.from(a.data.subarray(0, 5)));
  });
});

describe("permutations and sampling", () => {
  it("randperm is a permutation", () => {
    manualSeed(3);
    const p = randperm(50);
    expect(p.dtype).toBe("int32");
    expect(Array.from(p.data).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(p.data)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("multinomial follows the weights", () => {
    manualSeed(5);
    const draws = multinomial(tensor([1, 0, 3]), 4000, { replacement: true });
    const counts = [0, 0, 0];
    for (const v of draws.data) counts[v]++;
    expect(counts[1]).toBe(0);
    expect(Math.abs(counts[2] / 4000 - 0.75)).toBeLessThan(0.03); // ~4.4 standard errors
    const noRep = multinomial(tensor([[1, 1, 1, 1], [0, 5, 0, 1]]), 2);
    expect(noRep.shape).toEqual([2, 2]);
    const [a, b] = Array.from(noRep.data.subarray(0, 2));
    expect(a).not.toBe(b);
    expect(Array.from(noRep.data.subarray(2)).sort()).toEqual([1, 3]);
    expect(() => multinomial(tensor([1, 1]), 3)).toThrow(/multinomial: cannot draw 3 samples without replacement from 2/);
  });
});

describe("tensor values", () => {
  it("data is a view when contiguous and a copy otherwise", () => {
    const t = tensor([[1, 2], [3, 4]]);
    t.data[0] = 10;
    expect(t.toArray()).toEqual([[10, 2], [3, 4]]);
    const tt = t.t();
    expect(tt.isContiguous()).toBe(false);
    expect(Array.from(tt.data)).toEqual([10, 3, 2, 4]);
    tt.data[0] = 99;
    expect(t.item === undefined).toBe(false);
    expect(t.toArray()).toEqual([[10, 2], [3, 4]]);
    const row = t.select(0, 1);
    expect(Array.from(row.data)).toEqual([3, 4]);
  });

  it("item, toArray and errors", () => {
    expect(tensor([[5]]).item()).toBe(5);
    expect(() => tensor([1, 2]).item()).toThrow(/item: a tensor with 2 elements/);
    expect(tensor([true, false]).toArray()).toEqual([true, false]);
    expect(tensor(2.5).toArray()).toBe(2.5);
    expect(JSON.stringify({ t: tensor([[1, 2]]) })).toBe('{"t":[[1,2]]}');
  });

  it("clone, detach, contiguous and to(dtype)", () => {
    const a = tensor([1.7, -1.7, 0]);
    const c = a.clone();
    c.data[0] = 0;
    expect(a.data[0]).toBeCloseTo(1.7);
    expect(a.to("int32").toArray()).toEqual([1, -1, 0]);
    expect(a.to("bool").toArray()).toEqual([true, true, false]);
    expect(a.to("float64").dtype).toBe("float64");
    expect(a.to("float32")).toBe(a);
    const d = a.detach();
    expect(d.storage).toBe(a.storage);
    const x = arange(6).reshape(2, 3).t();
    expect(x.contiguous().isContiguous()).toBe(true);
    expect(x.contiguous().toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
  });

  it("size, dim and ndim", () => {
    const t = zeros([2, 3, 4]);
    expect(t.size()).toEqual([2, 3, 4]);
    expect(t.size(-1)).toBe(4);
    expect(t.dim()).toBe(3);
    expect(t.ndim).toBe(3);
    expect(() => t.size(3)).toThrow(/size: dim 3 out of range/);
  });
});

describe("repr", () => {
  it("prints like PyTorch", () => {
    expect(String(tensor([[1, 2], [3, 4]]))).toBe("tensor([[1., 2.],\n        [3., 4.]])");
    expect(String(tensor([0.1, 2]))).toBe("tensor([0.1000, 2.0000])");
    expect(String(tensor([-1, 2.5]))).toBe("tensor([-1.0000,  2.5000])");
    expect(String(tensor([1e-5, 1]))).toBe("tensor([1.0000e-05, 1.0000e+00])");
    expect(String(tensor(3))).toBe("tensor(3.)");
    expect(String(tensor([1, 2], { requiresGrad: true }))).toBe("tensor([1., 2.], requiresGrad=true)");
    expect(String(tensor([1, 2], { dtype: "float64" }))).toBe("tensor([1., 2.], dtype=float64)");
    expect(String(tensor([1, -20], { dtype: "int32" }))).toBe("tensor([  1, -20], dtype=int32)");
    expect(String(tensor([true, false]))).toBe("tensor([ true, false])");
    expect(String(tensor([NaN, Infinity, 1]))).toBe("tensor([nan, inf, 1.])");
    expect(String(zeros([0, 3]))).toBe("tensor([], size=[0, 3])");
    const y = tensor([1, 2], { requiresGrad: true }).mul(2);
    expect(String(y)).toBe("tensor([2., 4.], gradFn=<MulBackward>)");
    expect(inspect(y)).toBe(String(y));
    expect(String(arange(8).reshape(2, 2, 2))).toBe("tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])");
  });

  it("summarises big tensors", () => {
    const s = String(arange(2000));
    expect(s).toBe("tensor([   0.,    1.,    2.,  ..., 1997., 1998., 1999.], size=[2000])");
    const lines = String(zeros([100, 100])).split("\n");
    expect(lines.length).toBe(7);
    expect(lines[3].trim()).toBe("...,");
  });

  it("wraps long rows at 80 columns", () => {
    const s = String(arange(30));
    for (const line of s.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(s.split("\n").length).toBeGreaterThan(1);
  });
});

describe("Tensor class", () => {
  it("is exported and instanceof works", () => {
    expect(tensor([1]) instanceof Tensor).toBe(true);
  });
});

describe("allocation failures", () => {
  it("name the shape, dtype and size instead of V8's bare length error", () => {
    expect(() => zeros([1e6, 1e6])).toThrow(/cannot allocate a float32 tensor of shape \[1000000, 1000000\]: 1,000,000,000,000 elements, 3\.6 TB/);
    expect(() => zeros([1e6, 1e6], { dtype: "float64" })).toThrow(/float64 tensor .* 7\.3 TB/);
  });
});
