// Reference 2-D max/avg pooling.

import type { Float } from "../../dtype.js";
import type { Pool2dParams } from "../kernels/pool.js";

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
