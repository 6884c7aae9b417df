// The modules over F's less common ops (issue 5 follow-ups): each checked against values worked
// out independently (hand cases, plain loops, defining identities), PyTorch's parameter names
// and shapes, its repr, and a float64 gradcheck through the module.
import { describe, expect, it } from "vitest";
import { F, nn, manualSeed, noGrad, tensor, type Tensor } from "../../../lib/index.js";
import { expectAllClose, gradcheckModule, rand64 } from "./helpers.js";

const f64 = (v: unknown) => tensor(v as number[], { dtype: "float64" });
const shapes = (m: nn.Module) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.shape]]));
function setData(t: Tensor, values: number[]): void {
  (t.data as Float32Array | Float64Array).set(values);
}

describe("activation modules", () => {
  const xs = [-4, -2, -0.5, 0.25, 1, 4, 7];
  const x = () => f64(xs);
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const softplus = (v: number) => Math.log1p(Math.exp(v));
  const relu6 = (v: number) => Math.min(Math.max(v, 0), 6);
  const cases: [nn.Module, (v: number) => number][] = [
    [new nn.Hardtanh(), (v) => Math.min(Math.max(v, -1), 1)],
    [new nn.Hardtanh({ minVal: -2, maxVal: 3 }), (v) => Math.min(Math.max(v, -2), 3)],
    [new nn.ReLU6(), relu6],
    [new nn.SELU(), (v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (Math.exp(v) - 1))],
    [new nn.CELU(2), (v) => (v > 0 ? v : 2 * (Math.exp(v / 2) - 1))],
    [new nn.Mish(), (v) => v * Math.tanh(softplus(v))],
    [new nn.Hardswish(), (v) => (v <= -3 ? 0 : v >= 3 ? v : (v * (v + 3)) / 6)],
    [new nn.Hardsigmoid(), (v) => relu6(v + 3) / 6],
    [new nn.Softsign(), (v) => v / (1 + Math.abs(v))],
    [new nn.LogSigmoid(), (v) => Math.log(sig(v))],
    [new nn.Threshold(0.5, -9), (v) => (v > 0.5 ? v : -9)],
  ];

  it("elementwise hand formulas", () => {
    for (const [m, fn] of cases) expectAllClose(m.call(x()).toArray(), xs.map(fn), 1e-12);
  });

  it("Softmin, GLU and PReLU", () => {
    const e = [1, 2, 3].map((v) => Math.exp(-v));
    const s = e[0] + e[1] + e[2];
    expectAllClose(new nn.Softmin(1).call(f64([[1, 2, 3]])).toArray(), [e.map((v) => v / s)], 1e-12);
    // GLU over dim 1 of [1, 4]: [a, b] ⊙ σ([c, d])
    expectAllClose(new nn.GLU(1).call(f64([[1, 2, 0, -1]])).toArray(), [[1 * 0.5, 2 * sig(-1)]], 1e-12);
    expect(() => new nn.GLU().call(f64([1, 2, 3]))).toThrow(/glu: .*even/);
    const shared = new nn.PReLU();
    expect(shapes(shared)).toEqual({ weight: [1] });
    expect(Array.from(shared.weight.data)).toEqual([0.25]);
    expectAllClose(shared.call(tensor([-4, 2])).toArray(), [-1, 2]);
    const perChannel = new nn.PReLU({ numParameters: 2, init: 0.1 });
    setData(perChannel.weight, [0.5, 2]);
    // [N=1, C=2, L=2]: channel 0 negative part × 0.5, channel 1 × 2
    expect(perChannel.call(tensor([[[-2, 3], [-1, -4]]])).toArray()).toEqual([[[-1, 3], [-2, -8]]]);
    expect(String(perChannel)).toBe("PReLU(num_parameters=2)");
  });

  it("reprs", () => {
    expect(String(new nn.Hardtanh())).toBe("Hardtanh(min_val=-1, max_val=1)");
    expect(String(new nn.CELU(2))).toBe("CELU(alpha=2)");
    expect(String(new nn.Threshold(0.1, 20))).toBe("Threshold(threshold=0.1, value=20)");
    expect(String(new nn.Softmin(1))).toBe("Softmin(dim=1)");
    expect(String(new nn.GLU())).toBe("GLU(dim=-1)");
    expect(String(new nn.ReLU6())).toBe("ReLU6()");
  });

  it("gradcheck", () => {
    manualSeed(50);
    for (const [m] of cases) gradcheckModule(m, [rand64([3, 4])]);
    gradcheckModule(new nn.Softmin(0), [rand64([3, 4])]);
    gradcheckModule(new nn.GLU(1), [rand64([3, 4])]);
    const prelu = new nn.PReLU({ numParameters: 3, dtype: "float64" });
    gradcheckModule(prelu, [rand64([2, 3, 4])]);
  });
});

/** Transposed convolution by its definition: each input pixel scatters weight·x into the output. */
function refConvTranspose2d(x: number[][][][], w: number[][][][], b: number[] | null, s: number[], p: number[], op: number[], d: number[], groups: number) {
  const [N, C, H, W] = [x.length, x[0].length, x[0][0].length, x[0][0][0].length];
  const [og, KH, KW] = [w[0].length, w[0][0].length, w[0][0][0].length];
  const O = og * groups;
  const cg = C / groups;
  const OH = (H - 1) * s[0] - 2 * p[0] + d[0] * (KH - 1) + op[0] + 1;
  const OW = (W - 1) * s[1] - 2 * p[1] + d[1] * (KW - 1) + op[1] + 1;
  const out = Array.from({ length: N }, () => Array.from({ length: O }, (_, o) => Array.from({ length: OH }, () => new Array<number>(OW).fill(b ? b[o] : 0))));
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const g = Math.floor(c / cg);
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++)
          for (let o = 0; o < og; o++)
            for (let ki = 0; ki < KH; ki++)
              for (let kj = 0; kj < KW; kj++) {
                const r = i * s[0] - p[0] + ki * d[0];
                const q = j * s[1] - p[1] + kj * d[1];
                if (r >= 0 && r < OH && q >= 0 && q < OW) out[n][g * og + o][r][q] += x[n][c][i][j] * w[c][o][ki][kj];
              }
    }
  return out;
}

describe("ConvTranspose1d / ConvTranspose2d", () => {
  it("ConvTranspose2d matches the scatter definition (stride 2, padding 1, outputPadding 1, dilation 2, groups 2)", () => {
    manualSeed(51);
    const m = new nn.ConvTranspose2d(4, 6, [3, 2], { stride: 2, padding: 1, outputPadding: 1, dilation: 2, groups: 2, dtype: "float64" });
    // PyTorch's layout: [in, out/groups, kH, kW]
    expect(shapes(m)).toEqual({ weight: [4, 3, 3, 2], bias: [6] });
    const x = rand64([2, 4, 3, 4], false);
    const y = m.call(x);
    const ref = refConvTranspose2d(x.toArray() as number[][][][], m.weight.toArray() as number[][][][], m.bias!.toArray() as number[], [2, 2], [1, 1], [1, 1], [2, 2], 2);
    expect(y.shape).toEqual([2, 6, ref[0][0].length, ref[0][0][0].length]);
    expect(y.shape).toEqual([2, 6, (3 - 1) * 2 - 2 + 2 * 2 + 1 + 1, (4 - 1) * 2 - 2 + 2 * 1 + 1 + 1]);
    expectAllClose(y.toArray(), ref, 1e-10);
  });

  it("is the adjoint of Conv2d: ⟨convT(x), y⟩ = ⟨x, conv(y)⟩ with the same weight", () => {
    manualSeed(52);
    const ct = new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1, bias: false, dtype: "float64" });
    const x = rand64([1, 2, 4, 4], false);
    const up = ct.call(x);
    const y = rand64([...up.shape], false);
    const down = F.conv2d(y, ct.weight, { stride: 2, padding: 1 });
    expect(down.shape).toEqual(x.shape);
    expect(up.mul(y).sum().item()).toBeCloseTo(x.mul(down).sum().item(), 10);
  });

  it("ConvTranspose1d hand case and outputSize", () => {
    const m = new nn.ConvTranspose1d(1, 1, 2, { stride: 2 });
    setData(m.weight, [1, 10]);
    setData(m.bias!, [0.5]);
    // each input value v writes [v, 10v] at 2i: no overlap
    expect(m.call(tensor([[[1, 2, 3]]])).toArray()).toEqual([[[1.5, 10.5, 2.5, 20.5, 3.5, 30.5]]]);
    const m3 = new nn.ConvTranspose1d(1, 1, 3, { stride: 2, padding: 1, bias: false });
    setData(m3.weight, [1, 1, 1]);
    const x = tensor([[[1, 2, 3]]]);
    // the strided conv maps lengths 5 and 6 to 3; outputSize picks 6 (outputPadding 1)
    expect(m3.call(x).shape).toEqual([1, 1, 5]);
    const y6 = m3.call(x, [6]);
    expect(y6.shape).toEqual([1, 1, 6]);
    // full output before cropping 1 on each side: [1, 1, 1+2, 2, 2+3, 3, 3]; crop → [1, 3, 2, 5, 3] (+ the extra end value 3)
    expect(y6.toArray()).toEqual([[[1, 3, 2, 5, 3, 3]]]);
    expect(m3.call(x, [1, 1, 5]).shape).toEqual([1, 1, 5]);
    expect(() => m3.call(x, [7])).toThrow(/ConvTranspose1d: requested output size \[7\].*\[5, 6\]/);
  });

  it("PyTorch's default init: U(±1/√fan_in) with fan_in = out/groups·k·k from the [in, out/groups, k, k] layout", () => {
    manualSeed(53);
    const m = new nn.ConvTranspose2d(64, 8, 3, { groups: 2 });
    const bound = 1 / Math.sqrt(4 * 9);
    const w = Array.from(m.weight.data);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    expect(Math.max(...Array.from(m.bias!.data).map(Math.abs))).toBeLessThanOrEqual(bound);
  });

  it("repr and errors", () => {
    expect(String(new nn.ConvTranspose2d(16, 33, [3, 5], { stride: 2, padding: [4, 2], outputPadding: 1 }))).toBe(
      "ConvTranspose2d(16, 33, kernel_size=(3, 5), stride=(2, 2), padding=(4, 2), output_padding=(1, 1))",
    );
    expect(String(new nn.ConvTranspose1d(2, 4, 3, { bias: false }))).toBe("ConvTranspose1d(2, 4, kernel_size=(3,), stride=(1,), bias=false)");
    expect(() => new nn.ConvTranspose2d(3, 4, 3, { groups: 2 })).toThrow(/divisible by groups/);
    expect(() => new nn.ConvTranspose2d(2, 4, 3, { outputPadding: 1 })).toThrow(/outputPadding .* must be smaller than either stride/);
  });

  it("gradcheck", () => {
    manualSeed(54);
    gradcheckModule(new nn.ConvTranspose2d(2, 4, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2, dtype: "float64" }), [rand64([2, 2, 3, 3])]);
    gradcheckModule(new nn.ConvTranspose1d(3, 2, 2, { stride: 3, dtype: "float64" }), [rand64([2, 3, 4])]);
  });
});

describe("Conv paddingMode", () => {
  const conv1 = (k: number[], padding: number | "same", mode: nn.PaddingMode) => {
    const c = new nn.Conv1d(1, 1, k.length, { padding, paddingMode: mode, bias: false });
    setData(c.weight, k);
    return (x: number[]) => (c.call(tensor([[x]])).toArray() as number[][][])[0][0];
  };
  it("1-D hand cases: a tap at the first / last kernel position reads the padded signal", () => {
    const x = [1, 2, 3, 4];
    // padded by 1: reflect [2,1,2,3,4,3], replicate [1,1,2,3,4,4], circular [4,1,2,3,4,1], zeros [0,1,2,3,4,0]
    expect(conv1([1, 0, 0], 1, "reflect")(x)).toEqual([2, 1, 2, 3]);
    expect(conv1([0, 0, 1], 1, "reflect")(x)).toEqual([2, 3, 4, 3]);
    expect(conv1([1, 0, 0], 1, "replicate")(x)).toEqual([1, 1, 2, 3]);
    expect(conv1([0, 0, 1], 1, "replicate")(x)).toEqual([2, 3, 4, 4]);
    expect(conv1([1, 0, 0], 1, "circular")(x)).toEqual([4, 1, 2, 3]);
    expect(conv1([0, 0, 1], 1, "circular")(x)).toEqual([2, 3, 4, 1]);
    expect(conv1([1, 0, 0], 1, "zeros")(x)).toEqual([0, 1, 2, 3]);
    // "same" with an even kernel: total 3 = 1 before + 2 after (PyTorch's split); reflect [2,1,2,3,4,3,2]
    expect(conv1([1, 0, 0, 0], "same", "reflect")(x)).toEqual([2, 1, 2, 3]);
    expect(conv1([0, 0, 0, 1], "same", "reflect")(x)).toEqual([3, 4, 3, 2]);
  });

  it("2-D reflect/replicate/circular against a loop over the padded image", () => {
    manualSeed(55);
    const src = (mode: string, j: number, L: number) =>
      j >= 0 && j < L ? j : mode === "reflect" ? (j < 0 ? -j : 2 * (L - 1) - j) : mode === "replicate" ? (j < 0 ? 0 : L - 1) : ((j % L) + L) % L;
    for (const mode of ["reflect", "replicate", "circular"] as const) {
      const c = new nn.Conv2d(2, 3, [3, 2], { padding: [2, 1], paddingMode: mode, dtype: "float64" });
      const x = rand64([1, 2, 4, 5], false);
      const xa = x.toArray() as number[][][][];
      const w = c.weight.toArray() as number[][][][];
      const b = c.bias!.toArray() as number[];
      const y = c.call(x);
      const OH = 4 + 4 - 2, OW = 5 + 2 - 1;
      expect(y.shape).toEqual([1, 3, OH, OW]);
      const ref = b.map((bo, o) =>
        Array.from({ length: OH }, (_, i) =>
          Array.from({ length: OW }, (_, j) => {
            let s = bo;
            for (let ci = 0; ci < 2; ci++)
              for (let p = 0; p < 3; p++) for (let q = 0; q < 2; q++) s += w[o][ci][p][q] * xa[0][ci][src(mode, i + p - 2, 4)][src(mode, j + q - 1, 5)];
            return s;
          }),
        ),
      );
      expectAllClose(y.toArray(), [ref], 1e-10);
    }
  });

  it("repr, errors, gradcheck", () => {
    expect(String(new nn.Conv2d(1, 2, 3, { padding: 1, paddingMode: "reflect" }))).toBe(
      "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=reflect)",
    );
    expect(() => new nn.Conv2d(1, 2, 3, { paddingMode: "mirror" as nn.PaddingMode })).toThrow(/Conv2d: paddingMode must be one of/);
    manualSeed(56);
    gradcheckModule(new nn.Conv2d(2, 2, 3, { padding: 1, paddingMode: "reflect", dtype: "float64" }), [rand64([1, 2, 4, 4])]);
    gradcheckModule(new nn.Conv1d(1, 2, 4, { padding: "same", paddingMode: "circular", dtype: "float64" }), [rand64([2, 1, 5])]);
  });
});

describe("Upsample, PixelShuffle, PixelUnshuffle", () => {
  it("Upsample hand cases", () => {
    const img = tensor([[[[1, 2], [3, 4]]]]);
    expect(new nn.Upsample({ scaleFactor: 2 }).call(img).toArray()).toEqual([[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
    // align corners: the corner pixels map onto each other, the rest is linear in between
    expectAllClose(new nn.Upsample({ size: 4, mode: "linear", alignCorners: true }).call(tensor([[[0, 3]]])).toArray(), [[[0, 1, 2, 3]]]);
    // half-pixel centres (default): output 0 and 1 map to source −0.25 → 0 and 0.25
    expectAllClose((new nn.Upsample({ scaleFactor: 2, mode: "bilinear" }).call(img).toArray() as number[][][][])[0][0][0], [1, 1.25, 1.75, 2]);
    expect(String(new nn.Upsample({ scaleFactor: 2, mode: "bilinear" }))).toBe("Upsample(scale_factor=2, mode='bilinear')");
    expect(() => new nn.Upsample()).toThrow(/exactly one of size and scaleFactor/);
  });

  it("PixelShuffle follows out[c, h·r + i, w·r + j] = in[c·r² + i·r + j, h, w]; PixelUnshuffle inverts it", () => {
    manualSeed(57);
    const r = 2;
    const x = rand64([2, 8, 2, 3], false);
    const y = new nn.PixelShuffle(r).call(x);
    expect(y.shape).toEqual([2, 2, 4, 6]);
    const xa = x.toArray() as number[][][][];
    const ya = y.toArray() as number[][][][];
    for (let n = 0; n < 2; n++)
      for (let c = 0; c < 2; c++)
        for (let h = 0; h < 2; h++)
          for (let w = 0; w < 3; w++) for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) expect(ya[n][c][h * r + i][w * r + j]).toBe(xa[n][c * r * r + i * r + j][h][w]);
    expect(new nn.PixelUnshuffle(r).call(y).toArray()).toEqual(xa);
    expect(String(new nn.PixelShuffle(3))).toBe("PixelShuffle(upscale_factor=3)");
    expect(String(new nn.PixelUnshuffle(3))).toBe("PixelUnshuffle(downscale_factor=3)");
  });

  it("gradcheck", () => {
    manualSeed(58);
    gradcheckModule(new nn.Upsample({ scaleFactor: 2, mode: "bilinear", alignCorners: true }), [rand64([1, 2, 2, 3])]);
    gradcheckModule(new nn.Upsample({ size: [3, 5] }), [rand64([1, 1, 2, 2])]);
    gradcheckModule(new nn.PixelShuffle(2), [rand64([1, 4, 2, 2])]);
    gradcheckModule(new nn.PixelUnshuffle(2), [rand64([1, 1, 4, 2])]);
  });
});

describe("AdaptiveMaxPool2d", () => {
  it("max over windows [floor(i·H/oH), ceil((i+1)·H/oH)) against loops; indices", () => {
    manualSeed(59);
    const x = rand64([2, 3, 5, 7], false);
    const [oH, oW] = [3, 4];
    const xa = x.toArray() as number[][][][];
    const ref = xa.map((img) =>
      img.map((plane) =>
        Array.from({ length: oH }, (_, i) =>
          Array.from({ length: oW }, (_, j) => {
            let m = -Infinity;
            for (let r = Math.floor((i * 5) / oH); r < Math.ceil(((i + 1) * 5) / oH); r++)
              for (let c = Math.floor((j * 7) / oW); c < Math.ceil(((j + 1) * 7) / oW); c++) m = Math.max(m, plane[r][c]);
            return m;
          }),
        ),
      ),
    );
    expect(new nn.AdaptiveMaxPool2d([oH, oW]).call(x).toArray()).toEqual(ref);
    const [v, idx] = new nn.AdaptiveMaxPool2d(1, { returnIndices: true }).call(tensor([[[[1, 9], [4, 2]]]]));
    expect(v.toArray()).toEqual([[[[9]]]]);
    expect(idx.toArray()).toEqual([[[[1]]]]);
    expect(new nn.AdaptiveMaxPool2d([null, 1]).call(tensor([[[[1, 9], [4, 2]]]])).toArray()).toEqual([[[[9], [4]]]]);
    expect(String(new nn.AdaptiveMaxPool2d([5, 7]))).toBe("AdaptiveMaxPool2d(output_size=(5, 7))");
  });
  it("gradcheck", () => {
    manualSeed(60);
    gradcheckModule(new nn.AdaptiveMaxPool2d([2, 3]), [rand64([1, 2, 5, 4])]);
  });
});

describe("InstanceNorm1d / InstanceNorm2d", () => {
  /** Each [n, c] row normalised by its own mean and biased variance. */
  const refRows = (rows: number[][], eps = 1e-5) =>
    rows.map((r) => {
      const m = r.reduce((a, b) => a + b, 0) / r.length;
      const v = r.reduce((a, b) => a + (b - m) ** 2, 0) / r.length;
      return r.map((x) => (x - m) / Math.sqrt(v + eps));
    });

  it("normalises each channel of each sample over its positions; no parameters or buffers by default", () => {
    const x = f64([[[1, 2, 3, 6], [0, 0, 4, 4]], [[5, 5, 5, 9], [-1, 1, -1, 1]]]);
    const m = new nn.InstanceNorm1d(2);
    expect(m.stateDict()).toEqual({});
    const y = m.call(x).toArray() as number[][][];
    expectAllClose(y, (x.toArray() as number[][][]).map((s) => refRows(s)), 1e-12);
    // unbatched [C, L]
    expectAllClose(m.call(f64([[1, 2, 3, 6], [0, 0, 4, 4]])).toArray(), refRows([[1, 2, 3, 6], [0, 0, 4, 4]]), 1e-12);
    expect(String(m)).toBe("InstanceNorm1d(2, eps=0.00001, momentum=0.1, affine=false, track_running_stats=false)");
  });

  it("affine parameters and running statistics (PyTorch's names; batch-averaged per-sample stats)", () => {
    const m = new nn.InstanceNorm2d(2, { affine: true, trackRunningStats: true, dtype: "float64" });
    expect(shapes(m)).toEqual({ weight: [2], bias: [2], running_mean: [2], running_var: [2], num_batches_tracked: [] });
    setData(m.weight!, [2, -1]);
    setData(m.bias!, [0.5, 0]);
    // [N=2, C=2, 2, 2]
    const s = [[[1, 2, 3, 6], [0, 0, 4, 4]], [[5, 5, 5, 9], [-1, 1, -1, 1]]];
    const x = f64(s).reshape(2, 2, 2, 2);
    const y = m.call(x).reshape(2, 2, 4).toArray() as number[][][];
    const norm = s.map((smp) => refRows(smp));
    expectAllClose(y, norm.map((smp) => smp.map((r, c) => r.map((v) => v * [2, -1][c] + [0.5, 0][c]))), 1e-12);
    const mean = (r: number[]) => r.reduce((a, b) => a + b, 0) / r.length;
    const unbiased = (r: number[]) => r.reduce((a, b) => a + (b - mean(r)) ** 2, 0) / (r.length - 1);
    for (let c = 0; c < 2; c++) {
      expect((m.running_mean!.toArray() as number[])[c]).toBeCloseTo(0.1 * (mean(s[0][c]) + mean(s[1][c])) / 2, 12);
      expect((m.running_var!.toArray() as number[])[c]).toBeCloseTo(0.9 + (0.1 * (unbiased(s[0][c]) + unbiased(s[1][c]))) / 2, 12);
    }
    // eval: the running statistics, then the affine map
    m.eval();
    const rm = m.running_mean!.toArray() as number[];
    const rv = m.running_var!.toArray() as number[];
    const z = m.call(f64([[[[1]], [[1]]]])).toArray() as number[][][][];
    expect(z[0][0][0][0]).toBeCloseTo(((1 - rm[0]) / Math.sqrt(rv[0] + 1e-5)) * 2 + 0.5, 12);
    expect(z[0][1][0][0]).toBeCloseTo(((1 - rm[1]) / Math.sqrt(rv[1] + 1e-5)) * -1, 12);
    expect(() => m.call(f64([[[[1]], [[1]], [[1]]]]))).toThrow(/InstanceNorm2d: expected 2 channels/);
    expect(() => new nn.InstanceNorm2d(2).call(f64([1, 2]))).toThrow(/InstanceNorm2d: expected input of rank 3 \(unbatched\) or 4/);
  });

  it("gradcheck (plain, affine, with running stats)", () => {
    manualSeed(61);
    gradcheckModule(new nn.InstanceNorm1d(3), [rand64([2, 3, 4])]);
    const affine = new nn.InstanceNorm2d(2, { affine: true, dtype: "float64" });
    noGrad(() => affine.weight!.copy_(rand64([2], false)));
    gradcheckModule(affine, [rand64([2, 2, 2, 3])]);
    gradcheckModule(new nn.InstanceNorm1d(2, { affine: true, trackRunningStats: true, dtype: "float64" }), [rand64([3, 2, 4])]);
  });
});

describe("Unfold / Fold", () => {
  it("Unfold hand case: 2×2 blocks of a 3×3 image as columns", () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    const cols = new nn.Unfold(2).call(x);
    expect(cols.shape).toEqual([1, 4, 4]);
    // column l = block at (l / 2, l % 2); row k = offset (k / 2, k % 2) in the block
    expect(cols.toArray()).toEqual([[[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]]]);
    expect(String(new nn.Unfold([2, 3], { stride: 2 }))).toBe("Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=2)");
  });

  it("Fold sums overlapping blocks: Fold(Unfold(ones)) counts the blocks covering each pixel", () => {
    const ones = tensor(new Float32Array(9).fill(1)).reshape(1, 1, 3, 3);
    const counts = new nn.Fold(3, 2).call(new nn.Unfold(2).call(ones));
    expect(counts.toArray()).toEqual([[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]);
    expect(String(new nn.Fold([4, 5], 2))).toBe("Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)");
  });

  it("gradcheck", () => {
    manualSeed(62);
    gradcheckModule(new nn.Unfold(2, { stride: 1, padding: 1 }), [rand64([1, 2, 3, 3])]);
    gradcheckModule(new nn.Fold([3, 4], 2), [rand64([1, 8, 6])]);
  });
});

describe("padding layers", () => {
  const row = [[[1, 2, 3, 4]]];
  it("1-D hand cases", () => {
    expect(new nn.ReflectionPad1d(2).call(tensor(row)).toArray()).toEqual([[[3, 2, 1, 2, 3, 4, 3, 2]]]);
    expect(new nn.ReplicationPad1d([1, 2]).call(tensor(row)).toArray()).toEqual([[[1, 1, 2, 3, 4, 4, 4]]]);
    expect(new nn.ConstantPad1d([2, 1], 9).call(tensor(row)).toArray()).toEqual([[[9, 9, 1, 2, 3, 4, 9]]]);
    expect(new nn.ZeroPad1d(1).call(tensor(row)).toArray()).toEqual([[[0, 1, 2, 3, 4, 0]]]);
    expect(new nn.CircularPad1d([1, 2]).call(tensor(row)).toArray()).toEqual([[[4, 1, 2, 3, 4, 1, 2]]]);
    expect(new nn.ReflectionPad1d(1).call(tensor([[1, 2, 3]])).toArray()).toEqual([[2, 1, 2, 3, 2]]); // unbatched [C, L]
  });

  it("2-D hand cases ((left, right, top, bottom))", () => {
    const img = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    expect(new nn.ZeroPad2d([1, 0, 0, 1]).call(img).toArray()).toEqual([[[[0, 1, 2, 3], [0, 4, 5, 6], [0, 7, 8, 9], [0, 0, 0, 0]]]]);
    expect(new nn.ConstantPad2d([0, 1, 1, 0], -1).call(img).toArray()).toEqual([[[[-1, -1, -1, -1], [1, 2, 3, -1], [4, 5, 6, -1], [7, 8, 9, -1]]]]);
    expect(new nn.ReflectionPad2d(1).call(img).toArray()).toEqual([[[
      [5, 4, 5, 6, 5], [2, 1, 2, 3, 2], [5, 4, 5, 6, 5], [8, 7, 8, 9, 8], [5, 4, 5, 6, 5],
    ]]]);
    expect(new nn.ReplicationPad2d([1, 1, 0, 1]).call(img).toArray()).toEqual([[[[1, 1, 2, 3, 3], [4, 4, 5, 6, 6], [7, 7, 8, 9, 9], [7, 7, 8, 9, 9]]]]);
    expect(new nn.CircularPad2d([0, 1, 1, 0]).call(img).toArray()).toEqual([[[[7, 8, 9, 7], [1, 2, 3, 1], [4, 5, 6, 4], [7, 8, 9, 7]]]]);
  });

  it("reprs, errors, gradcheck", () => {
    expect(String(new nn.ReflectionPad2d([1, 1, 2, 0]))).toBe("ReflectionPad2d((1, 1, 2, 0))");
    expect(String(new nn.ZeroPad2d(2))).toBe("ZeroPad2d((2, 2, 2, 2))");
    expect(String(new nn.ConstantPad1d(3, 3.5))).toBe("ConstantPad1d(padding=(3, 3), value=3.5)");
    expect(() => new nn.ZeroPad2d([1, 2] as unknown as number)).toThrow(/ZeroPad2d: padding must be an integer or 4 integers/);
    expect(() => new nn.ReflectionPad2d(1).call(tensor([1, 2, 3]))).toThrow(/ReflectionPad2d: expected input of shape \[C, H, W\] or \[N, C, H, W\], got \[3\]/);
    expect(() => new nn.ReflectionPad1d(4).call(tensor(row))).toThrow(/reflect padding \(4, 4\) must be smaller than the dim size 4/);
    manualSeed(63);
    gradcheckModule(new nn.ReflectionPad2d([2, 1, 0, 1]), [rand64([1, 2, 3, 4])]);
    gradcheckModule(new nn.ReplicationPad1d([3, 1]), [rand64([2, 1, 3])]);
    gradcheckModule(new nn.ConstantPad2d(1, 2), [rand64([1, 2, 2])]);
    gradcheckModule(new nn.CircularPad2d(1), [rand64([1, 1, 2, 3])]);
  });
});

describe("CosineSimilarity / PairwiseDistance", () => {
  it("hand values", () => {
    const a = f64([[3, 4], [1, 0]]);
    const b = f64([[4, 3], [0, 2]]);
    expectAllClose(new nn.CosineSimilarity().call(a, b).toArray(), [24 / 25, 0], 1e-12);
    // along dim 0: columns [3, 1]·[4, 0] and [4, 0]·[3, 2]
    expectAllClose(new nn.CosineSimilarity({ dim: 0 }).call(a, b).toArray(), [12 / (Math.sqrt(10) * 4), 12 / (4 * Math.sqrt(13))], 1e-12);
    // ‖a − b + eps‖: rows (−1 + e, 1 + e) and (1 + e, −2 + e)
    const e = 1e-6;
    expectAllClose(new nn.PairwiseDistance().call(a, b).toArray(), [Math.hypot(-1 + e, 1 + e), Math.hypot(1 + e, -2 + e)], 1e-12);
    expectAllClose(new nn.PairwiseDistance({ p: 1, eps: 0, keepdim: true }).call(a, b).toArray(), [[2], [3]], 1e-12);
    expect(String(new nn.PairwiseDistance())).toBe("PairwiseDistance(p=2, eps=0.000001, keepdim=false)");
  });
  it("gradcheck", () => {
    manualSeed(64);
    gradcheckModule(new nn.CosineSimilarity(), [rand64([3, 4]), rand64([3, 4])]);
    gradcheckModule(new nn.PairwiseDistance({ p: 3 }), [rand64([3, 4]), rand64([3, 4])]);
  });
});

describe("margin and likelihood loss modules", () => {
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  it("hand values", () => {
    const x1 = f64([1, 2, 0.5]);
    const x2 = f64([2, 1, 0.4]);
    const y = f64([1, 1, -1]);
    // max(0, −y(x1 − x2) + 0.2): 1.2, 0 (−0.8), 0.3
    expect(new nn.MarginRankingLoss({ margin: 0.2 }).call(x1, x2, y).item()).toBeCloseTo(mean([1.2, 0, 0.3]), 12);
    // y = 1: x; y = −1: max(0, 1 − x)
    expectAllClose(new nn.HingeEmbeddingLoss({ reduction: "none" }).call(f64([0.3, 0.4, 2]), f64([1, -1, -1])).toArray(), [0.3, 0.6, 0], 1e-12);
    expect(new nn.SoftMarginLoss({ reduction: "sum" }).call(f64([2, -1]), f64([1, 1])).item()).toBeCloseTo(Math.log1p(Math.exp(-2)) + Math.log1p(Math.E), 12);
    // cos([1, 0], [1, 1]) = 1/√2; cos([1, 0], [−1, 0]) = −1
    const c = new nn.CosineEmbeddingLoss({ margin: -0.5, reduction: "none" }).call(f64([[1, 0], [1, 0]]), f64([[1, 1], [-1, 0]]), f64([1, -1]));
    expectAllClose(c.toArray(), [1 - Math.SQRT1_2, Math.max(0, -1 + 0.5)], 1e-12);
    // d(a, p) = ‖(0, −1) + eps‖, d(a, n) = ‖(−3, 0) + eps‖
    const e = 1e-6;
    const trip = new nn.TripletMarginLoss({ margin: 1 }).call(f64([[0, 0]]), f64([[0, 1]]), f64([[3, 0]]));
    expect(trip.item()).toBeCloseTo(Math.max(0, Math.hypot(e, -1 + e) - Math.hypot(-3 + e, e) + 1), 12);
    const trip2 = new nn.TripletMarginLoss({ margin: 3 }).call(f64([[0, 0]]), f64([[0, 1]]), f64([[3, 0]]));
    expect(trip2.item()).toBeCloseTo(Math.hypot(e, -1 + e) - Math.hypot(-3 + e, e) + 3, 12);
    // scores [0.1, 0.2, 0.4, 0.8], class 3: Σ_{i≠3} max(0, 1 − 0.8 + x_i) / 4
    const scores = f64([[0.1, 0.2, 0.4, 0.8]]);
    const cls = tensor([3], { dtype: "int32" });
    expect(new nn.MultiMarginLoss().call(scores, cls).item()).toBeCloseTo((0.3 + 0.4 + 0.6) / 4, 12);
    expect(new nn.MultiMarginLoss({ p: 2 }).call(scores, cls).item()).toBeCloseTo((0.09 + 0.16 + 0.36) / 4, 12);
    const weighted = new nn.MultiMarginLoss({ weight: f64([1, 1, 1, 3]) });
    expect(weighted.call(scores, cls).item()).toBeCloseTo((3 * (0.3 + 0.4 + 0.6)) / 4, 12);
    expect(Object.keys(weighted.stateDict())).toEqual(["weight"]);
    expect(Object.keys(new nn.MultiMarginLoss().stateDict())).toEqual([]);
    // Poisson with log input: e^x − t·x
    expect(new nn.PoissonNLLLoss().call(f64([0, 1]), f64([2, 3])).item()).toBeCloseTo(mean([1, Math.E - 3]), 12);
    expect(new nn.PoissonNLLLoss({ logInput: false }).call(f64([2]), f64([3])).item()).toBeCloseTo(2 - 3 * Math.log(2 + 1e-8), 12);
    // Gaussian: ½(log var + (x − t)²/var)
    expect(new nn.GaussianNLLLoss().call(f64([1, 0]), f64([3, 0]), f64([2, 0.5])).item()).toBeCloseTo(mean([0.5 * (Math.log(2) + 2), 0.5 * Math.log(0.5)]), 12);
    expect(new nn.GaussianNLLLoss({ full: true, reduction: "sum" }).call(f64([1]), f64([3]), f64([2])).item()).toBeCloseTo(0.5 * (Math.log(2) + 2) + 0.5 * Math.log(2 * Math.PI), 12);
    expect(String(new nn.SoftMarginLoss({ reduction: "sum" }))).toBe("SoftMarginLoss(reduction='sum')");
  });

  it("gradcheck", () => {
    manualSeed(65);
    const pm = f64([1, -1, 1]);
    gradcheckModule(new nn.MarginRankingLoss({ margin: 0.1 }), [rand64([3]), rand64([3]), pm]);
    gradcheckModule(new nn.HingeEmbeddingLoss({ margin: 5 }), [rand64([3]), pm]);
    gradcheckModule(new nn.SoftMarginLoss(), [rand64([3]), pm]);
    gradcheckModule(new nn.CosineEmbeddingLoss({ margin: -1 }), [rand64([3, 4]), rand64([3, 4]), pm]);
    gradcheckModule(new nn.TripletMarginLoss({ margin: 10, swap: true }), [rand64([3, 4]), rand64([3, 4]), rand64([3, 4])]);
    gradcheckModule(new nn.MultiMarginLoss({ margin: 10, p: 2 }), [rand64([3, 4]), tensor([0, 3, 1], { dtype: "int32" })]);
    gradcheckModule(new nn.PoissonNLLLoss({ full: true }), [rand64([5]), f64([0, 1, 2, 3, 4])]);
    gradcheckModule(new nn.GaussianNLLLoss(), [rand64([4]), rand64([4]), f64([0.5, 1, 2, 3]).requiresGrad_(true)]);
  });
});

describe("Identity, Unflatten", () => {
  it("pass-through and repr", () => {
    const x = tensor([[1, 2, 3, 4, 5, 6]]);
    expect(new nn.Identity().call(x)).toBe(x);
    const u = new nn.Unflatten(1, [2, 3]);
    expect(u.call(x).toArray()).toEqual([[[1, 2, 3], [4, 5, 6]]]);
    expect(String(u)).toBe("Unflatten(dim=1, unflattened_size=(2, 3))");
  });
});

describe("weighted losses keep their weights as buffers (PyTorch's _WeightedLoss)", () => {
  it("state dict, .double(), hand values", () => {
    const ce = new nn.CrossEntropyLoss({ weight: tensor([1, 3]) });
    expect(shapes(ce)).toEqual({ weight: [2] });
    expect(new nn.CrossEntropyLoss().stateDict()).toEqual({});
    ce.double();
    expect(ce.weight!.dtype).toBe("float64");
    const l0 = Math.log1p(Math.exp(-2));
    const l1 = Math.log(2);
    // weighted mean: Σ w[y]·l / Σ w[y]
    expect(ce.call(f64([[2, 0], [0, 0]]), tensor([0, 1], { dtype: "int32" })).item()).toBeCloseTo((l0 + 3 * l1) / 4, 12);
    expect(Object.keys(new nn.NLLLoss({ weight: tensor([1, 2]) }).stateDict())).toEqual(["weight"]);
    expect(Object.keys(new nn.BCELoss().stateDict())).toEqual([]);
    const bce = new nn.BCEWithLogitsLoss({ posWeight: tensor([2]) });
    expect(Object.keys(bce.stateDict())).toEqual(["pos_weight"]);
    // x = 0, t = 1: pos_weight·log(1 + e⁰)
    expect(bce.call(tensor([0]), tensor([1])).item()).toBeCloseTo(2 * Math.log(2), 6);
  });
});

describe("pooling indices, 1-D adaptive pools, Softmax2d, Upsampling*2d", () => {
  it("MaxPool1d/2d returnIndices give flat positions in each plane", () => {
    const x = tensor([[[[1, 5, 2, 0], [3, 4, 8, 7]]]]);
    const [v, i] = new nn.MaxPool2d(2, { returnIndices: true }).call(x);
    expect(v.toArray()).toEqual([[[[5, 8]]]]);
    expect(i.toArray()).toEqual([[[[1, 6]]]]);
    const [v1, i1] = new nn.MaxPool1d(2, { returnIndices: true }).call(tensor([[[1, 5, 2, 0, 9, 3]]]));
    expect(v1.toArray()).toEqual([[[5, 2, 9]]]);
    expect(i1.toArray()).toEqual([[[1, 2, 4]]]);
    expect(new nn.MaxPool2d(2).call(x).toArray()).toEqual([[[[5, 8]]]]);
  });

  it("AdaptiveAvgPool1d / AdaptiveMaxPool1d windows [floor(i·L/o), ceil((i+1)·L/o))", () => {
    const x = tensor([[[1, 4, 2, 8, 5]]]);
    // L = 5, o = 3: windows [0, 2), [1, 4), [3, 5)
    expectAllClose(new nn.AdaptiveAvgPool1d(3).call(x).toArray(), [[[2.5, 14 / 3, 6.5]]]);
    const [v, i] = new nn.AdaptiveMaxPool1d(3, { returnIndices: true }).call(x);
    expect(v.toArray()).toEqual([[[4, 8, 8]]]);
    expect(i.toArray()).toEqual([[[1, 3, 3]]]);
    expect(new nn.AdaptiveMaxPool1d(1).call(tensor([[3, 1], [0, 2]])).toArray()).toEqual([[3], [2]]);
    expect(() => new nn.AdaptiveAvgPool1d(2).call(tensor([1, 2]))).toThrow(/AdaptiveAvgPool1d: expected input of shape \[N, C, L\] or \[C, L\]/);
    manualSeed(66);
    gradcheckModule(new nn.AdaptiveAvgPool1d(3), [rand64([2, 2, 7])]);
    gradcheckModule(new nn.AdaptiveMaxPool1d(2), [rand64([2, 5])]);
  });

  it("Softmax2d normalises over channels at each pixel", () => {
    const x = f64([[[[0, 1]], [[Math.log(3), 1]]]]); // [1, 2, 1, 2]
    expectAllClose(new nn.Softmax2d().call(x).toArray(), [[[[0.25, 0.5]], [[0.75, 0.5]]]], 1e-12);
    expect(() => new nn.Softmax2d().call(f64([[1, 2]]))).toThrow(/Softmax2d: expected input/);
    gradcheckModule(new nn.Softmax2d(), [rand64([3, 2, 2])]);
  });

  it("UpsamplingNearest2d and UpsamplingBilinear2d (aligned corners)", () => {
    const img = tensor([[[[0, 3]]]]);
    expect(new nn.UpsamplingNearest2d({ scaleFactor: 2 }).call(img).toArray()).toEqual([[[[0, 0, 3, 3], [0, 0, 3, 3]]]]);
    expectAllClose(new nn.UpsamplingBilinear2d({ size: [1, 4] }).call(img).toArray(), [[[[0, 1, 2, 3]]]]);
    expect(String(new nn.UpsamplingBilinear2d({ scaleFactor: 2 }))).toBe("UpsamplingBilinear2d(scale_factor=2, mode='bilinear')");
  });
});

describe("pooling reprs (PyTorch's fields)", () => {
  it("MaxPool shows dilation and ceil_mode", () => {
    expect(String(new nn.MaxPool2d(2))).toBe("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)");
    expect(String(new nn.MaxPool1d(3, { stride: 1, ceilMode: true }))).toBe("MaxPool1d(kernel_size=3, stride=1, padding=0, dilation=1, ceil_mode=true)");
    expect(String(new nn.AvgPool2d(2))).toBe("AvgPool2d(kernel_size=2, stride=2, padding=0)");
    expect(String(new nn.AdaptiveAvgPool1d(4))).toBe("AdaptiveAvgPool1d(output_size=4)");
  });
});
