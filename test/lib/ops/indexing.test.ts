import { describe, expect, it } from "vitest";
import { F, arange, cat, chunk, gather, indexSelect, oneHot, ones, scatterAdd, split, stack, tensor, zeros } from "../../../lib/index.js";

const i32 = { dtype: "int32" as const };

describe("index ops", () => {
  it("indexSelect", () => {
    const t = arange(6).reshape(2, 3);
    expect(indexSelect(t, 1, tensor([2, 0, 2], i32)).toArray()).toEqual([[2, 0, 2], [5, 3, 5]]);
    expect(t.indexSelect(0, tensor([1]))).toBeDefined(); // float indices holding integers are accepted
    expect(() => t.indexSelect(0, tensor([2], i32))).toThrow("indexSelect: index 2 is out of range for dim 0 of size 2");
    expect(() => t.indexSelect(0, tensor([0.5]))).toThrow(/indexSelect: index tensor must hold integers/);
  });

  it("gather and scatterAdd (hand-worked)", () => {
    const t = tensor([[1, 2], [3, 4]]);
    expect(gather(t, 1, tensor([[0, 0], [1, 0]], i32)).toArray()).toEqual([[1, 1], [4, 3]]);
    expect(gather(t, 0, tensor([[1, 0]], i32)).toArray()).toEqual([[3, 2]]);
    const s = scatterAdd(zeros([2, 3]), 1, tensor([[0, 2, 0], [1, 1, 1]], i32), tensor([[1, 2, 3], [4, 5, 6]]));
    expect(s.toArray()).toEqual([[4, 0, 2], [0, 15, 0]]);
    // picking the label's log-probability per row, the classic cross-entropy gather
    const logp = tensor([[0.1, 0.2, 0.7], [0.5, 0.4, 0.1]]).log();
    const picked = logp.gather(1, tensor([[2], [0]], i32)).squeeze(1);
    expect(picked.data[0]).toBeCloseTo(Math.log(0.7), 6);
    expect(picked.data[1]).toBeCloseTo(Math.log(0.5), 6);
    // 3-D, middle dim, on a transposed (non-contiguous) input: out[i][j][k] = x[i][idx[i][j][k]][k]
    const x3 = arange(12).reshape(2, 3, 2);
    const xt = x3.transpose(0, 2).contiguous().transpose(0, 2); // same values, strides [1, 2, 6]
    const idx3 = tensor([[[2, 0]], [[1, 2]]], i32);
    const want = [[[x3.index(0, 2, 0).item(), x3.index(0, 0, 1).item()]], [[x3.index(1, 1, 0).item(), x3.index(1, 2, 1).item()]]];
    expect(gather(xt, 1, idx3).toArray()).toEqual(want);
    expect(() => gather(t, 1, tensor([0, 1], i32))).toThrow(/gather: index must have as many dims as the input: shapes \[2, 2\] and \[2\]/);
  });

  it("oneHot", () => {
    expect(oneHot(tensor([0, 2], i32), 3).toArray()).toEqual([[1, 0, 0], [0, 0, 1]]);
    expect(oneHot(tensor([1, 3], i32)).shape).toEqual([2, 4]);
    expect(oneHot(tensor([1], i32), 3).dtype).toBe("int32");
    expect(() => oneHot(tensor([3], i32), 3)).toThrow(/oneHot: index 3 is out of range/);
  });

  it("tril/triu", () => {
    const t = ones([3, 3]);
    expect(t.tril().toArray()).toEqual([[1, 0, 0], [1, 1, 0], [1, 1, 1]]);
    expect(t.triu(1).toArray()).toEqual([[0, 1, 1], [0, 0, 1], [0, 0, 0]]);
    expect(t.tril(-1).toArray()).toEqual([[0, 0, 0], [1, 0, 0], [1, 1, 0]]);
    expect(() => ones([3]).tril()).toThrow(/tril: expects a tensor with at least 2 dims/);
  });
});

describe("joining and splitting", () => {
  it("cat and stack", () => {
    const a = tensor([[1, 2]]), b = tensor([[3, 4], [5, 6]]);
    expect(cat([a, b]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(cat([b, b.t()], 1).toArray()).toEqual([[3, 4, 3, 5], [5, 6, 4, 6]]);
    expect(() => cat([a, ones([1, 3])])).toThrow("cat: shapes [1, 2] and [1, 3] do not match outside dim 0");
    expect(stack([tensor([1, 2]), tensor([3, 4])]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(() => stack([tensor([1]), tensor([1, 2])])).toThrow("stack: expects tensors of equal shape, got [1] and [2]");
    expect(cat([tensor([1], i32), tensor([0.5])]).dtype).toBe("float32");
  });

  it("split, chunk, unbind, repeat", () => {
    const t = arange(5);
    expect(split(t, 2).map((p) => p.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(split(t, [1, 4]).map((p) => p.toArray())).toEqual([[0], [1, 2, 3, 4]]);
    expect(() => split(t, [1, 1])).toThrow(/split: sizes \[1, 1\] sum to 2, but dim 0 has size 5/);
    expect(chunk(t, 2).map((p) => p.toArray())).toEqual([[0, 1, 2], [3, 4]]);
    expect(F.unbind(arange(4).reshape(2, 2), 1).map((p) => p.toArray())).toEqual([[0, 2], [1, 3]]);
    expect(tensor([1, 2]).repeat(2, 2).toArray()).toEqual([[1, 2, 1, 2], [1, 2, 1, 2]]);
  });
});
