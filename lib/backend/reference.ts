// Plain TypeScript implementations of every kernel: the semantics faster backends must match.
// Each op gets its own loop (the switch sits outside the loop) so V8 compiles tight code.

import type { Float } from "../dtype.js";
import { modelReferenceKernels } from "./reference/models.js";
import type { BinaryOp, Conv2dParams, Kernels, MatmulParams, Pool2dParams, ReduceOp, UnaryOp } from "./kernels.js";

// Typed as generic array-likes so the int32/bool paths in ops can reuse them.
type Arr = Float | Int32Array | Uint8Array;

export function unary(op: UnaryOp, x: Arr, out: Arr): void {
  const n = x.length;
  switch (op) {
    case "neg": for (let i = 0; i < n; i++) out[i] = -x[i]; return;
    case "abs": for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]); return;
    case "exp": for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]); return;
    case "log": for (let i = 0; i < n; i++) out[i] = Math.log(x[i]); return;
    case "sqrt": for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); return;
    case "rsqrt": for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]); return;
    case "sin": for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]); return;
    case "cos": for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]); return;
    case "square": for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v * v; } return;
    case "reciprocal": for (let i = 0; i < n; i++) out[i] = 1 / x[i]; return;
    case "log1p": for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]); return;
    case "expm1": for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]); return;
    case "sign": for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? 1 : v < 0 ? -1 : v; } return;
    case "tanh": for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]); return;
    case "sigmoid": for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i])); return;
    case "relu": for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? v : 0; } return;
  }
  throw new Error(`unary: unknown op ${String(op)}`);
}

export function binary(op: BinaryOp, a: Arr, b: Arr, out: Arr): void {
  const n = out.length;
  switch (op) {
    case "add": for (let i = 0; i < n; i++) out[i] = a[i] + b[i]; return;
    case "sub": for (let i = 0; i < n; i++) out[i] = a[i] - b[i]; return;
    case "mul": for (let i = 0; i < n; i++) out[i] = a[i] * b[i]; return;
    case "div": for (let i = 0; i < n; i++) out[i] = a[i] / b[i]; return;
    case "pow": for (let i = 0; i < n; i++) out[i] = Math.pow(a[i], b[i]); return;
    case "maximum": for (let i = 0; i < n; i++) { const x = a[i], y = b[i]; out[i] = x > y || x !== x ? x : y; } return;
    case "minimum": for (let i = 0; i < n; i++) { const x = a[i], y = b[i]; out[i] = x < y || x !== x ? x : y; } return;
  }
  throw new Error(`binary: unknown op ${String(op)}`);
}

export function binaryScalar(op: BinaryOp, x: Arr, s: number, out: Arr, scalarFirst: boolean): void {
  const n = x.length;
  if (scalarFirst) {
    switch (op) {
      case "add": for (let i = 0; i < n; i++) out[i] = s + x[i]; return;
      case "sub": for (let i = 0; i < n; i++) out[i] = s - x[i]; return;
      case "mul": for (let i = 0; i < n; i++) out[i] = s * x[i]; return;
      case "div": for (let i = 0; i < n; i++) out[i] = s / x[i]; return;
      case "pow": for (let i = 0; i < n; i++) out[i] = Math.pow(s, x[i]); return;
      default: break; // maximum/minimum are symmetric
    }
  }
  switch (op) {
    case "add": for (let i = 0; i < n; i++) out[i] = x[i] + s; return;
    case "sub": for (let i = 0; i < n; i++) out[i] = x[i] - s; return;
    case "mul": for (let i = 0; i < n; i++) out[i] = x[i] * s; return;
    case "div": for (let i = 0; i < n; i++) out[i] = x[i] / s; return;
    case "pow":
      if (s === 2) for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v * v; }
      else for (let i = 0; i < n; i++) out[i] = Math.pow(x[i], s);
      return;
    case "maximum":
      if (s !== s) { out.fill(NaN); return; }
      for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > s || v !== v ? v : s; }
      return;
    case "minimum":
      if (s !== s) { out.fill(NaN); return; }
      for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v < s || v !== v ? v : s; }
      return;
  }
  throw new Error(`binaryScalar: unknown op ${String(op)}`);
}

export function reduce(op: ReduceOp, x: Arr, out: Arr, outer: number, size: number, inner: number): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * size;
      let acc: number;
      switch (op) {
        case "sum": acc = 0; for (let r = 0; r < size; r++) acc += x[base + r]; break;
        case "prod": acc = 1; for (let r = 0; r < size; r++) acc *= x[base + r]; break;
        case "max":
          acc = size === 0 ? -Infinity : x[base];
          for (let r = 1; r < size; r++) { const v = x[base + r]; if (v > acc || (v !== v && acc === acc)) acc = v; }
          break;
        case "min":
          acc = size === 0 ? Infinity : x[base];
          for (let r = 1; r < size; r++) { const v = x[base + r]; if (v < acc || (v !== v && acc === acc)) acc = v; }
          break;
        default: throw new Error(`reduce: unknown op ${String(op)}`);
      }
      out[o] = acc;
    }
    return;
  }
  // Accumulate row by row so the inner loop walks memory contiguously. Sums accumulate in a
  // float64 scratch row so float32 results do not lose precision on long reductions.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    if (size === 0) acc.fill(op === "sum" ? 0 : op === "prod" ? 1 : op === "max" ? -Infinity : Infinity);
    else for (let i = 0; i < inner; i++) acc[i] = x[base + i];
    for (let r = 1; r < size; r++) {
      const rb = base + r * inner;
      switch (op) {
        case "sum": for (let i = 0; i < inner; i++) acc[i] += x[rb + i]; break;
        case "prod": for (let i = 0; i < inner; i++) acc[i] *= x[rb + i]; break;
        case "max": for (let i = 0; i < inner; i++) { const v = x[rb + i], a = acc[i]; if (v > a || (v !== v && a === a)) acc[i] = v; } break;
        case "min": for (let i = 0; i < inner; i++) { const v = x[rb + i], a = acc[i]; if (v < a || (v !== v && a === a)) acc[i] = v; } break;
        default: throw new Error(`reduce: unknown op ${String(op)}`);
      }
    }
    const ob = o * inner;
    for (let i = 0; i < inner; i++) out[ob + i] = acc[i];
  }
}

export function argReduce(op: "max" | "min", x: Arr, values: Arr, indices: Int32Array, outer: number, size: number, inner: number): void {
  const isMax = op === "max";
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let i = 0; i < inner; i++) {
      let best = x[base + i], bi = 0;
      for (let r = 1; r < size; r++) {
        if (best !== best) break; // NaN wins and stays
        const v = x[base + r * inner + i];
        if (isMax ? v > best || v !== v : v < best || v !== v) { best = v; bi = r; }
      }
      values[o * inner + i] = best;
      indices[o * inner + i] = bi;
    }
  }
}

export function matmul(a: Float, b: Float, out: Float, p: MatmulParams): void {
  const { batch, m, n, k, transA, transB, strideA, strideB } = p;
  out.fill(0, 0, batch * m * n);
  // A[i,q] sits at ao + i*ra + q*ca; B[q,j] at bo + q*rb + j*cb.
  const ra = transA ? 1 : k, ca = transA ? m : 1;
  for (let bt = 0; bt < batch; bt++) {
    const ao = bt * strideA, bo = bt * strideB, co = bt * m * n;
    if (!transB) {
      // C[i,:] += A[i,q] * B[q,:], four rows of C per pass so each B row is read once per four.
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        const c0 = co + i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
        for (let q = 0; q < k; q++) {
          const ai = ao + i * ra + q * ca;
          const a0 = a[ai], a1 = a[ai + ra], a2 = a[ai + 2 * ra], a3 = a[ai + 3 * ra];
          const bq = bo + q * n;
          for (let j = 0; j < n; j++) {
            const bv = b[bq + j];
            out[c0 + j] += a0 * bv;
            out[c1 + j] += a1 * bv;
            out[c2 + j] += a2 * bv;
            out[c3 + j] += a3 * bv;
          }
        }
      }
      for (; i < m; i++) {
        const ci = co + i * n;
        for (let q = 0; q < k; q++) {
          const av = a[ao + i * ra + q * ca];
          const bq = bo + q * n;
          for (let j = 0; j < n; j++) out[ci + j] += av * b[bq + j];
        }
      }
    } else {
      // B stored [n, k]: C[i,j] is a dot product over q; four columns share each A value.
      for (let i = 0; i < m; i++) {
        const ai = ao + i * ra, ci = co + i * n;
        let j = 0;
        for (; j + 4 <= n; j += 4) {
          const b0 = bo + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let q = 0; q < k; q++) {
            const av = a[ai + q * ca];
            s0 += av * b[b0 + q]; s1 += av * b[b1 + q]; s2 += av * b[b2 + q]; s3 += av * b[b3 + q];
          }
          out[ci + j] = s0; out[ci + j + 1] = s1; out[ci + j + 2] = s2; out[ci + j + 3] = s3;
        }
        for (; j < n; j++) {
          const bj = bo + j * k;
          let s = 0;
          for (let q = 0; q < k; q++) s += a[ai + q * ca] * b[bj + q];
          out[ci + j] = s;
        }
      }
    }
  }
}

// Output columns ow whose input column ow*stride - pad + kOff lies in [0, size).
function validRange(kOff: number, stride: number, pad: number, size: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - kOff) / stride));
  const hi = Math.min(outSize, Math.floor((size - 1 + pad - kOff) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

export function conv2dForward(x: Float, w: Float, out: Float, p: Conv2dParams): void {
  const { n, cIn, h, w: W, cOut, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups, outH, outW } = p;
  const cInG = cIn / groups, cOutG = cOut / groups;
  out.fill(0, 0, n * cOut * outH * outW);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < cOut; oc++) {
      const g = Math.floor(oc / cOutG);
      const ob = (b * cOut + oc) * outH * outW;
      for (let ic = 0; ic < cInG; ic++) {
        const xb = (b * cIn + g * cInG + ic) * h * W;
        for (let ki = 0; ki < kh; ki++) {
          const [oh0, oh1] = validRange(ki * dilationH, strideH, padH, h, outH);
          for (let kj = 0; kj < kw; kj++) {
            const wv = w[((oc * cInG + ic) * kh + ki) * kw + kj];
            const [ow0, ow1] = validRange(kj * dilationW, strideW, padW, W, outW);
            for (let oh = oh0; oh < oh1; oh++) {
              const xr = xb + (oh * strideH - padH + ki * dilationH) * W - padW + kj * dilationW;
              const orow = ob + oh * outW;
              for (let ow = ow0; ow < ow1; ow++) out[orow + ow] += wv * x[xr + ow * strideW];
            }
          }
        }
      }
    }
  }
}

export function conv2dBackwardInput(dy: Float, w: Float, dx: Float, p: Conv2dParams): void {
  const { n, cIn, h, w: W, cOut, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups, outH, outW } = p;
  const cInG = cIn / groups, cOutG = cOut / groups;
  dx.fill(0, 0, n * cIn * h * W);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < cOut; oc++) {
      const g = Math.floor(oc / cOutG);
      const ob = (b * cOut + oc) * outH * outW;
      for (let ic = 0; ic < cInG; ic++) {
        const xb = (b * cIn + g * cInG + ic) * h * W;
        for (let ki = 0; ki < kh; ki++) {
          const [oh0, oh1] = validRange(ki * dilationH, strideH, padH, h, outH);
          for (let kj = 0; kj < kw; kj++) {
            const wv = w[((oc * cInG + ic) * kh + ki) * kw + kj];
            const [ow0, ow1] = validRange(kj * dilationW, strideW, padW, W, outW);
            for (let oh = oh0; oh < oh1; oh++) {
              const xr = xb + (oh * strideH - padH + ki * dilationH) * W - padW + kj * dilationW;
              const orow = ob + oh * outW;
              for (let ow = ow0; ow < ow1; ow++) dx[xr + ow * strideW] += wv * dy[orow + ow];
            }
          }
        }
      }
    }
  }
}

export function conv2dBackwardWeight(x: Float, dy: Float, dw: Float, p: Conv2dParams): void {
  const { n, cIn, h, w: W, cOut, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups, outH, outW } = p;
  const cInG = cIn / groups, cOutG = cOut / groups;
  dw.fill(0, 0, cOut * cInG * kh * kw);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < cOut; oc++) {
      const g = Math.floor(oc / cOutG);
      const ob = (b * cOut + oc) * outH * outW;
      for (let ic = 0; ic < cInG; ic++) {
        const xb = (b * cIn + g * cInG + ic) * h * W;
        for (let ki = 0; ki < kh; ki++) {
          const [oh0, oh1] = validRange(ki * dilationH, strideH, padH, h, outH);
          for (let kj = 0; kj < kw; kj++) {
            const [ow0, ow1] = validRange(kj * dilationW, strideW, padW, W, outW);
            let s = 0;
            for (let oh = oh0; oh < oh1; oh++) {
              const xr = xb + (oh * strideH - padH + ki * dilationH) * W - padW + kj * dilationW;
              const orow = ob + oh * outW;
              for (let ow = ow0; ow < ow1; ow++) s += x[xr + ow * strideW] * dy[orow + ow];
            }
            dw[((oc * cInG + ic) * kh + ki) * kw + kj] += s;
          }
        }
      }
    }
  }
}

export function maxPool2dForward(x: Float, out: Float, argmax: Int32Array, p: Pool2dParams): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = p;
  for (let pl = 0; pl < n * c; pl++) {
    const xb = pl * h * w, ob = pl * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let best = -Infinity, bi = -1;
        for (let ki = 0; ki < kh; ki++) {
          const ih = oh * strideH - padH + ki * dilationH;
          if (ih < 0 || ih >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const iw = ow * strideW - padW + kj * dilationW;
            if (iw < 0 || iw >= w) continue;
            const v = x[xb + ih * w + iw];
            if (v > best || bi < 0 || (v !== v && best === best)) { best = v; bi = ih * w + iw; }
          }
        }
        out[ob + oh * outW + ow] = best;
        argmax[ob + oh * outW + ow] = bi;
      }
    }
  }
}

export function maxPool2dBackward(dy: Float, argmax: Int32Array, dx: Float, p: Pool2dParams): void {
  const { n, c, h, w, outH, outW } = p;
  dx.fill(0, 0, n * c * h * w);
  for (let pl = 0; pl < n * c; pl++) {
    const xb = pl * h * w, ob = pl * outH * outW;
    for (let o = 0; o < outH * outW; o++) {
      const i = argmax[ob + o];
      if (i >= 0) dx[xb + i] += dy[ob + o];
    }
  }
}

function avgDivisor(p: Pool2dParams, oh: number, ow: number): number {
  const { h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, countIncludePad } = p;
  let count = 0;
  for (let ki = 0; ki < kh; ki++) {
    const ih = oh * strideH - padH + ki * dilationH;
    const inH = countIncludePad ? ih >= -padH && ih < h + padH : ih >= 0 && ih < h;
    if (!inH) continue;
    for (let kj = 0; kj < kw; kj++) {
      const iw = ow * strideW - padW + kj * dilationW;
      if (countIncludePad ? iw >= -padW && iw < w + padW : iw >= 0 && iw < w) count++;
    }
  }
  return count;
}

export function avgPool2dForward(x: Float, out: Float, p: Pool2dParams): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = p;
  for (let pl = 0; pl < n * c; pl++) {
    const xb = pl * h * w, ob = pl * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let s = 0;
        for (let ki = 0; ki < kh; ki++) {
          const ih = oh * strideH - padH + ki * dilationH;
          if (ih < 0 || ih >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const iw = ow * strideW - padW + kj * dilationW;
            if (iw >= 0 && iw < w) s += x[xb + ih * w + iw];
          }
        }
        const d = avgDivisor(p, oh, ow);
        out[ob + oh * outW + ow] = d > 0 ? s / d : 0;
      }
    }
  }
}

export function avgPool2dBackward(dy: Float, dx: Float, p: Pool2dParams): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = p;
  dx.fill(0, 0, n * c * h * w);
  for (let pl = 0; pl < n * c; pl++) {
    const xb = pl * h * w, ob = pl * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const d = avgDivisor(p, oh, ow);
        if (d === 0) continue;
        const g = dy[ob + oh * outW + ow] / d;
        for (let ki = 0; ki < kh; ki++) {
          const ih = oh * strideH - padH + ki * dilationH;
          if (ih < 0 || ih >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const iw = ow * strideW - padW + kj * dilationW;
            if (iw >= 0 && iw < w) dx[xb + ih * w + iw] += g;
          }
        }
      }
    }
  }
}

export const referenceKernels: Kernels = {
  unary, binary, binaryScalar, reduce, argReduce, matmul,
  conv2dForward, conv2dBackwardInput, conv2dBackwardWeight,
  maxPool2dForward, maxPool2dBackward, avgPool2dForward, avgPool2dBackward,
  ...modelReferenceKernels,
};
