// The wasm strided copy (contiguous() of float32 views) and scatter (a slice's gradient
// written or added into the whole's) against the reference at 1 and 2 threads (splitting
// forced): head split/merge permutes, strided inner rows, broadcast (stride 0) dims, offsets,
// odd sizes; bit-identical in every case.
import { describe, expect, test } from "vitest";
import { randomF32, rng } from "./helpers.js";
import { atThreads } from "./at-threads.js";
import { referenceKernels as ref } from "../../../lib/backend/reference.js";
import { stridedCopyF32, stridedScatterF32 } from "../../../lib/backend/wasm/strided.js";
import { contiguousStrides } from "../../../lib/shape.js";


const cases: [string, number[], number[], number][] = [
  // name, shape, source strides, source offset
  ["attention head split [N, L, h, d] → [N, h, L, d]", [8, 4, 64, 32], [64 * 128, 32, 128, 1], 0],
  ["attention head merge [N, h, L, d] → [N, L, h, d]", [8, 64, 4, 32], [4 * 64 * 32, 32, 64 * 32, 1], 0],
  ["a transpose (strided inner rows)", [67, 129], [1, 67], 0],
  ["a broadcast dim and an offset", [5, 33, 61], [0, 61 * 2, 1], 17],
  ["every other column of a padded slice", [45, 3, 37], [240, 37 * 2, 2], 5],
];

describe("wasm strided copy", () => {
  for (const [name, shape, xs, xo] of cases) {
    test(`${name}: the reference's values at 1 and 2 threads`, () => {
      const extent = xo + shape.reduce((e, s, d) => e + (s - 1) * xs[d]!, 1);
      const x = randomF32(extent + 3, rng(shape.length + xo));
      const numel = shape.reduce((a, b) => a * b, 1);
      const os = contiguousStrides(shape);
      const want = new Float32Array(numel + 2);
      ref.stridedUnary("copy", x, xo, xs, want, 1, os, shape);
      for (const [handled, out] of atThreads(() => {
        const out = new Float32Array(numel + 2);
        return [stridedCopyF32(x, xo, xs, out, 1, os, shape), out] as const;
      })) {
        expect(handled).toBe(true);
        expect(out).toEqual(want);
      }
    });
  }

  test("leaves small, aliased, 1-D, negative-stride and non-contiguous outputs to the reference", () => {
    const x = randomF32(1 << 14, rng(1));
    expect(stridedCopyF32(x, 0, [1, 16], new Float32Array(64), 0, [8, 1], [8, 8])).toBe(false); // small
    expect(stridedCopyF32(x, 0, [1, 128], x, 0, [128, 1], [128, 128])).toBe(false); // same buffer
    expect(stridedCopyF32(x, 0, [2], new Float32Array(8192), 0, [1], [8192])).toBe(false); // 1-D
    expect(stridedCopyF32(x, 127 * 128, [-128, 1], new Float32Array(1 << 14), 0, [128, 1], [128, 128])).toBe(false);
    expect(stridedCopyF32(x, 0, [128, 1], new Float32Array(1 << 15), 0, [256, 1], [64, 128])).toBe(false); // out rows apart
  });
});

const scatterCases: [string, number[], number[], number, number[] | null][] = [
  // name, shape, output strides, output offset, source strides (null: contiguous)
  ["the middle third of a [N, L, 3E] projection (a chunk's gradient)", [8, 64, 96], [64 * 288, 288, 1], 96, null],
  ["the same from a transposed source (a key's gradient)", [8, 64, 96], [64 * 288, 288, 1], 96, [64 * 96, 1, 64]],
  ["a transposed view (strided inner rows)", [67, 129], [1, 67], 0, null],
  ["every other column, odd sizes, an offset", [45, 3, 37], [240, 37 * 2, 2], 5, null],
];

describe("wasm strided scatter", () => {
  for (const [name, shape, os, oo, srcStrides] of scatterCases) {
    for (const accumulate of [false, true]) {
      test(`${name}, ${accumulate ? "added" : "written"}: the reference's values at 1 and 2 threads, the rest untouched`, () => {
        const extent = oo + shape.reduce((e, s, d) => e + (s - 1) * os[d]!, 1);
        const numel = shape.reduce((a, b) => a * b, 1);
        const g = randomF32(numel + 4, rng(numel));
        const base = randomF32(extent + 5, rng(extent));
        const gs = srcStrides ?? contiguousStrides(shape);
        const want = base.slice();
        if (accumulate) ref.stridedBinary("add", want, oo, os, g, 3, gs, want, oo, os, shape);
        else ref.stridedUnary("copy", g, 3, gs, want, oo, os, shape);
        for (const [handled, out] of atThreads(() => {
          const out = base.slice();
          return [stridedScatterF32(g, 3, gs, out, oo, os, shape, accumulate), out] as const;
        })) {
          expect(handled).toBe(true);
          expect(out).toEqual(want);
        }
      });
    }
  }

  test("leaves small, overlapping, 1-D and negative-stride operands to the reference", () => {
    const x = randomF32(1 << 15, rng(2));
    expect(stridedScatterF32(x, 0, [8, 1], new Float32Array(256), 0, [16, 1], [8, 8], true)).toBe(false); // small
    expect(stridedScatterF32(x, 0, [128, 1], x, 64, [256, 1], [64, 128], true)).toBe(false); // overlapping
    expect(stridedScatterF32(x, 0, [1], new Float32Array(1 << 15), 0, [2], [8192], false)).toBe(false); // 1-D
    expect(stridedScatterF32(x, 0, [128, 1], new Float32Array(1 << 15), 127 * 128, [-128, 1], [128, 128], false)).toBe(false);
    expect(stridedScatterF32(x, 127 * 128, [-128, 1], new Float32Array(1 << 15), 0, [128, 1], [128, 128], false)).toBe(false);
  });
});
