import { describe, expect, it } from "vitest";
import { AccumulateGrad, GradFn, arange, enableGrad, full, isGradEnabled, noGrad, ones, randn, tensor, zeros } from "../../lib/index.js";

describe("autograd engine", () => {
  it("computes the chain rule through a small graph (hand-worked)", () => {
    // f = (a*b + a)^2 at a=2, b=3: f = 64; df/da = 2*8*(b+1) = 64; df/db = 2*8*a = 32.
    const a = tensor(2, { requiresGrad: true, dtype: "float64" });
    const b = tensor(3, { requiresGrad: true, dtype: "float64" });
    const f = a.mul(b).add(a).pow(2);
    expect(f.item()).toBe(64);
    f.backward();
    expect(a.grad!.item()).toBe(64);
    expect(b.grad!.item()).toBe(32);
  });

  it("accumulates gradients across backward calls and through reused tensors", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward(); // 2x
    x.sum().backward(); // + 1
    expect(x.grad!.toArray()).toEqual([3, 5, 7]);
  });

  it("exposes a readable graph", () => {
    const w = tensor([[1, 2]], { requiresGrad: true });
    const x = tensor([[3], [4]]);
    const y = w.matmul(x).sum();
    expect(y).not.toBeNull();
    const g = y!.gradFn!;
    expect(g).toBeInstanceOf(GradFn);
    expect(g.name).toBe("SumBackward");
    expect(g.outputShape).toEqual([]);
    const mm = g.inputs[0] as GradFn;
    expect(mm.name).toBe("MmBackward");
    expect(mm.outputShape).toEqual([1, 1]);
    expect(mm.inputs[0]).toBeInstanceOf(AccumulateGrad);
    expect((mm.inputs[0] as AccumulateGrad).variable).toBe(w);
    expect(mm.inputs[1]).toBeNull();
    expect(w.isLeaf).toBe(true);
    expect(y!.isLeaf).toBe(false);
  });

  it("backward with a gradient argument, and errors for non-scalars", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    expect(() => y.backward()).toThrow(/backward: grad can be implicitly created only for scalar outputs.*\[2\]/);
    expect(() => y.backward(ones([3]))).toThrow(/backward: gradient shape \[3\] does not match tensor shape \[2\]/);
    y.backward(tensor([1, 10]));
    expect(x.grad!.toArray()).toEqual([3, 30]);
    expect(() => tensor([1]).backward()).toThrow(/does not require grad/);
  });

  it("frees the graph after backward unless retainGraph", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward({ retainGraph: true });
    y.backward(null, { retainGraph: true });
    y.backward();
    expect(() => y.backward()).toThrow(/backward: the graph was freed.*retainGraph/);
    expect(x.grad!.data[0]).toBeCloseTo(3 * Math.E, 4);
  });

  it("noGrad disables recording; enableGrad re-enables", () => {
    const x = tensor([1], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(isGradEnabled()).toBe(true);
    noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      const z = enableGrad(() => x.mul(2));
      expect(z.requiresGrad).toBe(true);
    });
    expect(() => noGrad(() => { throw new Error("boom"); })).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
  });

  it("retainGrad keeps non-leaf gradients", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2);
    h.retainGrad();
    const other = x.mul(3);
    h.mul(h).sum().backward();
    expect(h.grad!.toArray()).toEqual([4, 8]); // 2h
    expect(other.grad).toBeNull();
    expect(x.grad!.toArray()).toEqual([8, 16]);
  });

  it("hooks see and may replace gradients", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const seen: number[][] = [];
    const h = x.mul(2);
    const handle = h.registerHook((g) => { seen.push(Array.from(g.data)); return g.mul(10); });
    x.registerHook((g) => { seen.push(Array.from(g.data)); });
    h.sum().backward();
    expect(seen).toEqual([[1, 1], [20, 20]]);
    expect(x.grad!.toArray()).toEqual([20, 20]);
    handle.remove();
    x.grad = null;
    x.mul(2).sum().backward();
    expect(x.grad!.toArray()).toEqual([2, 2]);
  });

  it("a leaf hook fires once with the summed gradient", () => {
    const x = tensor([1], { requiresGrad: true });
    const calls: number[] = [];
    x.registerHook((g) => { calls.push(g.item()); });
    x.mul(2).add(x.mul(3)).sum().backward();
    expect(calls).toEqual([5]);
  });

  it("detach cuts the graph", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    const y = d.mul(x).sum();
    y.backward();
    expect(x.grad!.toArray()).toEqual([2, 4]);
  });

  it("handles deep graphs without recursion limits", () => {
    const x = tensor([1], { requiresGrad: true, dtype: "float64" });
    let y = x;
    for (let i = 0; i < 20000; i++) y = y.add(1);
    y.sum().backward();
    expect(x.grad!.item()).toBe(1);
  });

  it("leaf gradients never share storage with each other or with the caller's gradient", () => {
    const a = tensor([1, 2], { requiresGrad: true }), b = tensor([3, 4], { requiresGrad: true });
    a.add(b).sum().backward(); // AddBackward hands the same gradient to both leaves
    a.grad!.add_(10);
    expect(b.grad!.toArray()).toEqual([1, 1]);
    const x = tensor([1, 2], { requiresGrad: true });
    const gr = tensor([5, 6]);
    x.clone().backward(gr);
    x.grad!.zero_();
    expect(gr.toArray()).toEqual([5, 6]);
    const h = x.mul(1);
    h.retainGrad();
    x.grad = null;
    h.add(0).sum().backward();
    h.grad!.add_(1);
    expect(x.grad!.toArray()).toEqual([1, 1]);
  });

  it("per-step slices of one tensor sum into a single gradient (RNN-style loop)", () => {
    const T = 50;
    const x = arange(T * 3).reshape(T, 3).requiresGrad_();
    let h = zeros([3]);
    for (let t = 0; t < T; t++) h = h.mul(0.5).add(x.select(0, t));
    h.sum().backward();
    // dh_T/dx_t = 0.5^(T-1-t) for each of the 3 features
    const g = x.grad!.toArray() as number[][];
    for (let t = 0; t < T; t++) for (const v of g[t]) expect(v).toBeCloseTo(0.5 ** (T - 1 - t), 6);
    // a retained slice-sum must not be changed by later in-place accumulation
    const y = arange(4).requiresGrad_();
    const c = y.clone();
    c.retainGrad();
    c.narrow(0, 0, 2).sum().add(c.narrow(0, 1, 2).sum()).add(y.sum()).backward();
    expect(c.grad!.toArray()).toEqual([1, 2, 1, 0]);
    expect(y.grad!.toArray()).toEqual([2, 3, 2, 1]);
  });

  it("diamond graphs sum both paths", () => {
    const x = tensor(3, { requiresGrad: true });
    const a = x.mul(2), b = x.mul(x);
    a.mul(b).backward(); // d(2x^3)/dx = 6x^2 = 54
    expect(x.grad!.item()).toBe(54);
  });

  it("gradients keep the leaf's dtype and shape under broadcasting", () => {
    const w = randn([3], { requiresGrad: true });
    const x = randn([4, 3], { dtype: "float64" });
    x.mul(w).sum().backward();
    expect(w.grad!.dtype).toBe("float32");
    expect(w.grad!.shape).toEqual([3]);
    const expected = x.sum(0);
    for (let i = 0; i < 3; i++) expect(w.grad!.data[i]).toBeCloseTo(expected.data[i], 5);
  });
});

describe("in-place ops", () => {
  it("refuse leaves that require grad outside noGrad", () => {
    const w = zeros([2], { requiresGrad: true });
    expect(() => w.add_(1)).toThrow(/add_: a leaf tensor that requires grad/);
    noGrad(() => w.add_(1));
    expect(w.toArray()).toEqual([1, 1]);
  });

  it("update values, with broadcasting and dtype casts", () => {
    const t = tensor([[1, 2], [3, 4]]);
    t.add_(tensor([10, 20]));
    expect(t.toArray()).toEqual([[11, 22], [13, 24]]);
    t.sub_(1).mul_(2).div_(tensor([[2], [1]]));
    expect(t.toArray()).toEqual([[10, 21], [24, 46]]);
    t.add_(tensor([1, 1]), { alpha: -2 });
    expect(t.toArray()).toEqual([[8, 19], [22, 44]]);
    t.add_(tensor([[1, 1], [1, 1]]), { alpha: 2 }).sub_(1, { alpha: 3 }); // same-shape and scalar fast paths
    expect(t.toArray()).toEqual([[7, 18], [21, 43]]);
    t.sub_(tensor([[1, 2], [3, 4]]), { alpha: 0.5 });
    expect(t.toArray()).toEqual([[6.5, 17], [19.5, 41]]);
    t.zero_();
    expect(t.toArray()).toEqual([[0, 0], [0, 0]]);
    t.fill_(2.5);
    expect(t.toArray()).toEqual([[2.5, 2.5], [2.5, 2.5]]);
    const i = tensor([1, 2], { dtype: "int32" });
    i.copy_(tensor([3.7, -1.2]));
    expect(i.toArray()).toEqual([3, -1]);
    expect(() => t.add_(ones([3, 2]))).toThrow(/add_:.*\[2, 2\].*\[3, 2\]/);
  });

  it("large in-place updates (kernels writing into their own input) are exact", () => {
    const n = 300_000;
    const t = ones([n]);
    const u = full([n], 3);
    noGrad(() => t.add_(2).mul_(u).sub_(1).div_(2)); // ((1 + 2) * 3 - 1) / 2 = 4
    expect(t.min().item()).toBe(4);
    expect(t.max().item()).toBe(4);
    const big = ones([n]).mul(2);
    big.add_(big);
    expect(big.sum().item()).toBe(4 * n);
  });

  it("write through views into the base", () => {
    const t = zeros([2, 3]);
    t.select(0, 1).fill_(5);
    t.t().narrow(0, 0, 1).add_(1);
    expect(t.toArray()).toEqual([[1, 0, 0], [6, 5, 5]]);
    const nan = tensor([NaN, Infinity]);
    nan.zero_();
    expect(nan.toArray()).toEqual([0, 0]);
  });

  it("rebase non-leaf tensors onto the graph", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2);
    h.mul_(x); // h = 2x^2
    h.sum().backward();
    expect(x.grad!.toArray()).toEqual([4, 8]);
    const y = zeros([2]);
    y.copy_(x); // y becomes part of the graph through x
    y.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([7, 11]);
  });

  it("writes through views take part in autograd (CopySlices)", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const w = tensor([[1, 10], [100, 1000], [1e4, 1e5]]);
    const buf = zeros([3, 2]);
    for (let t = 0; t < 3; t++) buf.select(0, t).copy_(x.mul(t));
    expect(buf.gradFn!.name).toBe("CopySlices");
    buf.mul(w).sum().backward();
    // d/dx_j sum_t t * x_j * w[t][j] = sum_t t * w[t][j]
    expect(x.grad!.toArray()).toEqual([0 * 1 + 1 * 100 + 2 * 1e4, 0 * 10 + 1 * 1000 + 2 * 1e5]);

    const y = tensor([1, 2], { requiresGrad: true });
    const h = y.mul(2);
    const first = h.narrow(0, 0, 1);
    first.mul_(3);
    expect(h.toArray()).toEqual([6, 4]);
    h.sum().backward();
    expect(y.grad!.toArray()).toEqual([6, 2]);

    const leaf = zeros([2], { requiresGrad: true });
    expect(() => leaf.narrow(0, 0, 1).add_(1)).toThrow(/add_: a view of a leaf tensor that requires grad/);
  });

  it("detect saved tensors modified in place", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(1);
    const e = h.exp();
    e.add_(1); // exp saved its output
    expect(() => e.sum().backward()).toThrow(/backward: .*modified by an in-place operation/);
  });
});
