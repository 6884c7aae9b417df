// dropout / dropout2d: seeded masks, inverted scaling, identity when not training.
import { describe, expect, it } from "vitest";
import { F, Generator, manualSeed, ones, randn } from "../../../../lib/index.js";

describe("dropout", () => {
  it("zeroes about p of the elements and scales the rest by 1/(1 − p)", () => {
    manualSeed(0);
    const y = F.dropout(ones([10000]), { p: 0.3 });
    const d = y.data;
    let zeros = 0;
    for (const v of d) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / 0.7, 6);
    }
    // Binomial(10000, 0.3): sd ≈ 46, so ±250 is over 5 sd.
    expect(Math.abs(zeros - 3000)).toBeLessThan(250);
  });

  it("the same seed gives the same mask; a generator can be passed", () => {
    const x = randn([50]);
    manualSeed(42);
    const a = Array.from(F.dropout(x).data);
    manualSeed(42);
    const b = Array.from(F.dropout(x).data);
    expect(a).toEqual(b);
    const c = Array.from(F.dropout(x, { generator: new Generator(42) }).data);
    const e = Array.from(F.dropout(x, { generator: new Generator(42) }).data);
    expect(c).toEqual(e);
  });

  it("gradient is the mask times the scale", () => {
    const x = randn([200]).requiresGrad_();
    const y = F.dropout(x, { p: 0.5 });
    y.sum().backward();
    const yd = y.data, xd = x.data, g = x.grad!.data;
    for (let i = 0; i < 200; i++) expect(g[i]).toBe(yd[i] === 0 && xd[i] !== 0 ? 0 : 2);
    expect(y.gradFn!.name).toBe("DropoutBackward");
  });

  it("identity when not training or p = 0; zeros when p = 1", () => {
    const x = randn([5]);
    expect(F.dropout(x, { training: false })).toBe(x);
    expect(F.dropout(x, { p: 0 })).toBe(x);
    expect(Array.from(F.dropout(x, { p: 1 }).data)).toEqual([0, 0, 0, 0, 0]);
    manualSeed(5);
    const a = Array.from(F.dropout(x, 0.3).data);
    manualSeed(5);
    expect(Array.from(F.dropout(x, { p: 0.3 }).data)).toEqual(a);
    expect(() => F.dropout(x, { p: 1.5 })).toThrow(/dropout: p must be a probability in \[0, 1\], got 1.5/);
  });
});

describe("dropout2d", () => {
  it("drops whole channels", () => {
    manualSeed(1);
    const y = F.dropout2d(ones([8, 16, 3, 3]), { p: 0.5 });
    const d = y.data;
    let dropped = 0;
    for (let ch = 0; ch < 8 * 16; ch++) {
      const plane = Array.from(d.subarray(ch * 9, ch * 9 + 9));
      expect(new Set(plane).size).toBe(1); // all zero or all 2
      expect([0, 2]).toContain(plane[0]);
      if (plane[0] === 0) dropped++;
    }
    expect(dropped).toBeGreaterThan(30);
    expect(dropped).toBeLessThan(98);
  });
});
