// wasm elementwise and sum kernels against the reference, NaN propagation included, and
// the fall-back contract (unsupported ops / small arrays return false).
import { describe, expect, test } from "vitest";
import { maxRelErr, randomF32, rng } from "./helpers.js";
import { binaryF32, binaryScalarF32, reduceF32, reluMaskF32, unaryF32, whereF32 } from "../../../lib/backend/wasm/elementwise.js";
import { atThreads } from "./at-threads.js";
import { dispatchTuning } from "../../../lib/backend/wasm/dispatch.js";
import { setPoolThreads } from "../../../lib/backend/wasm/threads.js";
import { referenceKernels as ref } from "../../../lib/backend/reference.js";
import type { BinaryOp, UnaryOp } from "../../../lib/backend/kernels.js";
import { BinaryCode, UnaryCode } from "../../../lib/backend/wasm/opcodes.js";

/** The names in an op-code table (a TypeScript enum also maps codes back to names). */
const names = (table: object): string[] => Object.keys(table).filter((k) => Number.isNaN(Number(k)));
const TRANSCENDENTAL = ["exp", "log", "tanh", "sigmoid"];

const N = dispatchTuning.minElementwise + 13; // odd length: exercises the scalar tail

describe("wasm elementwise", () => {
  test("small arrays and unsupported ops are left to the reference", () => {
    const x = new Float32Array(8);
    expect(unaryF32("relu", x, x)).toBe(false);
    expect(unaryF32("sin", new Float32Array(N), new Float32Array(N))).toBe(false);
    expect(binaryF32("pow", new Float32Array(N), new Float32Array(N), new Float32Array(N))).toBe(false);
  });

  for (const threads of [1, 2]) {
    test(`binary, scalar, unary ops match the reference (${threads} thread(s))`, () => {
      setPoolThreads(threads);
      const rand = rng(5 + threads);
      const a = randomF32(N, rand), b = randomF32(N, rand);
      a[3] = NaN; b[10] = NaN; a[N - 1] = NaN; // NaN in vector lanes and in the tail
      for (let i = 20; i < 40; i++) a[i] = 0; // relu/sign of zero, division by zero
      for (const op of names(BinaryCode) as BinaryOp[]) {
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
      for (const op of names(UnaryCode).filter((op) => !TRANSCENDENTAL.includes(op)) as UnaryOp[]) {
        const x = op === "sqrt" || op === "rsqrt" ? pos : a;
        const want = new Float32Array(N), got = new Float32Array(N);
        ref.unary(op, x, want);
        expect(unaryF32(op, x, got)).toBe(true);
        expect(maxRelErr(got, want), op).toBeLessThan(1e-6);
      }
    });
  }

  test("reluMask: dy where y > 0, else 0 (NaN in dy kept, NaN in y masks)", () => {
    const rand = rng(7);
    const dy = randomF32(N, rand), y = randomF32(N, rand);
    y[5] = 0; y[6] = -0; y[7] = NaN; dy[8] = NaN; y[8] = 1; y[N - 1] = NaN;
    const want = new Float32Array(N), got = new Float32Array(N).fill(NaN);
    ref.reluMask(dy, y, want);
    expect(reluMaskF32(dy, y, got)).toBe(true);
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(want[5]).toBe(0); expect(want[7]).toBe(0); expect(Number.isNaN(want[8])).toBe(true);
  });

  test("where: the reference's values bit for bit, full and one-value operands, NaN and ±Inf, at 1 and 2 threads", () => {
    const rand = rng(11);
    const cond = Uint8Array.from({ length: N }, () => (rand() < 0.4 ? 1 : 0));
    cond[N - 1] = 1; cond[N - 2] = 0; cond[0] = 2; // any nonzero byte is true
    const a = randomF32(N, rand), b = randomF32(N, rand);
    a[1] = NaN; b[2] = -Infinity; a[N - 1] = Infinity;
    for (const [x, y] of [[a, b], [Float32Array.of(-Infinity), b], [a, Float32Array.of(0)], [Float32Array.of(NaN), Float32Array.of(-0)]]) {
      const want = new Float32Array(N);
      ref.where(cond, x!, y!, want);
      const runs = atThreads(() => {
        const got = new Float32Array(N).fill(7);
        expect(whereF32(cond, x!, y!, got)).toBe(true);
        return Array.from(got);
      });
      for (const got of runs) expect(got).toEqual(Array.from(want));
    }
    expect(whereF32(cond.subarray(0, N - 1), a, b, new Float32Array(N))).toBe(false); // a condition that does not repeat evenly
    expect(whereF32(cond, null, b, new Float32Array(N))).toBe(false); // an operand of another type
  });

  test("where with a repeating condition (broadcast over leading dims) equals it expanded, at 1 and 2 threads", () => {
    const rand = rng(12);
    // periods: one 64×64 mask block (chunks start on its boundary), 36 (chunks start mid-period),
    // 6 and 1 (not multiples of 4: copied in repeated)
    for (const [period, repeats] of [[4096, 8], [36, 1000], [6, 5000], [1, 9000]] as const) {
      const n = period * repeats;
      const cond = Uint8Array.from({ length: period }, () => (rand() < 0.5 ? 1 : 0));
      const expanded = Uint8Array.from({ length: n }, (_, i) => cond[i % period]!);
      const a = randomF32(n, rand), b = randomF32(n, rand);
      for (const [x, y] of [[a, b], [Float32Array.of(-Infinity), b]]) {
        const want = new Float32Array(n), refPeriodic = new Float32Array(n);
        ref.where(expanded, x!, y!, want);
        ref.where(cond, x!, y!, refPeriodic);
        expect(Array.from(refPeriodic), `reference, period ${period}`).toEqual(Array.from(want));
        const runs = atThreads(() => {
          const got = new Float32Array(n).fill(7);
          expect(whereF32(cond, x!, y!, got)).toBe(true);
          return Array.from(got);
        });
        for (const got of runs) expect(got, `period ${period}`).toEqual(Array.from(want));
      }
    }
    expect(() => ref.where(new Uint8Array(5), Float32Array.of(1), Float32Array.of(0), new Float32Array(12))).toThrow(/5 elements does not repeat evenly over 12/);
  });

  test("the op-code table: every name is an op of the kernel interface, codes distinct", () => {
    const x = new Float32Array(N), out = new Float32Array(N);
    for (const op of names(BinaryCode)) expect(() => ref.binary(op as BinaryOp, x, x, out), op).not.toThrow();
    for (const op of names(UnaryCode)) expect(() => ref.unary(op as UnaryOp, x, out), op).not.toThrow();
    expect(names(UnaryCode).filter((op) => UnaryCode[op as keyof typeof UnaryCode] >= UnaryCode.exp).sort()).toEqual([...TRANSCENDENTAL].sort());
    for (const table of [BinaryCode, UnaryCode]) {
      const codes = names(table).map((k) => (table as unknown as Record<string, number>)[k]);
      expect(new Set(codes).size).toBe(codes.length);
    }
  });

  test("exp, log, tanh, sigmoid: float32-accurate over wide ranges and at special values", () => {
    const rand = rng(99);
    const specials = [0, -0, 1, -1, 1e-30, 1e-40, -1e-40, 88.7, 88.8, -87, -103, -103.9, -104, -104.1, -110, 200, -200, 0.6249, 0.6251,
      Infinity, -Infinity, NaN, 3.4e38, 1.2e-38];
    const x = new Float32Array(N);
    for (let i = 0; i < N; i++) x[i] = i < specials.length ? specials[i]! : (rand() * 2 - 1) * (i % 3 === 0 ? 100 : i % 3 === 1 ? 5 : 0.01);
    const pos = Float32Array.from(x, (v, i) => (i < specials.length ? v : Math.abs(v) * 10 ** ((i % 7) - 3)));
    for (const [op, input] of [["exp", x], ["log", pos], ["tanh", x], ["sigmoid", x]] as [UnaryOp, Float32Array][]) {
      const want = new Float32Array(N), got = new Float32Array(N);
      ref.unary(op, input, want);
      expect(unaryF32(op, input, got)).toBe(true);
      // relative error for large results, absolute near zero (|a-b| / (1 + |b|))
      expect(maxRelErr(got, want), op).toBeLessThan(1e-6);
      for (let i = 0; i < specials.length; i++) {
        const w = want[i]!, g = got[i]!;
        if (!Number.isFinite(w) || w === 0) expect(g, `${op}(${input[i]})`).toBe(w);
      }
      if (op === "tanh") {
        // small arguments keep their relative accuracy (no 1 - 2/(e^2x + 1) cancellation)
        for (let i = 0; i < N; i++) {
          const v = input[i]!;
          if (v !== 0 && Math.abs(v) < 0.01) expect(Math.abs(got[i]! - want[i]!) / Math.abs(want[i]!)).toBeLessThan(1e-6);
        }
      }
    }
  });

  test("max and min over [outer, size, inner] in every layout, NaN propagating", () => {
    const rand = rng(78);
    for (const [outer, size, inner] of [[1, N, 1], [3, 7001, 1], [64, 400, 1], [700, 7, 1], [1, 64, 300], [5, 33, 101], [2, 4096, 3]]) {
      const x = randomF32(outer * size * inner, rand);
      x[5] = NaN; // lands in outer row 0
      for (const op of ["max", "min"] as const) {
        const want = new Float32Array(outer * inner), got = new Float32Array(outer * inner);
        ref.reduce(op, x, want, outer, size, inner);
        expect(reduceF32(op, x, got, outer, size, inner)).toBe(true);
        expect(maxRelErr(got, want), `${op} ${outer},${size},${inner}`).toBe(0);
      }
    }
  });

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
      // over an inner axis each column is one f64 sum in row order, as the reference's: the same bits
      if (inner > 1) expect(got, `${outer},${size},${inner}`).toEqual(want);
    }
    // a constant sum float32 accumulation would get wrong: 2^24 + ones
    const x = new Float32Array(N).fill(1);
    x[0] = 16777216;
    const out = new Float32Array(1);
    reduceF32("sum", x, out, 1, N, 1);
    expect(out[0]).toBe(Math.fround(16777216 + N - 1));
  });
});
