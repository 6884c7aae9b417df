// embedding: row lookup and scatter-added gradients.
import { describe, expect, it } from "vitest";
import { F, arange, tensor } from "../../../../lib/index.js";

const i32 = { dtype: "int32" as const };

describe("embedding", () => {
  it("picks rows by index, any index shape", () => {
    const w = arange(12).reshape(4, 3);
    expect(F.embedding(tensor([2, 0], i32), w).toArray()).toEqual([[6, 7, 8], [0, 1, 2]]);
    expect(F.embedding(tensor([[3], [1]], i32), w).shape).toEqual([2, 1, 3]);
    expect(F.embedding(tensor(1, i32), w).toArray()).toEqual([3, 4, 5]);
  });

  it("gradients of repeated indices add up; the padding row gets none", () => {
    const w = arange(12).reshape(4, 3).detach().requiresGrad_();
    F.embedding(tensor([1, 3, 1, 2], i32), w, { paddingIdx: 2 }).sum().backward();
    expect(w.grad!.toArray()).toEqual([[0, 0, 0], [2, 2, 2], [0, 0, 0], [1, 1, 1]]);
    const w2 = arange(6).reshape(3, 2).detach().requiresGrad_();
    F.embedding(tensor([2, 2], i32), w2, { paddingIdx: -1 }).sum().backward();
    expect(w2.grad!.toArray()).toEqual([[0, 0], [0, 0], [0, 0]]);
  });

  it("errors", () => {
    const w = arange(12).reshape(4, 3);
    expect(() => F.embedding(tensor([4], i32), w)).toThrow(/embedding: index 4 is out of range for weight of shape \[4, 3\]/);
    expect(() => F.embedding(tensor([1, 2]), w)).toThrow(/embedding: indices must be int32, got dtype float32/);
    expect(() => F.embedding(tensor([1], i32), arange(4))).toThrow(/embedding: weight must be 2-D/);
  });
});
