import type { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import type { UnfoldOptions } from "../functional.js";
import { Module } from "./module.js";

type Size = number | readonly number[];
const fmt = (v: Size) => (typeof v === "number" ? `${v}` : `(${v.join(", ")})`);
const rest = (o: UnfoldOptions) => `dilation=${fmt(o.dilation ?? 1)}, padding=${fmt(o.padding ?? 0)}, stride=${fmt(o.stride ?? 1)}`;

/** Sliding blocks of [N, C, H, W] as columns [N, C·kH·kW, L] (im2col; F.unfold as a layer). */
export class Unfold extends Module {
  constructor(
    readonly kernelSize: Size,
    readonly options: UnfoldOptions = {},
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.unfold(x, this.kernelSize, this.options);
  }
  override extraRepr(): string {
    return `kernel_size=${fmt(this.kernelSize)}, ${rest(this.options)}`;
  }
}

/** Columns [N, C·kH·kW, L] back to [N, C, outH, outW], summing overlaps (col2im; the adjoint of Unfold). */
export class Fold extends Module {
  constructor(
    readonly outputSize: Size,
    readonly kernelSize: Size,
    readonly options: UnfoldOptions = {},
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.fold(x, this.outputSize, this.kernelSize, this.options);
  }
  override extraRepr(): string {
    return `output_size=${fmt(this.outputSize)}, kernel_size=${fmt(this.kernelSize)}, ${rest(this.options)}`;
  }
}
