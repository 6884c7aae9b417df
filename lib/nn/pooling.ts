import type { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import type { MaxPool2dOptions, AvgPool2dOptions } from "../functional.js";
import { Module } from "./module.js";


const pair = (v: number | readonly number[] | null) => v === null ? "None" : (typeof v === "number" ? `${v}` : `(${v.join(", ")})`);

/**
 * Max over kernelSize windows of [N, C, H, W]; with `{ returnIndices: true }` forward returns
 * [values, flat indices into each H·W plane] (what an unpooling layer needs).
 */
export class MaxPool2d<R extends boolean = false> extends Module {
  readonly returnIndices: R;
  readonly options: Omit<MaxPool2dOptions, "returnIndices">;
  constructor(
    readonly kernelSize: number | readonly [number, number],
    options: Omit<MaxPool2dOptions, "returnIndices"> & { returnIndices?: R } = {},
  ) {
    super();
    const { returnIndices = false, ...rest } = options;
    this.returnIndices = returnIndices as R;
    this.options = rest;
  }
  override forward(x: Tensor): R extends true ? [Tensor, Tensor] : Tensor {
    const out = this.returnIndices ? F.maxPool2d(x, this.kernelSize, { ...this.options, returnIndices: true }) : F.maxPool2d(x, this.kernelSize, this.options);
    return out as R extends true ? [Tensor, Tensor] : Tensor;
  }
  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${pair(this.kernelSize)}, stride=${pair(o.stride ?? this.kernelSize)}, padding=${pair(o.padding ?? 0)}, dilation=${pair(o.dilation ?? 1)}, ceil_mode=${o.ceilMode ?? false}`;
  }
}

/** Mean over kernelSize windows of [N, C, H, W]. */
export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: number | readonly [number, number],
    readonly options: AvgPool2dOptions = {},
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, this.options);
  }
  override extraRepr(): string {
    return `kernel_size=${pair(this.kernelSize)}, stride=${pair(this.options.stride ?? this.kernelSize)}, padding=${pair(this.options.padding ?? 0)}`;
  }
}

/** Averages [N, C, H, W] down to a fixed outputSize whatever the input size (ResNet's global pool with 1). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number, number]) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pair(this.outputSize)}`;
  }
}

/** Max over kernelSize windows of [N, C, L]; `{ returnIndices: true }` as MaxPool2d (indices along L). */
export class MaxPool1d<R extends boolean = false> extends Module {
  readonly returnIndices: R;
  readonly options: Omit<MaxPool2dOptions, "returnIndices">;
  constructor(
    readonly kernelSize: number,
    options: Omit<MaxPool2dOptions, "returnIndices"> & { returnIndices?: R } = {},
  ) {
    super();
    const { returnIndices = false, ...rest } = options;
    this.returnIndices = returnIndices as R;
    this.options = rest;
  }
  override forward(x: Tensor): R extends true ? [Tensor, Tensor] : Tensor {
    const out = this.returnIndices ? F.maxPool1d(x, this.kernelSize, { ...this.options, returnIndices: true }) : F.maxPool1d(x, this.kernelSize, this.options);
    return out as R extends true ? [Tensor, Tensor] : Tensor;
  }
  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${this.kernelSize}, stride=${pair(o.stride ?? this.kernelSize)}, padding=${pair(o.padding ?? 0)}, dilation=${pair(o.dilation ?? 1)}, ceil_mode=${o.ceilMode ?? false}`;
  }
}

/** Mean over kernelSize windows of [N, C, L]. */
export class AvgPool1d extends Module {
  constructor(
    readonly kernelSize: number,
    readonly options: AvgPool2dOptions = {},
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.avgPool1d(x, this.kernelSize, this.options);
  }
  override extraRepr(): string {
    return `kernel_size=${this.kernelSize}, stride=${pair(this.options.stride ?? this.kernelSize)}, padding=${pair(this.options.padding ?? 0)}`;
  }
}

/**
 * Max over adaptive windows of [N, C, H, W] down to a fixed outputSize (`null` keeps a dim);
 * with `{ returnIndices: true }` forward returns [values, flat indices into each H·W plane].
 */
export class AdaptiveMaxPool2d<R extends boolean = false> extends Module {
  readonly returnIndices: R;
  constructor(
    readonly outputSize: number | readonly (number | null)[],
    options: { returnIndices?: R } = {},
  ) {
    super();
    this.returnIndices = (options.returnIndices ?? false) as R;
  }
  override forward(x: Tensor): R extends true ? [Tensor, Tensor] : Tensor {
    const out = this.returnIndices ? F.adaptiveMaxPool2d(x, this.outputSize, { returnIndices: true }) : F.adaptiveMaxPool2d(x, this.outputSize);
    return out as R extends true ? [Tensor, Tensor] : Tensor;
  }
  override extraRepr(): string {
    const o = this.outputSize;
    return `output_size=${typeof o === "number" ? o : `(${o.map((v) => (v === null ? "None" : v)).join(", ")})`}`;
  }
}

// The 1-D adaptive pools run the 2-D ones on [N, C, 1, L]: a window over a single row is a 1-D
// window, and a flat index into a 1×L plane is the position along L.
const asRow = (op: string, x: Tensor): Tensor => {
  if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`${op}: expected input of shape [N, C, L] or [C, L], got [${x.shape.join(", ")}]`);
  return x.unsqueeze(-2);
};

/** Averages [N, C, L] (or [C, L]) down to outputSize positions whatever L is. */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: number) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(asRow("AdaptiveAvgPool1d", x), [1, this.outputSize]).squeeze(-2);
  }
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}

/** Max over the adaptive windows of AdaptiveAvgPool1d; `{ returnIndices: true }` also gives positions along L. */
export class AdaptiveMaxPool1d<R extends boolean = false> extends Module {
  readonly returnIndices: R;
  constructor(
    readonly outputSize: number,
    options: { returnIndices?: R } = {},
  ) {
    super();
    this.returnIndices = (options.returnIndices ?? false) as R;
  }
  override forward(x: Tensor): R extends true ? [Tensor, Tensor] : Tensor {
    const row = asRow("AdaptiveMaxPool1d", x);
    if (!this.returnIndices) return F.adaptiveMaxPool2d(row, [1, this.outputSize]).squeeze(-2) as R extends true ? [Tensor, Tensor] : Tensor;
    const [v, i] = F.adaptiveMaxPool2d(row, [1, this.outputSize], { returnIndices: true });
    return [v.squeeze(-2), i.squeeze(-2)] as R extends true ? [Tensor, Tensor] : Tensor;
  }
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}
