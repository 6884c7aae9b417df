// wasm conv2d (forward, backward input, backward weight) against the TypeScript reference
// over strides, padding, dilation, groups, 1×1 kernels and odd image sizes, with 1 and 2
// threads; plus a hand-worked case.
import { describe, expect, test } from "vitest";
import { maxRelErr, randomF32, rng } from "./helpers.js";
import { channelSumF32, conv2dBackwardF32, conv2dBackwardInputF32, conv2dBackwardWeightF32, conv2dForwardF32, conv2dMaxPoolForwardF32 } from "../../../lib/backend/wasm/conv2d.js";
import { setPoolThreads } from "../../../lib/backend/wasm/threads.js";
import { atThreads } from "./at-threads.js";
import { referenceKernels as ref } from "../../../lib/backend/reference.js";
import type { Conv2dParams } from "../../../lib/backend/kernels.js";

function params(n: number, cIn: number, h: number, w: number, cOut: number, kh: number, kw: number,
                s: [number, number], pad: [number, number], dil: [number, number], groups: number): Conv2dParams {
  const outH = Math.floor((h + 2 * pad[0] - dil[0] * (kh - 1) - 1) / s[0]) + 1;
  const outW = Math.floor((w + 2 * pad[1] - dil[1] * (kw - 1) - 1) / s[1]) + 1;
  return { n, cIn, h, w, cOut, kh, kw, strideH: s[0], strideW: s[1], padH: pad[0], padW: pad[1],
    dilationH: dil[0], dilationW: dil[1], groups, outH, outW };
}

function checkAll(p: Conv2dParams, rand: () => number): void {
  const x = randomF32(p.n * p.cIn * p.h * p.w, rand);
  const wt = randomF32(p.cOut * (p.cIn / p.groups) * p.kh * p.kw, rand);
  const dy = randomF32(p.n * p.cOut * p.outH * p.outW, rand);
  const tol = 1e-5 * Math.sqrt(p.cIn * p.kh * p.kw * p.n * p.outH * p.outW + p.cOut);
  const label = JSON.stringify(p);

  const want = new Float32Array(dy.length), got = new Float32Array(dy.length).fill(NaN);
  ref.conv2dForward(x, wt, want, p);
  conv2dForwardF32(x, wt, got, p);
  expect(maxRelErr(got, want), `forward ${label}`).toBeLessThan(tol);

  // the epilogue: bias and ReLU applied per image after its GEMM
  const bias = randomF32(p.cOut, rand);
  for (const relu of [false, true]) {
    const ep = { bias, relu };
    ref.conv2dForward(x, wt, want, p, ep);
    got.fill(NaN);
    conv2dForwardF32(x, wt, got, p, ep);
    expect(maxRelErr(got, want), `forward + bias${relu ? " + relu" : ""} ${label}`).toBeLessThan(tol);
    if (relu) expect(got.every((v) => v >= 0)).toBe(true);
  }

  // conv + epilogue + 2x2 max pool in one call: only the pooled values and argmax come out
  if (p.outH >= 2 && p.outW >= 2) {
    const pool = { n: p.n, c: p.cOut, h: p.outH, w: p.outW, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0,
      dilationH: 1, dilationW: 1, outH: Math.floor(p.outH / 2), outW: Math.floor(p.outW / 2), countIncludePad: false };
    const len = p.n * p.cOut * pool.outH * pool.outW;
    const pw = new Float32Array(len), pg = new Float32Array(len).fill(NaN), aw = new Int32Array(len), ag = new Int32Array(len);
    ref.conv2dMaxPoolForward(x, wt, pw, aw, p, pool, { bias, relu: true });
    conv2dMaxPoolForwardF32(x, wt, pg, ag, p, pool, { bias, relu: true });
    expect(maxRelErr(pg, pw), `conv + relu + maxpool ${label}`).toBeLessThan(tol);
    expect([...ag], `conv + relu + maxpool argmax ${label}`).toEqual([...aw]);
  }

  const dxWant = new Float32Array(x.length), dxGot = new Float32Array(x.length).fill(NaN);
  ref.conv2dBackwardInput(dy, wt, dxWant, p);
  conv2dBackwardInputF32(dy, wt, dxGot, p);
  expect(maxRelErr(dxGot, dxWant), `backward input ${label}`).toBeLessThan(tol);

  const dwWant = new Float32Array(wt.length), dwGot = new Float32Array(wt.length).fill(NaN);
  ref.conv2dBackwardWeight(x, dy, dwWant, p);
  conv2dBackwardWeightF32(x, dy, dwGot, p);
  expect(maxRelErr(dwGot, dwWant), `backward weight ${label}`).toBeLessThan(tol);

  const plane = p.outH * p.outW;
  const dbWant = new Float32Array(p.cOut), dbGot = new Float32Array(p.cOut).fill(NaN);
  ref.channelSum(dy, dbWant, p.n, p.cOut, plane);
  channelSumF32(dy, dbGot, p.n, p.cOut, plane);
  expect(maxRelErr(dbGot, dbWant), `channel sum ${label}`).toBeLessThan(tol);

  // all three gradients from one call, and each alone
  for (const want of [[true, true, true], [false, true, true], [true, false, false]]) {
    const [gx, gw, gb] = [dxGot, dwGot, dbGot].map((a, i) => (want[i] ? a.fill(NaN) : null));
    conv2dBackwardF32(x, wt, dy, gx, gw, gb, p);
    if (gx) expect(maxRelErr(gx, dxWant), `conv2dBackward dx ${label}`).toBeLessThan(tol);
    if (gw) expect(maxRelErr(gw, dwWant), `conv2dBackward dw ${label}`).toBeLessThan(tol);
    if (gb) expect(maxRelErr(gb, dbWant), `conv2dBackward db ${label}`).toBeLessThan(tol);
  }
}

describe("wasm conv2d", () => {
  test("hand-worked: 3×3 input, 2×2 ones kernel sums windows", () => {
    const p = params(1, 1, 3, 3, 1, 2, 2, [1, 1], [0, 0], [1, 1], 1);
    const out = new Float32Array(4);
    conv2dForwardF32(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), new Float32Array(4).fill(1), out, p);
    expect([...out]).toEqual([12, 16, 24, 28]);
    // each input pixel receives dy from every window covering it: corner 1, edge 2, centre 4
    const dx = new Float32Array(9);
    conv2dBackwardInputF32(new Float32Array(4).fill(1), new Float32Array(4).fill(1), dx, p);
    expect([...dx]).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
  });

  for (const threads of [1, 2]) {
    test(`random geometries (${threads} thread(s))`, () => {
      setPoolThreads(threads);
      const rand = rng(100 + threads);
      const cases: Conv2dParams[] = [
        params(2, 1, 28, 28, 6, 5, 5, [1, 1], [2, 2], [1, 1], 1), // LeNet conv1
        params(3, 6, 14, 14, 16, 5, 5, [1, 1], [0, 0], [1, 1], 1), // LeNet conv2: implicit GEMM, input gradient by scatter
        params(2, 16, 14, 14, 32, 3, 3, [1, 1], [1, 1], [1, 1], 1), // the CNN's conv2: Winograd
        params(3, 9, 6, 10, 11, 3, 3, [1, 1], [1, 1], [1, 1], 1), // Winograd: channel tails, 5 tile columns
        params(2, 8, 2, 2, 8, 3, 3, [1, 1], [1, 1], [1, 1], 1), // Winograd: one tile
        params(2, 3, 8, 6, 5, 3, 3, [1, 1], [1, 1], [1, 1], 1), // 3×3 "same", too few channels for Winograd: implicit GEMM
        params(2, 3, 8, 8, 5, 5, 5, [1, 1], [2, 2], [1, 1], 1), // implicit GEMM, input gradient by the rotated kernel
        params(2, 4, 9, 7, 6, 3, 3, [2, 1], [1, 0], [1, 1], 2), // groups, asymmetric
        params(2, 3, 11, 10, 4, 3, 2, [1, 2], [2, 1], [2, 3], 1), // dilation
        params(3, 8, 5, 6, 4, 1, 1, [1, 1], [0, 0], [1, 1], 4), // 1×1 direct path with groups
        params(2, 5, 7, 7, 3, 1, 1, [2, 2], [1, 1], [1, 1], 1), // 1×1 strided, padded
        params(1, 6, 8, 8, 6, 3, 3, [1, 1], [1, 1], [1, 1], 6), // depthwise
        params(5, 2, 4, 13, 3, 4, 4, [3, 3], [3, 3], [1, 1], 1), // windows mostly padding
        params(3, 4, 6, 7, 5, 3, 3, [1, 1], [1, 1], [1, 1], 1), // "same" width: im2col by block copies
        params(2, 3, 9, 8, 4, 3, 3, [1, 1], [2, 2], [2, 2], 1), // "same" width, dilated
        params(2, 2, 2, 9, 3, 5, 3, [1, 1], [2, 1], [1, 1], 1), // "same" width, taps mostly off the 2 rows
        params(2, 2, 3, 2, 3, 1, 5, [1, 1], [0, 2], [1, 1], 1), // "same" width, column shifts as wide as the image
        params(3, 1, 9, 11, 5, 3, 2, [1, 1], [1, 0], [1, 1], 1), // single channel, direct: odd widths, one 5-channel block
        params(2, 1, 7, 13, 7, 3, 3, [1, 1], [0, 2], [1, 1], 1), // single channel, direct: 15 wide (8 + 4 + 3), 4 + 3 channels
        params(2, 1, 12, 21, 10, 5, 5, [1, 1], [2, 2], [1, 1], 1), // single channel, direct: 4 + 6 channels, pooled 10 wide (4 + 4 + 2)
        params(2, 1, 9, 8, 1, 3, 3, [1, 1], [1, 1], [1, 1], 1), // single channel, direct: one output channel
        params(2, 1, 6, 6, 3, 2, 2, [1, 1], [3, 3], [1, 1], 1), // single channel, direct: padding wider than the kernel
      ];
      for (const p of cases) checkAll(p, rand);
    });
  }

  test("Winograd and implicit-GEMM convs: bit-identical at 1 and 2 threads (any split), as the reference", () => {
    const rand = rng(7);
    for (const p of [params(9, 8, 10, 10, 12, 3, 3, [1, 1], [1, 1], [1, 1], 1), params(9, 5, 12, 12, 7, 5, 5, [1, 1], [0, 0], [1, 1], 1)]) {
      const x = randomF32(p.n * p.cIn * p.h * p.w, rand), wt = randomF32(p.cOut * p.cIn * p.kh * p.kw, rand);
      const dy = randomF32(p.n * p.cOut * p.outH * p.outW, rand), bias = randomF32(p.cOut, rand);
      const pool = { n: p.n, c: p.cOut, h: p.outH, w: p.outW, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0,
        dilationH: 1, dilationW: 1, outH: p.outH >> 1, outW: p.outW >> 1, countIncludePad: false };
      const pooled = p.n * p.cOut * pool.outH * pool.outW;
      const runs = atThreads(() => {
        const out = new Float32Array(pooled), am = new Int32Array(pooled);
        conv2dMaxPoolForwardF32(x, wt, out, am, p, pool, { bias, relu: true });
        const dx = new Float32Array(x.length), dw = new Float32Array(wt.length), db = new Float32Array(p.cOut);
        conv2dBackwardF32(x, wt, dy, dx, dw, db, p);
        return { out, am, dx, dw, db };
      });
      expect(runs[1]).toEqual(runs[0]);
      const tol = 1e-5 * Math.sqrt(p.cIn * p.kh * p.kw * p.n * p.outH * p.outW + p.cOut);
      const dxWant = new Float32Array(x.length), dwWant = new Float32Array(wt.length);
      ref.conv2dBackwardInput(dy, wt, dxWant, p);
      ref.conv2dBackwardWeight(x, dy, dwWant, p);
      expect(maxRelErr(runs[1]!.dx, dxWant), `dx ${JSON.stringify(p)}`).toBeLessThan(tol);
      expect(maxRelErr(runs[1]!.dw, dwWant), `dw ${JSON.stringify(p)}`).toBeLessThan(tol);
    }
  });
});
