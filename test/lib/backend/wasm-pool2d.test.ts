// wasm max/avg pooling against the TypeScript reference (padding, dilation, strides,
// countIncludePad), argmax semantics included; plus a hand-worked case.
import { describe, expect, test } from "vitest";
import { maxRelErr, randomF32, rng } from "./helpers.js";
import {
  avgPool2dBackwardF32, avgPool2dForwardF32, maxPool2dBackwardF32, maxPool2dForwardF32,
} from "../../../lib/backend/wasm/pool2d.js";
import { setPoolThreads } from "../../../lib/backend/wasm/threads.js";
import { referenceKernels as ref } from "../../../lib/backend/reference.js";
import type { Pool2dParams } from "../../../lib/backend/kernels.js";

function params(n: number, c: number, h: number, w: number, k: [number, number], s: [number, number],
                pad: [number, number], dil: [number, number], countIncludePad: boolean): Pool2dParams {
  const outH = Math.floor((h + 2 * pad[0] - dil[0] * (k[0] - 1) - 1) / s[0]) + 1;
  const outW = Math.floor((w + 2 * pad[1] - dil[1] * (k[1] - 1) - 1) / s[1]) + 1;
  return { n, c, h, w, kh: k[0], kw: k[1], strideH: s[0], strideW: s[1], padH: pad[0], padW: pad[1],
    dilationH: dil[0], dilationW: dil[1], outH, outW, countIncludePad };
}

describe("wasm pooling", () => {
  test("hand-worked 2×2 max and avg on a 4×4 ramp", () => {
    const p = params(1, 1, 4, 4, [2, 2], [2, 2], [0, 0], [1, 1], true);
    const x = Float32Array.from({ length: 16 }, (_, i) => i);
    const out = new Float32Array(4), arg = new Int32Array(4);
    maxPool2dForwardF32(x, out, arg, p);
    expect([...out]).toEqual([5, 7, 13, 15]);
    expect([...arg]).toEqual([5, 7, 13, 15]);
    avgPool2dForwardF32(x, out, p);
    expect([...out]).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  test("max pool ties and NaN follow the reference (first max wins, first NaN wins)", () => {
    const rand = rng(11);
    for (const p of [params(2, 3, 12, 18, [2, 2], [2, 2], [0, 0], [1, 1], true), params(2, 3, 9, 9, [3, 3], [2, 2], [1, 1], [1, 1], true)]) {
      const x = Float32Array.from({ length: p.n * p.c * p.h * p.w }, () => Math.floor(rand() * 3));
      for (let i = 0; i < x.length; i += 7) x[i] = NaN;
      const o1 = new Float32Array(p.n * p.c * p.outH * p.outW), o2 = new Float32Array(o1.length);
      const a1 = new Int32Array(o1.length), a2 = new Int32Array(o1.length);
      ref.maxPool2dForward(x, o1, a1, p);
      maxPool2dForwardF32(x, o2, a2, p);
      expect([...a2]).toEqual([...a1]);
      expect(maxRelErr(o2, o1)).toBe(0);
    }
  });

  for (const threads of [1, 2]) {
    test(`random geometries (${threads} thread(s))`, () => {
      setPoolThreads(threads);
      const rand = rng(300 + threads);
      const cases = [
        params(64, 6, 28, 28, [2, 2], [2, 2], [0, 0], [1, 1], true), // LeNet pool1
        params(3, 4, 9, 8, [3, 3], [2, 2], [1, 1], [1, 1], true),
        params(3, 4, 9, 8, [3, 3], [2, 2], [1, 1], [1, 1], false),
        params(2, 3, 10, 11, [3, 2], [1, 3], [1, 1], [2, 2], false),
        params(2, 2, 5, 5, [2, 2], [3, 3], [1, 1], [1, 1], true),
      ];
      for (const p of cases) {
        const label = JSON.stringify(p);
        const x = randomF32(p.n * p.c * p.h * p.w, rand);
        const dy = randomF32(p.n * p.c * p.outH * p.outW, rand);
        const o1 = new Float32Array(dy.length), o2 = new Float32Array(dy.length);
        const a1 = new Int32Array(dy.length), a2 = new Int32Array(dy.length);
        ref.maxPool2dForward(x, o1, a1, p);
        maxPool2dForwardF32(x, o2, a2, p);
        expect(maxRelErr(o2, o1), label).toBe(0);
        expect([...a2], label).toEqual([...a1]);
        const d1 = new Float32Array(x.length), d2 = new Float32Array(x.length).fill(NaN);
        ref.maxPool2dBackward(dy, a1, d1, p);
        maxPool2dBackwardF32(dy, a1, d2, p);
        expect(maxRelErr(d2, d1), label).toBeLessThan(1e-6);
        // pooled ReLU: x has negatives, so some windows' maxima are masked out
        const unmasked = d1.slice();
        ref.maxPoolReluBackward(dy, o1, a1, d1, p);
        d2.fill(NaN);
        maxPool2dBackwardF32(dy, a1, d2, p, o1);
        expect(maxRelErr(d2, d1), label).toBeLessThan(1e-6);
        expect(d1.some((v, i) => v === 0 && unmasked[i] !== 0), label).toBe(true);
        ref.avgPool2dForward(x, o1, p);
        avgPool2dForwardF32(x, o2, p);
        expect(maxRelErr(o2, o1), label).toBeLessThan(1e-6);
        ref.avgPool2dBackward(dy, d1, p);
        d2.fill(NaN);
        avgPool2dBackwardF32(dy, d2, p);
        expect(maxRelErr(d2, d1), label).toBeLessThan(1e-6);
      }
    });
  }
});
