// scaledDotProductAttention against the formula written out, and its masks.
import { describe, expect, it } from "vitest";
import { F, randn, setNumThreads, tensor, type Tensor } from "../../../../lib/index.js";
import { registerKernels, resetKernels } from "../../../../lib/backend/index.js";
import { wasmKernels } from "../../../../lib/backend/wasm/index.js";
import { dispatchTuning } from "../../../../lib/backend/wasm/dispatch.js";

const f64 = { dtype: "float64" as const };

describe("scaledDotProductAttention", () => {
  it("equals softmax(q kᵀ / √E) v", () => {
    const q = randn([2, 3, 4], f64), k = randn([2, 5, 4], f64), v = randn([2, 5, 6], f64);
    const out = F.scaledDotProductAttention(q, k, v);
    expect(out.shape).toEqual([2, 3, 6]);
    // Independent: exponentiate and normalise by hand.
    const s = q.matmul(k.transpose(1, 2)).div(2).exp();
    const ref = s.div(s.sum(-1, true)).matmul(v).data;
    Array.from(out.data).forEach((x, i) => expect(x).toBeCloseTo(ref[i], 13));
  });

  it("causal: the first query sees only the first key", () => {
    const q = randn([1, 4, 3], f64), k = randn([1, 4, 3], f64), v = randn([1, 4, 2], f64);
    const out = F.scaledDotProductAttention(q, k, v, { isCausal: true });
    expect(out.select(1, 0).toArray()).toEqual(v.select(1, 0).toArray());
    // a bool mask with the same pattern gives the same result
    const mask = tensor([[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]);
    const viaMask = F.scaledDotProductAttention(q, k, v, { attnMask: mask }).data;
    Array.from(out.data).forEach((x, i) => expect(x).toBeCloseTo(viaMask[i], 14));
    // an additive float mask of 0 / −∞ as well
    const additive = mask.logicalNot().to("float64").mul(-1e30);
    const viaAdd = F.scaledDotProductAttention(q, k, v, { attnMask: additive }).data;
    Array.from(out.data).forEach((x, i) => expect(x).toBeCloseTo(viaAdd[i], 12));
    expect(() => F.scaledDotProductAttention(q, randn([1, 4, 5], f64), v)).toThrow(/scaledDotProductAttention: query \[1, 4, 3\] and key \[1, 4, 5\] must have the same last dim/);
  });

  it("causal past the small-shape kernel (the products' triangles, heads read and written in place) on wasm: the reference's values and gradients", () => {
    // heads of [N, L, h·d] tensors, as MultiheadAttention passes them
    const heads = (t: Tensor) => t.transpose(1, 2);
    const q0 = heads(randn([2, 40, 3, 16])), k0 = heads(randn([2, 40, 3, 16])), v0 = heads(randn([2, 40, 3, 8])), g = randn([2, 3, 40, 8]);
    const mask = tensor(Array.from({ length: 40 * 40 }, (_, i) => i % 40 <= Math.floor(i / 40)), { dtype: "bool" }).reshape(40, 40);
    const run = (opts: { isCausal?: boolean; attnMask?: Tensor }): Float32Array[] => {
      const [q, k, v] = [q0, k0, v0].map((t) => t.detach().requiresGrad_());
      const out = F.scaledDotProductAttention(q!, k!, v!, opts);
      out.backward(g);
      // in logical order, whatever the layout
      return [out, q!.grad!, k!.grad!, v!.grad!].map((t) => Float32Array.from(t.contiguous().data));
    };
    const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
    resetKernels();
    const want = run({ isCausal: true });
    registerKernels(wasmKernels()!, "wasm");
    const saved = dispatchTuning.minWorkPerThread;
    try {
      const runs = [1, 2].map((t) => {
        setNumThreads(t);
        dispatchTuning.minWorkPerThread = t === 1 ? saved : 1; // 2 threads: every product split
        return run({ isCausal: true });
      });
      const viaMask = run({ attnMask: mask });
      // the output is laid out as the query's heads: transposing back needs no copy
      expect(F.scaledDotProductAttention(q0, k0, v0, { isCausal: true }).transpose(1, 2).isContiguous()).toBe(true);
      runs[0]!.forEach((x, i) => {
        expect(maxDiff(x, want[i]!), `output/grad ${i}`).toBeLessThan(1e-5);
        expect(maxDiff(x, viaMask[i]!), `output/grad ${i} vs the bool mask`).toBeLessThan(1e-5);
        expect(Array.from(runs[1]![i]!), `output/grad ${i} at 2 threads`).toEqual(Array.from(x));
      });
    } finally {
      dispatchTuning.minWorkPerThread = saved;
      setNumThreads(2);
    }
  });
});
