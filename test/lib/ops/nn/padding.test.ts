// pad: hand-worked rows for every mode, cropping, errors.
import { describe, expect, it } from "vitest";
import { F, arange, tensor } from "../../../../lib/index.js";

describe("pad", () => {
  const row = tensor([[1, 2, 3]]);
  it("each mode on the last dim", () => {
    expect(F.pad(row, [2, 1]).toArray()).toEqual([[0, 0, 1, 2, 3, 0]]);
    expect(F.pad(row, [2, 1], { value: -1 }).toArray()).toEqual([[-1, -1, 1, 2, 3, -1]]);
    expect(F.pad(row, [2, 2], { mode: "reflect" }).toArray()).toEqual([[3, 2, 1, 2, 3, 2, 1]]);
    expect(F.pad(row, [2, 1], { mode: "replicate" }).toArray()).toEqual([[1, 1, 1, 2, 3, 3]]);
    expect(F.pad(row, [2, 3], { mode: "circular" }).toArray()).toEqual([[2, 3, 1, 2, 3, 1, 2, 3]]);
  });

  it("two dims, pairs from the last dim backwards; negative pads crop", () => {
    const x = arange(4).reshape(2, 2);
    expect(F.pad(x, [1, 0, 0, 1]).toArray()).toEqual([[0, 0, 1], [0, 2, 3], [0, 0, 0]]);
    expect(F.pad(arange(5).reshape(1, 5), [-1, -2]).toArray()).toEqual([[1, 2]]);
    expect(F.pad(x, [1, 1, 1, 1], { mode: "replicate" }).toArray()).toEqual([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]);
  });

  it("reflect/replicate gradients add up at the reused positions", () => {
    const x = tensor([1, 2, 3]).requiresGrad_();
    F.pad(x, [2, 2], { mode: "reflect" }).sum().backward();
    // output [3, 2, 1, 2, 3, 2, 1]: x0 = 1 appears twice, x1 = 2 three times, x2 = 3 twice
    expect(Array.from(x.grad!.data)).toEqual([2, 3, 2]);
  });

  it("errors", () => {
    expect(() => F.pad(row, [1])).toThrow(/pad: padding must be an even-length list/);
    expect(() => F.pad(row, [3, 0], { mode: "reflect" })).toThrow(/pad: reflect padding \(3, 0\) must be smaller than the dim size 3/);
    expect(() => F.pad(row, [-1, 0], { mode: "replicate" })).toThrow(/negative padding is only supported in constant mode/);
  });
});
