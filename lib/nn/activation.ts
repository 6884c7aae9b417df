import type { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import * as F from "../functional.js";
import { Module } from "./module.js";
import { emptyParameter } from "./parameter.js";
import * as init from "./init.js";

export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}`;
  }
}

export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

export class GELU extends Module {
  constructor(readonly approximate: "none" | "tanh" = "none") {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

export class SiLU extends Module {
  override forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}

export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Softmax over the channels (dim −3) of [N, C, H, W] or [C, H, W]: a class distribution per pixel. */
export class Softmax2d extends Module {
  override forward(x: Tensor): Tensor {
    if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`Softmax2d: expected input of shape [N, C, H, W] or [C, H, W], got [${x.shape.join(", ")}]`);
    return F.softmax(x, -3);
  }
}

export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

export class Softplus extends Module {
  constructor(readonly options: { beta?: number; threshold?: number } = {}) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.softplus(x, this.options);
  }
  override extraRepr(): string {
    return `beta=${this.options.beta ?? 1}, threshold=${this.options.threshold ?? 20}`;
  }
}

/** clamp(x, minVal, maxVal) (defaults −1, 1). */
export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;
  constructor(options: { minVal?: number; maxVal?: number } = {}) {
    super();
    this.minVal = options.minVal ?? -1;
    this.maxVal = options.maxVal ?? 1;
    if (!(this.maxVal > this.minVal)) throw new Error(`Hardtanh: maxVal (${this.maxVal}) must be greater than minVal (${this.minVal})`);
  }
  override forward(x: Tensor): Tensor {
    return F.hardtanh(x, { minVal: this.minVal, maxVal: this.maxVal });
  }
  override extraRepr(): string {
    return `min_val=${this.minVal}, max_val=${this.maxVal}`;
  }
}

/** min(max(x, 0), 6). */
export class ReLU6 extends Module {
  override forward(x: Tensor): Tensor {
    return F.relu6(x);
  }
}

/** Self-normalising ELU (Klambauer et al., 2017) with its fixed alpha and scale. */
export class SELU extends Module {
  override forward(x: Tensor): Tensor {
    return F.selu(x);
  }
}

/** x for x > 0, alpha·(e^(x/alpha) − 1) otherwise (default alpha 1). */
export class CELU extends Module {
  constructor(readonly alpha = 1) {
    super();
    if (alpha === 0) throw new Error("CELU: alpha cannot be 0");
  }
  override forward(x: Tensor): Tensor {
    return F.celu(x, { alpha: this.alpha });
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** x·tanh(softplus(x)). */
export class Mish extends Module {
  override forward(x: Tensor): Tensor {
    return F.mish(x);
  }
}

/** x·relu6(x + 3)/6 (MobileNetV3). */
export class Hardswish extends Module {
  override forward(x: Tensor): Tensor {
    return F.hardswish(x);
  }
}

/** relu6(x + 3)/6. */
export class Hardsigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return F.hardsigmoid(x);
  }
}

/** x / (1 + |x|). */
export class Softsign extends Module {
  override forward(x: Tensor): Tensor {
    return F.softsign(x);
  }
}

/** log σ(x). */
export class LogSigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return F.logSigmoid(x);
  }
}

/** softmax(−x) along dim. */
export class Softmin extends Module {
  constructor(readonly dim: number) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.softmin(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** x where x > threshold, else value. */
export class Threshold extends Module {
  constructor(
    readonly threshold: number,
    readonly value: number,
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.threshold(x, this.threshold, this.value);
  }
  override extraRepr(): string {
    return `threshold=${this.threshold}, value=${this.value}`;
  }
}

/** Gated linear unit: first half of `dim` times σ(second half); `dim` must have an even size. */
export class GLU extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.glu(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Leaky ReLU whose negative slope is learned (He et al., 2015): one slope shared by all
 * channels (default) or one per channel (dim 1, `numParameters` = channels). Parameter
 * `weight` [numParameters], initialised to `init` (default 0.25) as PyTorch's.
 */
export class PReLU extends Module {
  readonly numParameters: number;
  weight: Tensor;
  constructor(options: { numParameters?: number; init?: number; dtype?: DType } = {}) {
    super();
    this.numParameters = options.numParameters ?? 1;
    if (!Number.isInteger(this.numParameters) || this.numParameters < 1) throw new Error(`PReLU: numParameters must be a positive integer, got ${this.numParameters}`);
    this.weight = init.constant(emptyParameter([this.numParameters], options.dtype), options.init ?? 0.25);
  }
  override forward(x: Tensor): Tensor {
    return F.prelu(x, this.weight);
  }
  override extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}
