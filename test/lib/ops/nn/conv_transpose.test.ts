// convTranspose2d / convTranspose1d against the scatter definition written here, and as conv2d's adjoint.
import { describe, expect, it } from "vitest";
import { F, Tensor, randn, tensor } from "../../../../lib/index.js";

const f64 = { dtype: "float64" as const };

interface Cfg { stride?: [number, number]; padding?: [number, number]; outputPadding?: [number, number]; dilation?: [number, number]; groups?: number }

/** out[n, o, i·s − p + ki·d, j·s − p + kj·d] += x[n, c, i, j]·w[c, o mod (C_out/g), ki, kj] for o in c's group. */
function naive(x: Tensor, w: Tensor, b: Tensor | null, c: Cfg): { shape: number[]; data: number[] } {
  const [N, Cin, H, W] = x.shape, [, Cog, KH, KW] = w.shape;
  const [sh, sw] = c.stride ?? [1, 1], [ph, pw] = c.padding ?? [0, 0], [oph, opw] = c.outputPadding ?? [0, 0], [dh, dw] = c.dilation ?? [1, 1];
  const G = c.groups ?? 1, Cout = Cog * G;
  const OH = (H - 1) * sh - 2 * ph + dh * (KH - 1) + oph + 1, OW = (W - 1) * sw - 2 * pw + dw * (KW - 1) + opw + 1;
  const out = new Array<number>(N * Cout * OH * OW).fill(0);
  const xa = x.toArray() as number[][][][], wa = w.toArray() as number[][][][], ba = b ? (b.toArray() as number[]) : null;
  for (let n = 0; n < N; n++) for (let ci = 0; ci < Cin; ci++) {
    const g = Math.floor(ci / (Cin / G));
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let oo = 0; oo < Cog; oo++) for (let ki = 0; ki < KH; ki++) for (let kj = 0; kj < KW; kj++) {
      const r = i * sh - ph + ki * dh, q = j * sw - pw + kj * dw;
      if (r < 0 || r >= OH || q < 0 || q >= OW) continue;
      out[((n * Cout + g * Cog + oo) * OH + r) * OW + q] += xa[n][ci][i][j] * wa[ci][oo][ki][kj];
    }
  }
  if (ba) for (let n = 0; n < N; n++) for (let o = 0; o < Cout; o++) for (let k = 0; k < OH * OW; k++) out[(n * Cout + o) * OH * OW + k] += ba[o];
  return { shape: [N, Cout, OH, OW], data: out };
}

function expectMatches(t: Tensor, ref: { shape: number[]; data: number[] }, digits = 12): void {
  expect(t.shape).toEqual(ref.shape);
  const d = t.data;
  ref.data.forEach((v, i) => expect(d[i]).toBeCloseTo(v, digits));
}

describe("convTranspose2d", () => {
  it("hand-worked: stride 2 spreads each input pixel into a 2×2 block", () => {
    const out = F.convTranspose2d(tensor([[[[1, 2], [3, 4]]]]), tensor([[[[1, 1], [1, 1]]]]), { stride: 2 });
    expect(out.toArray()).toEqual([[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
  });

  const cfgs: [string, number[], number[], Cfg][] = [
    ["plain", [2, 3, 4, 3], [3, 2, 3, 3], {}],
    ["stride 2, padding 1, outputPadding 1", [1, 2, 3, 4], [2, 3, 3, 3], { stride: [2, 2], padding: [1, 1], outputPadding: [1, 1] }],
    ["dilation, asymmetric", [2, 2, 3, 3], [2, 2, 2, 3], { stride: [1, 2], dilation: [2, 1], padding: [1, 0] }],
    ["groups", [1, 4, 3, 3], [4, 3, 2, 2], { groups: 2, stride: [2, 2] }],
  ];
  for (const [name, xs, ws, c] of cfgs) {
    it(`matches the scatter definition: ${name}`, () => {
      const x = randn(xs, f64), w = randn(ws, f64), b = randn([ws[1] * (c.groups ?? 1)], f64);
      const opts = { bias: b, ...c };
      const ref = naive(x, w, b, c);
      expectMatches(F.convTranspose2d(x, w, opts), ref);
      expectMatches(F.convTranspose2d(x.float(), w.float(), { ...opts, bias: b.float() }), ref, 4);
    });
  }

  it("is conv2d's adjoint: <conv2d(y, w), x> = <y, convTranspose2d(x, w)>", () => {
    const opts = { stride: 2, padding: 1, dilation: 1, groups: 1 };
    const y = randn([2, 3, 7, 7], f64), w = randn([4, 3, 3, 3], f64);
    const cy = F.conv2d(y, w, opts); // [2, 4, 4, 4]
    const x = randn(cy.shape as number[], f64);
    const tx = F.convTranspose2d(x, w, opts); // [2, 3, 7, 7]
    expect(tx.shape).toEqual(y.shape);
    expect(cy.mul(x).sum().item()).toBeCloseTo(y.mul(tx).sum().item(), 11);
  });

  it("1-D and errors", () => {
    expect(F.convTranspose1d(tensor([[[1, 2]]]), tensor([[[1, 10]]])).toArray()).toEqual([[[1, 12, 20]]]);
    expect(() => F.convTranspose2d(randn([1, 3, 2, 2]), randn([2, 1, 2, 2]))).toThrow(/convTranspose2d: input of shape \[1, 3, 2, 2\] has 3 channels, but weight of shape \[2, 1, 2, 2\] expects 2/);
    expect(() => F.convTranspose2d(randn([1, 1, 2, 2]), randn([1, 1, 2, 2]), { outputPadding: 1 })).toThrow(/outputPadding 1 must be smaller than either stride or dilation/);
  });
});
