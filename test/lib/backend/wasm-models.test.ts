// The wasm kernels of the model families (activations, softmax, attention weights,
// layerNorm, cross-entropy, LSTM cell) against the reference, at 1 and 2 threads (work split forced down to small
// shapes), and bit-identical across runs and thread counts.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { maxRelErr, randomF32, rng } from "./helpers.js";
import { atThreads } from "./at-threads.js";
import { referenceKernels as ref } from "../../../lib/backend/reference.js";
import { modelWasmKernels } from "../../../lib/backend/wasm/models.js";
import { pointwiseF32, pointwiseBackwardF32 } from "../../../lib/backend/wasm/activation.js";
import { softmaxF32, softmaxBackwardF32, attentionSoftmaxF32 } from "../../../lib/backend/wasm/softmax.js";
import { layerNormF32, layerNormBackwardF32 } from "../../../lib/backend/wasm/norm.js";
import { lstmCellF32, lstmCellBackwardF32, lstmSequenceBackwardF32, lstmSequenceF32, lstmSequenceFreeF32, lstmSequenceSpill } from "../../../lib/backend/wasm/rnn.js";
import { crossEntropyBackwardF32, crossEntropyForwardF32 } from "../../../lib/backend/wasm/loss.js";
import { attentionBackwardF32, attentionForwardF32 } from "../../../lib/backend/wasm/attention.js";
import { embeddingBackwardF32, embeddingForwardF32 } from "../../../lib/backend/wasm/embedding.js";
import { wasmRuntime } from "../../../lib/backend/wasm/runtime.js";
import type { AttentionOperand, PointwiseGradOp, PointwiseOp } from "../../../lib/backend/kernels.js";



const N = 4096 * 3 + 7; // odd: scalar tails

function wide(n: number, seed: number, range: number): Float32Array {
  const r = rng(seed), a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * (i % 3 === 0 ? range : i % 3 === 1 ? 3 : 0.01);
  return a;
}

describe("wasm model kernels", () => {
  test("the module has no data segment (static data would sit where the arena starts)", () => {
    const bytes = readFileSync(fileURLToPath(new URL("../../../dist/wasm/kernels.wasm", import.meta.url)));
    const sections: number[] = [];
    for (let i = 8; i < bytes.length;) {
      const id = bytes[i++]!;
      let size = 0, shift = 0, b: number;
      do { b = bytes[i++]!; size |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      sections.push(id);
      i += size;
    }
    expect(sections).toContain(10); // code
    expect(sections).not.toContain(11); // data (e.g. Mathf.log's lookup tables)
  });

  test("modelWasmKernels leaves float64 and small arrays to the reference", () => {
    expect(pointwiseF32("gelu", new Float32Array(8), new Float32Array(8))).toBe(false);
    expect(softmaxF32(new Float32Array(N), new Float32Array(N), 1, N, 1, false)).toBe(true);
    expect(softmaxF32(new Float32Array(2048), new Float32Array(2048), 2, 512, 2, false)).toBe(false); // inner != 1
    const k = modelWasmKernels();
    const x = Float64Array.from({ length: 2000 }, (_, i) => i / 100 - 10), got = new Float64Array(2000), want = new Float64Array(2000);
    k.pointwise!("gelu", x, got);
    ref.pointwise("gelu", x, want);
    expect(got).toEqual(want);
  });

  test("pointwise forward and backward match the reference and do not depend on threads", () => {
    const x = wide(N, 3, 12);
    x[5] = 0; x[6] = -0; x[7] = NaN; x[N - 1] = 40; x[N - 2] = -40;
    const g = randomF32(N, rng(4));
    for (const op of ["gelu", "geluTanh", "silu"] as PointwiseOp[]) {
      const want = new Float32Array(N);
      ref.pointwise(op, x, want);
      const runs = atThreads(() => {
        const out = new Float32Array(N);
        expect(pointwiseF32(op, x, out)).toBe(true);
        return out;
      });
      expect(maxRelErr(runs[0]!, want), op).toBeLessThan(2e-6);
      expect(runs[1], `${op}: 1 vs 2 threads`).toEqual(runs[0]);
    }
    const ys: Record<string, Float32Array> = {
      tanh: Float32Array.from(x, Math.tanh),
      sigmoid: Float32Array.from(x, (v) => 1 / (1 + Math.exp(-v))),
    };
    for (const op of ["gelu", "geluTanh", "silu", "tanh", "sigmoid", "relu"] as PointwiseGradOp[]) {
      const s = ys[op] ?? x;
      const want = new Float32Array(N);
      ref.pointwiseBackward(op, s, g, want);
      const runs = atThreads(() => {
        const dx = new Float32Array(N);
        expect(pointwiseBackwardF32(op, s, g, dx)).toBe(true);
        return dx;
      });
      expect(maxRelErr(runs[0]!, want), `${op} backward`).toBeLessThan(2e-6);
      expect(runs[1], `${op} backward: 1 vs 2 threads`).toEqual(runs[0]);
      if (op === "relu") {
        // reluMask's bits, so a linear that applies the mask itself changes nothing
        const mask = new Float32Array(N);
        ref.reluMask(g, s, mask);
        expect(runs[0], "relu backward: reluMask's bits").toEqual(mask);
      }
    }
  });

  test("exact gelu keeps its relative accuracy in the negative tail", () => {
    const x = Float32Array.from({ length: 2048 }, (_, i) => -(i / 2048) * 12);
    const got = new Float32Array(2048), exact = new Float64Array(2048);
    expect(pointwiseF32("gelu", x, got)).toBe(true);
    ref.pointwise("gelu", Float64Array.from(x), exact);
    for (let i = 1; i < 2048; i++) {
      if (Math.abs(exact[i]!) < 1e-30) continue;
      expect(Math.abs(got[i]! - exact[i]!) / Math.abs(exact[i]!), `gelu(${x[i]})`).toBeLessThan(2e-5);
    }
  });

  test("exact gelu: a value's result does not depend on its vector neighbours (central |x| <= 2 or not)", () => {
    // the same values once in vectors of central values only, once beside a lane outside
    const vals = Float32Array.from({ length: 1536 }, (_, i) => -2 + (i / 1536) * 4);
    vals[0] = -2; vals[1] = 2; vals[2] = Math.fround(2.0000002); vals[3] = Math.fround(-1.9999999);
    const n = vals.length * 2, alone = new Float32Array(n), mixed = new Float32Array(n);
    for (let i = 0; i < vals.length; i++) {
      alone[i] = vals[i]!; alone[vals.length + i] = vals[i]!;
      mixed[2 * i] = vals[i]!; mixed[2 * i + 1] = 5;
    }
    const g = new Float32Array(n).fill(1);
    for (const pass of ["forward", "backward"]) {
      const a = new Float32Array(n), m = new Float32Array(n), want = new Float32Array(n);
      if (pass === "forward") {
        expect(pointwiseF32("gelu", alone, a) && pointwiseF32("gelu", mixed, m)).toBe(true);
        ref.pointwise("gelu", alone, want);
      } else {
        expect(pointwiseBackwardF32("gelu", alone, g, a) && pointwiseBackwardF32("gelu", mixed, g, m)).toBe(true);
        ref.pointwiseBackward("gelu", alone, g, want);
      }
      for (let i = 0; i < vals.length; i++) expect(m[2 * i], `${pass} gelu(${vals[i]})`).toBe(a[i]);
      expect(maxRelErr(a, want), pass).toBeLessThan(2e-6);
    }
  });

  test("softmax and logSoftmax rows, forward and backward", () => {
    for (const size of [65, 64, 3]) {
      const rows = Math.ceil(N / size), n = rows * size;
      const x = wide(n, size, 30), g = randomF32(n, rng(size + 1));
      x[0] = -Infinity; x[size + 1] = Infinity; // a −∞ logit; an +∞ one gives a NaN row
      for (const log of [false, true]) {
        const want = new Float32Array(n);
        ref.softmax(x, want, rows, size, 1, log);
        const runs = atThreads(() => {
          const out = new Float32Array(n);
          expect(softmaxF32(x, out, rows, size, 1, log)).toBe(true);
          return out;
        });
        expect(maxRelErr(runs[0]!, want), `softmax size ${size} log ${log}`).toBeLessThan(2e-6);
        expect(runs[1]).toEqual(runs[0]);
        const y = want;
        const wantD = new Float32Array(n);
        ref.softmaxBackward(y, g, wantD, rows, size, 1, log, 0.5);
        const runsD = atThreads(() => {
          const dx = new Float32Array(n);
          expect(softmaxBackwardF32(y, g, dx, rows, size, 1, log, 0.5)).toBe(true);
          return dx;
        });
        expect(maxRelErr(runsD[0]!, wantD), `softmax backward size ${size} log ${log}`).toBeLessThan(5e-6);
        expect(runsD[1]).toEqual(runsD[0]);
      }
    }
  });

  test("attention weights: scale, additive mask per matrix or shared, causal", () => {
    const batch = 6, L = 13, S = 17, n = batch * L * S;
    const x = wide(n, 8, 10);
    const shared = Float32Array.from({ length: L * S }, (_, i) => (i % 5 === 0 ? -Infinity : (i % 7) / 3));
    const per = Float32Array.from({ length: n }, (_, i) => (i % 11 === 0 ? -Infinity : (i % 3) - 1));
    for (const [mask, stride] of [[null, 0], [shared, 0], [per, L * S]] as [Float32Array | null, number][]) {
      for (const causal of [false, true]) {
        const want = new Float32Array(n);
        ref.attentionSoftmax(x, mask, stride, want, batch, L, S, 0.3, causal);
        const runs = atThreads(() => {
          const out = new Float32Array(n);
          expect(attentionSoftmaxF32(x, mask, stride, out, batch, L, S, 0.3, causal)).toBe(true);
          return out;
        });
        expect(maxRelErr(runs[0]!, want), `mask stride ${stride} causal ${causal}`).toBeLessThan(2e-6);
        expect(runs[1]).toEqual(runs[0]);
      }
    }
  });

  test("fused small attention forward and backward: masks, causal, strided heads, head-dim tails, skipped grads", () => {
    const N = 7, H = 2, batch = N * H, S = 9;
    // the kernel takes query rows four at a time: L = 6, 5 and 3 leave 2, 1 and 3 in the last block
    for (const L of [6, 5, 3]) {
      /** [N, rows, H, cols] storage read as [N·H, rows, cols] slices (the heads of a projection), or contiguous. */
      const operand = (data: Float32Array, rows: number, cols: number, heads: boolean): AttentionOperand => ({
        data,
        offsets: Int32Array.from({ length: batch }, (_, b) => (heads ? Math.floor(b / H) * rows * H * cols + (b % H) * cols : b * rows * cols)),
        rowStride: heads ? H * cols : cols,
      });
      /** An output laid out as `operand` lays out an input, over fresh zeros. */
      const output = (rows: number, cols: number, heads: boolean) => operand(new Float32Array(batch * rows * cols), rows, cols, heads);
      for (const [E, Ev, heads] of [[8, 8, true], [5, 3, false], [16, 4, true]] as [number, number, boolean][]) {
        const q = operand(randomF32(batch * L * E, rng(E)), L, E, heads), k = operand(randomF32(batch * S * E, rng(E + 1)), S, E, heads);
        const v = operand(randomF32(batch * S * Ev, rng(E + 2)), S, Ev, !heads);
        const g = operand(randomF32(batch * L * Ev, rng(E + 3)), L, Ev, heads);
        const shared = Float32Array.from({ length: L * S }, (_, i) => (i % 5 === 0 ? -Infinity : (i % 7) / 3));
        const per = Float32Array.from({ length: batch * L * S }, (_, i) => (i % 11 === 0 ? -Infinity : (i % 3) - 1));
        for (const [mask, stride] of [[null, 0], [shared, 0], [per, L * S]] as [Float32Array | null, number][]) {
          for (const causal of [false, true]) {
            const what = `L ${L} E ${E} Ev ${Ev} heads ${heads} mask stride ${mask ? stride : "none"} causal ${causal}`;
            // the reference writes contiguous outputs; the wasm kernel writes them strided (in the heads layout when the inputs are)
            const wa = new Float32Array(batch * L * S), wo = output(L, Ev, false);
            ref.attentionForward(q, k, v, mask, stride, wa, wo, batch, L, S, E, Ev, 0.3, causal);
            const wq = output(L, E, false), wk = output(S, E, false), wv = output(S, Ev, false);
            ref.attentionBackward(q, k, v, wa, g, wq, wk, wv, batch, L, S, E, Ev, 0.3);
            /** A strided output's values in contiguous slice order, to compare with the reference's. */
            const dense = (x: AttentionOperand, rows: number, cols: number) => {
              const d = new Float32Array(batch * rows * cols);
              for (let b = 0; b < batch; b++) for (let r = 0; r < rows; r++) d.set(x.data.subarray(x.offsets[b]! + r * x.rowStride, x.offsets[b]! + r * x.rowStride + cols) as Float32Array, (b * rows + r) * cols);
              return d;
            };
            const runs = atThreads(() => {
              const a = new Float32Array(wa.length), o = output(L, Ev, heads);
              expect(attentionForwardF32(q, k, v, mask, stride, a, o, batch, L, S, E, Ev, 0.3, causal)).toBe(true);
              const dq = output(L, E, heads), dk = output(S, E, heads), dv = output(S, Ev, !heads);
              expect(attentionBackwardF32(q, k, v, a, g, dq, dk, dv, batch, L, S, E, Ev, 0.3)).toBe(true);
              const onlyV = output(S, Ev, !heads);
              attentionBackwardF32(q, k, v, a, g, null, null, onlyV, batch, L, S, E, Ev, 0.3);
              expect(onlyV.data, `${what}: dv alone`).toEqual(dv.data);
              return [a, dense(o, L, Ev), dense(dq, L, E), dense(dk, S, E), dense(dv, S, Ev)];
            });
            const want = [wa, wo.data, wq.data, wk.data, wv.data];
            ["attn", "out", "dq", "dk", "dv"].forEach((name, i) => {
              expect(maxRelErr(runs[0]![i]!, want[i]! as Float32Array), `${what}: ${name}`).toBeLessThan(2e-5);
              expect(runs[1]![i], `${what}: ${name} 1 vs 2 threads`).toEqual(runs[0]![i]);
            });
          }
        }
      }
    }
  });

  test("fused small attention leaves the values between strided output slices alone", () => {
    const batch = 3, L = 4, S = 5, E = 4, rowStride = 6; // two floats of padding after each row
    const q: AttentionOperand = { data: randomF32(batch * L * E, rng(1)), offsets: Int32Array.from([0, 16, 32]), rowStride: E };
    const k: AttentionOperand = { data: randomF32(batch * S * E, rng(2)), offsets: Int32Array.from([0, 20, 40]), rowStride: E };
    const out: AttentionOperand = { data: new Float32Array(batch * L * rowStride).fill(7), offsets: Int32Array.from([0, 24, 48]), rowStride };
    expect(attentionForwardF32(q, k, k, null, 0, new Float32Array(batch * L * S), out, batch, L, S, E, E, 0.5, false)).toBe(true);
    const want: AttentionOperand = { ...out, data: new Float32Array(out.data.length).fill(7) };
    ref.attentionForward(q, k, k, null, 0, new Float32Array(batch * L * S), want, batch, L, S, E, E, 0.5, false);
    expect(maxRelErr(out.data as Float32Array, want.data as Float32Array)).toBeLessThan(2e-5);
    for (let i = 0; i < out.data.length; i++) if (i % rowStride >= E) expect(out.data[i]).toBe(7);
  });

  test("fused small attention on q, k, v split from one projection, gradients into one array", () => {
    // MultiheadAttention's packed self-attention: [N, L, 3·h·d], q, k, v side by side
    const N = 5, h = 2, d = 4, L = 6, E = h * d, batch = N * h;
    const block = (data: Float32Array, which: number): AttentionOperand => ({
      data, rowStride: 3 * E, offsets: Int32Array.from({ length: batch }, (_, b) => Math.floor(b / h) * L * 3 * E + which * E + (b % h) * d),
    });
    const qkv = randomF32(N * L * 3 * E, rng(41)), g = randomF32(batch * L * d, rng(42));
    const [q, k, v] = [0, 1, 2].map((w) => block(qkv, w)) as [AttentionOperand, AttentionOperand, AttentionOperand];
    const gOp: AttentionOperand = { data: g, rowStride: d, offsets: Int32Array.from({ length: batch }, (_, b) => b * L * d) };
    const dense = (rows: number): AttentionOperand => ({ data: new Float32Array(batch * rows * d), rowStride: d, offsets: Int32Array.from({ length: batch }, (_, b) => b * rows * d) });
    for (const causal of [false, true]) {
      const wa = new Float32Array(batch * L * L), wo = dense(L), wq = dense(L), wk = dense(L), wv = dense(L);
      ref.attentionForward(q, k, v, null, 0, wa, wo, batch, L, L, d, d, 0.5, causal);
      ref.attentionBackward(q, k, v, wa, gOp, wq, wk, wv, batch, L, L, d, d, 0.5);
      // the reference's gradients laid out as the packed one
      const want = new Float32Array(qkv.length);
      [wq, wk, wv].forEach((w, which) => {
        const t = block(want, which);
        for (let b = 0; b < batch; b++) for (let r = 0; r < L; r++) want.set(w.data.subarray(b * L * d + r * d, b * L * d + (r + 1) * d) as Float32Array, t.offsets[b]! + r * t.rowStride);
      });
      const runs = atThreads(() => {
        const a = new Float32Array(wa.length), o = dense(L), dqkv = new Float32Array(qkv.length).fill(NaN);
        expect(attentionForwardF32(q, k, v, null, 0, a, o, batch, L, L, d, d, 0.5, causal)).toBe(true);
        const [dq, dk, dv] = [0, 1, 2].map((w) => block(dqkv, w));
        expect(attentionBackwardF32(q, k, v, a, gOp, dq!, dk!, dv!, batch, L, L, d, d, 0.5)).toBe(true);
        return [a, o.data, dqkv];
      });
      expect(maxRelErr(runs[0]![0] as Float32Array, wa), `causal ${causal}: attn`).toBeLessThan(2e-5);
      expect(maxRelErr(runs[0]![1] as Float32Array, wo.data as Float32Array), `causal ${causal}: out`).toBeLessThan(2e-5);
      expect(maxRelErr(runs[0]![2] as Float32Array, want), `causal ${causal}: dq, dk, dv in one array`).toBeLessThan(2e-5);
      expect(runs[1], `causal ${causal}: 1 vs 2 threads`).toEqual(runs[0]);
    }
  });

  test("layerNorm forward and backward, with and without affine parameters", () => {
    for (const D of [128, 37]) {
      const rows = 150, n = rows * D;
      const x = wide(n, D, 5).map((v, i) => v + (i % D === 0 ? 100 : 0)), g = randomF32(n, rng(D));
      const w = randomF32(D, rng(D + 1)), b = randomF32(D, rng(D + 2));
      for (const affine of [true, false]) {
        const wv = affine ? w : null, bv = affine ? b : null;
        const want = new Float32Array(n), mean = new Float32Array(rows), rstd = new Float32Array(rows);
        ref.layerNorm(x, wv, bv, want, mean, rstd, rows, D, 1e-5);
        const runs = atThreads(() => {
          const out = new Float32Array(n), m = new Float32Array(rows), r = new Float32Array(rows);
          expect(layerNormF32(x, wv, bv, out, m, r, rows, D, 1e-5)).toBe(true);
          return [out, m, r];
        });
        expect(maxRelErr(runs[0]![0]!, want), `layerNorm D ${D}`).toBeLessThan(1e-5);
        expect(maxRelErr(runs[0]![2]!, rstd)).toBeLessThan(1e-5);
        expect(runs[1]).toEqual(runs[0]);
        const wantDx = new Float32Array(n), wantDw = new Float32Array(D), wantDb = new Float32Array(D);
        ref.layerNormBackward(x, wv, mean, rstd, g, wantDx, wantDw, wantDb, rows, D);
        const runsB = atThreads(() => {
          const dx = new Float32Array(n), dw = new Float32Array(D), db = new Float32Array(D);
          expect(layerNormBackwardF32(x, wv, mean, rstd, g, dx, dw, db, rows, D)).toBe(true);
          return [dx, dw, db];
        });
        expect(maxRelErr(runsB[0]![0]!, wantDx), `layerNorm dx D ${D}`).toBeLessThan(2e-5);
        expect(maxRelErr(runsB[0]![1]!, wantDw), `layerNorm dw D ${D}`).toBeLessThan(2e-5);
        expect(maxRelErr(runsB[0]![2]!, wantDb), `layerNorm db D ${D}`).toBeLessThan(2e-5);
        expect(runsB[1]).toEqual(runsB[0]);
      }
    }
  });

  test("LSTM cell forward and backward", () => {
    for (const H of [128, 37]) {
      const N = 40;
      const gates = wide(N * 4 * H, H, 8), c = randomF32(N * H, rng(H + 3)), ghc = randomF32(N * 2 * H, rng(H + 4));
      // saturated gates (the wasm exp clamps its input) and a NaN
      gates.set([100, -100, Infinity, -Infinity, 89, -88, 1e-6, NaN], 4 * H);
      gates.set([-Infinity, 1e-7, -1e-7, 95, -95], 6 * H + 3);
      const hc = new Float32Array(N * 2 * H), acts = new Float32Array(N * 4 * H);
      ref.lstmCell(gates, c, hc, acts, N, H);
      const runs = atThreads(() => {
        const o = new Float32Array(N * 2 * H), a = new Float32Array(N * 4 * H);
        expect(lstmCellF32(gates, c, o, a, N, H)).toBe(true);
        return [o, a];
      });
      expect(maxRelErr(runs[0]![0]!, hc), `lstm h, c (H ${H})`).toBeLessThan(2e-6);
      expect(maxRelErr(runs[0]![1]!, acts), `lstm gates (H ${H})`).toBeLessThan(2e-6);
      expect(runs[1]).toEqual(runs[0]);
      const dg = new Float32Array(N * 4 * H), dc = new Float32Array(N * H);
      ref.lstmCellBackward(acts, c, hc, ghc, dg, dc, N, H);
      const runsB = atThreads(() => {
        const d = new Float32Array(N * 4 * H), e = new Float32Array(N * H);
        expect(lstmCellBackwardF32(acts, c, hc, ghc, d, e, N, H)).toBe(true);
        return [d, e];
      });
      expect(maxRelErr(runsB[0]![0]!, dg), `lstm dGates (H ${H})`).toBeLessThan(2e-6);
      expect(maxRelErr(runsB[0]![1]!, dc), `lstm dc (H ${H})`).toBeLessThan(2e-6);
      expect(runsB[1]).toEqual(runsB[0]);
    }
  });

  test("LSTM sequence (whole layer recurrence) forward and backward, both directions and layouts", () => {
    for (const [L, N, H, reverse, bf] of [[5, 40, 32, false, false], [4, 3, 37, true, true], [3, 10, 24, true, false], [6, 9, 16, false, true]] as const) {
      const G = 4 * H, NH = N * H;
      const xw = wide(L * N * G, H, 4), h0 = randomF32(NH, rng(H + 5)), c0 = randomF32(NH, rng(H + 6));
      const whh = randomF32(G * H, rng(H + 7)).map((v) => v / Math.sqrt(H));
      const bias = reverse ? randomF32(G, rng(H + 9)) : null;
      const outs = () => [L * NH + NH, L * NH * 6].map((n) => new Float32Array(n));
      const want = outs();
      ref.lstmSequence(xw, bias, h0, c0, whh, want[0]!, want[1]!, L, N, H, reverse, bf);
      const g = randomF32(L * NH + NH, rng(H + 8));
      const grads = () => [L * N * G, NH, NH, G * H, G].map((n) => new Float32Array(n));
      const backward = (k: typeof ref.lstmSequenceBackward, saved: Float32Array, d: Float32Array[]) =>
        k(saved, h0, c0, whh, g, d[0]!, d[1]!, d[2]!, d[3]!, d[4]!, L, N, H, reverse, bf);
      const wantB = grads();
      backward(ref.lstmSequenceBackward, want[1]!, wantB);
      const runs = atThreads(() => {
        const got = outs();
        expect(lstmSequenceF32(xw, bias, h0, c0, whh, got[0]!, got[1]!, L, N, H, reverse, bf)).toBe(true);
        // the backward from what the forward kept in the arena, twice (a retained graph)
        const back = () => {
          const d = grads();
          backward(lstmSequenceBackwardF32 as typeof ref.lstmSequenceBackward, got[1]!, d);
          return d;
        };
        const d = back();
        expect(back()).toEqual(d);
        lstmSequenceSpill(got[1]!);
        return [...got, ...d];
      });
      const what = `(H ${H}, reverse ${reverse}, batch first ${bf})`;
      for (let i = 0; i < 2; i++) expect(maxRelErr(runs[0]![i]!, want[i]!), `lstmSequence output ${i} ${what}`).toBeLessThan(2e-5);
      for (let i = 0; i < 5; i++) expect(maxRelErr(runs[0]![2 + i]!, wantB[i]!), `lstmSequence backward from kept state ${i} ${what}`).toBeLessThan(2e-5);
      expect(runs[1]).toEqual(runs[0]);
      // from the reference's saved arrays (nothing kept)
      const runsB = atThreads(() => {
        const d = grads();
        backward(lstmSequenceBackwardF32 as typeof ref.lstmSequenceBackward, want[1]!, d);
        return d;
      });
      for (let i = 0; i < 5; i++) expect(maxRelErr(runsB[0]![i]!, wantB[i]!), `lstmSequence backward output ${i} ${what}`).toBeLessThan(2e-5);
      expect(runsB[1]).toEqual(runsB[0]);
    }
  });

  test("LSTM sequence state kept in the arena: spilled to saved over the budget, freed by lstmSequenceFree", () => {
    const [L, N, H] = [3, 5, 8], G = 4 * H, NH = N * H;
    const rt = wasmRuntime()!;
    const xw = wide(L * N * G, 11, 4), h0 = randomF32(NH, rng(12)), c0 = randomF32(NH, rng(13));
    const whh = randomF32(G * H, rng(14)).map((v) => v / Math.sqrt(H));
    const outs = () => [L * NH + NH, L * NH * 6].map((n) => new Float32Array(n));
    const want = outs();
    ref.lstmSequence(xw, null, h0, c0, whh, want[0]!, want[1]!, L, N, H, false, false);
    const budget = rt.keepBudgetBytes;
    expect(rt.keptBytes).toBe(0);
    try {
      const a = outs(), b = outs();
      lstmSequenceF32(xw, null, h0, c0, whh, a[0]!, a[1]!, L, N, H, false, false);
      expect(a[1]!.every((v) => v === 0)).toBe(true); // still only in the arena
      const one = rt.keptBytes;
      expect(one).toBeGreaterThan(0);
      rt.keepBudgetBytes = one; // room for one: the next forward spills the first
      lstmSequenceF32(xw, null, h0, c0, whh, b[0]!, b[1]!, L, N, H, false, false);
      expect(rt.keptBytes).toBe(one);
      expect(maxRelErr(a[1]!, want[1]!)).toBeLessThan(2e-5);
      lstmSequenceFreeF32(b[1]!);
      expect(rt.keptBytes).toBe(0);
      // spilled, then backward from the arrays: the same gradients as from the kept state
      const g = randomF32(L * NH + NH, rng(15));
      const back = (saved: Float32Array) => {
        const d = [L * N * G, NH, NH, G * H].map((n) => new Float32Array(n));
        lstmSequenceBackwardF32(saved, h0, c0, whh, g, d[0]!, d[1]!, d[2]!, d[3]!, null, L, N, H, false, false);
        return d;
      };
      lstmSequenceF32(xw, null, h0, c0, whh, b[0]!, b[1]!, L, N, H, false, false);
      const fromKept = back(b[1]!);
      expect(back(a[1]!)).toEqual(fromKept);
      lstmSequenceFreeF32(b[1]!);
      expect(rt.keptBytes).toBe(0);
    } finally {
      rt.keepBudgetBytes = budget;
    }
  });

  test("LSTM sequence with its input projection: x·W_ihᵀ, dx and dW_ih inside the kernel, both layouts", () => {
    for (const bf of [false, true]) {
      const [L, N, H, I] = [4, 6, 12, 7], G = 4 * H, NH = N * H;
      const x = randomF32(L * N * I, rng(1)), wih = randomF32(G * I, rng(2)), bias = randomF32(G, rng(3));
      const h0 = randomF32(NH, rng(4)), c0 = randomF32(NH, rng(5)), whh = randomF32(G * H, rng(6)).map((v) => v / Math.sqrt(H));
      const outs = () => [L * NH + NH, L * NH * 6].map((n) => new Float32Array(n));
      const want = outs();
      ref.lstmSequence({ x, wih, I }, bias, h0, c0, whh, want[0]!, want[1]!, L, N, H, false, bf);
      const runs = atThreads(() => {
        const got = outs();
        expect(lstmSequenceF32({ x, wih, I }, bias, h0, c0, whh, got[0]!, got[1]!, L, N, H, false, bf)).toBe(true);
        lstmSequenceSpill(got[1]!);
        return got;
      });
      for (let i = 0; i < 2; i++) expect(maxRelErr(runs[0]![i]!, want[i]!), `projected lstmSequence output ${i} (batch first ${bf})`).toBeLessThan(2e-5);
      expect(runs[1]).toEqual(runs[0]);
      const g = randomF32(L * NH + NH, rng(7));
      const grads = () => [L * N * I, G * I, NH, NH, G * H, G].map((n) => new Float32Array(n));
      const backward = (k: typeof ref.lstmSequenceBackward, o: Float32Array[]) =>
        k(want[1]!, h0, c0, whh, g, { x, wih, I, dx: o[0]!, dwih: o[1]! }, o[2]!, o[3]!, o[4]!, o[5]!, L, N, H, false, bf);
      const wantB = grads();
      backward(ref.lstmSequenceBackward, wantB);
      const runsB = atThreads(() => {
        const got = grads();
        backward(lstmSequenceBackwardF32 as typeof ref.lstmSequenceBackward, got);
        return got;
      });
      for (let i = 0; i < 6; i++) expect(maxRelErr(runsB[0]![i]!, wantB[i]!), `projected lstmSequence gradient ${i} (batch first ${bf})`).toBeLessThan(2e-5);
      expect(runsB[1]).toEqual(runsB[0]);
    }
  });

  test("cross-entropy rows: weights, ignore index, label smoothing, per-row scale", () => {
    for (const c of [65, 10]) {
      const n = 300, x = wide(n * c, c, 20);
      const target = Int32Array.from({ length: n }, (_, i) => (i % 17 === 0 ? -100 : (i * 7) % c));
      const w = Float32Array.from({ length: c }, (_, k) => 0.5 + (k % 3));
      const per = randomF32(n, rng(c));
      for (const [wv, eps, cp] of [[null, 0, null], [w, 0.1, null], [null, 0.2, per], [w, 0, per]] as [Float32Array | null, number, Float32Array | null][]) {
        const P = { n, c, inner: 1, ignoreIndex: -100, smoothing: eps };
        const loss = new Float32Array(n), lse = new Float32Array(n);
        const wsum = ref.crossEntropyForward(x, target, wv, loss, lse, P);
        const runs = atThreads(() => {
          const l = new Float32Array(n), e = new Float32Array(n);
          const s = crossEntropyForwardF32(x, target, wv, l, e, P);
          expect(s).toBe(wsum);
          return [l, e];
        });
        expect(maxRelErr(runs[0]![0]!, loss), `loss c ${c} eps ${eps}`).toBeLessThan(2e-6);
        expect(maxRelErr(runs[0]![1]!, lse)).toBeLessThan(2e-6);
        expect(runs[1]).toEqual(runs[0]);
        const want = new Float32Array(n * c);
        ref.crossEntropyBackward(x, target, wv, lse, 0.37, cp, want, P);
        const runsB = atThreads(() => {
          const d = new Float32Array(n * c).fill(9);
          expect(crossEntropyBackwardF32(x, target, wv, lse, 0.37, cp, d, P)).toBe(true);
          return d;
        });
        expect(maxRelErr(runsB[0]!, want), `dx c ${c} eps ${eps}`).toBeLessThan(2e-6);
        expect(runsB[1]).toEqual(runsB[0]);
      }
    }
  });
});

describe("wasm embedding", () => {
  test("gather and scatter-add give the reference's bits at 1 and 2 threads, padding row included", () => {
    const V = 37, D = 33, n = 500; // D odd: the scatter's scalar tail
    const r = rng(9);
    const w = randomF32(V * D, r), g = randomF32(n * D, r);
    const idx = Int32Array.from({ length: n }, () => Math.floor(r() * V));
    idx[3] = idx[7] = idx[11] = 5; // one row gathered and summed many times
    for (const pad of [-1, 5]) {
      const want = new Float32Array(n * D), wantDw = new Float32Array(V * D);
      ref.embeddingForward(w, idx, want, D);
      ref.embeddingBackward(g, idx, wantDw, D, pad);
      const runs = atThreads(() => {
        const out = new Float32Array(n * D), dw = new Float32Array(V * D).fill(NaN); // overwritten whole
        expect(embeddingForwardF32(w, idx, out, D)).toBe(true);
        expect(embeddingBackwardF32(g, idx, dw, D, pad)).toBe(true);
        return [out, dw];
      });
      for (const [out, dw] of runs) {
        expect(out, `gather pad ${pad}`).toEqual(want);
        expect(dw, `scatter-add pad ${pad}`).toEqual(wantDw);
      }
      if (pad === 5) expect(runs[0]![1]!.subarray(5 * D, 6 * D).every((x) => x === 0)).toBe(true);
    }
  });

  test("a table much larger than the rows read stays on the reference (no copy of the whole table)", () => {
    const V = 10000, D = 8, idx = Int32Array.from([1, 9999, 0]);
    const w = randomF32(V * D, rng(1)), out = new Float32Array(idx.length * D), dw = new Float32Array(V * D);
    expect(embeddingForwardF32(w, idx, out, D)).toBe(false);
    expect(embeddingBackwardF32(out, idx, dw, D, -1)).toBe(false);
    const k = modelWasmKernels();
    k.embeddingForward!(w, idx, out, D); // the registry's entry falls back
    expect(Array.from(out.subarray(D, 2 * D))).toEqual(Array.from(w.subarray(9999 * D)));
  });
});

