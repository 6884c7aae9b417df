// Reference kernels of fused small-shape attention (forward and backward), slice by slice.
// The weights are reference/softmax.ts's attentionSoftmax of the same scores (one row helper).

import type { Float } from "../../dtype.js";
import type { AttentionKernels, AttentionOperand } from "../kernels/attention.js";
import { softmaxRowInPlace } from "./softmax.js";

export function attentionForward(q: AttentionOperand, k: AttentionOperand, v: AttentionOperand, mask: Float | null, maskStride: number,
  attn: Float, out: AttentionOperand, batch: number, L: number, S: number, E: number, Ev: number, scale: number, causal: boolean): void {
  const qd = q.data, kd = k.data, vd = v.data, od = out.data;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < L; i++) {
      const row = (b * L + i) * S, mrow = b * maskStride + i * S, qi = q.offsets[b]! + i * q.rowStride;
      const end = causal ? Math.min(S, i + 1) : S; // keys at or before the query
      let m = -Infinity;
      for (let j = 0; j < end; j++) {
        let d = 0;
        const kj = k.offsets[b]! + j * k.rowStride;
        for (let e = 0; e < E; e++) d += qd[qi + e] * kd[kj + e];
        const s = scale * d + (mask ? mask[mrow + j] : 0);
        attn[row + j] = s;
        if (s > m || s !== s) m = s;
      }
      softmaxRowInPlace(attn, row, end, S, m);
      const oi = out.offsets[b]! + i * out.rowStride;
      for (let e = 0; e < Ev; e++) od[oi + e] = 0;
      for (let j = 0; j < end; j++) {
        const p = attn[row + j], vj = v.offsets[b]! + j * v.rowStride;
        for (let e = 0; e < Ev; e++) od[oi + e] += p * vd[vj + e];
      }
    }
  }
}

export function attentionBackward(q: AttentionOperand, k: AttentionOperand, v: AttentionOperand, attn: Float, g: AttentionOperand,
  dq: AttentionOperand | null, dk: AttentionOperand | null, dv: AttentionOperand | null, batch: number, L: number, S: number, E: number, Ev: number, scale: number): void {
  const qd = q.data, kd = k.data, vd = v.data, gd = g.data;
  const dqd = dq?.data, dkd = dk?.data, dvd = dv?.data;
  const dS = new Float64Array(S);
  /** Zeroes `rows` rows of `cols` of slice b of x. */
  const clear = (x: AttentionOperand, b: number, rows: number, cols: number) => {
    for (let r = 0; r < rows; r++) x.data.fill(0, x.offsets[b]! + r * x.rowStride, x.offsets[b]! + r * x.rowStride + cols);
  };
  for (let b = 0; b < batch; b++) {
    const gb = g.offsets[b]!;
    if (dv && dvd) {
      clear(dv, b, S, Ev);
      for (let i = 0; i < L; i++) {
        const row = (b * L + i) * S, gi = gb + i * g.rowStride;
        for (let j = 0; j < S; j++) {
          const p = attn[row + j], vj = dv.offsets[b]! + j * dv.rowStride;
          for (let e = 0; e < Ev; e++) dvd[vj + e] += p * gd[gi + e];
        }
      }
    }
    if (!dq && !dk) continue;
    if (dq) clear(dq, b, L, E);
    if (dk) clear(dk, b, S, E);
    for (let i = 0; i < L; i++) {
      const row = (b * L + i) * S, gi = gb + i * g.rowStride, qi = q.offsets[b]! + i * q.rowStride, dqi = dq ? dq.offsets[b]! + i * dq.rowStride : 0;
      // dA_ij = g_i·v_j; dS = scale·P·(dA − Σ_j dA·P)
      let s = 0;
      for (let j = 0; j < S; j++) {
        let d = 0;
        const vj = v.offsets[b]! + j * v.rowStride;
        for (let e = 0; e < Ev; e++) d += gd[gi + e] * vd[vj + e];
        dS[j] = d;
        s += d * attn[row + j];
      }
      for (let j = 0; j < S; j++) {
        const c = scale * attn[row + j] * (dS[j]! - s), kj = k.offsets[b]! + j * k.rowStride, dkj = dk ? dk.offsets[b]! + j * dk.rowStride : 0;
        if (dqd) for (let e = 0; e < E; e++) dqd[dqi + e] += c * kd[kj + e];
        if (dkd) for (let e = 0; e < E; e++) dkd[dkj + e] += c * qd[qi + e];
      }
    }
  }
}

export const attentionKernels: AttentionKernels = { attentionForward, attentionBackward };
