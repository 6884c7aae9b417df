// The pointwise parts of one LSTM / GRU step (the matmuls stay matmuls) and a whole LSTM layer's recurrence.

import type { Float } from "../../dtype.js";

/** The input projection lstmSequence computes itself: xw = x·W_ihᵀ, x [L, N, I] (or [N, L, I]), wih [4H, I]. */
export interface LstmProjection {
  x: Float;
  wih: Float;
  I: number;
}
/** Its gradients, each written when not null: dx (x's layout), dwih [4H, I]. */
export interface LstmProjectionGrad extends LstmProjection {
  dx: Float | null;
  dwih: Float | null;
}

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
   * A whole LSTM layer: xw = x·W_ihᵀ per step, [L, N, 4H] or with `batchFirst` [N, L, 4H] (or
   * the projection to compute it, x in the same layout), bias [4H] (b_ih + b_hh, or null: then
   * folded into xw) added to every row, h0 and c0 [N, H], whh [4H, H]; steps t = 0 … L−1
   * (L−1 … 0 when `reverse`). Writes out [L·N·H + N·H]: h_t of every step ([L, N, H], batch
   * first [N, L, H]) then the last step's c [N, H]; and saved [L·N·6H] = the gate activations
   * [L, N, 4H] (as lstmCell's acts) then h_t, c_t [L, N, 2H] (as lstmCell's hc). Only
   * lstmSequenceBackward reads `saved`: a backend may keep it in its own memory instead and
   * write it only when it needs that memory back, until lstmSequenceFree(saved).
   */
  lstmSequence(xw: Float | LstmProjection, bias: Float | null, h0: Float, c0: Float, whh: Float, out: Float, saved: Float,
    L: number, N: number, H: number, reverse: boolean, batchFirst: boolean): void;
  /**
   * lstmSequence's backward from g = ∂/∂out (the layout of out): dxw (the layout of xw; the
   * gate gradients of every step; with a projection, its gradients instead), dh0 and dc0
   * [N, H], dwhh [4H, H] = Σ_t dGates_tᵀ·h_(t−1) as one product and dbias [4H] = the column
   * sums of the gate gradients, each when not null. All overwritten.
   */
  lstmSequenceBackward(saved: Float, h0: Float, c0: Float, whh: Float, g: Float, dxw: Float | LstmProjectionGrad, dh0: Float, dc0: Float,
    dwhh: Float | null, dbias: Float | null, L: number, N: number, H: number, reverse: boolean, batchFirst: boolean): void;
  /** The backward of the lstmSequence call that was given `saved` will not run (again): drop what the backend kept for it. */
  lstmSequenceFree(saved: Float): void;
  /**
   * One GRU step: xg = x·W_ihᵀ + b_ih and hg = h·W_hhᵀ + b_hh, both [N, 3H] in order (r, z, n);
   * h [N, H]. Writes hOut [N, H] and acts [N, 4H] = r, z, n, hg_n for the backward.
   */
  gruCell(xg: Float, hg: Float, h: Float, hOut: Float, acts: Float, N: number, H: number): void;
  /** From g = ∂/∂hOut: dxg [N, 3H], dhg [N, 3H], dh [N, H] (overwritten). */
  gruCellBackward(acts: Float, h: Float, g: Float, dxg: Float, dhg: Float, dh: Float, N: number, H: number): void;
}
