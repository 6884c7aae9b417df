import { Tensor } from "../tensor.js";
import { zeros } from "../ops/creation.js";
import type { DType } from "../dtype.js";
import { fmtShape } from "../shape.js";
import * as F from "../functional.js";
import { Module } from "./module.js";
import { Linear } from "./linear.js";
import { emptyParameter } from "./parameter.js";
import * as init from "./init.js";
import { packedSelfAttention, packsSelfAttention } from "../ops/nn/attention.js";

export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights (training only). */
  dropout?: number;
  bias?: boolean;
  /** Feature sizes of key and value when they differ from embedDim. */
  kdim?: number;
  vdim?: number;
  /** Inputs and output as [batch, seq, embed] instead of [seq, batch, embed]. */
  batchFirst?: boolean;
  dtype?: DType;
}

export interface AttentionCallOptions {
  /** [N, S] bool (true = ignore that key) or float (added to the scores). */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** [L, S] or [N·heads, L, S]: bool (true = not allowed) or float (added to the scores). */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (default true): [N, L, S]; else [N, heads, L, S]. */
  averageAttnWeights?: boolean;
  /** Apply a causal mask (position i attends to j ≤ i) when no attnMask is given. */
  isCausal?: boolean;
}

/** A bool [L, S] mask that hides the future: true above the diagonal. */
export function causalMask(L: number, S = L): Tensor {
  const m = new Uint8Array(L * S);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < S; j++) m[i * S + j] = 1;
  return Tensor.fromArray(m, [L, S], "bool");
}

/** A mask as values to add to the scores: bool → −∞ where true (not allowed), float as it is. */
function additive(mask: Tensor, dtype: DType): Tensor {
  return mask.dtype === "bool" ? zeros(mask.shape as number[], { dtype }).maskedFill(mask, -Infinity) : mask;
}

/** Adds a mask to attention scores [N, h, L, S]: bool → −∞ where true, float → added. */
function applyMask(scores: Tensor, mask: Tensor): Tensor {
  return mask.dtype === "bool" ? scores.maskedFill(mask, -Infinity) : scores.add(mask);
}

/**
 * Multi-head scaled dot-product attention (Vaswani et al., 2017) with PyTorch's parameters
 * (in_proj_weight [3E, E], in_proj_bias, out_proj) and calling convention:
 * `const [out, weights] = mha.call(q, k, v, { keyPaddingMask, attnMask })`.
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  declare in_proj_weight: Tensor | null;
  declare q_proj_weight: Tensor | null;
  declare k_proj_weight: Tensor | null;
  declare v_proj_weight: Tensor | null;
  declare in_proj_bias: Tensor | null;
  out_proj: Linear;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    if (!Number.isInteger(numHeads) || numHeads < 1 || embedDim % numHeads !== 0) {
      throw new Error(`MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    }
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.dropout = options.dropout ?? 0;
    this.batchFirst = options.batchFirst ?? false;
    const dt = options.dtype;
    if (this.kdim === embedDim && this.vdim === embedDim) {
      this.registerParameter("in_proj_weight", emptyParameter([3 * embedDim, embedDim], dt));
    } else {
      this.registerParameter("q_proj_weight", emptyParameter([embedDim, embedDim], dt));
      this.registerParameter("k_proj_weight", emptyParameter([embedDim, this.kdim], dt));
      this.registerParameter("v_proj_weight", emptyParameter([embedDim, this.vdim], dt));
    }
    this.registerParameter("in_proj_bias", options.bias === false ? null : emptyParameter([3 * embedDim], dt));
    this.out_proj = new Linear(embedDim, embedDim, { bias: options.bias !== false, dtype: dt });
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.in_proj_weight) init.xavierUniform(this.in_proj_weight);
    else for (const w of [this.q_proj_weight!, this.k_proj_weight!, this.v_proj_weight!]) init.xavierUniform(w);
    if (this.in_proj_bias) init.zeros(this.in_proj_bias);
    if (this.out_proj.bias) init.zeros(this.out_proj.bias);
  }

  private project(x: Tensor, which: 0 | 1 | 2): Tensor {
    const E = this.embedDim;
    const w = this.in_proj_weight ? this.in_proj_weight.narrow(0, which * E, E) : [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight][which]!;
    return F.linear(x, w, this.in_proj_bias ? this.in_proj_bias.narrow(0, which * E, E) : null);
  }

  override forward(query: Tensor, key: Tensor, value: Tensor, options: AttentionCallOptions = {}): [Tensor, Tensor | null] {
    const { needWeights = true, averageAttnWeights = true, isCausal = false } = options;
    const batched = query.ndim === 3;
    if (query.ndim !== 2 && query.ndim !== 3) throw new Error(`MultiheadAttention: query must be rank 2 or 3, got shape ${fmtShape(query.shape)}`);
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new Error(`MultiheadAttention: query, key and value must have the same rank, got shapes ${fmtShape(query.shape)}, ${fmtShape(key.shape)} and ${fmtShape(value.shape)}`);
    }
    // To [N, L, E].
    const toNLE = (t: Tensor) => (batched ? (this.batchFirst ? t : t.transpose(0, 1)) : t.unsqueeze(0));
    const q0 = toNLE(query);
    const k0 = toNLE(key);
    const v0 = toNLE(value);
    const [N, L, E] = q0.shape;
    const S = k0.shape[1];
    if (E !== this.embedDim) throw new Error(`MultiheadAttention: query of shape ${fmtShape(query.shape)} must end in embedDim=${this.embedDim}`);
    if (k0.shape[2] !== this.kdim || v0.shape[2] !== this.vdim) {
      throw new Error(`MultiheadAttention: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must end in kdim=${this.kdim} and vdim=${this.vdim}`);
    }
    if (k0.shape[0] !== N || v0.shape[0] !== N || v0.shape[1] !== S) {
      throw new Error(`MultiheadAttention: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} do not match query ${fmtShape(query.shape)} in batch or sequence length`);
    }
    const h = this.numHeads;
    const d = this.headDim;
    const heads = (t: Tensor, len: number) => t.reshape(N, len, h, d).transpose(1, 2); // [N, h, len, d]
    const kpm = options.keyPaddingMask ?? null;
    let kpmN: Tensor | null = null;
    if (kpm) {
      kpmN = batched ? kpm : kpm.unsqueeze(0);
      if (kpmN.ndim !== 2 || kpmN.shape[0] !== N || kpmN.shape[1] !== S) {
        throw new Error(`MultiheadAttention: keyPaddingMask of shape ${fmtShape(kpm.shape)} should be [${N}, ${S}]`);
      }
    }
    let attnMask = options.attnMask ?? null;
    if (attnMask) {
      const ok = (attnMask.ndim === 2 && attnMask.shape[0] === L && attnMask.shape[1] === S)
        || (attnMask.ndim === 3 && attnMask.shape[0] === N * h && attnMask.shape[1] === L && attnMask.shape[2] === S);
      if (!ok) throw new Error(`MultiheadAttention: attnMask of shape ${fmtShape(attnMask.shape)} should be [${L}, ${S}] or [${N * h}, ${L}, ${S}]`);
      if (attnMask.ndim === 3) attnMask = attnMask.reshape(N, h, L, S);
    }
    const dropout = this.training ? this.dropout : 0;
    if (!needWeights && dropout === 0) {
      // the fused path (PyTorch's too when no weights are asked for): one attention op
      const causal = isCausal && !attnMask;
      /** The masks as one additive mask in the scores' dtype (with the causal one when there are others). */
      const masks = (dtype: DType): Tensor | null => {
        let mask: Tensor | null = null;
        const add = (m: Tensor) => (mask = mask ? mask.add(additive(m, dtype)) : additive(m, dtype));
        if (attnMask) add(attnMask);
        if (kpmN) add(kpmN.reshape(N, 1, 1, S));
        if (causal && mask) add(causalMask(L, S));
        return mask;
      };
      if (query === key && key === value && this.in_proj_weight && q0.dtype === this.in_proj_weight.dtype && packsSelfAttention(L, d)) {
        // self-attention: one projection to q, k and v side by side, its heads read in place
        const qkv = F.linear(q0, this.in_proj_weight, this.in_proj_bias);
        const mask = masks(qkv.dtype);
        return [this.finish(packedSelfAttention(qkv, h, mask, causal && !mask), N, L, E, batched), null];
      }
      const q = heads(this.project(q0, 0), L), k = heads(this.project(k0, 1), S), v = heads(this.project(v0, 2), S);
      const mask = masks(q.dtype);
      const o = F.scaledDotProductAttention(q, k, v, { attnMask: mask, isCausal: causal && !mask });
      return [this.finish(o, N, L, E, batched), null];
    }
    const q = heads(this.project(q0, 0), L).mul(1 / Math.sqrt(d));
    const k = heads(this.project(k0, 1), S);
    const v = heads(this.project(v0, 2), S);
    let scores = q.matmul(k.transpose(2, 3)); // [N, h, L, S]
    if (attnMask === null && isCausal) attnMask = causalMask(L, S);
    if (attnMask) scores = applyMask(scores, attnMask);
    if (kpmN) scores = applyMask(scores, kpmN.reshape(N, 1, 1, S));
    let attn = F.softmax(scores, -1);
    const weights = attn;
    if (dropout > 0) attn = F.dropout(attn, { p: dropout, training: true });
    const out = this.finish(attn.matmul(v), N, L, E, batched);
    if (!needWeights) return [out, null];
    let w = averageAttnWeights ? weights.mean(1) : weights;
    if (!batched) w = w.squeeze(0);
    return [out, w];
  }

  /** Heads [N, h, L, d] → [N, L, E] → out_proj → the caller's layout. */
  private finish(o: Tensor, N: number, L: number, E: number, batched: boolean): Tensor {
    const out = this.out_proj.call(o.transpose(1, 2).reshape(N, L, E));
    return batched ? (this.batchFirst ? out : out.transpose(0, 1)) : out.squeeze(0);
  }

  override extraRepr(): string {
    return `embed_dim=${this.embedDim}, num_heads=${this.numHeads}`;
  }
}
