import type { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import * as F from "../functional.js";
import { conv2dRelu, conv2dReluMaxPool2d } from "../ops/nn/conv.js";
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
  /** How the border is padded (default "zeros"); other modes pad with F.pad first, as PyTorch. */
  paddingMode?: PaddingMode;
  dtype?: DType;
}

export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";
const PADDING_MODES: readonly PaddingMode[] = ["zeros", "reflect", "replicate", "circular"];

/** Shared by Conv1d/Conv2d: weight [out, in/groups, ...kernel], PyTorch's default init. */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | "same" | "valid";
  readonly dilation: number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  /** F.pad's list (last dim first, before/after) for the non-zero padding modes. */
  protected readonly reversedPadding: number[];
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
    this.paddingMode = o.paddingMode ?? "zeros";
    if (!PADDING_MODES.includes(this.paddingMode)) {
      throw new Error(`${name}: paddingMode must be one of ${PADDING_MODES.map((m) => `"${m}"`).join(", ")}, got ${JSON.stringify(o.paddingMode)}`);
    }
    // "same" splits dilation·(k − 1) with the odd one at the end, as F.conv*d does.
    const perDim = (d: number): [number, number] => {
      if (this.padding === "valid") return [0, 0];
      if (this.padding === "same") {
        const total = this.dilation[d] * (this.kernelSize[d] - 1);
        return [Math.floor(total / 2), total - Math.floor(total / 2)];
      }
      return [this.padding[d], this.padding[d]];
    };
    this.reversedPadding = [];
    for (let d = dims - 1; d >= 0; d--) this.reversedPadding.push(...perDim(d));
    this.weight = emptyParameter([outChannels, inChannels / groups, ...this.kernelSize], o.dtype);
    this.bias = o.bias === false ? null : emptyParameter([outChannels], o.dtype);
    this.resetParameters();
  }

  resetParameters(): void {
    init.resetAffineLayer(this.weight, this.bias);
  }

  override extraRepr(): string {
    const k = (v: number[]) => `(${v.join(", ")}${v.length === 1 ? "," : ""})`;
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${k(this.kernelSize)}, stride=${k(this.stride)}`;
    if (typeof this.padding === "string") s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${k(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${k(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ", bias=false";
    if (this.paddingMode !== "zeros") s += `, padding_mode=${this.paddingMode}`;
    return s;
  }

  /** The input padded by F.pad for the non-zero modes (then the conv itself pads nothing). */
  protected padInput(x: Tensor): Tensor {
    return F.pad(x, this.reversedPadding, { mode: this.paddingMode as Exclude<PaddingMode, "zeros"> });
  }
}

/** 1-D convolution over [N, C, L] (or [C, L]). */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvOptions = {}) {
    super("Conv1d", 1, inChannels, outChannels, kernelSize, options);
  }
  override forward(x: Tensor): Tensor {
    const zeros = this.paddingMode === "zeros";
    return F.conv1d(zeros ? x : this.padInput(x), this.weight, {
      bias: this.bias,
      stride: this.stride[0],
      padding: !zeros ? 0 : typeof this.padding === "string" ? this.padding : this.padding[0],
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
    return this.run(x, false);
  }

  /** relu(this.forward(x)) in one kernel call (nn.Sequential uses it for Conv2d + ReLU). */
  forwardRelu(x: Tensor): Tensor {
    return this.run(x, true);
  }

  /** maxPool2d(relu(this.forward(x)), ...) in one kernel call (nn.Sequential: Conv2d, ReLU, MaxPool2d). */
  forwardReluMaxPool(x: Tensor, kernelSize: number | readonly number[], poolOptions: Omit<F.MaxPool2dOptions, "returnIndices">): Tensor {
    return this.run(x, true, { kernelSize, poolOptions });
  }

  private run(x: Tensor, relu: boolean, pool?: { kernelSize: number | readonly number[]; poolOptions: Omit<F.MaxPool2dOptions, "returnIndices"> }): Tensor {
    const zeros = this.paddingMode === "zeros";
    const input = zeros ? x : this.padInput(x);
    const options = {
      bias: this.bias,
      stride: this.stride as [number, number],
      padding: zeros ? this.padding : 0,
      dilation: this.dilation as [number, number],
      groups: this.groups,
    };
    if (pool) return conv2dReluMaxPool2d(input, this.weight, options, pool.kernelSize, pool.poolOptions);
    return (relu ? conv2dRelu : F.conv2d)(input, this.weight, options);
  }
}

export interface ConvTransposeOptions {
  stride?: number | readonly number[];
  /** The padding of the convolution this transposes: dilation·(k − 1) − padding zeros are added to each side of the input. */
  padding?: number | readonly number[];
  /** Extra size on one side of the output (picks among the input sizes a strided conv maps to the same size). */
  outputPadding?: number | readonly number[];
  groups?: number;
  bias?: boolean;
  dilation?: number | readonly number[];
  dtype?: DType;
}

/**
 * Shared by ConvTranspose1d/2d. The weight is PyTorch's [in, out/groups, ...kernel] (the
 * layout of the conv it transposes), and its init is PyTorch's: kaiming_uniform(a=√5) with
 * fan_in computed from that layout (out/groups·k), bias U(±1/√fan_in).
 */
abstract class ConvTransposeNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly outputPadding: number[];
  readonly dilation: number[];
  readonly groups: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(
    protected readonly opName: string,
    protected readonly dims: number,
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    o: ConvTransposeOptions,
  ) {
    super();
    const groups = o.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(`${opName}: in_channels (${inChannels}) and out_channels (${outChannels}) must both be divisible by groups (${groups})`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = tupleOf(opName, "kernelSize", kernelSize, dims);
    this.stride = tupleOf(opName, "stride", o.stride ?? 1, dims);
    this.padding = tupleOf(opName, "padding", o.padding ?? 0, dims);
    this.outputPadding = tupleOf(opName, "outputPadding", o.outputPadding ?? 0, dims);
    this.dilation = tupleOf(opName, "dilation", o.dilation ?? 1, dims);
    this.outputPadding.forEach((op, d) => {
      if (op >= this.stride[d] && op >= this.dilation[d]) {
        throw new Error(`${opName}: outputPadding (${this.outputPadding.join(", ")}) must be smaller than either stride (${this.stride.join(", ")}) or dilation (${this.dilation.join(", ")})`);
      }
    });
    this.groups = groups;
    this.weight = emptyParameter([inChannels, outChannels / groups, ...this.kernelSize], o.dtype);
    this.bias = o.bias === false ? null : emptyParameter([outChannels], o.dtype);
    this.resetParameters();
  }

  resetParameters(): void {
    init.resetAffineLayer(this.weight, this.bias);
  }

  /**
   * The outputPadding that makes the output `outputSize` (its spatial dims, or with the
   * leading batch/channel dims), as PyTorch's `forward(input, output_size)`.
   */
  protected outputPaddingFor(x: Tensor, outputSize: readonly number[] | undefined): number[] {
    if (outputSize === undefined) return this.outputPadding;
    const d = this.dims;
    const size = outputSize.length === d + 2 || outputSize.length === d + 1 ? outputSize.slice(-d) : [...outputSize];
    if (size.length !== d) throw new Error(`${this.opName}: outputSize must have ${d}, ${d + 1} or ${d + 2} entries, got [${outputSize.join(", ")}]`);
    const spatial = x.shape.slice(-d);
    return size.map((want, i) => {
      const min = (spatial[i] - 1) * this.stride[i] - 2 * this.padding[i] + this.dilation[i] * (this.kernelSize[i] - 1) + 1;
      const max = min + Math.max(this.stride[i], this.dilation[i]) - 1;
      if (!(want >= min && want <= max)) {
        throw new Error(`${this.opName}: requested output size [${size.join(", ")}] is not possible for input of shape [${x.shape.join(", ")}]: dim ${i} must be in [${min}, ${max}]`);
      }
      return want - min;
    });
  }

  override extraRepr(): string {
    const k = (v: number[]) => `(${v.join(", ")}${v.length === 1 ? "," : ""})`;
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${k(this.kernelSize)}, stride=${k(this.stride)}`;
    if (this.padding.some((p) => p !== 0)) s += `, padding=${k(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${k(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, output_padding=${k(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ", bias=false";
    return s;
  }
}

/** Transposed 1-D convolution over [N, C, L] (or [C, L]): the gradient of Conv1d with respect to its input, as a layer. */
export class ConvTranspose1d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvTransposeOptions = {}) {
    super("ConvTranspose1d", 1, inChannels, outChannels, kernelSize, options);
  }
  /** `outputSize` ([L] or the full shape) picks the output length when the stride makes it ambiguous. */
  override forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    return F.convTranspose1d(x, this.weight, {
      bias: this.bias,
      stride: this.stride[0],
      padding: this.padding[0],
      outputPadding: this.outputPaddingFor(x, outputSize)[0],
      dilation: this.dilation[0],
      groups: this.groups,
    });
  }
}

/** Transposed 2-D convolution over [N, C, H, W] (or [C, H, W]): learned upsampling (DCGAN's generator, U-Net's decoder). */
export class ConvTranspose2d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvTransposeOptions = {}) {
    super("ConvTranspose2d", 2, inChannels, outChannels, kernelSize, options);
  }
  /** `outputSize` ([H, W] or the full shape) picks the output size when the stride makes it ambiguous. */
  override forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    return F.convTranspose2d(x, this.weight, {
      bias: this.bias,
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPaddingFor(x, outputSize),
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}
