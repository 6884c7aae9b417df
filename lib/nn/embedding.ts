import type { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import * as F from "../functional.js";
import { Module } from "./module.js";
import { emptyParameter } from "./parameter.js";
import * as init from "./init.js";

export interface EmbeddingOptions {
  /** Row kept at zero and never updated (its gradient is zeroed), e.g. for a padding token. */
  paddingIdx?: number;
  dtype?: DType;
}

/** A lookup table: int32 indices of any shape → their rows of `weight` [num, dim]. Init N(0, 1). */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    let pad = options.paddingIdx ?? null;
    if (pad !== null) {
      if (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings) {
        throw new Error(`Embedding: paddingIdx ${pad} must be within num_embeddings (${numEmbeddings})`);
      }
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    this.weight = init.normal(emptyParameter([numEmbeddings, embeddingDim], options.dtype));
    if (pad !== null) (this.weight.data as Float32Array).fill(0, pad * embeddingDim, (pad + 1) * embeddingDim);
  }

  override forward(idx: Tensor): Tensor {
    // The functional op skips the padding row in backward, so it never learns.
    return F.embedding(idx, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ""}`;
  }
}
