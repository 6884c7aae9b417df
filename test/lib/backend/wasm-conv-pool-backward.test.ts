// conv2dMaxPoolBackward (the conv gradients of maxPool(relu(conv2d(x))) from the pooled
// gradient) on wasm against the float64 reference: dw and db by the sparse kernel, which visits
// only the argmax positions, where it applies; dx (and the rest) by the scatter-in-the-arena
// path and the conv kernels; bit-identical at 1 and 2 threads.
import { describe, expect, test } from "vitest";
import { maxRelErr, randomF32, rng } from "./helpers.js";
import { atThreads } from "./at-threads.js";
import { conv2dMaxPoolBackwardF32 } from "../../../lib/backend/wasm/conv2d.js";
import { referenceKernels as ref } from "../../../lib/backend/reference.js";
import type { Conv2dParams, Pool2dParams } from "../../../lib/backend/kernels.js";

function conv(n: number, cIn: number, hw: [number, number], cOut: number, k: [number, number], pad: [number, number], stride = 1): Conv2dParams {
  const outH = Math.floor((hw[0] + 2 * pad[0] - k[0]) / stride) + 1, outW = Math.floor((hw[1] + 2 * pad[1] - k[1]) / stride) + 1;
  return { n, cIn, h: hw[0], w: hw[1], cOut, kh: k[0], kw: k[1], strideH: stride, strideW: stride, padH: pad[0], padW: pad[1],
    dilationH: 1, dilationW: 1, groups: 1, outH, outW };
}

function pool(p: Conv2dParams, k: number, s: number, pad = 0): Pool2dParams {
  return { n: p.n, c: p.cOut, h: p.outH, w: p.outW, kh: k, kw: k, strideH: s, strideW: s, padH: pad, padW: pad, dilationH: 1, dilationW: 1,
    outH: Math.floor((p.outH + 2 * pad - k) / s) + 1, outW: Math.floor((p.outW + 2 * pad - k) / s) + 1, countIncludePad: false };
}

const cases: [string, Conv2dParams, (p: Conv2dParams) => Pool2dParams][] = [
  ["LeNet conv1 (1→6 5×5, padding 2), 2×2 pool", conv(9, 1, [28, 28], 6, [5, 5], [2, 2]), (p) => pool(p, 2, 2)],
  ["CNN conv1 (1→16 3×3, padding 1), 2×2 pool", conv(5, 1, [28, 28], 16, [3, 3], [1, 1]), (p) => pool(p, 2, 2)],
  ["odd sizes, 3×3 stride 2 overlapping pool with padding", conv(3, 1, [11, 9], 5, [3, 3], [0, 1]), (p) => pool(p, 3, 2, 1)],
  ["2×7 kernel (two rows, 8-wide taps)", conv(4, 1, [10, 13], 3, [2, 7], [1, 3]), (p) => pool(p, 2, 2)],
  ["9-wide kernel (taps summed in memory)", conv(2, 1, [12, 14], 2, [3, 9], [1, 4]), (p) => pool(p, 2, 2)],
  ["multi-channel (dw and db visiting the argmax, dx from the scattered gradient)", conv(3, 4, [10, 10], 5, [3, 3], [1, 1]), (p) => pool(p, 2, 2)],
  ["LeNet conv2 (6→16 5×5), 2×2 pool", conv(5, 6, [14, 14], 16, [5, 5], [0, 0]), (p) => pool(p, 2, 2)],
  ["multi-channel 9-wide kernel, odd planes, overlapping pool", conv(3, 3, [9, 15], 4, [3, 9], [1, 4]), (p) => pool(p, 3, 2, 1)],
  ["16→16 3×3 (dx on Winograd)", conv(2, 16, [8, 8], 16, [3, 3], [1, 1]), (p) => pool(p, 2, 2)],
  ["3×3 stride-1 pool (keeps most positions: the dense dw)", conv(2, 3, [9, 9], 4, [3, 3], [1, 1]), (p) => pool(p, 3, 1, 1)],
  ["stride 2 single-channel (not direct)", conv(3, 1, [12, 12], 4, [3, 3], [1, 1], 2), (p) => pool(p, 2, 2)],
];

describe("wasm conv2dMaxPoolBackward", () => {
  for (const [label, p, poolOf] of cases) {
    for (const wantDx of [false, true]) {
      test(`${label}${wantDx ? ", with dx" : ""}: reference within tolerance, bit-identical at 1 and 2 threads`, () => {
        const q = poolOf(p);
        const rand = rng(p.cOut * 31 + p.kw);
        const x = randomF32(p.n * p.cIn * p.h * p.w, rand), w = randomF32(p.cOut * p.cIn * p.kh * p.kw, rand), bias = randomF32(p.cOut, rand);
        const len = q.n * q.c * q.outH * q.outW;
        const pooled = new Float64Array(len), argmax = new Int32Array(len);
        ref.conv2dMaxPoolForward(Float64Array.from(x), Float64Array.from(w), pooled, argmax, p, q, { bias: Float64Array.from(bias), relu: true });
        const dy = randomF32(len, rand), pooled32 = Float32Array.from(pooled);
        expect(pooled.some((v) => v === 0), "some windows are masked by the ReLU").toBe(true);
        const dxW = wantDx ? new Float64Array(x.length) : null, dwW = new Float64Array(w.length), dbW = new Float64Array(p.cOut);
        ref.conv2dMaxPoolBackward(Float64Array.from(x), Float64Array.from(w), Float64Array.from(dy), pooled, argmax, dxW, dwW, dbW, p, q);
        const runs = atThreads(() => {
          const dx = wantDx ? new Float32Array(x.length).fill(NaN) : null, dw = new Float32Array(w.length).fill(NaN), db = new Float32Array(p.cOut).fill(NaN);
          conv2dMaxPoolBackwardF32(x, w, dy, pooled32, argmax, dx, dw, db, p, q);
          return [dx, dw, db] as const;
        });
        const tol = 1e-5 * Math.sqrt(p.n * p.outH * p.outW * p.cIn * p.kh * p.kw);
        for (const [dx, dw, db] of runs) {
          expect(maxRelErr(dw, dwW), "dw").toBeLessThan(tol);
          expect(maxRelErr(db, dbW), "db").toBeLessThan(tol);
          if (dx) expect(maxRelErr(dx, dxW!), "dx").toBeLessThan(tol);
        }
        const [[dx1, dw1, db1], [dx2, dw2, db2]] = runs;
        expect([...dw2]).toEqual([...dw1]);
        expect([...db2]).toEqual([...db1]);
        if (dx1) expect([...dx2!]).toEqual([...dx1]);
      });
    }
  }

  test("an empty batch gives zero gradients", () => {
    const p = conv(0, 1, [8, 8], 3, [3, 3], [1, 1]), q = pool(p, 2, 2);
    const dw = new Float32Array(27).fill(NaN), db = new Float32Array(3).fill(NaN);
    conv2dMaxPoolBackwardF32(new Float32Array(0), new Float32Array(27), new Float32Array(0), new Float32Array(0), new Int32Array(0), null, dw, db, p, q);
    expect([...dw, ...db].every((v) => v === 0)).toBe(true);
  });
});
