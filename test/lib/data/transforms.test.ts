import { describe, expect, it } from "vitest";
import { transforms } from "../../../lib/data/index.js";
import { Tensor } from "../../../lib/tensor.js";
import { Generator } from "../../../lib/random.js";

const img = (values: number[], shape: number[]) => Tensor.fromArray(Float32Array.from(values), shape, "float32");

describe("transforms", () => {
  it("normalize subtracts the channel mean and divides by its std", () => {
    const x = img([1, 2, 3, 4, 10, 20, 30, 40], [2, 2, 2]);
    const y = transforms.normalize([1, 10], [2, 5])(x);
    expect(Array.from(y.data)).toEqual([0, 0.5, 1, 1.5, 0, 2, 4, 6]);
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4, 10, 20, 30, 40]); // input untouched
    expect(() => transforms.normalize([0, 0, 0], [1, 1, 1])(x)).toThrow(/3 means and 3 stds for an image with 2 channels/);
  });

  it("randomHorizontalFlip with p = 1 mirrors every row; p = 0 is the identity", () => {
    const x = img([1, 2, 3, 4, 5, 6], [1, 2, 3]);
    expect(transforms.randomHorizontalFlip({ p: 1 })(x).toArray()).toEqual([[[3, 2, 1], [6, 5, 4]]]);
    expect(transforms.randomHorizontalFlip({ p: 0 })(x).toArray()).toEqual(x.toArray());
  });

  it("randomHorizontalFlip on a batch decides per image", () => {
    const n = 200;
    const x = Tensor.fromArray(Float32Array.from({ length: n * 2 }, (_, i) => i % 2), [n, 1, 1, 2], "float32");
    const y = transforms.randomHorizontalFlip({ generator: new Generator(1) })(x).data;
    let flipped = 0;
    for (let i = 0; i < n; i++) if (y[2 * i] === 1) flipped++;
    expect(flipped).toBeGreaterThan(70);
    expect(flipped).toBeLessThan(130);
  });

  it("randomCrop with padding yields shifted windows filled with zeros outside", () => {
    const x = img([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3]);
    const seen = new Set<string>();
    const crop = transforms.randomCrop(3, { padding: 1, generator: new Generator(3) });
    for (let k = 0; k < 200; k++) {
      const y = crop(x);
      expect(y.shape).toEqual([1, 3, 3]);
      const d = Array.from(y.data);
      seen.add(d.join(","));
    }
    // The 9 possible offsets (dy, dx) ∈ {−1, 0, 1}²; e.g. dy = dx = −1 shifts the image down-right.
    const shifted = (dy: number, dx: number) =>
      Array.from({ length: 9 }, (_, i) => {
        const r = Math.floor(i / 3) + dy;
        const c = (i % 3) + dx;
        return r >= 0 && r < 3 && c >= 0 && c < 3 ? r * 3 + c + 1 : 0;
      }).join(",");
    const all = new Set<string>();
    for (const dy of [-1, 0, 1]) for (const dx of [-1, 0, 1]) all.add(shifted(dy, dx));
    for (const s of seen) expect(all.has(s)).toBe(true);
    expect(seen.size).toBe(9);
  });

  it("compose applies left to right", () => {
    const x = img([1, 2], [1, 1, 2]);
    const t = transforms.compose([transforms.randomHorizontalFlip({ p: 1 }), transforms.normalize(1, 2)]);
    expect(Array.from(t(x).data)).toEqual([0.5, 0]);
  });
});
