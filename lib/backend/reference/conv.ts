// Reference 2-D convolution: direct loops over the valid output range of each tap.

import type { Float } from "../../dtype.js";
import type { Conv2dParams, ConvEpilogue } from "../kernels/conv.js";
import type { Pool2dParams } from "../kernels/pool.js";
import { maxPool2dForward, maxPoolReluBackward } from "./pool.js";

// Output columns ow whose input column ow*stride - pad + kOff lies in [0, size).
function validRange(kOff: number, stride: number, pad: number, size: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - kOff) / stride));
  const hi = Math.min(outSize, Math.floor((size - 1 + pad - kOff) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Calls row(wi, xr, orow, ow0, ow1) for every weight tap wi (flat index into w) and output row
 * it reaches, image by image: output positions orow + ow, ow in [ow0, ow1), pair with input
 * x[xr + ow·strideW]. The three kernels below are this traversal with different row bodies.
 */
function forEachTapRow(p: Conv2dParams, row: (wi: number, xr: number, orow: number, ow0: number, ow1: number) => void): void {
  const { n, cIn, h, w: W, cOut, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups, outH, outW } = p;
  const cInG = cIn / groups, cOutG = cOut / groups;
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < cOut; oc++) {
      const g = Math.floor(oc / cOutG);
      const ob = (b * cOut + oc) * outH * outW;
      for (let ic = 0; ic < cInG; ic++) {
        const xb = (b * cIn + g * cInG + ic) * h * W;
        for (let ki = 0; ki < kh; ki++) {
          const [oh0, oh1] = validRange(ki * dilationH, strideH, padH, h, outH);
          for (let kj = 0; kj < kw; kj++) {
            const wi = ((oc * cInG + ic) * kh + ki) * kw + kj;
            const [ow0, ow1] = validRange(kj * dilationW, strideW, padW, W, outW);
            for (let oh = oh0; oh < oh1; oh++) {
              row(wi, xb + (oh * strideH - padH + ki * dilationH) * W - padW + kj * dilationW, ob + oh * outW, ow0, ow1);
            }
          }
        }
      }
    }
  }
}

export function conv2dForward(x: Float, w: Float, out: Float, p: Conv2dParams, epilogue?: ConvEpilogue): void {
  const { n, cOut, strideW: sw, outH, outW } = p;
  out.fill(0, 0, n * cOut * outH * outW);
  forEachTapRow(p, (wi, xr, orow, ow0, ow1) => {
    const wv = w[wi];
    for (let ow = ow0; ow < ow1; ow++) out[orow + ow] += wv * x[xr + ow * sw];
  });
  if (epilogue?.bias) channelBias(out, epilogue.bias, n, cOut, outH * outW);
  if (epilogue?.relu) for (let i = 0, len = n * cOut * outH * outW; i < len; i++) { const v = out[i]; out[i] = v > 0 ? v : 0; }
}

export function conv2dBackwardInput(dy: Float, w: Float, dx: Float, p: Conv2dParams): void {
  const sw = p.strideW;
  dx.fill(0, 0, p.n * p.cIn * p.h * p.w);
  forEachTapRow(p, (wi, xr, orow, ow0, ow1) => {
    const wv = w[wi];
    for (let ow = ow0; ow < ow1; ow++) dx[xr + ow * sw] += wv * dy[orow + ow];
  });
}

export function conv2dBackwardWeight(x: Float, dy: Float, dw: Float, p: Conv2dParams): void {
  const sw = p.strideW;
  dw.fill(0, 0, p.cOut * (p.cIn / p.groups) * p.kh * p.kw);
  forEachTapRow(p, (wi, xr, orow, ow0, ow1) => {
    let s = 0;
    for (let ow = ow0; ow < ow1; ow++) s += x[xr + ow * sw] * dy[orow + ow];
    dw[wi] += s;
  });
}

export function conv2dBackward(x: Float, w: Float, dy: Float, dx: Float | null, dw: Float | null, db: Float | null, p: Conv2dParams): void {
  if (dx) conv2dBackwardInput(dy, w, dx, p);
  if (dw) conv2dBackwardWeight(x, dy, dw, p);
  if (db) channelSum(dy, db, p.n, p.cOut, p.outH * p.outW);
}

/** d[ch] = Σ over images and positions; four running sums break the add-latency chain. */
export function channelSum(dy: Float, d: Float, n: number, c: number, plane: number): void {
  d.fill(0, 0, c);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const o0 = (b * c + ch) * plane, end = o0 + plane, end4 = o0 + (plane & ~3);
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = o0;
      for (; i < end4; i += 4) { s0 += dy[i]; s1 += dy[i + 1]; s2 += dy[i + 2]; s3 += dy[i + 3]; }
      for (; i < end; i++) s0 += dy[i];
      d[ch] += s0 + s1 + s2 + s3;
    }
  }
}

export function channelBias(out: Float, bias: Float, n: number, c: number, plane: number): void {
  if (plane === 1) {
    // rows of c values (linear's bias): one tight loop per row
    for (let b = 0, o = 0; b < n; b++, o += c) for (let ch = 0; ch < c; ch++) out[o + ch] += bias[ch];
    return;
  }
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const v = bias[ch], o0 = (b * c + ch) * plane;
      for (let i = o0; i < o0 + plane; i++) out[i] += v;
    }
  }
}

function im2colLoop(img: Float, cols: Float, p: Conv2dParams, toImage: boolean): void {
  const { n, cIn: C, h: H, w: W, kh, kw, strideH: sh, strideW: sw, padH: ph, padW: pw, dilationH: dh, dilationW: dw, outH: oH, outW: oW } = p;
  const L = oH * oW;
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < C; c++) {
      const ib = (b * C + c) * H * W;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const cb = ((b * C + c) * kh * kw + i * kw + j) * L;
          for (let oh = 0; oh < oH; oh++) {
            const r = oh * sh - ph + i * dh;
            if (r < 0 || r >= H) continue;
            for (let ow = 0; ow < oW; ow++) {
              const q = ow * sw - pw + j * dw;
              if (q < 0 || q >= W) continue;
              if (toImage) img[ib + r * W + q] += cols[cb + oh * oW + ow];
              else cols[cb + oh * oW + ow] = img[ib + r * W + q];
            }
          }
        }
      }
    }
  }
}

export function im2col(img: Float, cols: Float, p: Conv2dParams): void {
  cols.fill(0, 0, p.n * p.cIn * p.kh * p.kw * p.outH * p.outW);
  im2colLoop(img, cols, p, false);
}

export function col2im(cols: Float, img: Float, p: Conv2dParams): void {
  img.fill(0, 0, p.n * p.cIn * p.h * p.w);
  im2colLoop(img, cols, p, true);
}

export function conv2dMaxPoolForward(x: Float, w: Float, out: Float, argmax: Int32Array, p: Conv2dParams, pool: Pool2dParams, epilogue?: ConvEpilogue): void {
  const y = out instanceof Float64Array ? new Float64Array(p.n * p.cOut * p.outH * p.outW) : new Float32Array(p.n * p.cOut * p.outH * p.outW);
  conv2dForward(x, w, y, p, epilogue);
  maxPool2dForward(y, out, argmax, pool);
}

export function conv2dMaxPoolBackward(x: Float, w: Float, dy: Float, pooled: Float, argmax: Int32Array, dx: Float | null, dw: Float | null, db: Float | null,
  p: Conv2dParams, pool: Pool2dParams): void {
  const dConv = dy instanceof Float64Array ? new Float64Array(p.n * p.cOut * p.outH * p.outW) : new Float32Array(p.n * p.cOut * p.outH * p.outW);
  maxPoolReluBackward(dy, pooled, argmax, dConv, pool);
  conv2dBackward(x, w, dConv, dx, dw, db, p);
}
