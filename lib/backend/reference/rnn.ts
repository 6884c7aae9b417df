// Reference kernels of the LSTM and GRU cell pointwise parts (the matmuls stay matmuls), in
// PyTorch's gate order. Forward saves the gate activations, so the backward is one pass.

import type { Float } from "../../dtype.js";
import type { RnnKernels } from "../kernels/rnn.js";
import { sigmoidOf } from "./activation.js";

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

export const rnnKernels: RnnKernels = { lstmCell, lstmCellBackward, gruCell, gruCellBackward };
