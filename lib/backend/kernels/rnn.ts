// The pointwise parts of one LSTM / GRU step (the matmuls stay matmuls).

import type { Float } from "../../dtype.js";

export interface RnnKernels {
  /**
   * One LSTM step for N rows: gates [N, 4H] = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh in PyTorch's
   * order (i, f, g, o); c [N, H]. Writes hc [N, 2H] (h' then c' in each row) and acts [N, 4H]
   * = σ(i), σ(f), tanh(g), σ(o) for the backward.
   */
  lstmCell(gates: Float, c: Float, hc: Float, acts: Float, N: number, H: number): void;
  /** From the gradient ghc [N, 2H] of hc: dGates [N, 4H] and dc [N, H] (overwritten). */
  lstmCellBackward(acts: Float, c: Float, hc: Float, ghc: Float, dGates: Float, dc: Float, N: number, H: number): void;
  /**
   * One GRU step: xg = x·W_ihᵀ + b_ih and hg = h·W_hhᵀ + b_hh, both [N, 3H] in order (r, z, n);
   * h [N, H]. Writes hOut [N, H] and acts [N, 4H] = r, z, n, hg_n for the backward.
   */
  gruCell(xg: Float, hg: Float, h: Float, hOut: Float, acts: Float, N: number, H: number): void;
  /** From g = ∂/∂hOut: dxg [N, 3H], dhg [N, 3H], dh [N, H] (overwritten). */
  gruCellBackward(acts: Float, h: Float, g: Float, dxg: Float, dhg: Float, dh: Float, N: number, H: number): void;
}
