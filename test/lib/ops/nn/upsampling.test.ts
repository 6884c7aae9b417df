// interpolate against PyTorch's published outputs for a 2x2 image; pixelShuffle layout.
import { describe, expect, it } from "vitest";
import { F, arange, randn, tensor } from "../../../../lib/index.js";

const f64 = { dtype: "float64" as const };
const img = tensor([[[[1, 2], [3, 4]]]], f64);

function expectRows(actual: unknown, expected: number[][]): void {
  const a = (actual as number[][][][])[0][0];
  expect(a.length).toBe(expected.length);
  a.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 14)));
}

describe("interpolate", () => {
  it("nearest ×2", () => {
    expect(F.interpolate(img, { scaleFactor: 2 }).toArray()).toEqual([[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
    expect(F.interpolate(img, { size: [1, 3] }).toArray()).toEqual([[[[1, 1, 2]]]]);
  });

  it("bilinear ×2 (half-pixel centres) and alignCorners", () => {
    expectRows(F.interpolate(img, { scaleFactor: 2, mode: "bilinear" }).toArray(),
      [[1, 1.25, 1.75, 2], [1.5, 1.75, 2.25, 2.5], [2.5, 2.75, 3.25, 3.5], [3, 3.25, 3.75, 4]]);
    expectRows(F.interpolate(img, { size: 4, mode: "bilinear", alignCorners: true }).toArray(),
      [[1, 4 / 3, 5 / 3, 2], [5 / 3, 2, 7 / 3, 8 / 3], [7 / 3, 8 / 3, 3, 10 / 3], [3, 10 / 3, 11 / 3, 4]]);
  });

  it("linear on [N, C, L]; downsampling; errors", () => {
    const l = F.interpolate(tensor([[[0, 10]]], f64), { size: 5, mode: "linear", alignCorners: true }).data;
    Array.from(l).forEach((v, i) => expect(v).toBeCloseTo(2.5 * i, 14));
    expect(F.interpolate(arange(8, f64).reshape(1, 1, 8), { scaleFactor: 0.5 }).toArray()).toEqual([[[0, 2, 4, 6]]]);
    expect(() => F.interpolate(img, { mode: "linear", size: 3 })).toThrow(/interpolate: mode "linear" needs a 3-D input/);
    expect(() => F.interpolate(img, {})).toThrow(/exactly one of size and scaleFactor/);
  });
});

describe("pixelShuffle", () => {
  it("moves channel blocks into space, and pixelUnshuffle undoes it", () => {
    const x = arange(8).reshape(1, 4, 1, 2);
    expect(F.pixelShuffle(x, 2).toArray()).toEqual([[[[0, 2, 1, 3], [4, 6, 5, 7]]]]);
    const y = randn([2, 8, 3, 2]);
    expect(F.pixelUnshuffle(F.pixelShuffle(y, 2), 2).toArray()).toEqual(y.toArray());
    expect(() => F.pixelShuffle(randn([1, 3, 2, 2]), 2)).toThrow(/pixelShuffle: 3 channels/);
  });
});
