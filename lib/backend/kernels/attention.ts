// Fused attention for small shapes: for each of `batch` slices, P = softmax(scale·Q·Kᵀ + mask)
// and out = P·V in one call, and dQ, dK, dV from dOut and P, without batched matmuls.

import type { Float } from "../../dtype.js";

/**
 * A strided batch of matrices read (or, for outputs, written) in place: slice b's row r starts
 * at data[offsets[b] + r·rowStride], its elements are contiguous.
 */
export interface AttentionOperand {
  data: Float;
  offsets: Int32Array;
  rowStride: number;
}

export interface AttentionKernels {
  /**
   * q [batch, L, E], k [batch, S, E], v [batch, S, Ev] → attn [batch, L, S] (the weights, kept
   * for the backward; contiguous) and out [batch, L, Ev] (strided like the inputs: an op can lay
   * it out as its caller reads it). `mask` is additive (−∞ hides a key), one [L, S] matrix every
   * `maskStride` elements (0: shared); `causal` hides keys j > i. Masked weights are as
   * attentionSoftmax gives them.
   */
  attentionForward(q: AttentionOperand, k: AttentionOperand, v: AttentionOperand, mask: Float | null, maskStride: number,
    attn: Float, out: AttentionOperand, batch: number, L: number, S: number, E: number, Ev: number, scale: number, causal: boolean): void;
  /**
   * From the weights and g = ∂/∂out [batch, L, Ev] (strided like q): dv = Pᵀ·g, dS = scale·P·(g·vᵀ − Σ),
   * dq = dS·k, dk = dSᵀ·q, each written strided as given. A null gradient is not computed.
   */
  attentionBackward(q: AttentionOperand, k: AttentionOperand, v: AttentionOperand, attn: Float, g: AttentionOperand,
    dq: AttentionOperand | null, dk: AttentionOperand | null, dv: AttentionOperand | null, batch: number, L: number, S: number, E: number, Ev: number, scale: number): void;
}
