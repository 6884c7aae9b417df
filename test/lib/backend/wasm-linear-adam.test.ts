// linearForward (GEMM + bias in the arena) and adamStep (float64 lanes) on wasm against the
// reference, at 1 and 2 threads (splitting forced down to small shapes). The bias pass and
// Adam are bit-identical to the reference; the GEMM is within float32 tolerance.
import { describe, expect, test } from "vitest";
import { maxRelErr, randomF32 as randomWith, rng } from "./helpers.js";
import { atThreads } from "./at-threads.js";
import { referenceKernels as ref } from "../../../lib/backend/reference.js";
import { matmulF32 } from "../../../lib/backend/wasm/matmul.js";
import { linearBackwardF32, linearForwardF32 } from "../../../lib/backend/wasm/linear.js";
import { reduceF32 } from "../../../lib/backend/wasm/elementwise.js";
import { adamStepF32 } from "../../../lib/backend/wasm/optimizer.js";
import { pointwiseBackwardF32 } from "../../../lib/backend/wasm/activation.js";
import type { AdamHyper } from "../../../lib/backend/kernels.js";

const randomF32 = (n: number, seed: number): Float32Array => randomWith(n, rng(seed));

describe("wasm linearForward", () => {
  for (const [m, n, k] of [[37, 65, 19], [128, 384, 128], [5, 3, 7]] as const) {
    test(`[${m}, ${k}] @ [${n}, ${k}]ᵀ + bias: the wasm GEMM's product plus exactly the reference bias`, () => {
      const x = randomF32(m * k, 1), w = randomF32(n * k, 2), b = randomF32(n, 3);
      const want = new Float32Array(m * n);
      ref.linearForward(x, w, b, want, m, n, k);
      const runs = atThreads(() => {
        const out = new Float32Array(m * n).fill(Number.NaN); // overwritten, never read
        linearForwardF32(x, w, b, out, m, n, k);
        return out;
      });
      expect(maxRelErr(runs[0]!, want)).toBeLessThan(1e-5);
      expect(runs[1]).toEqual(runs[0]);
      // the bias pass adds exactly what the reference adds to the same product
      const product = new Float32Array(m * n);
      matmulF32(x, w, product, { batch: 1, m, n, k, transA: false, transB: true, strideA: 0, strideB: 0 });
      for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) product[r * n + j] += b[j]!;
      expect(runs[0]).toEqual(product);
    });
  }

  test("without a bias it is the product", () => {
    const [m, n, k] = [33, 17, 9];
    const x = randomF32(m * k, 4), w = randomF32(n * k, 5);
    const out = new Float32Array(m * n), want = new Float32Array(m * n);
    linearForwardF32(x, w, null, out, m, n, k);
    matmulF32(x, w, want, { batch: 1, m, n, k, transA: false, transB: true, strideA: 0, strideB: 0 });
    expect(out).toEqual(want);
  });
});

describe("wasm linearBackward", () => {
  for (const [m, n, k] of [[37, 65, 19], [256, 128, 96], [3, 5, 2]] as const) {
    test(`g [${m}, ${n}], x [${m}, ${k}], w [${n}, ${k}]: dx, dw near the reference, db the wasm sum's bits, at 1 and 2 threads`, () => {
      const g = randomF32(m * n, 7), x = randomF32(m * k, 8), w = randomF32(n * k, 9);
      const want = [new Float32Array(m * k), new Float32Array(n * k), new Float32Array(n)] as const;
      ref.linearBackward(g, x, w, ...want, m, n, k);
      const runs = atThreads(() => {
        const got = [new Float32Array(m * k), new Float32Array(n * k), new Float32Array(n)] as const;
        linearBackwardF32(g, x, w, ...got, m, n, k);
        return got;
      });
      for (let i = 0; i < 3; i++) expect(maxRelErr(runs[0]![i]!, want[i]!)).toBeLessThan(1e-4);
      expect(runs[1]).toEqual(runs[0]);
      // each gradient is what the separate kernels give
      const dx = new Float32Array(m * k), dw = new Float32Array(n * k), db = new Float32Array(n);
      matmulF32(g, w, dx, { batch: 1, m, n: k, k: n, transA: false, transB: false, strideA: 0, strideB: 0 });
      matmulF32(g, x, dw, { batch: 1, m: n, n: k, k: m, transA: true, transB: false, strideA: 0, strideB: 0 });
      if (!reduceF32("sum", g, db, 1, m, n)) ref.reduce("sum", g, db, 1, m, n);
      expect(runs[0]![0]).toEqual(dx);
      expect(runs[0]![1]).toEqual(dw);
      if (m * n >= 4096) expect(runs[0]![2]).toEqual(db);
    });
  }

  // dx through the input's activation backward: the two separate kernel calls' bits, at any
  // thread count, for a dx in the arena (≥ 1024 floats) and one on the reference (< 1024)
  for (const [m, n, k, op] of [[64, 128, 512, "gelu"], [37, 65, 19, "tanh"], [256, 96, 128, "silu"], [8, 5, 6, "gelu"], [384, 32, 64, "relu"], [9, 4, 7, "relu"]] as const) {
    test(`dx [${m}, ${k}] taken through ${op}'s backward in the same call: the separate kernels' bits`, () => {
      const g = randomF32(m * n, 10), x = randomF32(m * k, 11), w = randomF32(n * k, 12), saved = randomF32(m * k, 13);
      const runs = atThreads(() => {
        const dx = new Float32Array(m * k), dw = new Float32Array(n * k);
        linearBackwardF32(g, x, w, dx, dw, null, m, n, k, { op, saved });
        // the unfused pair: linear backward, then the activation's own wasm (or reference) kernel
        const plain = new Float32Array(m * k), want = new Float32Array(m * k);
        linearBackwardF32(g, x, w, plain, null, null, m, n, k);
        if (!pointwiseBackwardF32(op, saved, plain, want)) ref.pointwiseBackward(op, saved, plain, want);
        expect(dx).toEqual(want);
        return dx;
      });
      expect(runs[1]).toEqual(runs[0]);
      const refDx = new Float32Array(m * k);
      ref.linearBackward(g, x, w, refDx, null, null, m, n, k, { op, saved });
      expect(maxRelErr(runs[0]!, refDx)).toBeLessThan(1e-4);
    });
  }

  test("only the gradients asked for are computed", () => {
    const [m, n, k] = [20, 9, 11];
    const g = randomF32(m * n, 1), x = randomF32(m * k, 2), w = randomF32(n * k, 3);
    const db = new Float32Array(n), want = new Float32Array(n);
    linearBackwardF32(g, x, w, null, null, db, m, n, k);
    ref.reduce("sum", g, want, 1, m, n);
    expect(maxRelErr(db, want)).toBeLessThan(1e-5);
  });
});

describe("wasm adamStep", () => {
  const sizes = [1, 127, 4096, 33];
  const base: AdamHyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, amsgrad: false, maximize: false, lr: 1e-2 };
  const variants: [string, AdamHyper][] = [
    ["Adam", base],
    ["Adam with L2 and maximize", { ...base, weightDecay: 0.1, maximize: true }],
    ["AdamW", { ...base, decoupled: true, weightDecay: 0.01 }],
    ["AdamW with AMSGrad", { ...base, decoupled: true, weightDecay: 0.01, amsgrad: true }],
  ];
  for (const [name, h] of variants) {
    test(`${name}: bit-identical to the reference over several steps`, () => {
      const make = (seed: number) => sizes.map((n, i) => randomF32(n, seed + i));
      const state = () => ({ w: make(10), m: sizes.map((n) => new Float32Array(n)), v: sizes.map((n) => new Float32Array(n)),
        vmax: h.amsgrad ? sizes.map((n) => new Float32Array(n)) : null });
      const a = state(), b = state();
      for (let t = 1; t <= 4; t++) {
        const grads = make(100 * t);
        const stepSize = sizes.map(() => h.lr / (1 - Math.pow(h.beta1, t)));
        const bc2 = sizes.map(() => Math.sqrt(1 - Math.pow(h.beta2, t)));
        ref.adamStep(a.w, grads, a.m, a.v, a.vmax, stepSize, bc2, h);
        adamStepF32(b.w, grads, b.m, b.v, b.vmax, stepSize, bc2, h);
      }
      expect(b).toEqual(a);
    });
  }

  test("one dispatch over all parameters: the reference's bits at 1 and 2 threads, per-parameter step sizes", () => {
    const h: AdamHyper = { ...base, decoupled: true, weightDecay: 0.01 };
    const lens = [5000, 3, 0, 2049, 1];
    const make = (seed: number) => lens.map((n, i) => randomF32(n, seed + i));
    const stepSize = lens.map((_, i) => 1e-2 * (i + 1)), bc2 = lens.map((_, i) => Math.sqrt(1 - Math.pow(h.beta2, i + 1)));
    const grads = make(50);
    const state = () => ({ w: make(20), m: make(30).map((x) => x.map(Math.abs)), v: make(40).map((x) => x.map(Math.abs)) });
    const want = state();
    ref.adamStep(want.w, grads, want.m, want.v, null, stepSize, bc2, h);
    const got = atThreads(() => {
      const s = state();
      adamStepF32(s.w, grads, s.m, s.v, null, stepSize, bc2, h);
      return s;
    });
    for (const s of got) expect(s).toEqual(want);
  });
});
