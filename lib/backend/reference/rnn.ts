// Reference kernels of the LSTM and GRU cell pointwise parts (the matmuls stay matmuls), in
// PyTorch's gate order. Forward saves the gate activations, so the backward is one pass.

import type { Float } from "../../dtype.js";
import type { LstmProjection, LstmProjectionGrad, RnnKernels } from "../kernels/rnn.js";
import { sigmoidOf } from "./activation.js";
import { matmul } from "./matmul.js";

export function lstmCell(gates: Float, c: Float, hc: Float, acts: Float, N: number, H: number): void {
  for (let n = 0; n < N; n++) {
    const gb = n * 4 * H, cb = n * H, ob = n * 2 * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoidOf(gates[gb + j]), f = sigmoidOf(gates[gb + H + j]);
      const g = Math.tanh(gates[gb + 2 * H + j]), o = sigmoidOf(gates[gb + 3 * H + j]);
      acts[gb + j] = i; acts[gb + H + j] = f; acts[gb + 2 * H + j] = g; acts[gb + 3 * H + j] = o;
      const c2 = f * c[cb + j] + i * g;
      hc[ob + H + j] = c2;
      hc[ob + j] = o * Math.tanh(hc[ob + H + j]);
    }
  }
}

export function lstmCellBackward(acts: Float, c: Float, hc: Float, ghc: Float, dGates: Float, dc: Float, N: number, H: number): void {
  for (let n = 0; n < N; n++) {
    const gb = n * 4 * H, cb = n * H, ob = n * 2 * H;
    for (let j = 0; j < H; j++) {
      const i = acts[gb + j], f = acts[gb + H + j], g = acts[gb + 2 * H + j], o = acts[gb + 3 * H + j];
      const tc = Math.tanh(hc[ob + H + j]);
      const gh = ghc[ob + j];
      const gc = ghc[ob + H + j] + gh * o * (1 - tc * tc);
      dGates[gb + j] = gc * g * i * (1 - i);
      dGates[gb + H + j] = gc * c[cb + j] * f * (1 - f);
      dGates[gb + 2 * H + j] = gc * i * (1 - g * g);
      dGates[gb + 3 * H + j] = gh * tc * o * (1 - o);
      dc[cb + j] = gc * f;
    }
  }
}

const like = (a: Float, n: number): Float => (a instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));

/**
 * hPrev, cPrev [L, N, H]: the state each step of lstmSequence starts from (h0, c0 for the
 * first, then the h and c of hc [L, N, 2H] one step earlier), contiguous for the matmuls.
 */
export function lstmStatesBefore(hc: Float, h0: Float, c0: Float, L: number, N: number, H: number, reverse: boolean): [Float, Float] {
  const NH = N * H, hPrev = like(hc, L * NH), cPrev = like(hc, L * NH);
  const time = (s: number) => (reverse ? L - 1 - s : s);
  if (L === 0) return [hPrev, cPrev];
  hPrev.set(h0.subarray(0, NH), time(0) * NH);
  cPrev.set(c0.subarray(0, NH), time(0) * NH);
  for (let s = 1; s < L; s++) {
    const t = time(s), o = time(s - 1) * 2 * NH;
    for (let n = 0; n < N; n++) {
      hPrev.set(hc.subarray(o + n * 2 * H, o + n * 2 * H + H), t * NH + n * H);
      cPrev.set(hc.subarray(o + n * 2 * H + H, o + (n + 1) * 2 * H), t * NH + n * H);
    }
  }
  return [hPrev, cPrev];
}

/** [N, L, w] ↔ [L, N, w] (from [A, B, w] to [B, A, w]). */
function swap01(a: Float, A: number, B: number, w: number): Float {
  const out = like(a, A * B * w);
  for (let i = 0; i < A; i++) for (let j = 0; j < B; j++) out.set(a.subarray((i * B + j) * w, (i * B + j + 1) * w), (j * A + i) * w);
  return out;
}

/** lstmSequence in [L, N, ·] layouts, as the kernel interface describes it. */
export function lstmSequence(xwOrProj: Float | LstmProjection, bias: Float | null, h0: Float, c0: Float, whh: Float, out: Float, saved: Float,
  L: number, N: number, H: number, reverse: boolean, batchFirst: boolean): void {
  const G = 4 * H, NH = N * H, NG = N * G;
  const acts = saved.subarray(0, L * NG), hc = saved.subarray(L * NG, L * NG + L * 2 * NH);
  const seqFirst = (a: Float, w: number) => (batchFirst ? swap01(a, N, L, w) : a);
  let xw: Float;
  if (ArrayBuffer.isView(xwOrProj)) xw = seqFirst(xwOrProj, G);
  else {
    const { wih, I } = xwOrProj, x = seqFirst(xwOrProj.x, I);
    xw = like(hc, L * NG);
    matmul(x, wih, xw, { batch: 1, m: L * N, n: G, k: I, transA: false, transB: true, strideA: 0, strideB: 0 });
  }
  const gates = like(hc, NG), hPrev = like(hc, L * NH), cPrev = like(hc, L * NH);
  const time = (s: number) => (reverse ? L - 1 - s : s);
  if (L > 0) {
    hPrev.set(h0.subarray(0, NH), time(0) * NH);
    cPrev.set(c0.subarray(0, NH), time(0) * NH);
  }
  for (let s = 0; s < L; s++) {
    const t = time(s), o = t * 2 * NH;
    matmul(hPrev.subarray(t * NH, (t + 1) * NH), whh, gates, { batch: 1, m: N, n: G, k: H, transA: false, transB: true, strideA: 0, strideB: 0 });
    for (let i = 0; i < NG; i++) gates[i] += xw[t * NG + i];
    if (bias) for (let i = 0; i < NG; i++) gates[i] += bias[i % G];
    lstmCell(gates, cPrev.subarray(t * NH, (t + 1) * NH), hc.subarray(o, o + 2 * NH), acts.subarray(t * NG, (t + 1) * NG), N, H);
    if (s + 1 < L) {
      const tn = time(s + 1);
      for (let n = 0; n < N; n++) {
        for (let j = 0; j < H; j++) {
          hPrev[tn * NH + n * H + j] = hc[o + n * 2 * H + j];
          cPrev[tn * NH + n * H + j] = hc[o + n * 2 * H + H + j];
        }
      }
    }
  }
  // out: h of every step (in the input's layout), then the last step's c
  const last = reverse ? 0 : L - 1;
  for (let t = 0; t < L; t++) {
    for (let n = 0; n < N; n++) {
      const at = batchFirst ? (n * L + t) * H : (t * N + n) * H;
      for (let j = 0; j < H; j++) out[at + j] = hc[t * 2 * NH + n * 2 * H + j];
    }
  }
  for (let n = 0; n < N; n++) for (let j = 0; j < H; j++) out[L * NH + n * H + j] = hc[last * 2 * NH + n * 2 * H + H + j];
}

export function lstmSequenceBackward(saved: Float, h0: Float, c0: Float, whh: Float, gOut: Float, dxwOrProj: Float | LstmProjectionGrad,
  dh0: Float, dc0: Float, dwhh: Float | null, dbias: Float | null, L: number, N: number, H: number, reverse: boolean, batchFirst: boolean): void {
  const G = 4 * H, NH = N * H, NG = N * G;
  const acts = saved.subarray(0, L * NG), hc = saved.subarray(L * NG, L * NG + L * 2 * NH);
  const [hPrev, cPrev] = lstmStatesBefore(hc, h0, c0, L, N, H, reverse);
  // g = ∂/∂hc [L, N, 2H]: out's h gradients, and its c gradient at the last step
  const g = like(hc, L * 2 * NH), last = reverse ? 0 : L - 1;
  for (let t = 0; t < L; t++) {
    for (let n = 0; n < N; n++) {
      const at = batchFirst ? (n * L + t) * H : (t * N + n) * H;
      for (let j = 0; j < H; j++) g[t * 2 * NH + n * 2 * H + j] = gOut[at + j];
    }
  }
  for (let n = 0; n < N; n++) for (let j = 0; j < H; j++) g[last * 2 * NH + n * 2 * H + H + j] = gOut[L * NH + n * H + j];
  const proj = ArrayBuffer.isView(dxwOrProj) ? null : dxwOrProj;
  const dxw = like(hc, L * NG);
  const ghc = dxw instanceof Float64Array ? new Float64Array(2 * NH) : new Float32Array(2 * NH);
  // dh0 and dc0 carry ∂/∂(h, c) of the state each step starts from back to the step before
  dh0.fill(0, 0, NH);
  dc0.fill(0, 0, NH);
  for (let s = L - 1; s >= 0; s--) {
    const t = reverse ? L - 1 - s : s, o = t * 2 * NH;
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < H; j++) {
        ghc[n * 2 * H + j] = g[o + n * 2 * H + j] + dh0[n * H + j];
        ghc[n * 2 * H + H + j] = g[o + n * 2 * H + H + j] + dc0[n * H + j];
      }
    }
    const dG = dxw.subarray(t * NG, (t + 1) * NG);
    lstmCellBackward(acts.subarray(t * NG, (t + 1) * NG), cPrev.subarray(t * NH, (t + 1) * NH), hc.subarray(o, o + 2 * NH), ghc, dG, dc0, N, H);
    matmul(dG, whh, dh0, { batch: 1, m: N, n: H, k: G, transA: false, transB: false, strideA: 0, strideB: 0 });
  }
  if (dwhh) matmul(dxw, hPrev, dwhh, { batch: 1, m: G, n: H, k: L * N, transA: true, transB: false, strideA: 0, strideB: 0 });
  if (dbias) {
    dbias.fill(0, 0, G);
    for (let r = 0; r < L * N; r++) for (let j = 0; j < G; j++) dbias[j] += dxw[r * G + j];
  }
  if (!proj) {
    (dxwOrProj as Float).set(batchFirst ? swap01(dxw, L, N, G) : dxw);
    return;
  }
  if (proj.dx) {
    const dx = like(hc, L * N * proj.I);
    matmul(dxw, proj.wih, dx, { batch: 1, m: L * N, n: proj.I, k: G, transA: false, transB: false, strideA: 0, strideB: 0 });
    proj.dx.set(batchFirst ? swap01(dx, L, N, proj.I) : dx);
  }
  if (proj.dwih) {
    const x = batchFirst ? swap01(proj.x, N, L, proj.I) : proj.x;
    matmul(dxw, x, proj.dwih, { batch: 1, m: G, n: proj.I, k: L * N, transA: true, transB: false, strideA: 0, strideB: 0 });
  }
}

export function gruCell(xg: Float, hg: Float, h: Float, hOut: Float, acts: Float, N: number, H: number): void {
  for (let n = 0; n < N; n++) {
    const gb = n * 3 * H, hb = n * H, ab = n * 4 * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoidOf(xg[gb + j] + hg[gb + j]);
      const z = sigmoidOf(xg[gb + H + j] + hg[gb + H + j]);
      const hn = hg[gb + 2 * H + j];
      const nv = Math.tanh(xg[gb + 2 * H + j] + r * hn);
      acts[ab + j] = r; acts[ab + H + j] = z; acts[ab + 2 * H + j] = nv; acts[ab + 3 * H + j] = hn;
      // (1 − z)·n + z·h = n + z·(h − n)
      hOut[hb + j] = nv + z * (h[hb + j] - nv);
    }
  }
}

export function gruCellBackward(acts: Float, h: Float, g: Float, dxg: Float, dhg: Float, dh: Float, N: number, H: number): void {
  for (let n = 0; n < N; n++) {
    const gb = n * 3 * H, hb = n * H, ab = n * 4 * H;
    for (let j = 0; j < H; j++) {
      const r = acts[ab + j], z = acts[ab + H + j], nv = acts[ab + 2 * H + j], hn = acts[ab + 3 * H + j];
      const gv = g[hb + j];
      const dnPre = gv * (1 - z) * (1 - nv * nv);
      const dzPre = gv * (h[hb + j] - nv) * z * (1 - z);
      const drPre = dnPre * hn * r * (1 - r);
      dxg[gb + j] = drPre; dxg[gb + H + j] = dzPre; dxg[gb + 2 * H + j] = dnPre;
      dhg[gb + j] = drPre; dhg[gb + H + j] = dzPre; dhg[gb + 2 * H + j] = dnPre * r;
      dh[hb + j] = gv * z;
    }
  }
}

/** The reference keeps nothing outside `acts`. */
function lstmSequenceFree(): void {}

export const rnnKernels: RnnKernels = { lstmCell, lstmCellBackward, lstmSequence, lstmSequenceBackward, lstmSequenceFree, gruCell, gruCellBackward };
