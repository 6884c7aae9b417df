// conv2d / conv1d against a direct convolution written here from the definition:
// out[n, o, i, j] = b[o] + Σ_{c in o's group, ki, kj} x[n, c, i·s − p + ki·d, j·s − p + kj·d] · w[o, c', ki, kj]
import { describe, expect, it } from "vitest";
import { F, Tensor, randn, tensor } from "../../../../lib/index.js";

const f64 = { dtype: "float64" as const };

interface Cfg { stride?: [number, number]; padding?: [number, number]; dilation?: [number, number]; groups?: number }

function naiveConv2d(x: Tensor, w: Tensor, b: Tensor | null, cfg: Cfg): { shape: number[]; data: number[] } {
  const [N, C, H, W] = x.shape, [O, Cg, KH, KW] = w.shape;
  const [sh, sw] = cfg.stride ?? [1, 1], [ph, pw] = cfg.padding ?? [0, 0], [dh, dw] = cfg.dilation ?? [1, 1];
  const G = cfg.groups ?? 1;
  const OH = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
  const xa = x.toArray() as number[][][][], wa = w.toArray() as number[][][][];
  const ba = b ? (b.toArray() as number[]) : null;
  const out: number[] = [];
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) {
    const g = Math.floor(o / (O / G));
    for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
      let s = ba ? ba[o] : 0;
      for (let cc = 0; cc < Cg; cc++) for (let ki = 0; ki < KH; ki++) for (let kj = 0; kj < KW; kj++) {
        const r = i * sh - ph + ki * dh, c = j * sw - pw + kj * dw;
        if (r >= 0 && r < H && c >= 0 && c < W) s += xa[n][g * Cg + cc][r][c] * wa[o][cc][ki][kj];
      }
      out.push(s);
    }
  }
  return { shape: [N, O, OH, OW], data: out };
}

function expectMatches(t: Tensor, ref: { shape: number[]; data: number[] }, digits = 12): void {
  expect(t.shape).toEqual(ref.shape);
  const d = t.data;
  ref.data.forEach((v, i) => expect(d[i]).toBeCloseTo(v, digits));
}

describe("conv2d", () => {
  it("hand-worked 3×3 ⊛ 2×2", () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    const w = tensor([[[[1, 0], [0, -1]]]]);
    expect(F.conv2d(x, w).toArray()).toEqual([[[[-4, -4], [-4, -4]]]]);
    expect(F.conv2d(x, w, { bias: tensor([10]) }).toArray()).toEqual([[[[6, 6], [6, 6]]]]);
    // padding 1: the corner output sees only x[0,0]·w[1,1]
    expect(F.conv2d(x, w, { padding: 1 }).toArray()).toEqual([[[[-1, -2, -3, 0], [-4, -4, -4, 3], [-7, -4, -4, 6], [0, 7, 8, 9]]]]);
  });

  const configs: [string, number[], number[], Cfg][] = [
    ["plain", [2, 3, 6, 5], [4, 3, 3, 3], {}],
    ["stride 2, padding 1", [2, 2, 7, 6], [3, 2, 3, 3], { stride: [2, 2], padding: [1, 1] }],
    ["asymmetric stride/padding/dilation", [1, 2, 8, 7], [2, 2, 3, 2], { stride: [1, 2], padding: [2, 1], dilation: [2, 1] }],
    ["groups 2", [2, 4, 5, 5], [6, 2, 3, 3], { groups: 2, padding: [1, 1] }],
    ["depthwise, dilation 2", [1, 3, 7, 7], [3, 1, 3, 3], { groups: 3, dilation: [2, 2], padding: [2, 2] }],
    ["1×1 kernel", [2, 5, 3, 4], [2, 5, 1, 1], {}],
    ["LeNet first layer shape", [4, 1, 28, 28], [6, 1, 5, 5], { padding: [2, 2] }],
  ];
  for (const [name, xs, ws, cfg] of configs) {
    it(`matches the direct loop: ${name} (float64 and float32)`, () => {
      const x = randn(xs, f64), w = randn(ws, f64), b = randn([ws[0]], f64);
      const opts = { bias: b, stride: cfg.stride, padding: cfg.padding, dilation: cfg.dilation, groups: cfg.groups };
      const ref = naiveConv2d(x, w, b, cfg);
      expectMatches(F.conv2d(x, w, opts), ref);
      // float32 runs on the fast backend kernels
      const o32 = F.conv2d(x.float(), w.float(), { ...opts, bias: b.float() });
      expect(o32.dtype).toBe("float32");
      expectMatches(o32, ref, 4);
      // non-contiguous input: same values
      const xn = x.transpose(2, 3).contiguous().transpose(2, 3);
      expect(xn.isContiguous()).toBe(false);
      expectMatches(F.conv2d(xn, w, opts), ref);
    });
  }

  it('padding "same" keeps the size; an even kernel puts the extra zero at the end (like PyTorch)', () => {
    const x = randn([1, 2, 5, 6], f64), w = randn([3, 2, 2, 4], f64);
    const out = F.conv2d(x, w, { padding: "same" });
    expect(out.shape).toEqual([1, 3, 5, 6]);
    // Total padding (1, 3): top 0 / bottom 1, left 1 / right 2. Emulate with a symmetric
    // (1, 2) pad (one extra row on top, one extra column on the left) and drop those.
    const big = naiveConv2d(x, w, null, { padding: [1, 2] }); // shape [1, 3, 6, 7]
    const [, O, BH, BW] = big.shape;
    const expected: number[] = [];
    for (let o = 0; o < O; o++) for (let i = 1; i < BH; i++) for (let j = 1; j < BW; j++) expected.push(big.data[(o * BH + i) * BW + j]);
    expectMatches(out.contiguous(), { shape: [1, 3, 5, 6], data: expected });
    // odd kernel: plain symmetric padding
    const w3 = randn([2, 2, 3, 3], f64);
    expectMatches(F.conv2d(x, w3, { padding: "same" }), naiveConv2d(x, w3, null, { padding: [1, 1] }));
    expect(F.conv2d(x, w3, { padding: "valid" }).shape).toEqual([1, 2, 3, 4]);
  });

  it("unbatched [C, H, W] input", () => {
    const x = randn([2, 4, 4], f64), w = randn([3, 2, 3, 3], f64);
    const out = F.conv2d(x, w, { padding: 1 });
    expect(out.shape).toEqual([3, 4, 4]);
    expectMatches(out.unsqueeze(0), naiveConv2d(x.unsqueeze(0), w, null, { padding: [1, 1] }));
  });

  it("errors name the shapes", () => {
    const x = randn([1, 3, 5, 5]);
    expect(() => F.conv2d(x, randn([4, 2, 3, 3]))).toThrow(/conv2d: input of shape \[1, 3, 5, 5\] has 3 channels, but weight of shape \[4, 2, 3, 3\] with groups=1 expects 2/);
    expect(() => F.conv2d(x, randn([4, 3, 7, 7]))).toThrow(/conv2d: input of shape \[1, 3, 5, 5\] is too small for weight of shape \[4, 3, 7, 7\]/);
    expect(() => F.conv2d(x, randn([4, 3, 3]))).toThrow(/conv2d: expected weight of shape .* got \[4, 3, 3\]/);
    expect(() => F.conv2d(randn([3, 5]), randn([4, 3, 3, 3]))).toThrow(/conv2d: expected input of shape .* got \[3, 5\]/);
    expect(() => F.conv2d(x, randn([4, 3, 3, 3]), { bias: randn([3]) })).toThrow(/conv2d: bias of shape \[3\] does not match the 4 output channels/);
    expect(() => F.conv2d(x, randn([4, 3, 3, 3]), { padding: "same", stride: 2 })).toThrow(/conv2d: padding "same" needs stride 1/);
    expect(() => F.conv2d(x, randn([4, 3, 3, 3], f64))).toThrow(/conv2d: input \(dtype float32.*weight \(dtype float64/);
    expect(() => F.conv2d(x, randn([5, 1, 3, 3]), { groups: 3 })).toThrow(/groups=3 does not divide/);
  });

  it("records Conv2dBackward with the bias as an input", () => {
    const w = randn([2, 1, 2, 2]).requiresGrad_(), b = randn([2]).requiresGrad_();
    const y = F.conv2d(randn([1, 1, 3, 3]), w, { bias: b });
    expect(y.gradFn!.name).toBe("Conv2dBackward");
    expect(y.gradFn!.inputs.map((n) => n?.name ?? null)).toEqual([null, "AccumulateGrad", "AccumulateGrad"]);
    y.sum().backward();
    // d(sum)/db = number of output positions per channel
    expect(Array.from(b.grad!.data)).toEqual([4, 4]);
  });
});

describe("conv1d", () => {
  function naiveConv1d(x: Tensor, w: Tensor, b: Tensor | null, s: number, p: number, d: number, G: number): { shape: number[]; data: number[] } {
    const r = naiveConv2d(x.unsqueeze(2), w.unsqueeze(2), b, { stride: [1, s], padding: [0, p], dilation: [1, d], groups: G });
    return { shape: [r.shape[0], r.shape[1], r.shape[3]], data: r.data };
  }

  it("hand-worked", () => {
    expect(F.conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, -1]]])).toArray()).toEqual([[[-1, -1, -1]]]);
    expect(F.conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, 1]]]), { stride: 2, padding: 1 }).toArray()).toEqual([[[1, 5, 4]]]);
  });

  it("matches the direct loop with stride, padding, dilation and groups", () => {
    const x = randn([2, 4, 11], f64), w = randn([6, 2, 3], f64), b = randn([6], f64);
    const out = F.conv1d(x, w, { bias: b, stride: 2, padding: 2, dilation: 2, groups: 2 });
    expectMatches(out, naiveConv1d(x, w, b, 2, 2, 2, 2));
    const same = F.conv1d(x, randn([3, 4, 4], f64), { padding: "same" });
    expect(same.shape).toEqual([2, 3, 11]);
    expect(F.conv1d(x.select(0, 0), w, { groups: 2 }).shape).toEqual([6, 9]);
    expect(() => F.conv1d(x, randn([6, 3, 3], f64))).toThrow(/conv1d: input of shape \[2, 4, 11\] has 4 channels/);
  });
});
