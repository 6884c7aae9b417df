// wasm elementwise and sum kernels against the reference, NaN propagation included, and
// the fall-back contract (unsupported ops / small arrays return false).
import { describe, expect, test } from "vitest";
import { binaryF32, binaryScalarF32, reduceF32, unaryF32 } from "../../../lib/backend/wasm/elementwise.js";
import { dispatchTuning } from "../../../lib/backend/wasm/dispatch.js";
import { setPoolThreads } from "../../../lib/backend/pool/index.js";
import { referenceKernels as ref } from "../../../lib/backend/reference.js";
import type { BinaryOp, UnaryOp } from "../../../lib/backend/kernels.js";
import { maxRelErr, randomF32, rng } from "./helpers.js";

const N = dispatchTuning.minElementwise + 13; // odd length: exercises the scalar tail

describe("wasm elementwise", () => {
  test("small arrays and unsupported ops are left to the reference", () => {
    const x = new Float32Array(8);
    expect(unaryF32("relu", x, x)).toBe(false);
    expect(unaryF32("exp", new Float32Array(N), new Float32Array(N))).toBe(false);
    expect(binaryF32("pow", new Float32Array(N), new Float32Array(N), new Float32Array(N))).toBe(false);
  });

  for (const threads of [1, 2]) {
    test(`binary, scalar, unary ops match the reference (${threads} thread(s))`, () => {
      setPoolThreads(threads);
      const rand = rng(5 + threads);
      const a = randomF32(N, rand), b = randomF32(N, rand);
      a[3] = NaN; b[10] = NaN; a[N - 1] = NaN; // NaN in vector lanes and in the tail
      for (let i = 20; i < 40; i++) a[i] = 0; // relu/sign of zero, division by zero
      for (const op of ["add", "sub", "mul", "div", "maximum", "minimum"] as BinaryOp[]) {
        const want = new Float32Array(N), got = new Float32Array(N);
        ref.binary(op, a, b, want);
        expect(binaryF32(op, a, b, got)).toBe(true);
        expect(maxRelErr(got, want), op).toBeLessThan(1e-6);
        for (const first of [false, true]) {
          for (const s of [0.75, -3]) {
            ref.binaryScalar(op, a, s, want, first);
            expect(binaryScalarF32(op, a, s, got, first)).toBe(true);
            expect(maxRelErr(got, want), `${op} scalar ${s} first=${first}`).toBeLessThan(1e-6);
          }
        }
      }
      const pos = Float32Array.from(a, (v) => Math.abs(v) + 0.1);
      for (const op of ["neg", "abs", "sqrt", "rsqrt", "square", "reciprocal", "relu"] as UnaryOp[]) {
        const x = op === "sqrt" || op === "rsqrt" ? pos : a;
        const want = new Float32Array(N), got = new Float32Array(N);
        ref.unary(op, x, want);
        expect(unaryF32(op, x, got)).toBe(true);
        expect(maxRelErr(got, want), op).toBeLessThan(1e-6);
      }
    });
  }

  test("in place (out aliases the input)", () => {
    const x = Float32Array.from({ length: N }, (_, i) => i - 100);
    expect(unaryF32("relu", x, x)).toBe(true);
    expect(x[0]).toBe(0);
    expect(x[N - 1]).toBe(N - 101);
  });

  test("sum over [outer, size, inner] in every layout", () => {
    const rand = rng(77);
    for (const [outer, size, inner] of [[1, N, 1], [3, 7001, 1], [64, 400, 1], [1, 64, 300], [5, 33, 101], [2, 4096, 3]]) {
      setPoolThreads(outer > 1 ? 2 : 1);
      const x = randomF32(outer * size * inner, rand);
      const want = new Float32Array(outer * inner), got = new Float32Array(outer * inner);
      ref.reduce("sum", x, want, outer, size, inner);
      expect(reduceF32("sum", x, got, outer, size, inner)).toBe(true);
      expect(maxRelErr(got, want), `${outer},${size},${inner}`).toBeLessThan(1e-6);
    }
    // a constant sum float32 accumulation would get wrong: 2^24 + ones
    const x = new Float32Array(N).fill(1);
    x[0] = 16777216;
    const out = new Float32Array(1);
    reduceF32("sum", x, out, 1, N, 1);
    expect(out[0]).toBe(Math.fround(16777216 + N - 1));
  });
});
