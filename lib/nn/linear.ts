import type { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import { fmtShape } from "../shape.js";
import * as F from "../functional.js";
import { Module } from "./module.js";
import { emptyParameter } from "./parameter.js";
import * as init from "./init.js";

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
}

/** y = x Wᵀ + b over the last dim; W is [out, in]. Init as PyTorch: U(±1/√in) for both. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = emptyParameter([outFeatures, inFeatures], options.dtype);
    this.bias = options.bias === false ? null : emptyParameter([outFeatures], options.dtype);
    this.resetParameters();
  }

  resetParameters(): void {
    init.resetAffineLayer(this.weight, this.bias);
  }

  override forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new Error(
        `Linear: input of shape ${fmtShape(x.shape)} does not end in in_features=${this.inFeatures} (weight shape ${fmtShape(this.weight.shape)})`,
      );
    }
    return F.linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Returns its input unchanged (a placeholder in architectures). */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}

/** Flattens dims startDim..endDim (default 1..−1: everything but the batch). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Splits dim `dim` into `sizes` (inverse of Flatten). */
export class Unflatten extends Module {
  constructor(
    readonly dim: number,
    readonly sizes: readonly number[],
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return x.unflatten(this.dim, this.sizes);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=(${this.sizes.join(", ")}${this.sizes.length === 1 ? "," : ""})`;
  }
}
