import type { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import { Module } from "./module.js";

/** Zeroes each element with probability p during training and scales the rest by 1/(1 − p); identity in eval. */
export class Dropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: probability has to be between 0 and 1, got ${p}`);
    this.p = p;
  }
  override forward(x: Tensor): Tensor {
    return F.dropout(x, { p: this.p, training: this.training });
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Zeroes whole channels of [N, C, H, W] with probability p during training (spatial dropout). */
export class Dropout2d extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout2d: probability has to be between 0 and 1, got ${p}`);
    this.p = p;
  }
  override forward(x: Tensor): Tensor {
    return F.dropout2d(x, { p: this.p, training: this.training });
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
