import { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import * as F from "../functional.js";
import { Module, deepCopy } from "./module.js";
import { ModuleList } from "./container.js";
import { Linear } from "./linear.js";
import * as init from "./init.js";
import { Dropout } from "./dropout.js";
import { LayerNorm } from "./normalization.js";
import { MultiheadAttention } from "./attention.js";

/** Whether an attention module's weights may be seen: by a forward hook on it. */
function wantsWeights(attn: MultiheadAttention): boolean {
  return attn._hookMaps.fwd.size > 0;
}

export interface TransformerEncoderLayerOptions {
  dimFeedforward?: number;
  dropout?: number;
  activation?: "relu" | "gelu" | ((x: Tensor) => Tensor);
  layerNormEps?: number;
  batchFirst?: boolean;
  /** Pre-norm (x + f(norm(x))) instead of the original post-norm (norm(x + f(x))). */
  normFirst?: boolean;
  bias?: boolean;
  dtype?: DType;
}

export interface EncoderCallOptions {
  /** Attention mask [L, L] or [N·heads, L, L] (bool: true = not allowed; float: added). */
  srcMask?: Tensor | null;
  /** [N, L] bool, true at padding positions. */
  srcKeyPaddingMask?: Tensor | null;
  isCausal?: boolean;
}

/**
 * One encoder block of "Attention Is All You Need": self-attention then a position-wise
 * feed-forward network, each with dropout, a residual connection and LayerNorm.
 * Submodule names follow PyTorch (self_attn, linear1, linear2, norm1, norm2, …).
 * To look at the attention, hook the attention module:
 * `layer.self_attn.registerForwardHook((_m, _in, out) => { weights = (out as [Tensor, Tensor])[1]; })`.
 */
export class TransformerEncoderLayer extends Module {
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  readonly normFirst: boolean;
  readonly activation: (x: Tensor) => Tensor;

  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const p = options.dropout ?? 0.1;
    const dff = options.dimFeedforward ?? 2048;
    const eps = options.layerNormEps ?? 1e-5;
    const bias = options.bias ?? true;
    const dtype = options.dtype;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: options.batchFirst ?? false, dtype });
    this.linear1 = new Linear(dModel, dff, { bias, dtype });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(dff, dModel, { bias, dtype });
    this.norm1 = new LayerNorm(dModel, { eps, bias, dtype });
    this.norm2 = new LayerNorm(dModel, { eps, bias, dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.normFirst = options.normFirst ?? false;
    const act = options.activation ?? "relu";
    if (typeof act === "function") this.activation = act;
    else if (act === "relu") this.activation = (x) => F.relu(x);
    else if (act === "gelu") this.activation = (x) => F.gelu(x);
    else throw new Error(`TransformerEncoderLayer: activation should be "relu" or "gelu", not ${JSON.stringify(act)}`);
  }

  private selfAttention(x: Tensor, o: EncoderCallOptions): Tensor {
    const [y] = this.self_attn.call(x, x, x, {
      attnMask: o.srcMask ?? null,
      keyPaddingMask: o.srcKeyPaddingMask ?? null,
      // Per-head weights (output[1], [N, heads, L, S]) only when a forward hook on self_attn
      // may look at them to draw attention maps: without them attention runs as one fused op.
      needWeights: wantsWeights(this.self_attn),
      averageAttnWeights: false,
      isCausal: o.isCausal ?? false,
    });
    return this.dropout1.call(y);
  }

  private feedForward(x: Tensor): Tensor {
    return this.dropout2.call(this.linear2.call(this.dropout.call(this.activation(this.linear1.call(x)))));
  }

  override forward(src: Tensor, options: EncoderCallOptions = {}): Tensor {
    let x = src;
    if (this.normFirst) {
      x = x.add(this.selfAttention(this.norm1.call(x), options));
      x = x.add(this.feedForward(this.norm2.call(x)));
    } else {
      x = this.norm1.call(x.add(this.selfAttention(x, options)));
      x = this.norm2.call(x.add(this.feedForward(x)));
    }
    return x;
  }
}

/** `numLayers` independent copies of an encoder layer applied in turn, then an optional norm. */
export class TransformerEncoder extends Module {
  layers: ModuleList<TransformerEncoderLayer>;
  norm: Module | null;
  readonly numLayers: number;

  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, options: { norm?: Module | null } = {}) {
    super();
    if (!Number.isInteger(numLayers) || numLayers < 1) throw new Error(`TransformerEncoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => deepCopy(encoderLayer)));
    this.norm = options.norm ?? null;
    this.numLayers = numLayers;
  }

  override forward(src: Tensor, options: { mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null; isCausal?: boolean } = {}): Tensor {
    let x = src;
    for (const layer of this.layers) {
      x = layer.call(x, { srcMask: options.mask ?? null, srcKeyPaddingMask: options.srcKeyPaddingMask ?? null, isCausal: options.isCausal });
    }
    return this.norm ? this.norm.call(x) : x;
  }
}

/**
 * Adds the sinusoidal position code of "Attention Is All You Need" to a sequence:
 * PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)); then dropout.
 * Input [L, N, d] (or [N, L, d] with batchFirst). The table is a non-persistent buffer `pe`.
 */
export class PositionalEncoding extends Module {
  readonly dModel: number;
  readonly batchFirst: boolean;
  dropout: Dropout;
  declare pe: Tensor;

  constructor(dModel: number, options: { maxLen?: number; dropout?: number; batchFirst?: boolean; dtype?: DType } = {}) {
    super();
    const maxLen = options.maxLen ?? 5000;
    this.dModel = dModel;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = new Dropout(options.dropout ?? 0);
    const dtype = options.dtype ?? "float32";
    const pe = dtype === "float64" ? new Float64Array(maxLen * dModel) : new Float32Array(maxLen * dModel);
    for (let pos = 0; pos < maxLen; pos++) {
      for (let i = 0; i < dModel; i += 2) {
        const angle = pos / Math.pow(10000, i / dModel);
        pe[pos * dModel + i] = Math.sin(angle);
        if (i + 1 < dModel) pe[pos * dModel + i + 1] = Math.cos(angle);
      }
    }
    this.registerBuffer("pe", Tensor.fromArray(pe, [maxLen, dModel], dtype), false);
  }

  override forward(x: Tensor): Tensor {
    const seqDim = this.batchFirst ? 1 : 0;
    if (x.ndim !== 3 || x.shape[2] !== this.dModel) {
      throw new Error(`PositionalEncoding: expected input [${this.batchFirst ? "N, L" : "L, N"}, ${this.dModel}], got [${x.shape.join(", ")}]`);
    }
    const L = x.shape[seqDim];
    if (L > this.pe.shape[0]) throw new Error(`PositionalEncoding: sequence length ${L} exceeds maxLen ${this.pe.shape[0]}`);
    const table = this.pe.narrow(0, 0, L);
    return this.dropout.call(x.add(this.batchFirst ? table : table.unsqueeze(1)));
  }
}

export interface DecoderCallOptions {
  /** Self-attention mask over the target [T, T] (bool: true = not allowed; float: added). */
  tgtMask?: Tensor | null;
  /** Cross-attention mask [T, S]. */
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (position i sees targets ≤ i) when no tgtMask is given. */
  tgtIsCausal?: boolean;
}

/**
 * One decoder block of "Attention Is All You Need": masked self-attention over the target,
 * cross-attention to the encoder's output (`memory`), then the feed-forward network, each
 * with dropout, a residual connection and LayerNorm. PyTorch's submodule names
 * (self_attn, multihead_attn, linear1, linear2, norm1..3).
 */
export class TransformerDecoderLayer extends Module {
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  readonly normFirst: boolean;
  readonly activation: (x: Tensor) => Tensor;

  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const p = options.dropout ?? 0.1;
    const eps = options.layerNormEps ?? 1e-5;
    const bias = options.bias ?? true;
    const dtype = options.dtype;
    const batchFirst = options.batchFirst ?? false;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst, dtype });
    this.multihead_attn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst, dtype });
    this.linear1 = new Linear(dModel, options.dimFeedforward ?? 2048, { bias, dtype });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(options.dimFeedforward ?? 2048, dModel, { bias, dtype });
    this.norm1 = new LayerNorm(dModel, { eps, bias, dtype });
    this.norm2 = new LayerNorm(dModel, { eps, bias, dtype });
    this.norm3 = new LayerNorm(dModel, { eps, bias, dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
    this.normFirst = options.normFirst ?? false;
    const act = options.activation ?? "relu";
    if (typeof act === "function") this.activation = act;
    else if (act === "relu") this.activation = (x) => F.relu(x);
    else if (act === "gelu") this.activation = (x) => F.gelu(x);
    else throw new Error(`TransformerDecoderLayer: activation should be "relu" or "gelu", not ${JSON.stringify(act)}`);
  }

  private selfAttention(x: Tensor, o: DecoderCallOptions): Tensor {
    const [y] = this.self_attn.call(x, x, x, {
      attnMask: o.tgtMask ?? null,
      keyPaddingMask: o.tgtKeyPaddingMask ?? null,
      needWeights: wantsWeights(this.self_attn),
      averageAttnWeights: false,
      isCausal: o.tgtIsCausal ?? false,
    });
    return this.dropout1.call(y);
  }

  private crossAttention(x: Tensor, memory: Tensor, o: DecoderCallOptions): Tensor {
    const [y] = this.multihead_attn.call(x, memory, memory, {
      attnMask: o.memoryMask ?? null,
      keyPaddingMask: o.memoryKeyPaddingMask ?? null,
      needWeights: wantsWeights(this.multihead_attn),
      averageAttnWeights: false,
    });
    return this.dropout2.call(y);
  }

  private feedForward(x: Tensor): Tensor {
    return this.dropout3.call(this.linear2.call(this.dropout.call(this.activation(this.linear1.call(x)))));
  }

  override forward(tgt: Tensor, memory: Tensor, options: DecoderCallOptions = {}): Tensor {
    let x = tgt;
    if (this.normFirst) {
      x = x.add(this.selfAttention(this.norm1.call(x), options));
      x = x.add(this.crossAttention(this.norm2.call(x), memory, options));
      x = x.add(this.feedForward(this.norm3.call(x)));
    } else {
      x = this.norm1.call(x.add(this.selfAttention(x, options)));
      x = this.norm2.call(x.add(this.crossAttention(x, memory, options)));
      x = this.norm3.call(x.add(this.feedForward(x)));
    }
    return x;
  }
}

/** `numLayers` independent copies of a decoder layer applied in turn, then an optional norm. */
export class TransformerDecoder extends Module {
  layers: ModuleList<TransformerDecoderLayer>;
  norm: Module | null;
  readonly numLayers: number;

  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, options: { norm?: Module | null } = {}) {
    super();
    if (!Number.isInteger(numLayers) || numLayers < 1) throw new Error(`TransformerDecoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => deepCopy(decoderLayer)));
    this.norm = options.norm ?? null;
    this.numLayers = numLayers;
  }

  override forward(tgt: Tensor, memory: Tensor, options: DecoderCallOptions = {}): Tensor {
    let x = tgt;
    for (const layer of this.layers) x = layer.call(x, memory, options);
    return this.norm ? this.norm.call(x) : x;
  }
}

export interface TransformerOptions extends TransformerEncoderLayerOptions {
  /** Width of every token vector (default 512). */
  dModel?: number;
  /** Attention heads (default 8). */
  nhead?: number;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  /** Used instead of building the encoder / decoder stacks. */
  customEncoder?: Module | null;
  customDecoder?: Module | null;
}

export interface TransformerCallOptions {
  srcMask?: Tensor | null;
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  srcIsCausal?: boolean;
  tgtIsCausal?: boolean;
}

/**
 * The encoder–decoder Transformer of "Attention Is All You Need" (PyTorch's nn.Transformer):
 * `encoder` (numEncoderLayers layers + a final LayerNorm) reads the source, `decoder`
 * (numDecoderLayers layers + a final LayerNorm) reads the target and attends to the encoder's
 * output. Inputs are [S, N, E] / [T, N, E] (or batch first); the output has the target's
 * shape. Every matrix parameter is re-initialised with xavierUniform, as PyTorch does.
 * Token embeddings, positional encodings and the output projection are the caller's.
 */
export class Transformer extends Module {
  encoder: Module;
  decoder: Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(options: TransformerOptions = {}) {
    super();
    const { dModel = 512, nhead = 8, numEncoderLayers = 6, numDecoderLayers = 6, customEncoder, customDecoder, ...layerOptions } = options;
    if (!Number.isInteger(dModel) || !Number.isInteger(nhead) || nhead < 1 || dModel % nhead !== 0) {
      throw new Error(`Transformer: dModel (${dModel}) must be divisible by nhead (${nhead})`);
    }
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = layerOptions.batchFirst ?? false;
    const norm = () => new LayerNorm(dModel, { eps: layerOptions.layerNormEps ?? 1e-5, bias: layerOptions.bias ?? true, dtype: layerOptions.dtype });
    this.encoder = customEncoder ?? new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, layerOptions), numEncoderLayers, { norm: norm() });
    this.decoder = customDecoder ?? new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, layerOptions), numDecoderLayers, { norm: norm() });
    this.resetParameters();
  }

  /** PyTorch's `_reset_parameters`: xavierUniform for every parameter with more than one dim. */
  resetParameters(): void {
    for (const p of this.parameters()) if (p.ndim > 1) init.xavierUniform(p);
  }

  /** src [S, N, E] and tgt [T, N, E] ([N, S, E] / [N, T, E] with batchFirst; unbatched [S, E] too) → [T, N, E]. */
  override forward(src: Tensor, tgt: Tensor, options: TransformerCallOptions = {}): Tensor {
    const batchDim = this.batchFirst ? 0 : 1;
    const batched = src.ndim === 3;
    if ((src.ndim !== 3 && src.ndim !== 2) || tgt.ndim !== src.ndim) {
      throw new Error(`Transformer: src and tgt must both be 3-D (batched) or both 2-D, got shapes [${src.shape.join(", ")}] and [${tgt.shape.join(", ")}]`);
    }
    if (batched && src.shape[batchDim] !== tgt.shape[batchDim]) {
      throw new Error(`Transformer: the batch size of src and tgt must be equal, got shapes [${src.shape.join(", ")}] and [${tgt.shape.join(", ")}]`);
    }
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel) {
      throw new Error(`Transformer: the feature size of src and tgt must equal dModel (${this.dModel}), got shapes [${src.shape.join(", ")}] and [${tgt.shape.join(", ")}]`);
    }
    const memory = this.encoder.call(src, {
      mask: options.srcMask ?? null,
      srcKeyPaddingMask: options.srcKeyPaddingMask ?? null,
      isCausal: options.srcIsCausal ?? false,
    }) as Tensor;
    return this.decoder.call(tgt, memory, {
      tgtMask: options.tgtMask ?? null,
      memoryMask: options.memoryMask ?? null,
      tgtKeyPaddingMask: options.tgtKeyPaddingMask ?? null,
      memoryKeyPaddingMask: options.memoryKeyPaddingMask ?? null,
      tgtIsCausal: options.tgtIsCausal ?? false,
    }) as Tensor;
  }

  /**
   * The causal mask for a sequence of length sz as PyTorch builds it: float [sz, sz], −∞
   * above the diagonal (position i may not attend to j > i), 0 elsewhere.
   */
  static generateSquareSubsequentMask(sz: number, options: { dtype?: "float32" | "float64" } = {}): Tensor {
    if (!Number.isInteger(sz) || sz < 0) throw new Error(`Transformer.generateSquareSubsequentMask: size must be a non-negative integer, got ${sz}`);
    const dtype = options.dtype ?? "float32";
    const m = dtype === "float64" ? new Float64Array(sz * sz) : new Float32Array(sz * sz);
    for (let i = 0; i < sz; i++) for (let j = i + 1; j < sz; j++) m[i * sz + j] = -Infinity;
    return Tensor.fromArray(m, [sz, sz], dtype);
  }
}
