// Reference kernels of the regression losses (mse, l1, huber / smooth L1) and of
// cross-entropy over logits [n, c, inner] (class dim in the middle), for
// class-index and probability targets, with class weights and label smoothing ε. Per
// position the loss is Σ_k a_k·(lse − x_k) for class coefficients a (the weighted, smoothed
// target), so its gradient is softmax_k·Σa − a_k: one pass each way.

import type { Float } from "../../dtype.js";
import type { CrossEntropyParams, LossKernels, RegressionLoss } from "../kernels/loss.js";

/** logsumexp over the classes of one position (max-shifted). */
function lseAt(x: Float, base: number, c: number, inner: number): number {
  let m = -Infinity;
  for (let k = 0; k < c; k++) { const v = x[base + k * inner]; if (v > m || v !== v) m = v; }
  if (m === -Infinity) m = 0;
  let s = 0;
  for (let k = 0; k < c; k++) s += Math.exp(x[base + k * inner] - m);
  return m + Math.log(s);
}

export function crossEntropyForward(x: Float, target: Int32Array, w: Float | null, loss: Float, lse: Float, p: CrossEntropyParams): number {
  const { n, c, inner, ignoreIndex, smoothing: eps } = p;
  const sm = eps / c;
  let wsum = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < inner; i++) {
      const pos = b * inner + i, base = b * c * inner + i;
      const y = target[pos];
      if (y === ignoreIndex) { loss[pos] = 0; lse[pos] = 0; continue; }
      const l = lseAt(x, base, c, inner);
      lse[pos] = l;
      const wy = w ? w[y] : 1;
      wsum += wy;
      let acc = (1 - eps) * wy * (l - x[base + y * inner]);
      if (eps > 0) {
        let smooth = 0;
        for (let k = 0; k < c; k++) smooth += (w ? w[k] : 1) * (l - x[base + k * inner]);
        acc += sm * smooth;
      }
      loss[pos] = acc;
    }
  }
  return wsum;
}

export function crossEntropyBackward(x: Float, target: Int32Array, w: Float | null, lse: Float, coef: number, coefPer: Float | null, dx: Float, p: CrossEntropyParams): void {
  const { n, c, inner, ignoreIndex, smoothing: eps } = p;
  const sm = eps / c;
  let wAll = c;
  if (w) { wAll = 0; for (let k = 0; k < c; k++) wAll += w[k]; }
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < inner; i++) {
      const pos = b * inner + i, base = b * c * inner + i;
      const y = target[pos];
      if (y === ignoreIndex) {
        for (let k = 0; k < c; k++) dx[base + k * inner] = 0;
        continue;
      }
      const s = coefPer ? coefPer[pos] : coef;
      const l = lse[pos];
      const wy = w ? w[y] : 1;
      const A = (1 - eps) * wy + sm * wAll;
      for (let k = 0; k < c; k++) {
        const j = base + k * inner;
        dx[j] = s * (Math.exp(x[j] - l) * A - sm * (w ? w[k] : 1));
      }
      dx[base + y * inner] -= s * (1 - eps) * wy;
    }
  }
}

export function crossEntropyProbForward(x: Float, t: Float, w: Float | null, loss: Float, lse: Float, p: CrossEntropyParams): void {
  const { n, c, inner, smoothing: eps } = p;
  const sm = eps / c;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < inner; i++) {
      const pos = b * inner + i, base = b * c * inner + i;
      const l = lseAt(x, base, c, inner);
      lse[pos] = l;
      let acc = 0;
      for (let k = 0; k < c; k++) {
        const a = (w ? w[k] : 1) * ((1 - eps) * t[base + k * inner] + sm);
        if (a !== 0) acc += a * (l - x[base + k * inner]);
      }
      loss[pos] = acc;
    }
  }
}

export function crossEntropyProbBackward(x: Float, t: Float, w: Float | null, lse: Float, coef: number, coefPer: Float | null, dx: Float | null, dTarget: Float | null, p: CrossEntropyParams): void {
  const { n, c, inner, smoothing: eps } = p;
  const sm = eps / c;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < inner; i++) {
      const pos = b * inner + i, base = b * c * inner + i;
      const s = coefPer ? coefPer[pos] : coef;
      const l = lse[pos];
      if (dx) {
        let A = 0;
        for (let k = 0; k < c; k++) A += (w ? w[k] : 1) * ((1 - eps) * t[base + k * inner] + sm);
        for (let k = 0; k < c; k++) {
          const j = base + k * inner;
          dx[j] = s * (Math.exp(x[j] - l) * A - (w ? w[k] : 1) * ((1 - eps) * t[j] + sm));
        }
      }
      if (dTarget) {
        // d/dt_k = (1 − ε)·w_k·(lse − x_k)
        for (let k = 0; k < c; k++) {
          const j = base + k * inner;
          dTarget[j] = s * (1 - eps) * (w ? w[k] : 1) * (l - x[j]);
        }
      }
    }
  }
}

export function nllForward(x: Float, target: Int32Array, w: Float | null, loss: Float, p: CrossEntropyParams): number {
  const { n, c, inner, ignoreIndex } = p;
  let wsum = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < inner; i++) {
      const pos = b * inner + i, y = target[pos];
      if (y === ignoreIndex) { loss[pos] = 0; continue; }
      const wy = w ? w[y] : 1;
      wsum += wy;
      loss[pos] = -wy * x[b * c * inner + y * inner + i];
    }
  }
  return wsum;
}

export function nllBackward(target: Int32Array, w: Float | null, coef: number, coefPer: Float | null, dx: Float, p: CrossEntropyParams): void {
  const { n, c, inner, ignoreIndex } = p;
  dx.fill(0);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < inner; i++) {
      const pos = b * inner + i, y = target[pos];
      if (y === ignoreIndex) continue;
      dx[b * c * inner + y * inner + i] = -(coefPer ? coefPer[pos] : coef) * (w ? w[y] : 1);
    }
  }
}

const scaleAt = (coef: number, coefPer: Float | null, i: number): number => (coefPer ? coefPer[i] : coef);

export function bceForward(p: Float, t: Float, w: Float | null, out: Float): number {
  for (let i = 0; i < out.length; i++) {
    const v = p[i];
    if (!(v >= 0 && v <= 1)) return i;
    const lp = Math.max(Math.log(v), -100), lq = Math.max(Math.log1p(-v), -100);
    out[i] = -(w ? w[i] : 1) * (t[i] * lp + (1 - t[i]) * lq);
  }
  return -1;
}

export function bceBackward(p: Float, t: Float, w: Float | null, coef: number, coefPer: Float | null, dp: Float | null, dt: Float | null): void {
  const n = p.length;
  if (dp) for (let i = 0; i < n; i++) { const v = p[i]; dp[i] = scaleAt(coef, coefPer, i) * (w ? w[i] : 1) * (v - t[i]) / Math.max(v * (1 - v), 1e-12); }
  if (dt) {
    for (let i = 0; i < n; i++) {
      const lp = Math.max(Math.log(p[i]), -100), lq = Math.max(Math.log1p(-p[i]), -100);
      dt[i] = -scaleAt(coef, coefPer, i) * (w ? w[i] : 1) * (lp - lq);
    }
  }
}

export function bceWithLogitsForward(x: Float, t: Float, w: Float | null, pw: Float | null, out: Float, sp: Float): void {
  for (let i = 0; i < out.length; i++) {
    const v = x[i];
    // softplus(−x) = log1p(e^−|x|) + max(−x, 0) never overflows
    const s = Math.log1p(Math.exp(-Math.abs(v))) + Math.max(-v, 0);
    sp[i] = s;
    const lw = pw ? 1 + (pw[i] - 1) * t[i] : 1;
    out[i] = (w ? w[i] : 1) * ((1 - t[i]) * v + lw * s);
  }
}

export function bceWithLogitsBackward(x: Float, t: Float, w: Float | null, pw: Float | null, sp: Float, coef: number, coefPer: Float | null,
  dx: Float | null, dt: Float | null, dpw: Float | null): void {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const k = scaleAt(coef, coefPer, i) * (w ? w[i] : 1);
    if (dx) {
      // (1 − t) − lw·σ(−x)
      const v = x[i];
      const sigNeg = v >= 0 ? Math.exp(-v) / (1 + Math.exp(-v)) : 1 / (1 + Math.exp(v));
      const lw = pw ? 1 + (pw[i] - 1) * t[i] : 1;
      dx[i] = k * ((1 - t[i]) - lw * sigNeg);
    }
    if (dt) dt[i] = k * (-x[i] + (pw ? (pw[i] - 1) * sp[i] : 0));
    if (dpw) dpw[i] = k * t[i] * sp[i];
  }
}

export function klDivForward(a: Float, b: Float, out: Float, logTarget: boolean): void {
  for (let i = 0; i < out.length; i++) {
    const x = a[i], y = b[i];
    out[i] = logTarget ? Math.exp(y) * (y - x) : y > 0 ? y * (Math.log(y) - x) : 0;
  }
}

export function klDivBackward(a: Float, b: Float, coef: number, coefPer: Float | null, da: Float | null, db: Float | null, logTarget: boolean): void {
  for (let i = 0; i < a.length; i++) {
    const s = scaleAt(coef, coefPer, i), x = a[i], y = b[i];
    if (da) da[i] = -s * (logTarget ? Math.exp(y) : y);
    if (db) db[i] = s * (logTarget ? Math.exp(y) * (y - x + 1) : y > 0 ? Math.log(y) - x + 1 : 0);
  }
}

export function regressionLoss(op: RegressionLoss, a: Float, b: Float, out: Float, delta: number, scale: number): void {
  const n = out.length;
  switch (op) {
    case "mse": for (let i = 0; i < n; i++) { const e = a[i] - b[i]; out[i] = e * e; } return;
    case "l1": for (let i = 0; i < n; i++) out[i] = Math.abs(a[i] - b[i]); return;
    case "huber":
      for (let i = 0; i < n; i++) {
        const e = Math.abs(a[i] - b[i]);
        out[i] = scale * (e < delta ? 0.5 * e * e : delta * (e - 0.5 * delta));
      }
      return;
  }
  throw new Error(`regressionLoss: unknown op ${String(op)}`);
}

export function regressionLossBackward(op: RegressionLoss, a: Float, b: Float, coef: number, coefPer: Float | null, d: Float, delta: number, scale: number): void {
  const n = d.length;
  switch (op) {
    case "mse": for (let i = 0; i < n; i++) d[i] = 2 * (coefPer ? coefPer[i] : coef) * (a[i] - b[i]); return;
    // gradient 0 where they are equal, like PyTorch
    case "l1": for (let i = 0; i < n; i++) d[i] = (coefPer ? coefPer[i] : coef) * Math.sign(a[i] - b[i]); return;
    case "huber":
      for (let i = 0; i < n; i++) {
        const e = a[i] - b[i];
        d[i] = scale * (coefPer ? coefPer[i] : coef) * (Math.abs(e) < delta ? e : delta * Math.sign(e));
      }
      return;
  }
  throw new Error(`regressionLossBackward: unknown op ${String(op)}`);
}

export const lossKernels: LossKernels = {
  crossEntropyForward, crossEntropyBackward, crossEntropyProbForward, crossEntropyProbBackward, nllForward, nllBackward,
  regressionLoss, regressionLossBackward, bceForward, bceBackward, bceWithLogitsForward, bceWithLogitsBackward, klDivForward, klDivBackward,
};
