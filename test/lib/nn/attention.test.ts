// MultiheadAttention and the Transformer encoder against softmax(QKᵀ/√d)V computed with
// plain loops, the masks' defining properties, and gradcheck.
import { describe, expect, it } from "vitest";
import { nn, manualSeed, randn, tensor, type Tensor } from "../../../lib/index.js";
import { expectAllClose, gradcheckModule, rand64 } from "./helpers.js";

type Mat = number[][];
const T = (m: Mat) => m[0].map((_, j) => m.map((r) => r[j]));
const mm = (a: Mat, b: Mat) => a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0)));
const addRow = (a: Mat, b: number[]) => a.map((r) => r.map((v, j) => v + b[j]));
const softmaxRows = (a: Mat) =>
  a.map((r) => {
    const m = Math.max(...r);
    const e = r.map((v) => Math.exp(v - m));
    const s = e.reduce((x, y) => x + y, 0);
    return e.map((v) => v / s);
  });

/** Reference MHA for one batch element: q [L, E], k/v [S, E]; mask[i][j] true = hidden. */
function refMha(mha: nn.MultiheadAttention, q: Mat, k: Mat, v: Mat, mask?: boolean[][]) {
  const E = mha.embedDim;
  const h = mha.numHeads;
  const d = E / h;
  const W = mha.in_proj_weight!.toArray() as Mat;
  const b = mha.in_proj_bias!.toArray() as number[];
  const Q = addRow(mm(q, T(W.slice(0, E))), b.slice(0, E));
  const K = addRow(mm(k, T(W.slice(E, 2 * E))), b.slice(E, 2 * E));
  const V = addRow(mm(v, T(W.slice(2 * E))), b.slice(2 * E));
  const heads: Mat[] = [];
  const weights: Mat[] = [];
  for (let hd = 0; hd < h; hd++) {
    const cols = (m: Mat) => m.map((r) => r.slice(hd * d, (hd + 1) * d));
    let scores = mm(cols(Q), T(cols(K))).map((r) => r.map((x) => x / Math.sqrt(d)));
    if (mask) scores = scores.map((r, i) => r.map((x, j) => (mask[i][j] ? -Infinity : x)));
    const A = softmaxRows(scores);
    weights.push(A);
    heads.push(mm(A, cols(V)));
  }
  const concat = heads[0].map((_, i) => heads.flatMap((hm) => hm[i]));
  const out = addRow(mm(concat, T(mha.out_proj.weight.toArray() as Mat)), mha.out_proj.bias!.toArray() as number[]);
  const avg = weights[0].map((r, i) => r.map((_, j) => weights.reduce((s, w) => s + w[i][j], 0) / h));
  return { out, avg };
}

/** Names of every node in t's autograd graph. */
function graphNames(t: Tensor): string[] {
  const names: string[] = [];
  const walk = (n: { name: string; inputs?: readonly unknown[] } | null) => {
    if (!n) return;
    names.push(n.name);
    for (const i of n.inputs ?? []) walk(i as { name: string; inputs?: readonly unknown[] } | null);
  };
  walk(t.gradFn);
  return names;
}

describe("MultiheadAttention", () => {
  it("matches softmax(QKᵀ/√d)V per head (seq-first layout, 2 heads), weights averaged over heads", () => {
    manualSeed(21);
    const mha = new nn.MultiheadAttention(4, 2, { dtype: "float64" });
    for (const p of [mha.in_proj_bias!, mha.out_proj.bias!]) (p.data as Float64Array).set(rand64([p.numel], false).data as Float64Array);
    const q = rand64([3, 2, 4], false); // [L, N, E]
    const k = rand64([5, 2, 4], false);
    const v = rand64([5, 2, 4], false);
    const [out, w] = mha.call(q, k, v);
    expect(out.shape).toEqual([3, 2, 4]);
    expect(w!.shape).toEqual([2, 3, 5]);
    for (let n = 0; n < 2; n++) {
      const pick = (t: Tensor) => t.select(1, n).toArray() as Mat;
      const ref = refMha(mha, pick(q), pick(k), pick(v));
      expectAllClose(pick(out), ref.out, 1e-10);
      expectAllClose(w!.select(0, n).toArray(), ref.avg, 1e-10);
    }
  });

  it("causal and key-padding masks give zero weight exactly where masked", () => {
    manualSeed(22);
    const mha = new nn.MultiheadAttention(6, 3, { batchFirst: true, dtype: "float64" });
    const x = rand64([2, 4, 6], false);
    const [out, w] = mha.call(x, x, x, { isCausal: true, averageAttnWeights: false });
    expect(w!.shape).toEqual([2, 3, 4, 4]);
    const W = w!.toArray() as number[][][][];
    for (const batch of W)
      for (const head of batch)
        head.forEach((row, i) => {
          row.forEach((p, j) => (j > i ? expect(p).toBe(0) : expect(p).toBeGreaterThan(0)));
          expect(row.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
        });
    const mask = nn.causalMask(4);
    const ref = refMha(mha, x.select(0, 1).toArray() as Mat, x.select(0, 1).toArray() as Mat, x.select(0, 1).toArray() as Mat, mask.toArray() as boolean[][]);
    expectAllClose(out.select(0, 1).toArray(), ref.out, 1e-10);

    const pad = tensor([[false, false, true, true], [false, false, false, false]], { dtype: "bool" });
    const [, w2] = mha.call(x, x, x, { keyPaddingMask: pad });
    const W2 = w2!.toArray() as number[][][];
    W2[0].forEach((row) => {
      expect(row[2]).toBe(0);
      expect(row[3]).toBe(0);
    });
    expect(W2[1][0].every((p) => p > 0)).toBe(true);
    // A float mask is added to the scores: −1e9 acts like a hidden position.
    const floatMask = tensor([[0, 0, -1e9, -1e9], [0, 0, -1e9, -1e9], [0, 0, -1e9, -1e9], [0, 0, -1e9, -1e9]], { dtype: "float64" });
    const [, w3] = mha.call(x, x, x, { attnMask: floatMask });
    expectAllClose(w3!.select(0, 0).toArray(), W2[0], 1e-9);
  });

  it("reports bad shapes and heads", () => {
    expect(() => new nn.MultiheadAttention(5, 2)).toThrow(/embedDim \(5\) must be divisible by numHeads \(2\)/);
    const mha = new nn.MultiheadAttention(4, 1);
    expect(() => mha.call(rand64([2, 1, 4], false), rand64([3, 1, 4], false), rand64([3, 1, 4], false), { attnMask: nn.causalMask(3) })).toThrow(
      /attnMask of shape \[3, 3\] should be \[2, 3\]/,
    );
  });

  it("gradcheck (with a mask)", () => {
    manualSeed(23);
    const mha = new nn.MultiheadAttention(4, 2, { kdim: 3, vdim: 2, dtype: "float64" });
    expect(mha.namedParameters().map(([n]) => n)).toEqual(["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]);
    const q = rand64([3, 1, 4]);
    const k = rand64([2, 1, 3]);
    const v = rand64([2, 1, 2]);
    gradcheckModule(mha, [q, k, v], (a, b, c) => mha.forward(a, b, c, { attnMask: tensor([[false, true], [false, false], [false, false]], { dtype: "bool" }) })[0]);
  });

  it("without weights runs one fused attention op with the same result and gradients", () => {
    manualSeed(5);
    const mha = new nn.MultiheadAttention(6, 3, { batchFirst: true, dtype: "float64" });
    const x = rand64([2, 4, 6]);
    const kpm = tensor([[false, false, false, true], [false, true, false, false]], { dtype: "bool" });
    const bool2d = tensor([[false, true, false, false], [false, false, false, false], [true, false, false, false], [false, false, true, false]], { dtype: "bool" });
    const cases = [{ isCausal: true }, { keyPaddingMask: kpm, isCausal: true }, { attnMask: bool2d, keyPaddingMask: kpm }, { attnMask: rand64([6, 4, 4], false) }];
    for (const o of cases) {
      const [fused] = mha.forward(x, x, x, { ...o, needWeights: false });
      const [composed] = mha.forward(x, x, x, { ...o, needWeights: true });
      expect(graphNames(fused)).toContain("ScaledDotProductAttentionBackward");
      expect(graphNames(composed)).not.toContain("ScaledDotProductAttentionBackward");
      expectAllClose(fused.toArray(), composed.toArray(), 1e-12);
      gradcheckModule(mha, [x], (a) => mha.forward(a, a, a, { ...o, needWeights: false })[0]);
    }
  });
});

describe("MultiheadAttention self-attention on one packed projection", () => {
  it("gives the outputs and gradients of the three projections (float32, wasm kernels when built)", () => {
    manualSeed(6);
    const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    const x = randn([3, 5, 8]).requiresGrad_();
    const kpm = tensor([[false, false, false, false, true], [false, true, false, false, false], [false, false, false, false, false]], { dtype: "bool" });
    for (const o of [{}, { isCausal: true }, { keyPaddingMask: kpm }]) {
      const run = (self: boolean) => {
        mha.zeroGrad();
        const xi = x.detach().requiresGrad_();
        // the same values as three distinct tensors take the three-projection path
        const [y] = self ? mha.forward(xi, xi, xi, { ...o, needWeights: false }) : mha.forward(xi, xi.mul(1), xi.mul(1), { ...o, needWeights: false });
        y!.mul(y!).sum().backward();
        return { y: y!, names: graphNames(y!), dx: xi.grad!, dw: mha.in_proj_weight!.grad!.clone(), db: mha.in_proj_bias!.grad!.clone() };
      };
      const packed = run(true), split = run(false);
      expect(packed.names.filter((n) => n === "LinearBackward").length).toBe(2); // in_proj once, out_proj
      expect(split.names.filter((n) => n === "LinearBackward").length).toBe(4);
      expectAllClose(packed.y.toArray(), split.y.toArray(), 1e-5);
      for (const k of ["dx", "dw", "db"] as const) expectAllClose(packed[k].toArray(), split[k].toArray(), 1e-4);
    }
  });
});

describe("Transformer encoder", () => {
  it("a post-norm layer is norm2(y + FF(y)) with y = norm1(x + SA(x)); PyTorch's parameter names", () => {
    manualSeed(31);
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0, batchFirst: true, dtype: "float64" });
    expect(Object.keys(layer.stateDict())).toEqual([
      "self_attn.in_proj_weight",
      "self_attn.in_proj_bias",
      "self_attn.out_proj.weight",
      "self_attn.out_proj.bias",
      "linear1.weight",
      "linear1.bias",
      "linear2.weight",
      "linear2.bias",
      "norm1.weight",
      "norm1.bias",
      "norm2.weight",
      "norm2.bias",
    ]);
    const x = rand64([1, 3, 4], false);
    const X = x.select(0, 0).toArray() as Mat;
    const ln = (m: Mat) =>
      m.map((r) => {
        const mu = r.reduce((s, v) => s + v, 0) / r.length;
        const va = r.reduce((s, v) => s + (v - mu) ** 2, 0) / r.length;
        return r.map((v) => (v - mu) / Math.sqrt(va + 1e-5));
      });
    const sa = refMha(layer.self_attn, X, X, X).out;
    const y = ln(X.map((r, i) => r.map((v, j) => v + sa[i][j])));
    const lin = (m: Mat, l: nn.Linear) => addRow(mm(m, T(l.weight.toArray() as Mat)), l.bias!.toArray() as number[]);
    const ff = lin(lin(y, layer.linear1).map((r) => r.map((v) => Math.max(v, 0))), layer.linear2);
    const expected = ln(y.map((r, i) => r.map((v, j) => v + ff[i][j])));
    expectAllClose(layer.call(x).select(0, 0).toArray(), expected, 1e-10);
  });

  it("TransformerEncoder stacks independent copies and gradchecks", () => {
    manualSeed(32);
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, normFirst: true, dtype: "float64" });
    const enc = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(4, { dtype: "float64" }) });
    expect(enc.layers.length).toBe(2);
    expect(enc.layers.at(0).linear1.weight).not.toBe(enc.layers.at(1).linear1.weight);
    expect(enc.layers.at(0).linear1.weight.toArray()).toEqual(enc.layers.at(1).linear1.weight.toArray());
    expect(Object.keys(enc.stateDict())).toContain("layers.1.self_attn.out_proj.weight");
    const x = rand64([3, 2, 4]);
    gradcheckModule(enc, [x], (xx) => enc.forward(xx, { isCausal: true }));
  });

  it("PositionalEncoding adds sin/cos of pos / 10000^(2i/d)", () => {
    const pe = new nn.PositionalEncoding(4, { maxLen: 10 });
    const x = tensor(new Float32Array(3 * 1 * 4)).reshape(3, 1, 4);
    const y = pe.call(x).select(1, 0).toArray() as Mat;
    for (let pos = 0; pos < 3; pos++) {
      expectAllClose(y[pos], [Math.sin(pos), Math.cos(pos), Math.sin(pos / 100), Math.cos(pos / 100)]);
    }
    expect(Object.keys(pe.stateDict())).toEqual([]);
  });
});

describe("attention maps of an encoder layer", () => {
  it("a forward hook on self_attn receives the per-head weights", () => {
    manualSeed(33);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true });
    let weights: Tensor | null = null;
    layer.self_attn.registerForwardHook((_m, _inputs, out) => {
      weights = (out as [Tensor, Tensor | null])[1];
    });
    layer.call(rand64([3, 5, 8], false).float(), { isCausal: true });
    expect(weights!.shape).toEqual([3, 2, 5, 5]);
    const w = weights!.toArray() as number[][][][];
    expect(w[0][1][0].slice(1)).toEqual([0, 0, 0, 0]);
    expect(w[2][0][4].reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
  });
});

describe("Transformer decoder", () => {
  it("a post-norm decoder layer is norm3(z + FF(z)), z = norm2(y + CA(y, mem)), y = norm1(x + SA(x)) with a causal mask", () => {
    manualSeed(34);
    const layer = new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, batchFirst: true, dtype: "float64" });
    expect(Object.keys(layer.stateDict()).filter((k) => k.startsWith("multihead_attn")).length).toBe(4);
    const tgt = rand64([1, 3, 4], false);
    const mem = rand64([1, 5, 4], false);
    const X = tgt.select(0, 0).toArray() as Mat;
    const M = mem.select(0, 0).toArray() as Mat;
    const ln = (m: Mat) =>
      m.map((r) => {
        const mu = r.reduce((s, v) => s + v, 0) / r.length;
        const va = r.reduce((s, v) => s + (v - mu) ** 2, 0) / r.length;
        return r.map((v) => (v - mu) / Math.sqrt(va + 1e-5));
      });
    const add = (a: Mat, b: Mat) => a.map((r, i) => r.map((v, j) => v + b[i][j]));
    const causal = nn.causalMask(3).toArray() as boolean[][];
    const y = ln(add(X, refMha(layer.self_attn, X, X, X, causal).out));
    const z = ln(add(y, refMha(layer.multihead_attn, y, M, M).out));
    const lin = (m: Mat, l: nn.Linear) => addRow(mm(m, T(l.weight.toArray() as Mat)), l.bias!.toArray() as number[]);
    const ff = lin(lin(z, layer.linear1).map((r) => r.map((v) => Math.max(v, 0))), layer.linear2);
    const expected = ln(add(z, ff));
    expectAllClose(layer.call(tgt, mem, { tgtIsCausal: true }).select(0, 0).toArray(), expected, 1e-10);
  });

  it("TransformerDecoder gradcheck (pre-norm, two layers, masks)", () => {
    manualSeed(35);
    const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, normFirst: true, dtype: "float64" }), 2);
    const tgt = rand64([3, 1, 4]);
    const mem = rand64([2, 1, 4]);
    const pad = tensor([[false, true]], { dtype: "bool" });
    gradcheckModule(dec, [tgt, mem], (a, b) => dec.forward(a, b, { tgtIsCausal: true, memoryKeyPaddingMask: pad }));
  });
});
