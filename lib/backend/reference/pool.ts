// Reference 2-D max/avg pooling.

import type { Float } from "../../dtype.js";
import type { AdaptivePool2dParams, Pool2dParams } from "../kernels/pool.js";

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
  scatterToArgmax(dy, argmax, dx, p, null);
}

export function maxPoolReluBackward(dy: Float, pooled: Float, argmax: Int32Array, dx: Float, p: Pool2dParams): void {
  scatterToArgmax(dy, argmax, dx, p, pooled);
}

/** dx = dy added at each argmax (-1: none), only where pooled > 0 when pooled is given. */
function scatterToArgmax(dy: Float, argmax: Int32Array, dx: Float, p: Pool2dParams, pooled: Float | null): void {
  const { n, c, h, w, outH, outW } = p;
  dx.fill(0, 0, n * c * h * w);
  for (let pl = 0; pl < n * c; pl++) {
    const xb = pl * h * w, ob = pl * outH * outW;
    for (let o = 0; o < outH * outW; o++) {
      const i = argmax[ob + o];
      if (i >= 0 && (!pooled || pooled[ob + o] > 0)) dx[xb + i] += dy[ob + o];
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

/** Calls fn once per output cell (a whole window each, so the call cost is per window). */
function adaptiveWindows(
  p: AdaptivePool2dParams,
  fn: (plane: number, outIndex: number, r0: number, r1: number, c0: number, c1: number) => void,
): void {
  const { planes, h: H, w: W, outH: oH, outW: oW } = p;
  for (let pl = 0; pl < planes; pl++) {
    for (let i = 0; i < oH; i++) {
      const r0 = Math.floor((i * H) / oH), r1 = Math.ceil(((i + 1) * H) / oH);
      for (let j = 0; j < oW; j++) {
        const c0 = Math.floor((j * W) / oW), c1 = Math.ceil(((j + 1) * W) / oW);
        fn(pl, (pl * oH + i) * oW + j, r0, r1, c0, c1);
      }
    }
  }
}

export function adaptiveAvgPool2dForward(x: Float, out: Float, p: AdaptivePool2dParams): void {
  const { h: H, w: W } = p;
  adaptiveWindows(p, (pl, o, r0, r1, c0, c1) => {
    let s = 0;
    const base = pl * H * W;
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += x[base + r * W + c];
    out[o] = s / ((r1 - r0) * (c1 - c0));
  });
}

export function adaptiveAvgPool2dBackward(dy: Float, dx: Float, p: AdaptivePool2dParams): void {
  const { h: H, w: W } = p;
  dx.fill(0, 0, p.planes * H * W);
  adaptiveWindows(p, (pl, o, r0, r1, c0, c1) => {
    const v = dy[o] / ((r1 - r0) * (c1 - c0));
    const base = pl * H * W;
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) dx[base + r * W + c] += v;
  });
}

export function adaptiveMaxPool2dForward(x: Float, out: Float, argmax: Int32Array, p: AdaptivePool2dParams): void {
  const { h: H, w: W } = p;
  adaptiveWindows(p, (pl, o, r0, r1, c0, c1) => {
    const base = pl * H * W;
    let best = -Infinity, bi = r0 * W + c0;
    for (let r = r0; r < r1; r++) {
      for (let c = c0; c < c1; c++) {
        const v = x[base + r * W + c];
        if (v > best || v !== v) { best = v; bi = r * W + c; if (v !== v) { r = r1; break; } }
      }
    }
    out[o] = best;
    argmax[o] = bi;
  });
}

