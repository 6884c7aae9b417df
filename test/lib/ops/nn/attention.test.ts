// scaledDotProductAttention against the formula written out, and its masks.
import { describe, expect, it } from "vitest";
import { F, randn, tensor } from "../../../../lib/index.js";

const f64 = { dtype: "float64" as const };

describe("scaledDotProductAttention", () => {
  it("equals softmax(q kᵀ / √E) v", () => {
    const q = randn([2, 3, 4], f64), k = randn([2, 5, 4], f64), v = randn([2, 5, 6], f64);
    const out = F.scaledDotProductAttention(q, k, v);
    expect(out.shape).toEqual([2, 3, 6]);
    // Independent: exponentiate and normalise by hand.
    const s = q.matmul(k.transpose(1, 2)).div(2).exp();
    const ref = s.div(s.sum(-1, true)).matmul(v).data;
    Array.from(out.data).forEach((x, i) => expect(x).toBeCloseTo(ref[i], 13));
  });

  it("causal: the first query sees only the first key", () => {
    const q = randn([1, 4, 3], f64), k = randn([1, 4, 3], f64), v = randn([1, 4, 2], f64);
    const out = F.scaledDotProductAttention(q, k, v, { isCausal: true });
    expect(out.select(1, 0).toArray()).toEqual(v.select(1, 0).toArray());
    // a bool mask with the same pattern gives the same result
    const mask = tensor([[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]);
    const viaMask = F.scaledDotProductAttention(q, k, v, { attnMask: mask }).data;
    Array.from(out.data).forEach((x, i) => expect(x).toBeCloseTo(viaMask[i], 14));
    // an additive float mask of 0 / −∞ as well
    const additive = mask.logicalNot().to("float64").mul(-1e30);
    const viaAdd = F.scaledDotProductAttention(q, k, v, { attnMask: additive }).data;
    Array.from(out.data).forEach((x, i) => expect(x).toBeCloseTo(viaAdd[i], 12));
    expect(() => F.scaledDotProductAttention(q, randn([1, 4, 5], f64), v)).toThrow(/scaledDotProductAttention: query \[1, 4, 3\] and key \[1, 4, 5\] must have the same last dim/);
  });
});
