import type { Tensor } from "../tensor.js";
import { noGrad } from "../autograd/grad_mode.js";
import type { DType } from "../dtype.js";
import { fmtShape } from "../shape.js";
import * as F from "../functional.js";
import { Module } from "./module.js";
import { emptyParameter, emptyBuffer } from "./parameter.js";
import * as init from "./init.js";
import { markInt64OnDisk } from "../serialization.js";

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the newest batch in the running averages; null for a cumulative average. */
  momentum?: number | null;
  /** Learnable per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running mean/variance for evaluation (default true); without, eval uses batch stats too. */
  trackRunningStats?: boolean;
  dtype?: DType;
}

/**
 * Batch normalisation (Ioffe & Szegedy, 2015) over dim 1. Training: normalise with the
 * batch's mean and biased variance, and update running_mean / running_var (unbiased) as
 * exponential averages; eval: normalise with the running statistics.
 */
abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Tensor | null;
  bias: Tensor | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(
    protected readonly opName: string,
    protected readonly ranks: number[],
    numFeatures: number,
    o: BatchNormOptions,
  ) {
    super();
    this.numFeatures = numFeatures;
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    this.affine = o.affine ?? true;
    this.trackRunningStats = o.trackRunningStats ?? true;
    this.weight = this.affine ? init.ones(emptyParameter([numFeatures], o.dtype)) : null;
    this.bias = this.affine ? emptyParameter([numFeatures], o.dtype) : null;
    if (this.trackRunningStats) {
      this.registerBuffer("running_mean", emptyBuffer([numFeatures], o.dtype ?? "float32"));
      this.registerBuffer("running_var", init.ones(emptyBuffer([numFeatures], o.dtype ?? "float32")));
      // int64 in PyTorch: written as I64 so PyTorch loads the dtype it expects.
      this.registerBuffer("num_batches_tracked", markInt64OnDisk(emptyBuffer([], "int32")));
    } else {
      this.registerBuffer("running_mean", null);
      this.registerBuffer("running_var", null);
      this.registerBuffer("num_batches_tracked", null);
    }
  }

  /** Running statistics back to mean 0, variance 1. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    init.zeros(this.running_mean!);
    init.ones(this.running_var!);
    (this.num_batches_tracked!.data as Int32Array)[0] = 0;
  }

  override forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      throw new Error(
        `${this.opName}: expected input of rank ${this.ranks.join(" or ")} with ${this.numFeatures} channels in dim 1, got shape ${fmtShape(x.shape)}`,
      );
    }
    let momentum = this.momentum ?? 0;
    if (this.training && this.trackRunningStats) {
      const nbt = this.num_batches_tracked!.data as Int32Array;
      nbt[0] += 1;
      if (this.momentum === null) momentum = 1 / nbt[0];
    }
    // Without running statistics there is nothing else to normalise with, even in eval.
    return F.batchNorm(x, this.running_mean, this.running_var, {
      weight: this.weight,
      bias: this.bias,
      training: this.training || !this.trackRunningStats,
      momentum,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, track_running_stats=${this.trackRunningStats}`;
  }
}

/** BatchNorm over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super("BatchNorm1d", [2, 3], numFeatures, options);
  }
}

/** BatchNorm over [N, C, H, W]. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super("BatchNorm2d", [4], numFeatures, options);
  }
}

export interface LayerNormOptions {
  eps?: number;
  /** Learnable weight (and bias) of the normalised shape (default true). */
  elementwiseAffine?: boolean;
  bias?: boolean;
  dtype?: DType;
}

/** Layer normalisation (Ba et al., 2016) over the trailing `normalizedShape` dims. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  weight: Tensor | null;
  bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? init.ones(emptyParameter(this.normalizedShape, options.dtype)) : null;
    this.bias = affine && options.bias !== false ? emptyParameter(this.normalizedShape, options.dtype) : null;
  }

  override forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `(${this.normalizedShape.join(", ")},), eps=${this.eps}, elementwise_affine=${this.weight !== null}`;
  }
}

/** Group normalisation (Wu & He, 2018): channels split into numGroups groups, each normalised over its channels and positions. */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  weight: Tensor | null;
  bias: Tensor | null;

  constructor(numGroups: number, numChannels: number, options: { eps?: number; affine?: boolean; dtype?: DType } = {}) {
    super();
    if (!Number.isInteger(numGroups) || numGroups < 1 || numChannels % numGroups !== 0) {
      throw new Error(`GroupNorm: num_channels (${numChannels}) must be divisible by num_groups (${numGroups})`);
    }
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = options.eps ?? 1e-5;
    const affine = options.affine ?? true;
    this.weight = affine ? init.ones(emptyParameter([numChannels], options.dtype)) : null;
    this.bias = affine ? emptyParameter([numChannels], options.dtype) : null;
  }

  override forward(x: Tensor): Tensor {
    return F.groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.weight !== null}`;
  }
}

/**
 * Instance normalisation (Ulyanov et al., 2016): each channel of each sample normalised over
 * its positions. PyTorch's defaults differ from BatchNorm's: no affine parameters and no
 * running statistics unless asked for. With `trackRunningStats`, training also updates
 * running_mean / running_var (the per-sample statistics averaged over the batch) and eval
 * normalises with them. Accepts unbatched input too.
 */
abstract class InstanceNormBase extends BatchNormBase {
  constructor(opName: string, ranks: number[], numFeatures: number, o: BatchNormOptions) {
    super(opName, ranks, numFeatures, { ...o, affine: o.affine ?? false, trackRunningStats: o.trackRunningStats ?? false });
  }

  override forward(x: Tensor): Tensor {
    const [unbatched, batched] = this.ranks;
    if (x.ndim !== unbatched && x.ndim !== batched) {
      throw new Error(`${this.opName}: expected input of rank ${unbatched} (unbatched) or ${batched}, got shape ${fmtShape(x.shape)}`);
    }
    if (x.ndim === unbatched) return this.forward(x.unsqueeze(0)).squeeze(0);
    const C = x.shape[1];
    if (C !== this.numFeatures && (this.affine || this.trackRunningStats)) {
      throw new Error(`${this.opName}: expected ${this.numFeatures} channels in dim 1 (numFeatures), got input of shape ${fmtShape(x.shape)}`);
    }
    const useInputStats = this.training || !this.trackRunningStats;
    if (!this.trackRunningStats) return F.instanceNorm(x, { weight: this.weight, bias: this.bias, eps: this.eps });
    // As PyTorch's instance_norm: batch norm of [1, N·C, ...] (one "channel" per sample and
    // channel) with the running statistics repeated per sample, then averaged back.
    const N = x.shape[0];
    const rm = this.running_mean!.repeat(N);
    const rv = this.running_var!.repeat(N);
    let y = F.batchNorm(x.reshape([1, N * C, ...x.shape.slice(2)]), rm, rv, {
      training: useInputStats,
      momentum: this.momentum ?? 0,
      eps: this.eps,
    }).reshape(x.shape);
    if (useInputStats) {
      noGrad(() => {
        this.running_mean!.copy_(rm.reshape(N, C).mean(0));
        this.running_var!.copy_(rv.reshape(N, C).mean(0));
      });
    }
    const perChannel = [C, ...new Array<number>(x.ndim - 2).fill(1)];
    if (this.weight) y = y.mul(this.weight.reshape(perChannel));
    if (this.bias) y = y.add(this.bias.reshape(perChannel));
    return y;
  }
}

/** InstanceNorm over [N, C, L] (or [C, L]). */
export class InstanceNorm1d extends InstanceNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super("InstanceNorm1d", [2, 3], numFeatures, options);
  }
}

/** InstanceNorm over [N, C, H, W] (or [C, H, W]). */
export class InstanceNorm2d extends InstanceNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super("InstanceNorm2d", [3, 4], numFeatures, options);
  }
}
