import { describe, expect, it } from "vitest";
import { F, arange, clamp, eq, maximum, minimum, ones, randn, tensor, where, zeros, type Tensor } from "../../../lib/index.js";

const arr = (t: { toArray(): unknown }) => t.toArray();

describe("elementwise arithmetic", () => {
  it("hand-worked values", () => {
    const a = tensor([1, 2, 3]), b = tensor([4, 5, 6]);
    expect(arr(a.add(b))).toEqual([5, 7, 9]);
    expect(arr(a.sub(b))).toEqual([-3, -3, -3]);
    expect(arr(a.mul(b))).toEqual([4, 10, 18]);
    expect(arr(tensor([1, 9]).div(tensor([2, 3])))).toEqual([0.5, 3]);
    expect(arr(a.pow(2))).toEqual([1, 4, 9]);
    expect(arr(F.pow(2, a))).toEqual([2, 4, 8]);
    expect(arr(F.sub(10, a))).toEqual([9, 8, 7]);
    expect(arr(F.div(6, a))).toEqual([6, 3, 2]);
    expect(arr(a.add(b, { alpha: 2 }))).toEqual([9, 12, 15]);
    expect(arr(a.neg())).toEqual([-1, -2, -3]);
    expect(arr(tensor([-2, 0, 3]).abs())).toEqual([2, 0, 3]);
    expect(arr(tensor([-2, 0, 3]).sign())).toEqual([-1, 0, 1]);
    expect(arr(tensor([4, 9]).sqrt())).toEqual([2, 3]);
    expect(arr(tensor([4, 16]).rsqrt())).toEqual([0.5, 0.25]);
    expect(arr(tensor([2, 4]).reciprocal())).toEqual([0.5, 0.25]);
    expect(arr(tensor([-3, 3]).square())).toEqual([9, 9]);
  });

  it("transcendental identities", () => {
    const x = tensor([-1.5, -0.3, 0.2, 1.1, 2.7], { dtype: "float64" });
    const one = x.sin().square().add(x.cos().square());
    for (const v of one.data) expect(v).toBeCloseTo(1, 12);
    const back = x.exp().log();
    back.data.forEach((v, i) => expect(v).toBeCloseTo(x.data[i], 12));
    x.expm1().log1p().data.forEach((v, i) => expect(v).toBeCloseTo(x.data[i], 12));
    expect(tensor([0], { dtype: "float64" }).exp().item()).toBe(1);
    expect(tensor([1], { dtype: "float64" }).exp().item()).toBe(Math.E);
  });

  it("broadcasts with NumPy rules", () => {
    const a = arange(6).reshape(2, 3), b = tensor([10, 20, 30]), c = tensor([[100], [200]]);
    expect(arr(a.add(b))).toEqual([[10, 21, 32], [13, 24, 35]]);
    expect(arr(a.add(c))).toEqual([[100, 101, 102], [203, 204, 205]]);
    expect(arr(b.add(c))).toEqual([[110, 120, 130], [210, 220, 230]]);
    expect(a.add(ones([4, 1, 1])).shape).toEqual([4, 2, 3]);
    expect(arr(a.t().mul(tensor([1, -1])))).toEqual([[0, -3], [1, -4], [2, -5]]);
    expect(arr(a.mul(tensor(2)))).toEqual([[0, 2, 4], [6, 8, 10]]);
    expect(arr(tensor(2).sub(a))).toEqual([[2, 1, 0], [-1, -2, -3]]);
  });

  it("names the op and both shapes on a broadcast error", () => {
    expect(() => ones([2, 3]).add(ones([4]))).toThrow("add: shapes [2, 3] and [4] cannot be broadcast together");
    expect(() => ones([2, 3]).mul(ones([3, 3]))).toThrow(/^mul: shapes \[2, 3\] and \[3, 3\]/);
    expect(() => where(ones([2]).gt(0), ones([3]), 0)).toThrow(/where: shapes/);
  });

  it("maximum/minimum/clamp, NaN propagation", () => {
    const a = tensor([1, 5, NaN]), b = tensor([3, 2, 0]);
    expect(arr(maximum(a, b))).toEqual([3, 5, NaN]);
    expect(arr(minimum(a, b))).toEqual([1, 2, NaN]);
    expect(arr(maximum(b, a))).toEqual([3, 5, NaN]);
    expect(arr(clamp(tensor([-2, 0.5, 3]), -1, 1))).toEqual([-1, 0.5, 1]);
    expect(arr(tensor([-2, 0.5, 3]).clamp(null, 0))).toEqual([-2, 0, 0]);
    expect(() => tensor([1]).clamp()).toThrow(/clamp: at least one/);
  });

  it("gradient of maximum splits ties evenly", () => {
    const a = tensor([1, 2], { requiresGrad: true }), b = tensor([1, 3], { requiresGrad: true });
    maximum(a, b).sum().backward();
    expect(arr(a.grad!)).toEqual([0.5, 0]);
    expect(arr(b.grad!)).toEqual([0.5, 1]);
  });
});

describe("broadcast arithmetic on large float tensors", () => {
  it("expanding the broadcast operand and running the contiguous kernel gives the strided loop's values", () => {
    // a [40, 6, 32] batch against a [6, 32] table (and a transposed view of one), either side
    const big = arange(40 * 6 * 32).mul(0.37).sin().reshape(40, 6, 32);
    const table = arange(6 * 32).mul(0.11).cos().add(1.5).reshape(6, 32);
    const tableT = table.t().contiguous().t(); // same values, non-contiguous
    for (const t of [table, tableT]) {
      for (const [name, f] of [["add", (x: Tensor, y: Tensor) => x.add(y)], ["sub", (x: Tensor, y: Tensor) => x.sub(y)],
        ["mul", (x: Tensor, y: Tensor) => x.mul(y)], ["div", (x: Tensor, y: Tensor) => x.div(y)]] as const) {
        const expanded = t.expand([40, 6, 32]).contiguous();
        expect(f(big, t).toArray(), `${name}: big, table`).toEqual(f(big, expanded).toArray());
        expect(f(t, big).toArray(), `${name}: table, big`).toEqual(f(expanded, big).toArray());
      }
      // and each element the float32 result of its two operands
      const b = big.data as Float32Array, tv = table.data as Float32Array;
      const want = Float32Array.from(b, (v, i) => Math.fround(v / tv[i % 192]!));
      expect(Array.from(big.div(t).data as Float32Array)).toEqual(Array.from(want));
    }
  });
});

describe("comparisons, where, masks", () => {
  it("compare to bool tensors", () => {
    const a = tensor([1, 2, 3]);
    expect(arr(a.eq(2))).toEqual([false, true, false]);
    expect(arr(a.ne(2))).toEqual([true, false, true]);
    expect(arr(a.lt(2))).toEqual([true, false, false]);
    expect(arr(a.le(2))).toEqual([true, true, false]);
    expect(arr(a.gt(tensor([0, 5, 3])))).toEqual([true, false, false]);
    expect(arr(a.ge(tensor([[3], [1]])))).toEqual([[false, false, true], [true, true, true]]);
    expect(a.eq(1).dtype).toBe("bool");
    expect(arr(eq(tensor([NaN]), tensor([NaN])))).toEqual([false]);
    expect(arr(a.gt(1).logicalAnd(a.lt(3)))).toEqual([false, true, false]);
    expect(arr(a.gt(2).logicalOr(a.lt(2)))).toEqual([true, false, true]);
    expect(arr(a.gt(1).logicalNot())).toEqual([true, false, false]);
  });

  it("where and maskedFill", () => {
    const x = tensor([[1, -2], [-3, 4]]);
    expect(arr(where(x.gt(0), x, zeros([2, 2])))).toEqual([[1, 0], [0, 4]]);
    expect(arr(where(x.gt(0), 1, -1))).toEqual([[1, -1], [-1, 1]]);
    expect(arr(x.where(x.lt(0), 9))).toEqual([[9, -2], [-3, 9]]);
    expect(arr(x.maskedFill(tensor([true, false]), 0))).toEqual([[0, -2], [0, 4]]);
    expect(() => x.maskedFill(tensor([[true], [false], [true]]), 0)).toThrow(/maskedFill:.*\[3, 1\]/);
    const causal = ones([3, 3]).triu(1).bool();
    expect(arr(zeros([3, 3]).maskedFill(causal, -Infinity))).toEqual([[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]);
  });

  it("a mask broadcast over leading dims (passed once) gives what the expanded mask gives, values and gradient", () => {
    // [3, 2, 8, 8] stays on the reference kernel; [8, 4, 64, 64] takes the wasm one
    for (const [n, h, l] of [[3, 2, 8], [8, 4, 64]] as const) {
      for (const mask of [ones([l, l]).triu(1).bool(), ones([1, l, l]).triu(1).bool(), ones([l, 1]).bool().logicalNot(), arange(l).lt(l / 2)]) {
        const expanded = mask.expand([n, h, l, l]).contiguous();
        const x = randn([n, h, l, l], { requiresGrad: true }), g = randn([n, h, l, l]);
        const got = x.maskedFill(mask, -Infinity), want = x.detach().maskedFill(expanded, -Infinity);
        expect(got.equal(want), `${mask.shape}`).toBe(true);
        got.backward(g);
        expect(x.grad!.equal(where(expanded, 0, g)), `${mask.shape}`).toBe(true);
        expect(where(mask, x.detach(), 0).equal(where(expanded, x.detach(), 0)), `${mask.shape}`).toBe(true);
      }
    }
  });
});

describe("closeness and equality", () => {
  it("isclose/allclose/equal", () => {
    const a = tensor([1, 2, NaN]), b = tensor([1.000001, 2.1, NaN]);
    expect(F.isclose(a, b).toArray()).toEqual([true, false, false]);
    expect(F.allclose(a.narrow(0, 0, 1), b.narrow(0, 0, 1))).toBe(true);
    expect(F.allclose(a, b, 0.1)).toBe(false);
    expect(F.equal(tensor([1, 2]), tensor([1, 2]))).toBe(true);
    expect(tensor([1, 2]).equal(tensor([[1, 2]]))).toBe(false);
    expect(tensor([[1, 2]]).tolist()).toEqual([[1, 2]]);
  });
});

describe("dtype rules", () => {
  const i32 = { dtype: "int32" as const }, f64 = { dtype: "float64" as const };
  it("promotes bool < int32 < float32 < float64", () => {
    expect(tensor([1], i32).add(tensor([1], i32)).dtype).toBe("int32");
    expect(tensor([1], i32).add(tensor([1])).dtype).toBe("float32");
    expect(tensor([1]).add(tensor([1], f64)).dtype).toBe("float64");
    expect(tensor([true]).add(tensor([true])).dtype).toBe("int32");
    expect(arr(tensor([true]).add(tensor([true])))).toEqual([2]);
  });
  it("JS numbers do not widen floats; non-integers make ints float", () => {
    expect(tensor([1]).mul(0.5).dtype).toBe("float32");
    expect(tensor([1], f64).mul(2).dtype).toBe("float64");
    expect(tensor([3], i32).mul(2).dtype).toBe("int32");
    expect(arr(tensor([3], i32).mul(2))).toEqual([6]);
    expect(tensor([3], i32).mul(0.5).dtype).toBe("float32");
    expect(arr(tensor([3], i32).mul(0.5))).toEqual([1.5]);
  });
  it("float-only ops turn ints into float32", () => {
    expect(tensor([1, 2], i32).div(tensor([2, 2], i32)).dtype).toBe("float32");
    expect(arr(tensor([1, 2], i32).div(2))).toEqual([0.5, 1]);
    expect(tensor([1], i32).exp().dtype).toBe("float32");
    expect(tensor([4], i32).sqrt().toArray()).toEqual([2]);
    expect(tensor([1, 2], i32).mean().dtype).toBe("float32");
    expect(tensor([true, true, false]).sum().toArray()).toBe(2);
    expect(tensor([true, true, false]).sum().dtype).toBe("int32");
    expect(tensor([-3], i32).neg().dtype).toBe("int32");
  });
  it("float32 results are float32-rounded", () => {
    const r = tensor([0.1]).add(tensor([0.2]));
    expect(r.data[0]).toBe(Math.fround(Math.fround(0.1) + Math.fround(0.2)));
  });
});
