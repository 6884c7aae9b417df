// Tensor stats come from one pass; a huge tensor's mini histogram from a strided sample.
import { describe, expect, it } from "vitest";
import { histogram, tensorStats } from "../../visualizers/stats.js";

describe("tensorStats in one pass", () => {
  it("keeps the variance exact when the mean is far from zero", () => {
    const s = tensorStats(new Float64Array([1e8 + 1, 1e8 + 2, 1e8 + 3]));
    expect(s.mean).toBe(1e8 + 2);
    expect(s.std).toBe(1);
  });

  it("counts NaN and ±Inf apart from the moments", () => {
    const s = tensorStats([NaN, Infinity, -Infinity, 0, 2]);
    expect([s.nan, s.posInf, s.negInf, s.zeros, s.finite, s.mean, s.min, s.max]).toEqual([1, 1, 1, 1, 2, 1, 0, 2]);
    expect(s.std).toBeCloseTo(Math.SQRT2, 12);
  });

  it("finite values take the branch-free pass; a NaN or ±Inf anywhere is counted all the same", () => {
    const finite = Float32Array.from({ length: 1001 }, (_, i) => ((i * 37) % 101) - 50);
    const withNan = Float32Array.from(finite);
    withNan[1000] = NaN;
    const a = tensorStats(finite);
    const b = tensorStats(withNan);
    expect([a.nan, a.finite, a.zeros, a.min, a.max]).toEqual([0, 1001, 10, -50, 50]);
    expect([b.nan, b.finite, b.zeros]).toEqual([1, 1000, 10]);
    expect(tensorStats([-Infinity, 3]).negInf).toBe(1);
    expect(tensorStats([5, Infinity, 5]).std).toBe(0);
  });

  it("a histogram over maxValues counts an evenly strided sample", () => {
    const data = Float32Array.from({ length: 1000 }, (_, i) => i % 10);
    const h = histogram(data, 10, [0, 9], 100);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(100);
    expect(histogram(data, 10, [0, 9]).counts.reduce((a, b) => a + b, 0)).toBe(1000);
  });
});
