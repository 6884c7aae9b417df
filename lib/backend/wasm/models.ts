// The wasm versions of the model kernel families (activation, softmax, attention, norm, loss, rnn, linear, embedding, Adam): float32 calls the
// SIMD kernels handle go there, everything else (float64, small or unsupported layouts)
// to the reference.

import type { Kernels, PointwiseGradOp } from "../kernels.js";
import { referenceKernels as ref } from "../reference.js";
import { pointwiseBackwardF32, pointwiseF32 } from "./activation.js";
import { layerNormBackwardF32, layerNormF32 } from "./norm.js";
import { attentionSoftmaxF32, softmaxBackwardF32, softmaxF32 } from "./softmax.js";
import { lstmCellBackwardF32, lstmCellF32, lstmSequenceBackwardF32, lstmSequenceF32, lstmSequenceFreeF32, lstmSequenceSpill, type LstmProjectionF32, type LstmProjectionGradF32 } from "./rnn.js";
import { crossEntropyBackwardF32, crossEntropyForwardF32 } from "./loss.js";
import { attentionBackwardF32, attentionForwardF32 } from "./attention.js";
import { linearBackwardF32, linearForwardF32 } from "./linear.js";
import { adamStepF32 } from "./optimizer.js";
import { embeddingBackwardF32, embeddingForwardF32 } from "./embedding.js";

type F32 = Float32Array;
// By tag, not instanceof: arrays made in another realm (a vm context) are Float32Arrays too.
const isF32 = (x: unknown): boolean => x === null || (ArrayBuffer.isView(x) && (x as F32)[Symbol.toStringTag] === "Float32Array");
const f32 = (...xs: unknown[]): boolean => xs.every(isF32);
/** A float32 array, or an LSTM input projection whose arrays all are. */
const f32OrProj = (x: unknown): boolean =>
  isF32(x) || (typeof x === "object" && x !== null && ["x", "wih", "dx", "dwih"].every((k) => !(k in x) || isF32((x as Record<string, unknown>)[k])));

export function modelWasmKernels(): Partial<Kernels> {
  return {
    linearForward: (x, w, bias, out, m, n, k) =>
      f32(x, w, bias, out) ? linearForwardF32(x as F32, w as F32, bias as F32 | null, out as F32, m, n, k) : ref.linearForward(x, w, bias, out, m, n, k),
    linearBackward: (g, x, w, dx, dw, db, m, n, k, act) =>
      f32(g, x, w, dx, dw, db, act ? act.saved : null) && m * n * k > 0
        ? linearBackwardF32(g as F32, x as F32, w as F32, dx as F32 | null, dw as F32 | null, db as F32 | null, m, n, k,
          act as { op: PointwiseGradOp; saved: F32 } | null | undefined)
        : ref.linearBackward(g, x, w, dx, dw, db, m, n, k, act),
    embeddingForward: (w, idx, out, D) => (f32(w, out) && embeddingForwardF32(w as F32, idx, out as F32, D)) || ref.embeddingForward(w, idx, out, D),
    embeddingBackward: (g, idx, dw, D, pad) => (f32(g, dw) && embeddingBackwardF32(g as F32, idx, dw as F32, D, pad)) || ref.embeddingBackward(g, idx, dw, D, pad),
    adamStep: (params, grads, m, v, vmax, stepSize, bc2Sqrt, h) =>
      f32(...params, ...grads, ...m, ...v, ...(vmax ?? []))
        ? adamStepF32(params as F32[], grads as F32[], m as F32[], v as F32[], vmax as F32[] | null, stepSize, bc2Sqrt, h)
        : ref.adamStep(params, grads, m, v, vmax, stepSize, bc2Sqrt, h),
    pointwise: (op, x, out) => (f32(x, out) && pointwiseF32(op, x as F32, out as F32)) || ref.pointwise(op, x, out),
    pointwiseBackward: (op, s, g, dx) => (f32(s, g, dx) && pointwiseBackwardF32(op, s as F32, g as F32, dx as F32)) || ref.pointwiseBackward(op, s, g, dx),
    softmax: (x, out, outer, size, inner, log) =>
      (f32(x, out) && softmaxF32(x as F32, out as F32, outer, size, inner, log)) || ref.softmax(x, out, outer, size, inner, log),
    softmaxBackward: (y, g, dx, outer, size, inner, log, scale) =>
      (f32(y, g, dx) && softmaxBackwardF32(y as F32, g as F32, dx as F32, outer, size, inner, log, scale)) || ref.softmaxBackward(y, g, dx, outer, size, inner, log, scale),
    attentionSoftmax: (x, mask, maskStride, out, batch, L, S, scale, causal) =>
      (f32(x, mask, out) && attentionSoftmaxF32(x as F32, mask as F32 | null, maskStride, out as F32, batch, L, S, scale, causal))
      || ref.attentionSoftmax(x, mask, maskStride, out, batch, L, S, scale, causal),
    attentionForward: (q, k, v, mask, maskStride, attn, out, batch, L, S, E, Ev, scale, causal) =>
      (f32(q.data, k.data, v.data, mask, attn, out.data)
        && attentionForwardF32(q, k, v, mask as F32 | null, maskStride, attn as F32, out, batch, L, S, E, Ev, scale, causal))
      || ref.attentionForward(q, k, v, mask, maskStride, attn, out, batch, L, S, E, Ev, scale, causal),
    attentionBackward: (q, k, v, attn, g, dq, dk, dv, batch, L, S, E, Ev, scale) =>
      (f32(q.data, k.data, v.data, attn, g.data, dq?.data ?? null, dk?.data ?? null, dv?.data ?? null)
        && attentionBackwardF32(q, k, v, attn as F32, g, dq, dk, dv, batch, L, S, E, Ev, scale))
      || ref.attentionBackward(q, k, v, attn, g, dq, dk, dv, batch, L, S, E, Ev, scale),
    layerNorm: (x, w, b, out, mean, rstd, rows, D, eps) =>
      (f32(x, w, b, out, mean, rstd) && layerNormF32(x as F32, w as F32 | null, b as F32 | null, out as F32, mean as F32, rstd as F32, rows, D, eps))
      || ref.layerNorm(x, w, b, out, mean, rstd, rows, D, eps),
    layerNormBackward: (x, w, mean, rstd, g, dx, dw, db, rows, D) =>
      (f32(x, w, mean, rstd, g, dx, dw, db) && layerNormBackwardF32(x as F32, w as F32 | null, mean as F32, rstd as F32, g as F32, dx as F32 | null, dw as F32 | null, db as F32 | null, rows, D))
      || ref.layerNormBackward(x, w, mean, rstd, g, dx, dw, db, rows, D),
    crossEntropyForward: (x, target, w, loss, lse, p) =>
      (f32(x, w, loss, lse) ? crossEntropyForwardF32(x as F32, target, w as F32 | null, loss as F32, lse as F32, p) : null)
      ?? ref.crossEntropyForward(x, target, w, loss, lse, p),
    crossEntropyBackward: (x, target, w, lse, coef, coefPer, dx, p) =>
      (f32(x, w, lse, coefPer, dx) && crossEntropyBackwardF32(x as F32, target, w as F32 | null, lse as F32, coef, coefPer as F32 | null, dx as F32, p))
      || ref.crossEntropyBackward(x, target, w, lse, coef, coefPer, dx, p),
    lstmCell: (gates, c, hc, acts, N, H) =>
      (f32(gates, c, hc, acts) && lstmCellF32(gates as F32, c as F32, hc as F32, acts as F32, N, H)) || ref.lstmCell(gates, c, hc, acts, N, H),
    lstmSequence: (xw, bias, h0, c0, whh, out, saved, L, N, H, reverse, batchFirst) =>
      (f32OrProj(xw) && f32(bias, h0, c0, whh, out, saved)
        && lstmSequenceF32(xw as F32 | LstmProjectionF32, bias as F32 | null, h0 as F32, c0 as F32, whh as F32, out as F32, saved as F32, L, N, H, reverse, batchFirst))
      || ref.lstmSequence(xw, bias, h0, c0, whh, out, saved, L, N, H, reverse, batchFirst),
    lstmSequenceBackward: (saved, h0, c0, whh, g, dxw, dh0, dc0, dwhh, dbias, L, N, H, reverse, batchFirst) =>
      (f32OrProj(dxw) && f32(saved, h0, c0, whh, g, dh0, dc0, dwhh, dbias)
        && lstmSequenceBackwardF32(saved as F32, h0 as F32, c0 as F32, whh as F32, g as F32, dxw as F32 | LstmProjectionGradF32, dh0 as F32, dc0 as F32,
          dwhh as F32 | null, dbias as F32 | null, L, N, H, reverse, batchFirst))
      || (isF32(saved) && lstmSequenceSpill(saved as F32),
      ref.lstmSequenceBackward(saved, h0, c0, whh, g, dxw, dh0, dc0, dwhh, dbias, L, N, H, reverse, batchFirst)),
    lstmSequenceFree: (saved) => (isF32(saved) ? lstmSequenceFreeF32(saved as F32) : ref.lstmSequenceFree(saved)),
    lstmCellBackward: (acts, c, hc, ghc, dGates, dc, N, H) =>
      (f32(acts, c, hc, ghc, dGates, dc) && lstmCellBackwardF32(acts as F32, c as F32, hc as F32, ghc as F32, dGates as F32, dc as F32, N, H))
      || ref.lstmCellBackward(acts, c, hc, ghc, dGates, dc, N, H),
  };
}
