// The wasm GEMM against the TypeScript reference: odd sizes, all transpose combinations,
// batches with broadcast (stride 0) operands, and sizes around the packing block edges.
import { describe, expect, test } from "vitest";
import { maxRelErr, randomF32, rng } from "./helpers.js";
import { matmulF32 } from "../../../lib/backend/wasm/matmul.js";
import { wasmRuntime, wasmLoadError } from "../../../lib/backend/wasm/runtime.js";
import { setPoolThreads } from "../../../lib/backend/wasm/threads.js";
import { referenceKernels } from "../../../lib/backend/reference.js";
import type { MatmulParams } from "../../../lib/backend/kernels.js";
import { atThreads } from "./at-threads.js";

function check(p: MatmulParams, rand: () => number): void {
  const aLen = (p.strideA === 0 ? 1 : p.batch) * p.m * p.k;
  const bLen = (p.strideB === 0 ? 1 : p.batch) * p.k * p.n;
  const a = randomF32(aLen, rand), b = randomF32(bLen, rand);
  const want = new Float32Array(p.batch * p.m * p.n);
  referenceKernels.matmul(a, b, want, p);
  const got = new Float32Array(want.length).fill(NaN); // out must be fully overwritten
  matmulF32(a, b, got, p);
  expect(maxRelErr(got, want), JSON.stringify(p)).toBeLessThan(1e-5 * Math.sqrt(p.k + 1));
}

describe("wasm matmul", () => {
  test("module loads", () => {
    expect(wasmRuntime(), wasmLoadError()).not.toBeNull();
  });

  test("hand-worked 2x3 @ 3x2", () => {
    const out = new Float32Array(4);
    matmulF32(Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(7, 8, 9, 10, 11, 12), out,
      { batch: 1, m: 2, n: 2, k: 3, transA: false, transB: false, strideA: 0, strideB: 0 });
    expect([...out]).toEqual([58, 64, 139, 154]);
  });

  for (const threads of [1, 2]) {
    test(`random shapes, transposes, odd sizes (${threads} thread(s))`, () => {
      setPoolThreads(threads);
      const rand = rng(42 + threads);
      const dims = [1, 3, 4, 5, 7, 8, 9, 17, 33, 64, 129];
      for (let t = 0; t < 40; t++) {
        const pick = () => dims[Math.floor(rand() * dims.length)]!;
        const m = pick(), n = pick(), k = pick();
        const transA = rand() < 0.5, transB = rand() < 0.5;
        check({ batch: 1, m, n, k, transA, transB, strideA: 0, strideB: 0 }, rand);
      }
    });
  }

  test("batched with broadcast operands (stride 0)", () => {
    setPoolThreads(2);
    const rand = rng(7);
    for (const [sa, sb] of [[1, 1], [0, 1], [1, 0], [0, 0]] as const) {
      const batch = 3, m = 13, n = 11, k = 9;
      check({ batch, m, n, k, transA: false, transB: true, strideA: sa * m * k, strideB: sb * k * n }, rand);
      check({ batch, m, n, k, transA: true, transB: false, strideA: sa * m * k, strideB: sb * k * n }, rand);
    }
  });

  test("sizes across the packing blocks (k > 256, m > 128, wide and short products)", () => {
    const rand = rng(9);
    for (const threads of [1, 2, 3]) {
      setPoolThreads(threads);
      check({ batch: 1, m: 130, n: 70, k: 300, transA: false, transB: false, strideA: 0, strideB: 0 }, rand);
      check({ batch: 1, m: 3, n: 700, k: 200, transA: true, transB: true, strideA: 0, strideB: 0 }, rand);
      check({ batch: 2, m: 260, n: 5, k: 257, transA: false, transB: true, strideA: 260 * 257, strideB: 5 * 257 }, rand);
    }
  });

  test("operands that are views running past the matrix (storage.subarray(offset)) read only the matrix", () => {
    const rand = rng(3);
    const storage = randomF32(5000, rand);
    const a = storage.subarray(17), b = storage.subarray(1000);
    const p = { batch: 1, m: 6, n: 5, k: 7, transA: false, transB: true, strideA: 0, strideB: 0 };
    const want = new Float32Array(30), got = new Float32Array(30);
    referenceKernels.matmul(a, b, want, p);
    matmulF32(a, b, got, p);
    expect(maxRelErr(got, want)).toBeLessThan(1e-6);
    expect(() => matmulF32(a.subarray(0, 10), b, got, p)).toThrow(/^matmul: input has 10 elements, the kernel reads 42/);
  });

  // causal attention's products: the triangle computed has the full product's bits, at any thread count
  test("triangles: lowerOut zeros right of the diagonal, lowerA/upperA skip A's zeros", () => {
    const rand = rng(11);
    for (const [batch, m, n, k] of [[3, 64, 64, 32], [2, 13, 9, 21], [1, 300, 40, 300], [4, 6, 17, 6]] as const) {
      for (const triangle of ["lowerOut", "lowerA", "upperA"] as const) {
        for (const [transA, transB] of [[false, false], [true, false], [false, true]] as const) {
          const p: MatmulParams = { batch, m, n, k, transA, transB, strideA: m * k, strideB: k * n, triangle };
          const a = randomF32(batch * m * k, rand), b = randomF32(batch * k * n, rand);
          if (triangle !== "lowerOut") {
            // op(A)[i, q] stored at a[bt·m·k + (transA ? q·m + i : i·k + q)]
            for (let bt = 0; bt < batch; bt++) for (let i = 0; i < m; i++) for (let q = 0; q < k; q++) {
              if (triangle === "lowerA" ? q > i : q < i) a[bt * m * k + (transA ? q * m + i : i * k + q)] = 0;
            }
          }
          const want = new Float32Array(batch * m * n), full = new Float32Array(want.length);
          referenceKernels.matmul(a, b, want, p);
          matmulF32(a, b, full, { ...p, triangle: undefined });
          const [one, two] = atThreads(() => {
            const got = new Float32Array(want.length).fill(NaN);
            matmulF32(a, b, got, p);
            return got;
          });
          const label = JSON.stringify(p);
          expect(maxRelErr(one!, want), label).toBeLessThan(1e-5 * Math.sqrt(k + 1));
          expect(Buffer.from(two!.buffer).equals(Buffer.from(one!.buffer)), label).toBe(true);
          let differ = 0;
          for (let bt = 0; bt < batch; bt++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
            const o = (bt * m + i) * n + j;
            if (!Object.is(one![o], triangle === "lowerOut" && j > i ? 0 : full[o])) differ++;
          }
          expect(differ, label).toBe(0);
        }
      }
    }
  });

  test("matrices read and written in place: per-matrix offsets and row strides (attention heads), any transposes", () => {
    const rand = rng(13);
    // heads of a [N, L, h·d] storage: matrix (n, head) starts at n·L·h·d + head·d, rows h·d apart
    const N = 2, L = 9, h = 3, d = 5, ld = h * d;
    const heads = Int32Array.from({ length: N * h }, (_, b) => Math.floor(b / h) * L * ld + (b % h) * d);
    const gather = (x: Float32Array) => {
      const out = new Float32Array(N * h * L * d);
      for (let b = 0; b < N * h; b++) for (let i = 0; i < L; i++) for (let e = 0; e < d; e++) out[(b * L + i) * d + e] = x[heads[b]! + i * ld + e]!;
      return out;
    };
    const x = randomF32(N * L * ld + 3, rand), y = randomF32(N * L * ld + 3, rand), dense = randomF32(N * h * L * L, rand);
    for (const threads of [1, 2]) {
      setPoolThreads(threads);
      // x_b·y_bᵀ ([L, d]·[d, L]), x_bᵀ·dense_b ([d, L]·[L, L]), dense_b·y_b ([L, L]·[L, d])
      const cases: [Float32Array, Float32Array, MatmulParams, MatmulParams][] = [
        [x, y, { batch: N * h, m: L, n: L, k: d, transA: false, transB: true, strideA: 0, strideB: 0, offsetsA: heads, ldA: ld, offsetsB: heads, ldB: ld },
          { batch: N * h, m: L, n: L, k: d, transA: false, transB: true, strideA: L * d, strideB: L * d }],
        [x, dense, { batch: N * h, m: d, n: L, k: L, transA: true, transB: false, strideA: 0, strideB: L * L, offsetsA: heads, ldA: ld },
          { batch: N * h, m: d, n: L, k: L, transA: true, transB: false, strideA: L * d, strideB: L * L }],
        [dense, y, { batch: N * h, m: L, n: d, k: L, transA: false, transB: false, strideA: L * L, strideB: 0, offsetsB: heads, ldB: ld },
          { batch: N * h, m: L, n: d, k: L, transA: false, transB: false, strideA: L * L, strideB: L * d }],
      ];
      for (const [a, b, p, contiguous] of cases) {
        const ga = p.offsetsA ? gather(a) : a, gb = p.offsetsB ? gather(b) : b;
        const want = new Float32Array(N * h * p.m * p.n), viaRef = new Float32Array(want.length), got = new Float32Array(want.length).fill(NaN);
        matmulF32(ga, gb, want, contiguous);
        referenceKernels.matmul(a, b, viaRef, p);
        matmulF32(a, b, got, p);
        expect(Array.from(got), JSON.stringify(contiguous)).toEqual(Array.from(want));
        expect(maxRelErr(viaRef, want)).toBeLessThan(1e-5);
      }
      // C written in place as heads ([L, d] products into the [N, L, h·d] layout), the rest of out kept
      const p: MatmulParams = { batch: N * h, m: L, n: d, k: L, transA: false, transB: false, strideA: L * L, strideB: 0, offsetsB: heads, ldB: ld,
        offsetsC: heads, ldC: ld };
      const want = new Float32Array(N * h * L * d), got = Float32Array.from({ length: N * L * ld + 3 }, (_, i) => i), viaRef = got.slice();
      matmulF32(dense, gather(y), want, { ...p, strideB: L * d, offsetsB: undefined, ldB: undefined, offsetsC: undefined, ldC: undefined });
      matmulF32(dense, y, got, p);
      referenceKernels.matmul(dense, y, viaRef, p);
      expect(Array.from(gather(got))).toEqual(Array.from(want));
      expect(Array.from(got.subarray(N * L * ld))).toEqual([N * L * ld, N * L * ld + 1, N * L * ld + 2]);
      expect(maxRelErr(gather(viaRef), want)).toBeLessThan(1e-5);
      expect(Array.from(viaRef.subarray(N * L * ld))).toEqual([N * L * ld, N * L * ld + 1, N * L * ld + 2]);
    }
  });

  test("k = 0 gives zeros", () => {
    const out = new Float32Array(6).fill(5);
    matmulF32(new Float32Array(0), new Float32Array(0), out, { batch: 1, m: 2, n: 3, k: 0, transA: false, transB: false, strideA: 0, strideB: 0 });
    expect([...out]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
