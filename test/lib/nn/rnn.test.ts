// Recurrent layers against their published equations, evaluated here with plain loops over
// nested arrays (PyTorch's gate order: LSTM i, f, g, o; GRU r, z, n).
import { describe, expect, it } from "vitest";
import { getBackendInfo, nn, manualSeed, noGrad, randn, type Tensor } from "../../../lib/index.js";
import { wasmRuntime } from "../../../lib/backend/wasm/runtime.js";
import { expectAllClose, gradcheckModule, rand64, sigmoid } from "./helpers.js";

type Mat = number[][];
const arr = (t: Tensor) => t.toArray() as number[] | Mat;
const matvec = (W: Mat, v: number[]) => W.map((row) => row.reduce((s, w, k) => s + w * v[k], 0));
const addv = (...vs: number[][]) => vs[0].map((_, i) => vs.reduce((s, v) => s + v[i], 0));

function params(m: nn.Module, sfx: string) {
  const p = Object.fromEntries(m.namedParameters());
  return {
    wih: arr(p[`weight_ih${sfx}`]) as Mat,
    whh: arr(p[`weight_hh${sfx}`]) as Mat,
    bih: arr(p[`bias_ih${sfx}`]) as number[],
    bhh: arr(p[`bias_hh${sfx}`]) as number[],
  };
}

/** One direction of one layer over a single sequence xs[t] (no batch), from h0 (and c0). */
function refRun(kind: "RNN" | "LSTM" | "GRU", P: ReturnType<typeof params>, xs: number[][], h0: number[], c0: number[], reverse = false) {
  const H = h0.length;
  let h = h0;
  let c = c0;
  const out: number[][] = new Array(xs.length);
  const order = xs.map((_, i) => (reverse ? xs.length - 1 - i : i));
  for (const t of order) {
    const gi = addv(matvec(P.wih, xs[t]), P.bih);
    const gh = addv(matvec(P.whh, h), P.bhh);
    if (kind === "RNN") h = addv(gi, gh).map(Math.tanh);
    else if (kind === "LSTM") {
      const g = addv(gi, gh);
      const i = g.slice(0, H).map(sigmoid);
      const f = g.slice(H, 2 * H).map(sigmoid);
      const gg = g.slice(2 * H, 3 * H).map(Math.tanh);
      const o = g.slice(3 * H).map(sigmoid);
      c = c.map((cv, k) => f[k] * cv + i[k] * gg[k]);
      h = o.map((ov, k) => ov * Math.tanh(c[k]));
    } else {
      const r = gi.slice(0, H).map((v, k) => sigmoid(v + gh[k]));
      const z = gi.slice(H, 2 * H).map((v, k) => sigmoid(v + gh[H + k]));
      const n = gi.slice(2 * H).map((v, k) => Math.tanh(v + r[k] * gh[2 * H + k]));
      h = n.map((nv, k) => (1 - z[k]) * nv + z[k] * h[k]);
    }
    out[t] = h;
  }
  return { out, h, c };
}

describe("RNN / LSTM / GRU forward against the gate equations", () => {
  for (const kind of ["RNN", "LSTM", "GRU"] as const) {
    it(`${kind}: 2 layers, bidirectional, batchFirst, given initial state`, () => {
      manualSeed(11);
      const [I, H, L, N] = [3, 4, 5, 2];
      const Ctor = { RNN: nn.RNN, LSTM: nn.LSTM, GRU: nn.GRU }[kind];
      const m = new Ctor(I, H, { numLayers: 2, bidirectional: true, batchFirst: true, dtype: "float64" });
      expect(m.namedParameters().map(([n]) => n).slice(0, 4)).toEqual(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]);
      expect(m.namedParameters().length).toBe(16);
      const gates = { RNN: 1, LSTM: 4, GRU: 3 }[kind];
      expect(Object.fromEntries(m.namedParameters())["weight_ih_l1_reverse"].shape).toEqual([gates * H, 2 * H]);
      const x = rand64([N, L, I], false);
      const h0 = rand64([4, N, H], false);
      const c0 = rand64([4, N, H], false);
      let out: Tensor, hN: Tensor, cN: Tensor | null = null;
      if (kind === "LSTM") [out, [hN, cN]] = (m as nn.LSTM).call(x, [h0, c0]);
      else [out, hN] = (m as nn.RNN).call(x, h0);
      expect(out.shape).toEqual([N, L, 2 * H]);
      expect(hN.shape).toEqual([4, N, H]);
      const X = x.toArray() as number[][][];
      const H0 = h0.toArray() as number[][][];
      const C0 = c0.toArray() as number[][][];
      const O = out.toArray() as number[][][];
      const HN = hN.toArray() as number[][][];
      for (let n = 0; n < N; n++) {
        let seq = X[n];
        for (let layer = 0; layer < 2; layer++) {
          const f = refRun(kind, params(m, `_l${layer}`), seq, H0[2 * layer][n], C0[2 * layer][n]);
          const b = refRun(kind, params(m, `_l${layer}_reverse`), seq, H0[2 * layer + 1][n], C0[2 * layer + 1][n], true);
          expectAllClose(HN[2 * layer][n], f.h, 1e-10);
          expectAllClose(HN[2 * layer + 1][n], b.h, 1e-10);
          if (cN) expectAllClose((cN.toArray() as number[][][])[2 * layer][n], f.c, 1e-10);
          seq = f.out.map((v, t) => [...v, ...b.out[t]]);
        }
        expectAllClose(O[n], seq, 1e-10);
      }
    });
  }

  it("zero initial state by default, unbatched input, and seq-first layout", () => {
    manualSeed(2);
    const lstm = new nn.LSTM(2, 3, { dtype: "float64" });
    const x = rand64([4, 2], false);
    const [out, [h, c]] = lstm.call(x);
    expect(out.shape).toEqual([4, 3]);
    expect(h.shape).toEqual([1, 3]);
    const ref = refRun("LSTM", params(lstm, "_l0"), x.toArray() as number[][], [0, 0, 0], [0, 0, 0]);
    expectAllClose(out.toArray(), ref.out, 1e-10);
    expectAllClose(c.toArray(), [ref.c], 1e-10);
    const [out2] = lstm.call(x.unsqueeze(1));
    expect(out2.shape).toEqual([4, 1, 3]);
    expectAllClose(out2.squeeze(1).toArray(), ref.out, 1e-10);
  });

  it("init is U(±1/√hidden) and bad shapes are reported", () => {
    const g = new nn.GRU(5, 16);
    for (const p of g.parameters()) expect(Math.max(...Array.from(p.data).map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(() => g.call(rand64([3, 2, 4], false))).toThrow(/GRU: input of shape \[3, 2, 4\] must end in input_size=5/);
    expect(() => g.call(rand64([3, 2, 5], false), rand64([2, 2, 16], false))).toThrow(/expected hidden state of shape \[1, 2, 16\]/);
  });

  it("cells match one step of the layers", () => {
    manualSeed(4);
    const cell = new nn.GRUCell(3, 2, { dtype: "float64" });
    const x = rand64([3], false);
    const h = rand64([2], false);
    const P = { wih: arr(cell.weight_ih) as Mat, whh: arr(cell.weight_hh) as Mat, bih: arr(cell.bias_ih!) as number[], bhh: arr(cell.bias_hh!) as number[] };
    const ref = refRun("GRU", P, [x.toArray() as number[]], h.toArray() as number[], []);
    expectAllClose(cell.call(x, h).toArray(), ref.h, 1e-10);
  });
});

describe("recurrent gradcheck", () => {
  it("RNN, LSTM (2 layers, bidirectional), GRU, LSTMCell", () => {
    manualSeed(6);
    gradcheckModule(new nn.RNN(2, 3, { dtype: "float64" }), [rand64([3, 2, 2]), rand64([1, 2, 3])], undefined);
    const lstm = new nn.LSTM(2, 2, { numLayers: 2, bidirectional: true, dtype: "float64" });
    const x = rand64([3, 1, 2]);
    gradcheckModule(lstm, [x], (xx) => {
      const [o, [h, c]] = lstm.forward(xx);
      return [o, h, c];
    });
    const gru = new nn.GRU(2, 3, { batchFirst: true, dtype: "float64" });
    gradcheckModule(gru, [rand64([2, 3, 2])], (xx) => gru.forward(xx)[0]);
    const cell = new nn.LSTMCell(2, 3, { dtype: "float64" });
    gradcheckModule(cell, [rand64([2, 2])], (xx) => cell.forward(xx));
  });
});

describe("LSTM with projections (projSize)", () => {
  it("h = W_hr (o ⊙ tanh c), shapes and names as PyTorch", () => {
    manualSeed(12);
    const [I, H, P, L, N] = [3, 5, 2, 4, 2];
    const m = new nn.LSTM(I, H, { projSize: P, numLayers: 2, bidirectional: true, batchFirst: true, dtype: "float64" });
    const names = m.namedParameters().map(([n]) => n);
    expect(names.slice(0, 5)).toEqual(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]);
    const P0 = Object.fromEntries(m.namedParameters());
    expect(P0["weight_hh_l0"].shape).toEqual([4 * H, P]);
    expect(P0["weight_ih_l1"].shape).toEqual([4 * H, 2 * P]);
    expect(P0["weight_hr_l1_reverse"].shape).toEqual([P, H]);
    const x = rand64([N, L, I], false);
    const h0 = rand64([4, N, P], false);
    const c0 = rand64([4, N, H], false);
    const [out, [hN, cN]] = m.call(x, [h0, c0]);
    expect(out.shape).toEqual([N, L, 2 * P]);
    expect(hN.shape).toEqual([4, N, P]);
    expect(cN.shape).toEqual([4, N, H]);
    // Reference: the LSTM step of refRun followed by the projection.
    const run = (sfx: string, xs: number[][], h: number[], c: number[], reverse: boolean) => {
      const p = params(m, sfx);
      const whr = arr(P0[`weight_hr${sfx}`]) as Mat;
      const outs: number[][] = new Array(xs.length);
      for (let s = 0; s < xs.length; s++) {
        const t = reverse ? xs.length - 1 - s : s;
        const r = refRun("LSTM", p, [xs[t]], h, c);
        c = r.c;
        h = matvec(whr, r.h);
        outs[t] = h;
      }
      return { outs, h, c };
    };
    const X = x.toArray() as number[][][];
    const H0 = h0.toArray() as number[][][];
    const C0 = c0.toArray() as number[][][];
    for (let n = 0; n < N; n++) {
      let seq = X[n];
      for (let layer = 0; layer < 2; layer++) {
        const f = run(`_l${layer}`, seq, H0[2 * layer][n], C0[2 * layer][n], false);
        const b = run(`_l${layer}_reverse`, seq, H0[2 * layer + 1][n], C0[2 * layer + 1][n], true);
        expectAllClose((hN.toArray() as number[][][])[2 * layer + 1][n], b.h, 1e-10);
        expectAllClose((cN.toArray() as number[][][])[2 * layer][n], f.c, 1e-10);
        seq = f.outs.map((v, t) => [...v, ...b.outs[t]]);
      }
      expectAllClose((out.toArray() as number[][][])[n], seq, 1e-10);
    }
    expect(() => new nn.LSTM(3, 4, { projSize: 4 })).toThrow(/smaller than hiddenSize/);
    expect(() => new nn.GRU(3, 4, { projSize: 2 })).toThrow(/only supported by LSTM/);
  });

  it("gradcheck", () => {
    manualSeed(13);
    const m = new nn.LSTM(2, 3, { projSize: 2, dtype: "float64" });
    gradcheckModule(m, [rand64([3, 1, 2])], (xx) => {
      const [o, [h, c]] = m.forward(xx);
      return [o, h, c];
    });
  });
});

describe("single-layer batch-first LSTM (the op reads and writes [N, L, ·] itself)", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: the same output, states and gradients as the sequence-first layer`, () => {
      manualSeed(8);
      const bf = new nn.LSTM(5, 6, { batchFirst: true, dtype }), sf = new nn.LSTM(5, 6, { dtype });
      sf.loadStateDict(bf.stateDict());
      const x = randn([3, 4, 5], { dtype }), h0 = randn([1, 3, 6], { dtype }), c0 = randn([1, 3, 6], { dtype });
      const run = (m: nn.LSTM, input: Tensor) => {
        m.zeroGrad();
        const [o, [h, c]] = m.forward(input, [h0, c0]);
        const ob = m === bf ? o : o.transpose(0, 1);
        ob.mul(ob).sum().add(h.mul(3).sum()).add(c.mul(c).sum()).backward();
        return [ob, h, c, ...m.parameters().map((p) => p.grad!)].map((t) => t.toArray());
      };
      const a = run(bf, x), b = run(sf, x.transpose(0, 1));
      for (let i = 0; i < a.length; i++) expectAllClose(a[i] as number[], b[i] as number[], dtype === "float32" ? 1e-5 : 1e-12);
    });
  }
});

describe("LSTM state kept by the wasm backend between forward and backward", () => {
  it("freed after backward and under noGrad; retained graphs and spilled state give the same gradients", () => {
    const rt = wasmRuntime();
    if (!rt || getBackendInfo().kernels.lstmSequence !== "wasm") return; // GRADLAB_BACKEND=reference keeps nothing
    manualSeed(7);
    const lstm = new nn.LSTM(5, 12, { numLayers: 2, bidirectional: true });
    const x = randn([6, 3, 5]);
    const grads = (retain: boolean): Float32Array[] => {
      lstm.zeroGrad();
      const [o, [h, c]] = lstm.forward(x);
      const loss = o.mul(o).sum().add(h.sum()).add(c.mul(c).sum());
      expect(rt.keptBytes).toBeGreaterThan(0);
      loss.backward(undefined, { retainGraph: retain });
      if (retain) {
        expect(rt.keptBytes).toBeGreaterThan(0);
        lstm.zeroGrad();
        loss.backward();
      }
      expect(rt.keptBytes).toBe(0);
      return lstm.parameters().map((p) => Float32Array.from(p.grad!.data as Float32Array));
    };
    const want = grads(false);
    expect(grads(true)).toEqual(want);
    const budget = rt.keepBudgetBytes;
    try {
      rt.keepBudgetBytes = 0; // each layer's forward spills the state the previous ones kept
      expect(grads(false)).toEqual(want);
    } finally {
      rt.keepBudgetBytes = budget;
    }
    noGrad(() => lstm.forward(x));
    expect(rt.keptBytes).toBe(0);
  });
});
