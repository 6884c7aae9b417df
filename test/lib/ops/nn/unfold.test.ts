// unfold / fold: convolution as a matrix product, and fold as unfold's adjoint.
import { describe, expect, it } from "vitest";
import { F, arange, randn, tensor } from "../../../../lib/index.js";

const f64 = { dtype: "float64" as const };

describe("unfold / fold", () => {
  it("hand-worked 3×3, kernel 2", () => {
    const x = arange(9).reshape(1, 1, 3, 3);
    expect(F.unfold(x, 2).toArray()).toEqual([[[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]]);
  });

  it("conv2d = weight matrix @ unfold (with stride, padding, dilation)", () => {
    const x = randn([2, 3, 6, 5], f64), w = randn([4, 3, 3, 2], f64);
    const opts = { stride: [2, 1], padding: [1, 1], dilation: [1, 2] };
    const conv = F.conv2d(x, w, opts);
    const cols = F.unfold(x, [3, 2], opts);
    const viaMatmul = w.reshape(4, -1).matmul(cols).reshape(conv.shape as number[]).data;
    Array.from(conv.data).forEach((v, i) => expect(v).toBeCloseTo(viaMatmul[i], 12));
  });

  it("fold is unfold's adjoint: <unfold(x), y> = <x, fold(y)>", () => {
    const x = randn([2, 2, 5, 4], f64);
    const opts = { stride: 2, padding: 1 };
    const u = F.unfold(x, 3, opts);
    const y = randn(u.shape as number[], f64);
    const lhs = u.mul(y).sum().item(), rhs = x.mul(F.fold(y, [5, 4], 3, opts)).sum().item();
    expect(lhs).toBeCloseTo(rhs, 12);
    // non-overlapping blocks: fold(unfold(x)) = x
    const z = randn([1, 2, 4, 6], f64);
    expect(F.fold(F.unfold(z, 2, { stride: 2 }), [4, 6], 2, { stride: 2 }).toArray()).toEqual(z.toArray());
    expect(() => F.fold(tensor([[1, 2, 3]]), [2, 2], 2)).toThrow(/fold: input of shape \[1, 3\] has 1 rows, not a multiple of kH·kW = 4/);
  });
});
