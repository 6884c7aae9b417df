// Reference kernels of layerNorm (rows of D values) and batchNorm (channels of [N, C, S]),
// forward and backward. Statistics and parameter-gradient sums accumulate in float64.

import type { Float } from "../../dtype.js";
import type { NormKernels } from "../kernels/norm.js";

export function layerNorm(x: Float, w: Float | null, b: Float | null, out: Float, mean: Float, rstd: Float, rows: number, D: number, eps: number): void {
  for (let m = 0; m < rows; m++) {
    const o = m * D;
    let s = 0;
    for (let j = 0; j < D; j++) s += x[o + j];
    const mu = s / D;
    let v = 0;
    for (let j = 0; j < D; j++) { const e = x[o + j] - mu; v += e * e; }
    const r = 1 / Math.sqrt(v / D + eps);
    mean[m] = mu;
    rstd[m] = r;
    // the saved (possibly float32-rounded) statistics are the ones the backward sees
    const mu2 = mean[m], r2 = rstd[m];
    for (let j = 0; j < D; j++) {
      const xh = (x[o + j] - mu2) * r2;
      out[o + j] = w ? (b ? xh * w[j] + b[j] : xh * w[j]) : b ? xh + b[j] : xh;
    }
  }
}

export function layerNormBackward(x: Float, w: Float | null, mean: Float, rstd: Float, g: Float, dx: Float | null, dw: Float | null, db: Float | null, rows: number, D: number): void {
  const gw = dw ? new Float64Array(D) : null, gb = db ? new Float64Array(D) : null;
  for (let m = 0; m < rows; m++) {
    const o = m * D, mu = mean[m], r = rstd[m];
    // dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = g·w
    let s1 = 0, s2 = 0;
    for (let j = 0; j < D; j++) {
      const gv = g[o + j], gh = w ? gv * w[j] : gv;
      const xh = (x[o + j] - mu) * r;
      s1 += gh; s2 += gh * xh;
      if (gw) gw[j] += gv * xh;
      if (gb) gb[j] += gv;
    }
    if (!dx) continue;
    s1 /= D; s2 /= D;
    for (let j = 0; j < D; j++) {
      const gh = w ? g[o + j] * w[j] : g[o + j];
      const xh = (x[o + j] - mu) * r;
      dx[o + j] = r * (gh - s1 - xh * s2);
    }
  }
  if (dw) dw.set(gw!);
  if (db) db.set(gb!);
}

export function channelStats(x: Float, mean: Float, variance: Float, N: number, C: number, S: number): void {
  const count = N * S;
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) { const o = (n * C + c) * S; for (let j = 0; j < S; j++) s += x[o + j]; }
    const m = s / count;
    let v = 0;
    for (let n = 0; n < N; n++) { const o = (n * C + c) * S; for (let j = 0; j < S; j++) { const e = x[o + j] - m; v += e * e; } }
    mean[c] = m;
    variance[c] = v / count;
  }
}

export function channelAffine(x: Float, scale: Float, shift: Float, out: Float, N: number, C: number, S: number): void {
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const o = (n * C + c) * S, a = scale[c], b = shift[c];
      for (let j = 0; j < S; j++) out[o + j] = x[o + j] * a + b;
    }
  }
}

export function batchNormBackward(x: Float, g: Float, mean: Float, rstd: Float, w: Float | null, dx: Float | null, dw: Float, db: Float, N: number, C: number, S: number, training: boolean): void {
  const count = N * S;
  for (let c = 0; c < C; c++) {
    const mu = mean[c], r = rstd[c];
    let sg = 0, sgx = 0;
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * S;
      for (let j = 0; j < S; j++) { const gv = g[o + j]; sg += gv; sgx += gv * (x[o + j] - mu) * r; }
    }
    dw[c] = sgx; db[c] = sg;
    if (!dx) continue;
    const k = (w ? w[c] : 1) * r;
    if (training) {
      const a = sg / count, bq = sgx / count;
      for (let n = 0; n < N; n++) {
        const o = (n * C + c) * S;
        for (let j = 0; j < S; j++) dx[o + j] = k * (g[o + j] - a - (x[o + j] - mu) * r * bq);
      }
    } else {
      for (let n = 0; n < N; n++) {
        const o = (n * C + c) * S;
        for (let j = 0; j < S; j++) dx[o + j] = k * g[o + j];
      }
    }
  }
}

export const normKernels: NormKernels = { layerNorm, layerNormBackward, channelStats, channelAffine, batchNormBackward };
