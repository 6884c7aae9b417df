// nn.Transformer: PyTorch's state-dict names and shapes, its wiring (encoder stack + final norm
// feeding the decoder's cross-attention, decoder stack + final norm) checked against the layers
// composed by hand, the causal mask's defining property, batchFirst, init, and gradcheck.
import { describe, expect, it } from "vitest";
import { F, nn, manualSeed, type Tensor } from "../../../lib/index.js";
import { expectAllClose, gradcheckModule, rand64 } from "./helpers.js";

const small = (o: Partial<nn.TransformerOptions> = {}) =>
  new nn.Transformer({ dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 6, dropout: 0, dtype: "float64", ...o });

describe("nn.Transformer", () => {
  it("state dict keys and shapes are PyTorch's", () => {
    const m = small({ numEncoderLayers: 2 });
    const sd = m.stateDict();
    const attn = (p: string) => [`${p}.in_proj_weight`, `${p}.in_proj_bias`, `${p}.out_proj.weight`, `${p}.out_proj.bias`];
    const ffn = (p: string) => [`${p}.linear1.weight`, `${p}.linear1.bias`, `${p}.linear2.weight`, `${p}.linear2.bias`];
    const norms = (p: string, n: number) => Array.from({ length: n }, (_, i) => [`${p}.norm${i + 1}.weight`, `${p}.norm${i + 1}.bias`]).flat();
    const enc = (i: number) => [...attn(`encoder.layers.${i}.self_attn`), ...ffn(`encoder.layers.${i}`), ...norms(`encoder.layers.${i}`, 2)];
    expect(Object.keys(sd)).toEqual([
      ...enc(0),
      ...enc(1),
      "encoder.norm.weight",
      "encoder.norm.bias",
      ...attn("decoder.layers.0.self_attn"),
      ...attn("decoder.layers.0.multihead_attn"),
      ...ffn("decoder.layers.0"),
      ...norms("decoder.layers.0", 3),
      "decoder.norm.weight",
      "decoder.norm.bias",
    ]);
    expect(sd["encoder.layers.1.self_attn.in_proj_weight"].shape).toEqual([12, 4]);
    expect(sd["decoder.layers.0.linear1.weight"].shape).toEqual([6, 4]);
    expect(sd["decoder.layers.0.linear2.weight"].shape).toEqual([4, 6]);
    expect(sd["decoder.norm.bias"].shape).toEqual([4]);
    // defaults: 6 + 6 layers, 8 heads, feed-forward 2048 (dModel 512 is left out: 44M parameters)
    const d = new nn.Transformer({ dModel: 8 });
    expect(d.nhead).toBe(8);
    expect(Object.keys(d.stateDict()).filter((k) => k.endsWith("linear1.weight")).length).toBe(12);
    expect(d.stateDict()["encoder.layers.5.linear1.weight"].shape).toEqual([2048, 8]);
    expect(new nn.Transformer({ dModel: 8, numEncoderLayers: 1, numDecoderLayers: 1 }).dModel).toBe(8);
  });

  it("re-initialises every matrix with xavierUniform (bound √(6/(fan_in + fan_out)))", () => {
    manualSeed(70);
    const m = new nn.Transformer({ dModel: 64, nhead: 4, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 128 });
    const check = (t: Tensor, bound: number) => {
      const a = Array.from(t.data).map(Math.abs);
      expect(Math.max(...a)).toBeLessThanOrEqual(bound);
      expect(Math.max(...a)).toBeGreaterThan(0.95 * bound);
    };
    const sd = m.stateDict();
    check(sd["encoder.layers.0.self_attn.in_proj_weight"], Math.sqrt(6 / (64 + 192)));
    check(sd["decoder.layers.0.linear1.weight"], Math.sqrt(6 / (64 + 128)));
    // Linear's own init would bound this at 1/√64 = 0.125; xavier's is larger
    check(sd["encoder.layers.0.self_attn.out_proj.weight"], Math.sqrt(6 / 128));
    expect(Array.from(sd["encoder.norm.weight"].data).every((v) => v === 1)).toBe(true);
  });

  it("equals the layers composed by hand: norm_d(dec(tgt, norm_e(enc(src)))), with masks passed through", () => {
    manualSeed(71);
    const m = small({ numEncoderLayers: 2 });
    const src = rand64([5, 2, 4], false);
    const tgt = rand64([3, 2, 4], false);
    const enc = m.encoder as nn.TransformerEncoder;
    const dec = m.decoder as nn.TransformerDecoder;
    const ln = (x: Tensor, norm: nn.Module) => F.layerNorm(x, 4, { weight: (norm as nn.LayerNorm).weight, bias: (norm as nn.LayerNorm).bias });
    // make the final norms non-trivial so skipping them would show
    for (const n of [enc.norm!, dec.norm!]) (n as nn.LayerNorm).bias!.data.set([0.1, -0.2, 0.3, 0.4]);
    const tgtMask = nn.Transformer.generateSquareSubsequentMask(3, { dtype: "float64" });
    let memory = src;
    for (const layer of enc.layers) memory = layer.forward(memory);
    memory = ln(memory, enc.norm!);
    let out = tgt;
    for (const layer of dec.layers) out = layer.forward(out, memory, { tgtMask });
    out = ln(out, dec.norm!);
    expectAllClose(m.call(src, tgt, { tgtMask }).toArray(), out.toArray(), 1e-12);
  });

  it("generateSquareSubsequentMask: −∞ above the diagonal; with it, output i ignores targets after i", () => {
    const mask = nn.Transformer.generateSquareSubsequentMask(3);
    expect(mask.dtype).toBe("float32");
    expect(mask.toArray()).toEqual([[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]);
    manualSeed(72);
    const m = small();
    const src = rand64([4, 1, 4], false);
    const tgt = rand64([3, 1, 4], false);
    const tgtMask = nn.Transformer.generateSquareSubsequentMask(3, { dtype: "float64" });
    const a = m.call(src, tgt, { tgtMask });
    const changed = tgt.clone();
    changed.narrow(0, 2, 1).fill_(5);
    const b = m.call(src, changed, { tgtMask });
    expectAllClose(b.narrow(0, 0, 2).toArray(), a.narrow(0, 0, 2).toArray(), 1e-12);
    expect(Math.abs((b.narrow(0, 2, 1).sub(a.narrow(0, 2, 1)).abs().sum().item() as number))).toBeGreaterThan(1e-3);
    // tgtIsCausal does the same without a mask
    expectAllClose(m.call(src, tgt, { tgtIsCausal: true }).toArray(), a.toArray(), 1e-12);
  });

  it("batchFirst gives the transposed result of the same weights; unbatched input; shape errors", () => {
    manualSeed(73);
    const seqFirst = small();
    const batchFirst = small({ batchFirst: true });
    batchFirst.loadStateDict(seqFirst.stateDict());
    const src = rand64([5, 2, 4], false);
    const tgt = rand64([3, 2, 4], false);
    const y = seqFirst.call(src, tgt);
    expect(y.shape).toEqual([3, 2, 4]);
    expectAllClose(batchFirst.call(src.transpose(0, 1), tgt.transpose(0, 1)).toArray(), y.transpose(0, 1).toArray(), 1e-12);
    expectAllClose(seqFirst.call(src.select(1, 1), tgt.select(1, 1)).toArray(), y.select(1, 1).toArray(), 1e-12);
    expect(() => seqFirst.call(src, rand64([3, 1, 4], false))).toThrow(/Transformer: the batch size of src and tgt must be equal/);
    expect(() => seqFirst.call(src, rand64([3, 2, 6], false))).toThrow(/Transformer: the feature size of src and tgt must equal dModel \(4\)/);
    expect(() => new nn.Transformer({ dModel: 6, nhead: 4 })).toThrow(/dModel \(6\) must be divisible by nhead \(4\)/);
  });

  it("gradcheck (pre-norm, masks)", () => {
    manualSeed(74);
    const m = small({ normFirst: true });
    const mask = nn.Transformer.generateSquareSubsequentMask(3, { dtype: "float64" });
    gradcheckModule(m, [rand64([4, 2, 4]), rand64([3, 2, 4])], (s, t) => m.forward(s, t, { tgtMask: mask }));
  });
});

describe("Sequential typing", () => {
  it("Sequential<Tensor> types call() as a Tensor", () => {
    const seq = new nn.Sequential<Tensor>(new nn.Linear(3, 2, { dtype: "float64" }), new nn.Tanh());
    const y: Tensor = seq.call(rand64([1, 3], false)); // a compile-time check as much as a run-time one
    expect(y.shape).toEqual([1, 2]);
  });
});
