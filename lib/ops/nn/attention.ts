// scaledDotProductAttention: softmax(q·kᵀ·scale + mask)·v, torch.nn.functional's
// scaled_dot_product_attention. One op with one backward: for small shapes one fused
// attention kernel each way; otherwise two batched matmuls around the backend's
// attention-softmax kernel (scale, additive mask and the causal limit fused into the
// softmax; the weights are saved for the backward). Both read strided heads in place. With dropout, a mask that
// requires grad, or batch dims that broadcast, it is composed from matmul/softmax/dropout.

import { getKernels } from "../../backend/index.js";
import type { AttentionOperand } from "../../backend/kernels.js";
import type { Float } from "../../dtype.js";
import { fmtShape, numelOf, sameShape } from "../../shape.js";
import type { Generator } from "../../random.js";
import { Tensor } from "../../tensor.js";
import { noGrad } from "../../autograd/grad_mode.js";
import { ones, zeros } from "../creation.js";
import { matrixOffsets } from "../matmul.js";
import { record } from "../op.js";
import { dropout } from "./dropout.js";
import { softmax } from "./activation.js";
import { type FloatDType, checkFloat, floatData, operand as residentOperand, residentFloat, residentScope } from "./util.js";

export interface ScaledDotProductAttentionOptions {
  /** Bool mask (true = may attend) or float mask added to the scores; broadcasts to [..., L, S]. */
  attnMask?: Tensor | null;
  /** Dropout on the attention weights (applied whenever > 0, as in PyTorch). */
  dropoutP?: number;
  /** Each query position attends only to key positions at or before it. */
  isCausal?: boolean;
  /** Default 1/√(head dim). */
  scale?: number;
  generator?: Generator;
}

/** query [..., L, E], key [..., S, E], value [..., S, Ev] → [..., L, Ev]. */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: ScaledDotProductAttentionOptions = {}): Tensor {
  const op = "scaledDotProductAttention";
  const dt = checkFloat(op, "query", query);
  checkFloat(op, "key", key);
  checkFloat(op, "value", value);
  if (query.ndim < 2 || key.ndim < 2 || value.ndim < 2) {
    throw new Error(`${op}: query, key and value need at least 2 dims, got ${fmtShape(query.shape)}, ${fmtShape(key.shape)}, ${fmtShape(value.shape)}`);
  }
  const E = query.shape[query.ndim - 1], L = query.shape[query.ndim - 2], S = key.shape[key.ndim - 2];
  if (key.shape[key.ndim - 1] !== E) throw new Error(`${op}: query ${fmtShape(query.shape)} and key ${fmtShape(key.shape)} must have the same last dim`);
  if (value.shape[value.ndim - 2] !== S) throw new Error(`${op}: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have the same sequence length (dim −2)`);
  if (options.isCausal && options.attnMask) throw new Error(`${op}: pass either attnMask or isCausal, not both`);
  const mask = options.attnMask ?? null;
  if (mask !== null && !(mask instanceof Tensor)) throw new Error(`${op}: attnMask must be a Tensor`);
  const scale = options.scale ?? 1 / Math.sqrt(E);
  const p = options.dropoutP ?? 0;
  const batch = query.shape.slice(0, -2);
  const fused = p === 0 && !(mask && mask.requiresGrad) && key.dtype === dt && value.dtype === dt
    && sameShape(key.shape.slice(0, -2), batch) && sameShape(value.shape.slice(0, -2), batch);
  if (fused) return fusedAttention(query, key, value, mask, options.isCausal ?? false, scale, dt);
  let scores = query.matmul(key.transpose(-2, -1)).mul(scale);
  let m = mask;
  if (options.isCausal) m = ones([L, S], { dtype: "bool" }).tril();
  if (m) scores = m.dtype === "bool" ? scores.maskedFill(m.logicalNot(), -Infinity) : scores.add(m);
  let attn = softmax(scores, -1);
  if (p > 0) attn = dropout(attn, { p, generator: options.generator });
  return attn.matmul(value);
}

/** The mask as additive values: one [L, S] matrix (stride 0) or one per batch matrix. */
function additiveMask(op: string, mask: Tensor, batch: readonly number[], L: number, S: number, dt: FloatDType): { data: Float; stride: number } {
  const full = [...batch, L, S];
  const lead = mask.shape.slice(0, -2);
  const shared = mask.ndim <= 2 || lead.every((d) => d === 1);
  const target = shared ? [L, S] : full;
  let m: Tensor;
  try {
    m = noGrad(() => (shared ? mask.reshape(mask.shape.slice(-2) as number[]) : mask).expand(target));
  } catch {
    throw new Error(`${op}: attnMask of shape ${fmtShape(mask.shape)} does not broadcast to the attention shape ${fmtShape(full)}`);
  }
  if (mask.dtype === "bool") m = noGrad(() => zeros(target, { dtype: dt }).maskedFill(m.logicalNot(), -Infinity));
  return { data: floatData(m, dt), stride: shared ? 0 : L * S };
}

/**
 * Where one fused attention kernel (scores, softmax, P·V per slice, q/k/v heads read in place)
 * beats the batched matmuls (bench/README.md, "small attention"): few keys times a small head
 * dim, S·(E + Ev) ≤ maxKeyWork. Above it the GEMM's register blocking wins over the saved copies.
 */
export const smallAttentionLimits = { maxSeq: 64, maxKeyWork: 256 };
const isSmall = (L: number, S: number, E: number, Ev: number): boolean =>
  L <= smallAttentionLimits.maxSeq && S * (E + Ev) <= smallAttentionLimits.maxKeyWork;

/**
 * t's [..., rows, cols] matrices read in place when each row is contiguous in storage (the
 * heads of a [N, L, h, d] projection viewed as [N, h, L, d]), else from a contiguous copy.
 */
function operand(t: Tensor, dt: FloatDType): AttentionOperand {
  const nd = t.ndim, rows = t.shape[nd - 2], cols = t.shape[nd - 1];
  const B = numelOf(t.shape.slice(0, -2));
  if (t.dtype === dt && (t.strides[nd - 1] === 1 || cols === 1) && t.strides.every((st) => st >= 0)) {
    // in place in the wasm memory when resident (inside residentScope only)
    return { data: t.storage.values as Float, offsets: matrixOffsets(t), rowStride: t.strides[nd - 2]! };
  }
  const offsets = new Int32Array(B);
  for (let b = 0; b < B; b++) offsets[b] = b * rows * cols;
  return { data: floatData(t, dt), offsets, rowStride: cols };
}

/**
 * An uninitialised `shape` tensor (inside residentScope; resident when one can be had) whose
 * dims lie in storage in the order of t's (outermost by stride first, the last dim innermost),
 * as PyTorch's preserve_format: the output or gradient of heads read from a [N, L, h, d]
 * projection is then itself [N, L, h, d] in storage, so transposing the heads back and
 * merging them is a view instead of a copy.
 */
function outputLike(t: Tensor, shape: readonly number[], dt: FloatDType): Tensor {
  const nd = shape.length;
  const order = [...Array(nd - 1).keys()].sort((a, b) => t.strides[b]! - t.strides[a]! || a - b);
  order.push(nd - 1);
  const strides = new Array<number>(nd);
  for (let i = nd - 1, s = 1; i >= 0; i--) {
    strides[order[i]!] = s;
    s *= shape[order[i]!]!;
  }
  const [flat] = residentFloat([numelOf(shape)], dt);
  return new Tensor(flat.storage, shape, strides, 0, dt);
}

/**
 * A result [N, h, rows, cols] for t's [N, h, rows, ·] (inside residentScope, as outputLike): where t's heads are views of an
 * [N, rows, h·d] tensor (MultiheadAttention's), laid out the same way ([N, rows, h, cols]
 * storage, viewed transposed) so that transposing back is free, with the matmul's offsetsC
 * and ldC to write it in place; otherwise contiguous.
 */
function resultLike(t: Tensor, cols: number, dt: FloatDType): [Tensor, Float, { offsetsC?: Int32Array; ldC?: number }] {
  const [N, h, rows, d] = t.shape as [number, number, number, number];
  const st = t.strides;
  if (t.ndim !== 4 || st[3] !== 1 || st[1] !== d || st[2] !== h * d || st[0] !== rows * h * d || h === 1) {
    const [r, data] = residentFloat([...t.shape.slice(0, -1), cols], dt);
    return [r, data, {}];
  }
  const [store, data] = residentFloat([N, rows, h, cols], dt);
  const offsetsC = new Int32Array(N * h);
  for (let b = 0; b < N * h; b++) offsetsC[b] = Math.floor(b / h) * rows * h * cols + (b % h) * cols;
  return [noGrad(() => store.transpose(1, 2)), data, { offsetsC, ldC: h * cols }];
}

/**
 * The attention weights a backward reads, [batch, L, S] flat: resident when one can be had,
 * so that the kernels read and write them in place (`weights` gives the array, inside a scope).
 */
function weightsStore(n: number, dt: FloatDType): Tensor {
  return residentScope(() => Tensor.output([n], dt));
}
const weights = (t: Tensor): Float => t.storage.values as Float;

/** body with an [n] scratch tensor (inside a scope) whose resident region is given back after. */
function withScratch<T>(n: number, dt: FloatDType, body: (t: Tensor) => T): T {
  const t = Tensor.output([n], dt);
  try {
    return body(t);
  } finally {
    t.storage.releaseResident();
  }
}

/** The small-shape path: the backend's attentionForward / attentionBackward kernels. */
function smallAttention(q: Tensor, k: Tensor, v: Tensor, m: { data: Float; stride: number } | null,
  causal: boolean, scale: number, dt: FloatDType): Tensor {
  const batchShape = q.shape.slice(0, -2);
  const B = numelOf(batchShape);
  const E = q.shape[q.ndim - 1], L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2], Ev = v.shape[v.ndim - 1];
  const K = getKernels();
  // q, k, v, the output and the gradients may be resident (util.ts): operands are taken
  // inside each call's scope, never kept
  const attnT = weightsStore(B * L * S, dt);
  const out = residentScope(() => {
    const o = outputLike(q, [...batchShape, L, Ev], dt);
    K.attentionForward(operand(q, dt), operand(k, dt), operand(v, dt), m ? m.data : null, m ? m.stride : 0, weights(attnT), operand(o, dt), B, L, S, E, Ev, scale, causal);
    return o;
  });
  return record(out, "ScaledDotProductAttentionBackward", [q, k, v], (g, needs) => residentScope(() => {
    const [dq, dk, dv] = [q, k, v].map((t, i) => (needs[i] ? outputLike(t, t.shape, dt) : null));
    // outputLike's rows are contiguous, so operand() gives their storage, written in place
    const written = (t: Tensor | null) => (t ? operand(t, dt) : null);
    K.attentionBackward(operand(q, dt), operand(k, dt), operand(v, dt), weights(attnT), operand(g, dt), written(dq), written(dk), written(dv), B, L, S, E, Ev, scale);
    return [dq, dk, dv];
  }), [q, k, v]);
}

/** packedSelfAttention's per-slice offsets by shape: the same tables every training step (read only). */
const packedTables = new Map<string, { offsets: Int32Array[]; outOffsets: Int32Array }>();

/**
 * Where slice b = (n, head) starts: in q, k and v of an [N, L, 3·h·d] projection (block
 * `which` at n·L·3E + which·E + head·d) and in the [N, L, h, d] output (n·L·E + head·d).
 */
function packedOffsets(N: number, L: number, h: number, d: number): { offsets: Int32Array[]; outOffsets: Int32Array } {
  const key = `${N},${L},${h},${d}`;
  let t = packedTables.get(key);
  if (t) return t;
  const E = h * d, B = N * h;
  // plain loops: Int32Array.from with a map function is far slower
  const offsets = [0, 1, 2].map((which) => {
    const o = new Int32Array(B);
    for (let b = 0; b < B; b++) o[b] = Math.floor(b / h) * L * 3 * E + which * E + (b % h) * d;
    return o;
  });
  const outOffsets = new Int32Array(B);
  for (let b = 0; b < B; b++) outOffsets[b] = Math.floor(b / h) * L * E + (b % h) * d;
  if (packedTables.size >= 32) packedTables.clear(); // a few shapes in any one program
  packedTables.set(key, (t = { offsets, outOffsets }));
  return t;
}

/** Whether packedSelfAttention takes L query rows of heads of size d (the small-shape kernel's shapes). */
export function packsSelfAttention(L: number, d: number): boolean {
  return isSmall(L, L, d, d);
}

/**
 * @internal Self-attention whose q, k and v are the three E-column blocks of one projection
 * qkv [N, L, 3·E] (MultiheadAttention's in_proj), each split into h heads of d = E / h: the
 * kernel reads the heads in place and writes their gradients into one [N, L, 3·E] tensor,
 * so the projection's backward gets its gradient whole, with no slices to gather. The mask
 * is additive or bool as scaledDotProductAttention's. Returns [N, h, L, d], stored as
 * [N, L, h, d]; only for shapes packsSelfAttention accepts.
 */
export function packedSelfAttention(qkv: Tensor, h: number, mask: Tensor | null, causal: boolean): Tensor {
  const op = "packedSelfAttention";
  const dt = checkFloat(op, "qkv", qkv);
  const [N, L, E3] = qkv.shape as [number, number, number];
  const E = E3 / 3, d = E / h, B = N * h;
  if (qkv.ndim !== 3 || !Number.isInteger(d) || !packsSelfAttention(L, d) || (mask && mask.requiresGrad)) {
    throw new Error(`${op}: qkv ${fmtShape(qkv.shape)} with ${h} heads is not a small packed self-attention`);
  }
  const scale = 1 / Math.sqrt(d);
  const m = mask ? additiveMask("scaledDotProductAttention", mask, [N, h], L, L, dt) : null;
  const { offsets, outOffsets } = packedOffsets(N, L, h, d);
  // qkv and the results are read and written in place where resident in the wasm memory: the
  // arrays are taken inside each call's scope, never kept
  const blocks = (data: Float) => offsets.map((o): AttentionOperand => ({ data, rowStride: E3, offsets: o }));
  const K = getKernels();
  const attnT = weightsStore(B * L * L, dt);
  const store = residentScope(() => {
    const [qd, kd, vd] = blocks(residentOperand(qkv, dt));
    const [st, sd] = residentFloat([N, L, h, d], dt);
    const outOp: AttentionOperand = { data: sd, offsets: outOffsets, rowStride: h * d };
    K.attentionForward(qd!, kd!, vd!, m ? m.data : null, m ? m.stride : 0, weights(attnT), outOp, B, L, L, d, d, scale, causal);
    return st;
  });
  const out = noGrad(() => store.transpose(1, 2));
  return record(out, "ScaledDotProductAttentionBackward", [qkv], (g) => residentScope(() => {
    const [qd, kd, vd] = blocks(residentOperand(qkv, dt));
    // dq, dk and dv cover every element of the one gradient
    const [dqkv, dd] = residentFloat([N, L, E3], dt);
    const [dq, dk, dv] = blocks(dd);
    K.attentionBackward(qd!, kd!, vd!, weights(attnT), operand(g, dt), dq!, dk!, dv!, B, L, L, d, d, scale);
    return [dqkv];
  }), [qkv]);
}

function fusedAttention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, causal: boolean, scale: number, dt: FloatDType): Tensor {
  const batchShape = q.shape.slice(0, -2);
  const B = numelOf(batchShape);
  const E = q.shape[q.ndim - 1], L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2], Ev = v.shape[v.ndim - 1];
  const K = getKernels();
  const m = mask ? additiveMask("scaledDotProductAttention", mask, batchShape, L, S, dt) : null;
  if (isSmall(L, S, E, Ev)) return smallAttention(q, k, v, m, causal, scale, dt);
  // q, k, v (and g) read in place where their heads are strided views, and where resident
  // (util.ts): operands are taken inside each call's scope, never kept
  const asA = (o: AttentionOperand) => ({ offsetsA: o.offsets, ldA: o.rowStride });
  const asB = (o: AttentionOperand) => ({ offsetsB: o.offsets, ldB: o.rowStride });
  const attnT = weightsStore(B * L * S, dt);
  // causal: the weights A (and the score gradients) are 0 right of the diagonal, so each
  // product computes only the triangle that matters (about half the multiply-adds)
  const lowerOut = causal ? { triangle: "lowerOut" as const } : {};
  const lowerA = causal ? { triangle: "lowerA" as const } : {}, upperA = causal ? { triangle: "upperA" as const } : {};
  const out = residentScope(() => {
    const qo = operand(q, dt), ko = operand(k, dt), vo = operand(v, dt), attn = weights(attnT);
    withScratch(B * L * S, dt, (scoresT) => {
      const scores = weights(scoresT);
      K.matmul(qo.data, ko.data, scores, { batch: B, m: L, n: S, k: E, transA: false, transB: true, strideA: 0, strideB: 0, ...asA(qo), ...asB(ko), ...lowerOut });
      K.attentionSoftmax(scores, m ? m.data : null, m ? m.stride : 0, attn, B, L, S, scale, causal);
    });
    const [o, od, atO] = resultLike(q, Ev, dt);
    K.matmul(attn, vo.data, od, { batch: B, m: L, n: Ev, k: S, transA: false, transB: false, strideA: L * S, strideB: 0, ...asB(vo), ...lowerA, ...atO });
    return o;
  });
  return record(out, "ScaledDotProductAttentionBackward", [q, k, v], (g, needs) => residentScope(() => {
    const qo = operand(q, dt), ko = operand(k, dt), vo = operand(v, dt), go = operand(g, dt), gd = go.data, attn = weights(attnT);
    const res: (Tensor | null)[] = [null, null, null];
    if (needs[2]) {
      // dV = Aᵀ·g
      const [dv, d, at] = resultLike(v, Ev, dt);
      K.matmul(attn, gd, d, { batch: B, m: S, n: Ev, k: L, transA: true, transB: false, strideA: L * S, strideB: 0, ...asB(go), ...upperA, ...at });
      res[2] = dv;
    }
    if (needs[0] || needs[1]) {
      // dA = g·vᵀ; dS = scale·A·(dA − Σ dA·A); dQ = dS·k; dK = dSᵀ·q
      withScratch(B * L * S, dt, (dAT) => {
        const dA = weights(dAT);
        K.matmul(gd, vo.data, dA, { batch: B, m: L, n: S, k: Ev, transA: false, transB: true, strideA: 0, strideB: 0, ...asA(go), ...asB(vo), ...lowerOut });
        K.softmaxBackward(attn, dA, dA, B * L, S, 1, false, scale);
        if (needs[0]) {
          const [dq, d, at] = resultLike(q, E, dt);
          K.matmul(dA, ko.data, d, { batch: B, m: L, n: E, k: S, transA: false, transB: false, strideA: L * S, strideB: 0, ...asB(ko), ...lowerA, ...at });
          res[0] = dq;
        }
        if (needs[1]) {
          const [dk, d, at] = resultLike(k, E, dt);
          K.matmul(dA, qo.data, d, { batch: B, m: S, n: E, k: L, transA: true, transB: false, strideA: L * S, strideB: 0, ...asB(qo), ...upperA, ...at });
          res[1] = dk;
        }
      });
    }
    return res;
  }), [q, k, v]);
}
