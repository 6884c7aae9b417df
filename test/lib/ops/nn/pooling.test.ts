// Pooling against hand-worked windows and a direct loop written here.
import { describe, expect, it } from "vitest";
import { F, Tensor, arange, randn, tensor } from "../../../../lib/index.js";

const f64 = { dtype: "float64" as const };

interface PoolCfg { k: [number, number]; s: [number, number]; p: [number, number]; d?: [number, number]; ceil?: boolean; includePad?: boolean }

/** Direct pooling over each window; padded cells are skipped (max) or counted per includePad (avg). */
function naivePool(x: Tensor, mode: "max" | "avg", c: PoolCfg): { shape: number[]; data: number[] } {
  const [N, C, H, W] = x.shape;
  const [kh, kw] = c.k, [sh, sw] = c.s, [ph, pw] = c.p, [dh, dw] = c.d ?? [1, 1];
  const size = (L: number, k: number, s: number, p: number, d: number) => {
    const span = L + 2 * p - d * (k - 1) - 1;
    let o = (c.ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (c.ceil && (o - 1) * s >= L + p) o--;
    return o;
  };
  const OH = size(H, kh, sh, ph, dh), OW = size(W, kw, sw, pw, dw);
  const xa = x.toArray() as number[][][][];
  const out: number[] = [];
  for (let n = 0; n < N; n++) for (let ch = 0; ch < C; ch++) for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
    let best = -Infinity, sum = 0, inside = 0, padded = 0;
    for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
      const r = i * sh - ph + a * dh, q = j * sw - pw + b * dw;
      if (r < H + ph && q < W + pw) padded++; // within the padded input
      if (r < 0 || r >= H || q < 0 || q >= W) continue;
      best = Math.max(best, xa[n][ch][r][q]);
      sum += xa[n][ch][r][q];
      inside++;
    }
    out.push(mode === "max" ? best : sum / ((c.includePad ?? true) ? padded : inside));
  }
  return { shape: [N, C, OH, OW], data: out };
}

function expectMatches(t: Tensor, ref: { shape: number[]; data: number[] }, digits = 12): void {
  expect(t.shape).toEqual(ref.shape);
  const d = t.data;
  ref.data.forEach((v, i) => expect(d[i]).toBeCloseTo(v, digits));
}

describe("maxPool2d", () => {
  it("hand-worked 4×4, kernel 2, with indices", () => {
    const x = arange(16).reshape(1, 1, 4, 4);
    expect(F.maxPool2d(x, 2).toArray()).toEqual([[[[5, 7], [13, 15]]]]);
    const [vals, idx] = F.maxPool2d(x.neg(), 2, { returnIndices: true });
    expect(vals.toArray()).toEqual([[[[-0, -2], [-8, -10]]]]);
    expect(idx.dtype).toBe("int32");
    expect(idx.toArray()).toEqual([[[[0, 2], [8, 10]]]]);
  });

  it("gradient goes to the maximum of each window", () => {
    const x = tensor([[[[1, 9, 2, 3], [4, 5, 8, 6]]]]).requiresGrad_();
    F.maxPool2d(x, 2).sum().backward();
    expect(x.grad!.toArray()).toEqual([[[[0, 1, 0, 0], [0, 0, 1, 0]]]]);
  });

  const cfgs: [string, PoolCfg][] = [
    ["kernel 3 stride 2 padding 1", { k: [3, 3], s: [2, 2], p: [1, 1] }],
    ["rectangular with dilation", { k: [2, 3], s: [1, 2], p: [1, 1], d: [2, 1] }],
    ["ceil mode", { k: [2, 2], s: [2, 2], p: [0, 0], ceil: true }],
    ["ceil mode with padding", { k: [3, 3], s: [2, 2], p: [1, 1], ceil: true }],
  ];
  for (const [name, c] of cfgs) {
    it(`matches the direct loop: ${name}`, () => {
      const x = randn([2, 3, 7, 6], f64);
      const opts = { stride: c.s, padding: c.p, dilation: c.d, ceilMode: c.ceil };
      expectMatches(F.maxPool2d(x, c.k, opts), naivePool(x, "max", c));
      expectMatches(F.maxPool2d(x.float(), c.k, opts), naivePool(x, "max", c), 5);
    });
  }

  it("unbatched input and errors", () => {
    expect(F.maxPool2d(randn([3, 4, 4]), 2).shape).toEqual([3, 2, 2]);
    expect(() => F.maxPool2d(randn([1, 1, 4, 4]), 2, { padding: 2 })).toThrow(/maxPool2d: padding 2 must be at most half the kernel size 2/);
    expect(() => F.maxPool2d(randn([1, 1, 2, 2]), 3)).toThrow(/maxPool2d: input of shape \[1, 1, 2, 2\] is too small for kernel size 3/);
    expect(() => F.maxPool2d(randn([4, 4]), 2)).toThrow(/maxPool2d: expected input of shape \[N, C, H, W\] or \[C, H, W\], got \[4, 4\]/);
  });
});

describe("avgPool2d", () => {
  it("hand-worked, countIncludePad true and false", () => {
    const x = tensor([[[[1, 2], [3, 4]]]]);
    expect(F.avgPool2d(x, 2).toArray()).toEqual([[[[2.5]]]]);
    // kernel 2, stride 1, padding 1: corner windows hold one value and three zeros
    expect(F.avgPool2d(x, 2, { stride: 1, padding: 1 }).toArray()).toEqual([[[[0.25, 0.75, 0.5], [1, 2.5, 1.5], [0.75, 1.75, 1]]]]);
    expect(F.avgPool2d(x, 2, { stride: 1, padding: 1, countIncludePad: false }).toArray()).toEqual([[[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]]);
  });

  for (const c of [
    { k: [3, 3], s: [2, 2], p: [1, 1] },
    { k: [3, 2], s: [2, 1], p: [1, 0], includePad: false },
    { k: [3, 3], s: [2, 2], p: [1, 1], ceil: true },
  ] as PoolCfg[]) {
    it(`matches the direct loop: ${JSON.stringify(c)}`, () => {
      const x = randn([2, 2, 6, 7], f64);
      const opts = { stride: c.s, padding: c.p, ceilMode: c.ceil, countIncludePad: c.includePad };
      expectMatches(F.avgPool2d(x, c.k, opts), naivePool(x, "avg", c));
    });
  }
});

describe("1-D pooling", () => {
  it("maxPool1d and avgPool1d, hand-worked", () => {
    const x = tensor([[[1, 5, 2, 8, 3]]]);
    expect(F.maxPool1d(x, 2).toArray()).toEqual([[[5, 8]]]);
    expect(F.maxPool1d(x, 3, { stride: 1 }).toArray()).toEqual([[[5, 8, 8]]]);
    expect(F.avgPool1d(x, 2).toArray()).toEqual([[[3, 5]]]);
    expect(F.avgPool1d(x, 2, { padding: 1, countIncludePad: false }).toArray()).toEqual([[[1, 3.5, 5.5]]]);
    const [, idx] = F.maxPool1d(x, 2, { returnIndices: true });
    expect(idx.toArray()).toEqual([[[1, 3]]]);
    expect(F.maxPool1d(tensor([[1, 3, 2, 0]]), 2).toArray()).toEqual([[3, 2]]);
  });
});

describe("adaptiveAvgPool2d", () => {
  it("output 1 is the mean of each plane", () => {
    const x = randn([2, 3, 5, 7], f64);
    const out = F.adaptiveAvgPool2d(x, 1);
    expect(out.shape).toEqual([2, 3, 1, 1]);
    const means = x.mean([2, 3]).data;
    Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo(means[i], 14));
  });

  it("uneven windows: floor(i·H/o) .. ceil((i+1)·H/o)", () => {
    // H = 5 → 3: rows 0..2, 1..4, 3..5 (exclusive ends); W = 3 → 2: cols 0..2, 1..3
    const x = arange(15, f64).reshape(1, 1, 5, 3);
    const a = x.toArray() as number[][][][];
    const mean = (r0: number, r1: number, c0: number, c1: number) => {
      let s = 0;
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += a[0][0][r][c];
      return s / ((r1 - r0) * (c1 - c0));
    };
    const out = F.adaptiveAvgPool2d(x, [3, 2]);
    const expected = [mean(0, 2, 0, 2), mean(0, 2, 1, 3), mean(1, 4, 0, 2), mean(1, 4, 1, 3), mean(3, 5, 0, 2), mean(3, 5, 1, 3)];
    Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 14));
  });

  it("divisible sizes equal avgPool2d with kernel = stride = H/o; null keeps a dim", () => {
    const x = randn([1, 2, 6, 4], f64);
    expectMatches(F.adaptiveAvgPool2d(x, [3, 2]), { shape: [1, 2, 3, 2], data: Array.from(F.avgPool2d(x, 2).data) });
    expect(F.adaptiveAvgPool2d(x, [null, 1]).shape).toEqual([1, 2, 6, 1]);
    expect(F.adaptiveAvgPool2d(randn([2, 4, 4]), 2).shape).toEqual([2, 2, 2]);
    expect(() => F.adaptiveAvgPool2d(x, 0)).toThrow(/adaptiveAvgPool2d: outputSize must contain positive integers/);
  });
});

describe("adaptiveMaxPool2d", () => {
  it("uneven windows, indices, and global max", () => {
    const x = tensor([[[[1, 7, 2], [4, 0, 9], [3, 8, 5], [6, 2, 1], [0, 4, 3]]]]);
    // H = 5 → 2: rows 0..3, 2..5; W = 3 → 1: all columns
    const [v, i] = F.adaptiveMaxPool2d(x, [2, 1], { returnIndices: true });
    expect(v.toArray()).toEqual([[[[9], [8]]]]);
    expect(i.toArray()).toEqual([[[[5], [7]]]]);
    expect(F.adaptiveMaxPool2d(x, 1).toArray()).toEqual([[[[9]]]]);
    const g = x.detach().requiresGrad_();
    F.adaptiveMaxPool2d(g, [2, 1]).sum().backward();
    expect(Array.from(g.grad!.data).map((e, k) => (e ? k : -1)).filter((k) => k >= 0)).toEqual([5, 7]);
  });
});
