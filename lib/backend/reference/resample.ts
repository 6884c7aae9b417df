// Reference two-tap resampling (interpolate's nearest / linear / bilinear).

import type { Float } from "../../dtype.js";
import type { Resample2dParams } from "../kernels/resample.js";

export function resample2dForward(x: Float, out: Float, p: Resample2dParams): void {
  const { planes, h: H, w: W, outH: oH, outW: oW, rows: th, cols: tw } = p;
  for (let pl = 0; pl < planes; pl++) {
    const xb = pl * H * W, ob = pl * oH * oW;
    for (let i = 0; i < oH; i++) {
      const r0 = xb + th.i0[i] * W, r1 = xb + th.i1[i] * W, b = th.w1[i], a = 1 - b;
      for (let j = 0; j < oW; j++) {
        const c0 = tw.i0[j], c1 = tw.i1[j], d = tw.w1[j], c = 1 - d;
        out[ob + i * oW + j] = a * (c * x[r0 + c0] + d * x[r0 + c1]) + b * (c * x[r1 + c0] + d * x[r1 + c1]);
      }
    }
  }
}

export function resample2dBackward(dy: Float, dx: Float, p: Resample2dParams): void {
  const { planes, h: H, w: W, outH: oH, outW: oW, rows: th, cols: tw } = p;
  dx.fill(0, 0, planes * H * W);
  for (let pl = 0; pl < planes; pl++) {
    const xb = pl * H * W, ob = pl * oH * oW;
    for (let i = 0; i < oH; i++) {
      const r0 = xb + th.i0[i] * W, r1 = xb + th.i1[i] * W, b = th.w1[i], a = 1 - b;
      for (let j = 0; j < oW; j++) {
        const c0 = tw.i0[j], c1 = tw.i1[j], d = tw.w1[j], c = 1 - d;
        const v = dy[ob + i * oW + j];
        dx[r0 + c0] += a * c * v; dx[r0 + c1] += a * d * v;
        dx[r1 + c0] += b * c * v; dx[r1 + c1] += b * d * v;
      }
    }
  }
}
