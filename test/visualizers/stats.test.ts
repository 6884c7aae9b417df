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

  it("a histogram over maxValues counts an evenly strided sample", () => {
    const data = Float32Array.from({ length: 1000 }, (_, i) => i % 10);
    const h = histogram(data, 10, [0, 9], 100);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(100);
    expect(histogram(data, 10, [0, 9]).counts.reduce((a, b) => a + b, 0)).toBe(1000);
  });
});
