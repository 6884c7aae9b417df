// The kernel families of modern models (activations, softmax and attention, normalization,
// losses, embeddings, recurrent cells). `Kernels` (kernels.ts) extends `ModelKernels`, so
// ops call them through `getKernels()` like every other kernel; the reference
// implementations live in lib/backend/reference/<family>.ts, the wasm ones in
// lib/backend/wasm/<family>.ts. Same contract as kernels.ts: contiguous row-major arrays,
// outputs allocated by the caller and overwritten, synchronous.

import type { Float } from "../dtype.js";

/** Forward activations: gelu (exact, x·Φ(x)), geluTanh (tanh approximation), silu (x·σ(x)). */
export type PointwiseOp = "gelu" | "geluTanh" | "silu";
/** Backward of an activation: from the input x (gelu, geluTanh, silu) or the output y (relu, tanh, sigmoid). */
export type PointwiseGradOp = PointwiseOp | "relu" | "tanh" | "sigmoid";

export interface ActivationKernels {
  /** out[i] = op(x[i]). */
  pointwise(op: PointwiseOp, x: Float, out: Float): void;
  /** dx[i] = g[i]·op'(…) where `saved` is x for gelu/geluTanh/silu and y = op(x) for relu/tanh/sigmoid. */
  pointwiseBackward(op: PointwiseGradOp, saved: Float, g: Float, dx: Float): void;
}

export interface SoftmaxKernels {
  /** softmax (or log-softmax when `log`) of x viewed as [outer, size, inner] along the middle axis. */
  softmax(x: Float, out: Float, outer: number, size: number, inner: number, log: boolean): void;
  /**
   * From the output y and its gradient g: dx = scale·y·(g − Σ g·y) (softmax) or
   * scale·(g − e^y·Σ g) (log-softmax), along the middle axis of [outer, size, inner]; dx may be g.
   */
  softmaxBackward(y: Float, g: Float, dx: Float, outer: number, size: number, inner: number, log: boolean, scale: number): void;
  /**
   * Attention weights of `batch` score matrices [L, S]: out = softmax(scale·x + mask) along S.
   * `mask` is additive (−∞ hides a key), one [L, S] matrix every `maskStride` elements (0:
   * the same matrix for all); `causal` also hides keys j > i (top-left aligned, as PyTorch).
   */
  attentionSoftmax(x: Float, mask: Float | null, maskStride: number, out: Float, batch: number, L: number, S: number, scale: number, causal: boolean): void;
}

export interface NormKernels {
  /**
   * Each of `rows` rows of D values: out = (x − mean)·rstd·w + b (w, b of length D, or null),
   * rstd = 1/√(biased var + eps); mean and rstd (length rows) are written for the backward.
   */
  layerNorm(x: Float, w: Float | null, b: Float | null, out: Float, mean: Float, rstd: Float, rows: number, D: number, eps: number): void;
  /** Gradients of layerNorm; each of dx, dw, db (null: not wanted) is overwritten. */
  layerNormBackward(x: Float, w: Float | null, mean: Float, rstd: Float, g: Float, dx: Float | null, dw: Float | null, db: Float | null, rows: number, D: number): void;
  /** Per-channel mean and biased variance of x [N, C, S] (two passes, for accuracy). */
  channelStats(x: Float, mean: Float, variance: Float, N: number, C: number, S: number): void;
  /** out[n, c, s] = x[n, c, s]·scale[c] + shift[c]. */
  channelAffine(x: Float, scale: Float, shift: Float, out: Float, N: number, C: number, S: number): void;
  /**
   * batchNorm gradients for x [N, C, S] normalised with per-channel mean and rstd: dw[c] =
   * Σ g·x̂, db[c] = Σ g (overwritten); dx (if not null) = w·rstd·(g − mean(g) − x̂·mean(g·x̂))
   * in training mode (batch statistics), w·rstd·g otherwise.
   */
  batchNormBackward(x: Float, g: Float, mean: Float, rstd: Float, w: Float | null, dx: Float | null, dw: Float, db: Float, N: number, C: number, S: number, training: boolean): void;
}

/** Cross-entropy geometry: logits [n, c, inner], targets [n, inner]. */
export interface CrossEntropyParams {
  n: number; c: number; inner: number;
  ignoreIndex: number;
  /** Label smoothing ε: the target becomes (1 − ε)·onehot + ε/c. */
  smoothing: number;
}

export interface LossKernels {
  /**
   * Per-position loss and logsumexp `lse` (both [n, inner]) for class-index targets, with
   * optional class weights [c]; ignored positions get 0. Returns Σ w[target] over counted positions.
   */
  crossEntropyForward(x: Float, target: Int32Array, weight: Float | null, loss: Float, lse: Float, p: CrossEntropyParams): number;
  /** dx (overwritten) for class-index targets; position i's gradient scale is coefPer[i], or `coef` when coefPer is null. */
  crossEntropyBackward(x: Float, target: Int32Array, weight: Float | null, lse: Float, coef: number, coefPer: Float | null, dx: Float, p: CrossEntropyParams): void;
  /** Per-position loss and lse for probability targets [n, c, inner]. */
  crossEntropyProbForward(x: Float, target: Float, weight: Float | null, loss: Float, lse: Float, p: CrossEntropyParams): void;
  /** Gradients for probability targets: dx and/or dTarget (null: not wanted), overwritten. */
  crossEntropyProbBackward(x: Float, target: Float, weight: Float | null, lse: Float, coef: number, coefPer: Float | null, dx: Float | null, dTarget: Float | null, p: CrossEntropyParams): void;
}

export interface EmbeddingKernels {
  /** out[i, :] = weight[idx[i], :] for rows of D values. */
  embeddingForward(weight: Float, idx: Int32Array, out: Float, D: number): void;
  /** dw (overwritten) = Σ over i with idx[i] = r of g[i, :], except row `paddingIdx` (−1: none). */
  embeddingBackward(g: Float, idx: Int32Array, dw: Float, D: number, paddingIdx: number): void;
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
   * One GRU step: xg = x·W_ihᵀ + b_ih and hg = h·W_hhᵀ + b_hh, both [N, 3H] in order (r, z, n);
   * h [N, H]. Writes hOut [N, H] and acts [N, 4H] = r, z, n, hg_n for the backward.
   */
  gruCell(xg: Float, hg: Float, h: Float, hOut: Float, acts: Float, N: number, H: number): void;
  /** From g = ∂/∂hOut: dxg [N, 3H], dhg [N, 3H], dh [N, H] (overwritten). */
  gruCellBackward(acts: Float, h: Float, g: Float, dxg: Float, dhg: Float, dh: Float, N: number, H: number): void;
}

export interface ModelKernels extends ActivationKernels, SoftmaxKernels, NormKernels, LossKernels, EmbeddingKernels, RnnKernels {}
