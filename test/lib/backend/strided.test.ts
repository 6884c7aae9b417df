// The reference strided kernels against a per-element walk of the same index space:
// broadcast (stride 0), transposed, offset and dtype-converting operands.
import { describe, expect, test } from "vitest";
import { referenceKernels as ref } from "../../../lib/backend/reference.js";
import type { StridedBinaryOp } from "../../../lib/backend/kernels.js";
import { rng } from "./helpers.js";

function* indices(shape: number[]): Generator<number[]> {
  if (shape.includes(0)) return;
  const idx = shape.map(() => 0);
  for (;;) {
    yield idx.slice();
    let d = shape.length - 1;
    for (; d >= 0; d--) { if (++idx[d]! < shape[d]!) break; idx[d] = 0; }
    if (d < 0) return;
  }
}
const at = (off: number, strides: number[], idx: number[]) => idx.reduce((p, i, d) => p + i * strides[d]!, off);

const OPS: StridedBinaryOp[] = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
  "logicalAnd", "logicalOr", "floorDiv", "remainder"];
const naive: Record<StridedBinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b, pow: Math.pow,
  maximum: (a, b) => (a > b || a !== a ? a : b), minimum: (a, b) => (a < b || a !== a ? a : b),
  eq: (a, b) => +(a === b), ne: (a, b) => +(a !== b), lt: (a, b) => +(a < b), le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b), ge: (a, b) => +(a >= b), logicalAnd: (a, b) => +(a !== 0 && b !== 0),
  logicalOr: (a, b) => +(a !== 0 || b !== 0), floorDiv: (a, b) => Math.floor(a / b), remainder: (a, b) => a - Math.floor(a / b) * b,
};

describe("strided kernels (reference)", () => {
  const rand = rng(3);
  const shape = [3, 1, 4, 5];
  const x = Float64Array.from({ length: 200 }, () => Math.round((rand() * 2 - 1) * 4));
  const y = Float32Array.from({ length: 200 }, () => Math.round((rand() * 2 - 1) * 4));
  x[7] = NaN;
  // x transposed and offset, y broadcast along dims 0 and 3, out with a gap
  const xs = [1, 50, 3, 30], ys = [0, 0, 5, 0], os = [40, 40, 10, 1];

  test("binary ops over broadcast, transposed and offset operands", () => {
    for (const op of OPS) {
      const got = new Float32Array(200).fill(-7), want = got.slice();
      ref.stridedBinary(op, x, 2, xs, y, 1, ys, got, 3, os, shape);
      for (const idx of indices(shape)) want[at(3, os, idx)] = naive[op](x[at(2, xs, idx)]!, y[at(1, ys, idx)]!);
      expect(Array.from(got), op).toEqual(Array.from(want));
    }
  });

  test("unary maps, 0-d and empty shapes", () => {
    const out = new Uint8Array(200);
    ref.stridedUnary("toBool", x, 2, xs, out, 3, os, shape);
    for (const idx of indices(shape)) expect(out[at(3, os, idx)]).toBe(x[at(2, xs, idx)] !== 0 ? 1 : 0);
    ref.stridedUnary("logicalNot", x, 2, xs, out, 3, os, shape);
    for (const idx of indices(shape)) expect(out[at(3, os, idx)]).toBe(x[at(2, xs, idx)] === 0 ? 1 : 0);
    const i32 = new Int32Array(4);
    ref.stridedUnary("copy", Float64Array.of(1, 2.7, -3.5), 1, [], i32, 2, [], []);
    expect(Array.from(i32)).toEqual([0, 0, 2, 0]);
    ref.stridedUnary("copy", x, 0, [1, 1], i32, 0, [1, 1], [0, 3]);
    expect(Array.from(i32)).toEqual([0, 0, 2, 0]);
  });

  test("float32 copies and adds (their own loops) and contiguous copies (memcpy) walk the same index space", () => {
    const a = Float32Array.from(x, (v) => v * 0.5), b = Float32Array.from(y, (v) => v + 0.25);
    const got = new Float32Array(200).fill(-7), want = got.slice();
    ref.stridedBinary("add", a, 2, xs, b, 1, ys, got, 3, os, shape);
    for (const idx of indices(shape)) want[at(3, os, idx)] = a[at(2, xs, idx)]! + b[at(1, ys, idx)]!;
    expect(Array.from(got)).toEqual(Array.from(want));
    ref.stridedUnary("copy", a, 2, xs, got, 3, os, shape);
    for (const idx of indices(shape)) want[at(3, os, idx)] = a[at(2, xs, idx)]!;
    expect(Array.from(got)).toEqual(Array.from(want));
    // rows of 20 contiguous elements on both sides, a gap between the output's rows
    const rows = new Float32Array(101).fill(-7);
    ref.stridedUnary("copy", a, 5, [20, 1], rows, 1, [25, 1], [4, 20]);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 25; c++) expect(rows[1 + r * 25 + c]).toBe(c < 20 ? a[5 + r * 20 + c] : -7);
  });
});
