import { describe, expect, it } from "vitest";
import { arange, ones, tensor, zeros } from "../../../lib/index.js";

const m = () => arange(12).reshape(3, 4); // [[0..3],[4..7],[8..11]]

describe("views share storage", () => {
  it("reshape/view/flatten/unsqueeze/squeeze", () => {
    const t = m();
    const v = t.view(2, 6);
    expect(v.storage).toBe(t.storage);
    expect(v.toArray()).toEqual([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]);
    expect(t.reshape(-1, 2).shape).toEqual([6, 2]);
    expect(t.reshape([4, -1]).shape).toEqual([4, 3]);
    expect(() => t.reshape(5, -1)).toThrow("reshape: shape [5, -1] is invalid for a tensor of shape [3, 4] (12 elements)");
    expect(t.flatten().shape).toEqual([12]);
    expect(arange(24).reshape(2, 3, 4).flatten(1).shape).toEqual([2, 12]);
    expect(t.unsqueeze(0).shape).toEqual([1, 3, 4]);
    expect(t.unsqueeze(-1).shape).toEqual([3, 4, 1]);
    expect(ones([1, 3, 1]).squeeze().shape).toEqual([3]);
    expect(ones([1, 3, 1]).squeeze(0).shape).toEqual([3, 1]);
    expect(ones([2, 3]).squeeze(0).shape).toEqual([2, 3]);
    expect(t.unflatten(1, [2, 2]).shape).toEqual([3, 2, 2]);
    v.data[0] = 100;
    expect(t.data[0]).toBe(100);
  });

  it("transpose/permute/T produce strided views", () => {
    const t = m();
    const tt = t.t();
    expect(tt.storage).toBe(t.storage);
    expect(tt.strides).toEqual([1, 4]);
    expect(tt.toArray()).toEqual([[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
    const p = arange(24).reshape(2, 3, 4).permute(2, 0, 1);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.index(1, 1, 2).item()).toBe(12 + 8 + 1);
    expect(t.T.toArray()).toEqual(tt.toArray());
    expect(() => t.view(12)).not.toThrow();
    expect(() => tt.view(12)).toThrow(/view: a tensor of shape \[4, 3\].*cannot be viewed/);
    expect(tt.reshape(12).toArray()).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    // view on a transposed tensor splitting a contiguous dim is allowed (no copy)
    const b = arange(24).reshape(4, 6).t(); // [6, 4] strides [1, 6]
    const split = b.view(2, 3, 4);
    expect(split.storage).toBe(b.storage);
    expect(split.toArray()).toEqual(b.contiguous().reshape(2, 3, 4).toArray());
    expect(() => t.permute(0, 0)).toThrow(/permute: dims \[0, 0\] repeat a dim/);
  });

  it("expand uses stride 0 and checks sizes", () => {
    const e = tensor([[1], [2]]).expand(2, 3);
    expect(e.strides).toEqual([1, 0]);
    expect(e.toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(tensor([1, 2]).expand(3, -1).toArray()).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect(() => tensor([1, 2]).expand(3)).toThrow("expand: cannot expand shape [2] to [3] (dim 0: 2 -> 3; only size-1 dims can grow)");
    expect(tensor([1]).expandAs(zeros([2, 2])).shape).toEqual([2, 2]);
  });

  it("narrow/select/slice/index", () => {
    const t = m();
    expect(t.narrow(1, 1, 2).toArray()).toEqual([[1, 2], [5, 6], [9, 10]]);
    expect(t.narrow(0, -1, 1).toArray()).toEqual([[8, 9, 10, 11]]);
    expect(() => t.narrow(0, 2, 2)).toThrow(/narrow: start 2 and length 2 are out of range for dim 0 of size 3/);
    expect(t.select(1, -1).toArray()).toEqual([3, 7, 11]);
    expect(() => t.select(0, 3)).toThrow("select: index 3 is out of range for dim 0 of size 3 (shape [3, 4])");
    expect(t.slice(1, 1, null, 2).toArray()).toEqual([[1, 3], [5, 7], [9, 11]]);
    expect(t.slice(0, -2).toArray()).toEqual([[4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(t.slice(1, 10, 20).shape).toEqual([3, 0]);
    expect(t.index(1).toArray()).toEqual([4, 5, 6, 7]);
    expect(t.index(null, [1, 3]).toArray()).toEqual([[1, 2], [5, 6], [9, 10]]);
    expect(t.index([0, 3, 2], -1).toArray()).toEqual([3, 11]);
    expect(t.index("...", 0).toArray()).toEqual([0, 4, 8]);
    expect(t.index(2, 3).item()).toBe(11);
    expect(t.index(tensor([2, 0], { dtype: "int32" })).toArray()).toEqual([[8, 9, 10, 11], [0, 1, 2, 3]]);
    expect(t.index(null, tensor([false, true, false, true])).toArray()).toEqual([[1, 3], [5, 7], [9, 11]]);
    expect(() => t.index(0, 0, 0)).toThrow(/index: too many indices/);
    // writes through slices reach the base
    t.index(null, [0, 1]).fill_(-1);
    expect(t.toArray()).toEqual([[-1, 1, 2, 3], [-1, 5, 6, 7], [-1, 9, 10, 11]]);
  });
});
