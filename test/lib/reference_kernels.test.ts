// The reference conv/pool kernels against direct evaluation of their definitions and
// hand-worked cases (the backends in lib/backend/wasm and pool are compared against these).
import { describe, expect, it } from "vitest";
import { referenceKernels as K } from "../../lib/backend/index.js";
import type { Conv2dParams, Pool2dParams } from "../../lib/backend/index.js";
import { Generator } from "../../lib/random.js";

const gen = new Generator(7);
const randArr = (n: number) => Float64Array.from({ length: n }, () => gen.nextNormal());

function convParams(p: Partial<Conv2dParams> & Pick<Conv2dParams, "n" | "cIn" | "h" | "w" | "cOut" | "kh" | "kw">): Conv2dParams {
  const q = { strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 1, ...p };
  const outH = Math.floor((q.h + 2 * q.padH - q.dilationH * (q.kh - 1) - 1) / q.strideH) + 1;
  const outW = Math.floor((q.w + 2 * q.padW - q.dilationW * (q.kw - 1) - 1) / q.strideW) + 1;
  return { ...q, outH, outW } as Conv2dParams;
}

/** y[n,o,i,j] = Σ_c,a,b x[n, g*cg + c, i*s - p + a*d, j*s - p + b*d] · w[o,c,a,b] (zero outside). */
function directConv(x: Float64Array, w: Float64Array, p: Conv2dParams): Float64Array {
  const y = new Float64Array(p.n * p.cOut * p.outH * p.outW);
  const cg = p.cIn / p.groups, og = p.cOut / p.groups;
  for (let n = 0; n < p.n; n++) for (let o = 0; o < p.cOut; o++) for (let i = 0; i < p.outH; i++) for (let j = 0; j < p.outW; j++) {
    let s = 0;
    const g = Math.floor(o / og);
    for (let c = 0; c < cg; c++) for (let a = 0; a < p.kh; a++) for (let b = 0; b < p.kw; b++) {
      const r = i * p.strideH - p.padH + a * p.dilationH, q = j * p.strideW - p.padW + b * p.dilationW;
      if (r < 0 || r >= p.h || q < 0 || q >= p.w) continue;
      s += x[((n * p.cIn + g * cg + c) * p.h + r) * p.w + q] * w[((o * cg + c) * p.kh + a) * p.kw + b];
    }
    y[((n * p.cOut + o) * p.outH + i) * p.outW + j] = s;
  }
  return y;
}

const CONFIGS: Conv2dParams[] = [
  convParams({ n: 2, cIn: 3, h: 5, w: 6, cOut: 4, kh: 3, kw: 3 }),
  convParams({ n: 1, cIn: 4, h: 7, w: 7, cOut: 6, kh: 3, kw: 2, strideH: 2, strideW: 1, padH: 1, padW: 2, groups: 2 }),
  convParams({ n: 2, cIn: 2, h: 8, w: 6, cOut: 2, kh: 2, kw: 3, dilationH: 2, dilationW: 2, padH: 2, padW: 1, strideW: 2, groups: 2 }),
  convParams({ n: 1, cIn: 1, h: 4, w: 4, cOut: 1, kh: 4, kw: 4 }),
];

describe("reference conv2d", () => {
  it("hand-worked 3x3 input, 2x2 kernel", () => {
    const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const w = Float64Array.from([1, 0, 0, -1]);
    const out = new Float64Array(4);
    K.conv2dForward(x, w, out, convParams({ n: 1, cIn: 1, h: 3, w: 3, cOut: 1, kh: 2, kw: 2 }));
    expect(Array.from(out)).toEqual([-4, -4, -4, -4]);
  });

  for (const p of CONFIGS) {
    it(`forward and both backward kernels, ${JSON.stringify(p)}`, () => {
      const x = randArr(p.n * p.cIn * p.h * p.w), w = randArr(p.cOut * (p.cIn / p.groups) * p.kh * p.kw);
      const y = new Float64Array(p.n * p.cOut * p.outH * p.outW);
      K.conv2dForward(x, w, y, p);
      const want = directConv(x, w, p);
      y.forEach((v, i) => expect(v).toBeCloseTo(want[i], 10));
      // Backward kernels are the adjoints of the (linear) forward: <dy, conv(x, w)> = <dx, x> = <dw, w>.
      const dy = randArr(y.length);
      const dx = new Float64Array(x.length), dw = new Float64Array(w.length);
      K.conv2dBackwardInput(dy, w, dx, p);
      K.conv2dBackwardWeight(x, dy, dw, p);
      const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
      const lhs = dot(dy, want);
      expect(dot(dx, x)).toBeCloseTo(lhs, 9);
      expect(dot(dw, w)).toBeCloseTo(lhs, 9);
      // and elementwise: dx[k] = d<dy, conv(x,w)>/dx[k], probed on a few entries by linearity
      for (const k of [0, Math.floor(x.length / 2), x.length - 1]) {
        const e = new Float64Array(x.length); e[k] = 1;
        expect(dx[k]).toBeCloseTo(dot(dy, directConv(e, w, p)), 9);
      }
      for (const k of [0, w.length - 1]) {
        const e = new Float64Array(w.length); e[k] = 1;
        expect(dw[k]).toBeCloseTo(dot(dy, directConv(x, e, p)), 9);
      }
    });
  }
});

function poolParams(p: Partial<Pool2dParams> & Pick<Pool2dParams, "n" | "c" | "h" | "w" | "kh" | "kw">): Pool2dParams {
  const q = { strideH: p.kh, strideW: p.kw, padH: 0, padW: 0, dilationH: 1, dilationW: 1, countIncludePad: true, ...p };
  const outH = Math.floor((q.h + 2 * q.padH - q.dilationH * (q.kh - 1) - 1) / q.strideH) + 1;
  const outW = Math.floor((q.w + 2 * q.padW - q.dilationW * (q.kw - 1) - 1) / q.strideW) + 1;
  return { ...q, outH, outW } as Pool2dParams;
}

describe("reference pooling", () => {
  const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]); // 4x4

  it("max pool 2x2 stride 2 and its backward", () => {
    const p = poolParams({ n: 1, c: 1, h: 4, w: 4, kh: 2, kw: 2 });
    const out = new Float64Array(4), arg = new Int32Array(4);
    K.maxPool2dForward(x, out, arg, p);
    expect(Array.from(out)).toEqual([6, 8, 14, 16]);
    expect(Array.from(arg)).toEqual([5, 7, 13, 15]);
    const dx = new Float64Array(16);
    K.maxPool2dBackward(Float64Array.from([1, 2, 3, 4]), arg, dx, p);
    expect(Array.from(dx)).toEqual([0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4]);
  });

  it("max pool with padding ignores the padding; overlapping windows accumulate", () => {
    const p = poolParams({ n: 1, c: 1, h: 4, w: 4, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 });
    expect([p.outH, p.outW]).toEqual([2, 2]);
    const neg = x.map((v) => -v);
    const out = new Float64Array(4), arg = new Int32Array(4);
    K.maxPool2dForward(neg, out, arg, p);
    expect(Array.from(out)).toEqual([-1, -2, -5, -6]); // each window's top-left valid cell
    const dx = new Float64Array(16);
    K.maxPool2dBackward(Float64Array.from([1, 1, 1, 1]), arg, dx, p);
    expect(dx.reduce((a, b) => a + b, 0)).toBe(4);
  });

  it("avg pool, with and without counting padding", () => {
    const p = poolParams({ n: 1, c: 1, h: 4, w: 4, kh: 2, kw: 2 });
    const out = new Float64Array(4);
    K.avgPool2dForward(x, out, p);
    expect(Array.from(out)).toEqual([3.5, 5.5, 11.5, 13.5]);
    const dx = new Float64Array(16);
    K.avgPool2dBackward(Float64Array.from([4, 8, 12, 16]), dx, p);
    expect(Array.from(dx)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    const pp = poolParams({ n: 1, c: 1, h: 4, w: 4, kh: 2, kw: 2, padH: 1, padW: 1 });
    const o1 = new Float64Array(pp.outH * pp.outW);
    K.avgPool2dForward(x, o1, pp);
    expect(o1[0]).toBe(1 / 4); // corner window holds only x[0,0] and three padded zeros
    const o2 = new Float64Array(pp.outH * pp.outW);
    K.avgPool2dForward(x, o2, { ...pp, countIncludePad: false });
    expect(o2[0]).toBe(1);
  });
});

describe("reference matmul kernel", () => {
  it("matches the definition for every layout, odd sizes and batch strides", () => {
    for (const [m, n, k] of [[1, 1, 1], [5, 3, 7], [4, 8, 4], [9, 6, 5], [3, 1, 10]]) {
      for (const transA of [false, true]) for (const transB of [false, true]) for (const batch of [1, 3]) {
        const strideA = batch > 1 ? m * k : 0, strideB = batch > 1 && transB ? 0 : k * n; // B broadcast when transB
        const a = randArr(Math.max(1, batch) * m * k), b = randArr(Math.max(1, batch) * k * n);
        const out = new Float64Array(batch * m * n).fill(NaN);
        K.matmul(a, b, out, { batch, m, n, k, transA, transB, strideA, strideB });
        for (let bt = 0; bt < batch; bt++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
          let s = 0;
          for (let q = 0; q < k; q++) {
            const av = transA ? a[bt * strideA + q * m + i] : a[bt * strideA + i * k + q];
            const bv = transB ? b[bt * strideB + j * k + q] : b[bt * strideB + q * n + j];
            s += av * bv;
          }
          expect(out[(bt * m + i) * n + j]).toBeCloseTo(s, 10);
        }
      }
    }
  });

  it("broadcasts one matrix with stride 0", () => {
    const a = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]); // two 2x2
    const b = Float64Array.from([1, 0, 0, 2]);
    const out = new Float64Array(8);
    K.matmul(a, b, out, { batch: 2, m: 2, n: 2, k: 2, transA: false, transB: false, strideA: 4, strideB: 0 });
    expect(Array.from(out)).toEqual([1, 4, 3, 8, 5, 12, 7, 16]);
    K.matmul(a, b, out, { batch: 1, m: 2, n: 2, k: 2, transA: true, transB: true, strideA: 0, strideB: 0 });
    expect(Array.from(out.subarray(0, 4))).toEqual([1, 6, 2, 8]);
  });
});
