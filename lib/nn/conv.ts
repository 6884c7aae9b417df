import type { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import * as F from "../functional.js";
import { Module } from "./module.js";
import { emptyParameter, tupleOf } from "./parameter.js";
import * as init from "./init.js";

export interface ConvOptions {
  stride?: number | readonly number[];
  /** Zero padding per side (a number or one per dim), or "valid" (none) / "same" (output size = input size, stride 1). */
  padding?: number | readonly number[] | "same" | "valid";
  dilation?: number | readonly number[];
  groups?: number;
  bias?: boolean;
  dtype?: DType;
}

/** Shared by Conv1d/Conv2d: weight [out, in/groups, ...kernel], PyTorch's default init. */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | "same" | "valid";
  readonly dilation: number[];
  readonly groups: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(name: string, dims: number, inChannels: number, outChannels: number, kernelSize: number | readonly number[], o: ConvOptions) {
    super();
    const groups = o.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(`${name}: in_channels (${inChannels}) and out_channels (${outChannels}) must both be divisible by groups (${groups})`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = tupleOf(name, "kernelSize", kernelSize, dims);
    this.stride = tupleOf(name, "stride", o.stride ?? 1, dims);
    const pad = o.padding ?? 0;
    if (pad === "same" && tupleOf(name, "stride", o.stride ?? 1, dims).some((v) => v !== 1)) {
      throw new Error(`${name}: padding "same" is not supported for strided convolutions`);
    }
    this.padding = typeof pad === "string" ? pad : tupleOf(name, "padding", pad, dims);
    this.dilation = tupleOf(name, "dilation", o.dilation ?? 1, dims);
    this.groups = groups;
    this.weight = emptyParameter([outChannels, inChannels / groups, ...this.kernelSize], o.dtype);
    this.bias = o.bias === false ? null : emptyParameter([outChannels], o.dtype);
    this.resetParameters();
  }

  resetParameters(): void {
    init.kaimingUniform(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const { fanIn } = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform(this.bias, { a: -bound, b: bound });
    }
  }

  override extraRepr(): string {
    const k = (v: number[]) => `(${v.join(", ")}${v.length === 1 ? "," : ""})`;
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${k(this.kernelSize)}, stride=${k(this.stride)}`;
    if (typeof this.padding === "string") s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${k(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${k(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ", bias=false";
    return s;
  }
}

/** 1-D convolution over [N, C, L] (or [C, L]). */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvOptions = {}) {
    super("Conv1d", 1, inChannels, outChannels, kernelSize, options);
  }
  override forward(x: Tensor): Tensor {
    return F.conv1d(x, this.weight, {
      bias: this.bias,
      stride: this.stride[0],
      padding: typeof this.padding === "string" ? this.padding : this.padding[0],
      dilation: this.dilation[0],
      groups: this.groups,
    });
  }
}

/** 2-D convolution over [N, C, H, W] (or [C, H, W]). */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvOptions = {}) {
    super("Conv2d", 2, inChannels, outChannels, kernelSize, options);
  }
  override forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, {
      bias: this.bias,
      stride: this.stride as [number, number],
      padding: this.padding,
      dilation: this.dilation as [number, number],
      groups: this.groups,
    });
  }
}
