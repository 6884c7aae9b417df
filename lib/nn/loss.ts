import type { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import { Module } from "./module.js";

export type Reduction = "mean" | "sum" | "none";

/** Losses as modules: each holds its options and calls the matching function in F. */
abstract class ReducedLoss extends Module {
  constructor(readonly reduction: Reduction = "mean") {
    super();
  }
  override extraRepr(): string {
    return this.reduction === "mean" ? "" : `reduction='${this.reduction}'`;
  }
}

/** A loss of (input, target); the three-tensor losses below extend ReducedLoss directly. */
abstract class Loss extends ReducedLoss {
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/** Mean squared error. */
export class MSELoss extends Loss {
  constructor(options: { reduction?: Reduction } = {}) {
    super(options.reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error. */
export class L1Loss extends Loss {
  constructor(options: { reduction?: Reduction } = {}) {
    super(options.reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

export interface CrossEntropyOptions {
  reduction?: Reduction;
  /** Per-class weights [C]. */
  weight?: Tensor;
  ignoreIndex?: number;
  labelSmoothing?: number;
}

/**
 * Cross-entropy of logits [N, C] against class indices [N] (int32) or probabilities [N, C].
 * Class weights, when given, are the buffer `weight` (PyTorch's _WeightedLoss: they follow
 * `.double()` and appear in the state dict); the same holds for the losses below.
 */
export class CrossEntropyLoss extends Loss {
  readonly options: CrossEntropyOptions;
  declare weight: Tensor | null;
  constructor(options: CrossEntropyOptions = {}) {
    super(options.reduction);
    this.options = options;
    this.registerBuffer("weight", options.weight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { ...this.options, weight: this.weight, reduction: this.reduction });
  }
}

/** Negative log-likelihood of log-probabilities [N, C] against class indices [N]. */
export class NLLLoss extends Loss {
  readonly options: { weight?: Tensor; ignoreIndex?: number };
  declare weight: Tensor | null;
  constructor(options: { reduction?: Reduction; weight?: Tensor; ignoreIndex?: number } = {}) {
    super(options.reduction);
    this.options = options;
    this.registerBuffer("weight", options.weight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { ...this.options, weight: this.weight, reduction: this.reduction });
  }
}

/** Binary cross-entropy of probabilities in (0, 1) against targets in [0, 1]. */
export class BCELoss extends Loss {
  readonly options: { weight?: Tensor };
  declare weight: Tensor | null;
  constructor(options: { reduction?: Reduction; weight?: Tensor } = {}) {
    super(options.reduction);
    this.options = options;
    this.registerBuffer("weight", options.weight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** Sigmoid + binary cross-entropy in one numerically stable step (buffers `weight`, `pos_weight`). */
export class BCEWithLogitsLoss extends Loss {
  readonly options: { weight?: Tensor; posWeight?: Tensor };
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;
  constructor(options: { reduction?: Reduction; weight?: Tensor; posWeight?: Tensor } = {}) {
    super(options.reduction);
    this.options = options;
    this.registerBuffer("weight", options.weight ?? null);
    this.registerBuffer("pos_weight", options.posWeight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}

/** Huber loss: quadratic within delta of the target, linear beyond. */
export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(options: { reduction?: Reduction; delta?: number } = {}) {
    super(options.reduction);
    this.delta = options.delta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/** Smooth L1 loss (Huber divided by beta). */
export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(options: { reduction?: Reduction; beta?: number } = {}) {
    super(options.reduction);
    this.beta = options.beta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Kullback–Leibler divergence of log-probabilities `input` from `target`. */
export class KLDivLoss extends Module {
  constructor(readonly options: { reduction?: Reduction | "batchmean"; logTarget?: boolean } = {}) {
    super();
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.klDiv(input, target, this.options);
  }
}

/** max(0, −y·(x1 − x2) + margin) for labels y = ±1 (y = 1: x1 should rank higher). */
export class MarginRankingLoss extends ReducedLoss {
  readonly margin: number;
  constructor(options: { margin?: number; reduction?: Reduction } = {}) {
    super(options.reduction);
    this.margin = options.margin ?? 0;
  }
  override forward(x1: Tensor, x2: Tensor, y: Tensor): Tensor {
    return F.marginRankingLoss(x1, x2, y, { margin: this.margin, reduction: this.reduction });
  }
}

/** x where y = 1, max(0, margin − x) where y = −1 (default margin 1). */
export class HingeEmbeddingLoss extends Loss {
  readonly margin: number;
  constructor(options: { margin?: number; reduction?: Reduction } = {}) {
    super(options.reduction);
    this.margin = options.margin ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.hingeEmbeddingLoss(input, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** log(1 + e^(−y·x)) for labels y = ±1. */
export class SoftMarginLoss extends Loss {
  constructor(options: { reduction?: Reduction } = {}) {
    super(options.reduction);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.softMarginLoss(input, target, { reduction: this.reduction });
  }
}

/** 1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1 (default margin 0). */
export class CosineEmbeddingLoss extends ReducedLoss {
  readonly margin: number;
  constructor(options: { margin?: number; reduction?: Reduction } = {}) {
    super(options.reduction);
    this.margin = options.margin ?? 0;
  }
  override forward(x1: Tensor, x2: Tensor, y: Tensor): Tensor {
    return F.cosineEmbeddingLoss(x1, x2, y, { margin: this.margin, reduction: this.reduction });
  }
}

/** max(d(a, p) − d(a, n) + margin, 0) with d the p-norm distance (defaults margin 1, p 2, eps 1e−6). */
export class TripletMarginLoss extends ReducedLoss {
  readonly margin: number;
  readonly p: number;
  readonly eps: number;
  readonly swap: boolean;
  constructor(options: { margin?: number; p?: number; eps?: number; swap?: boolean; reduction?: Reduction } = {}) {
    super(options.reduction);
    this.margin = options.margin ?? 1;
    this.p = options.p ?? 2;
    this.eps = options.eps ?? 1e-6;
    this.swap = options.swap ?? false;
  }
  override forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return F.tripletMarginLoss(anchor, positive, negative, { margin: this.margin, p: this.p, eps: this.eps, swap: this.swap, reduction: this.reduction });
  }
}

/**
 * Multi-class hinge loss of scores [N, C] against int32 classes [N] (defaults p 1, margin 1).
 * Class weights, when given, are the buffer `weight` (in the state dict, as PyTorch's).
 */
export class MultiMarginLoss extends Loss {
  readonly p: 1 | 2;
  readonly margin: number;
  declare weight: Tensor | null;
  constructor(options: { p?: 1 | 2; margin?: number; weight?: Tensor | null; reduction?: Reduction } = {}) {
    super(options.reduction);
    this.p = options.p ?? 1;
    if (this.p !== 1 && this.p !== 2) throw new Error(`MultiMarginLoss: only p = 1 and p = 2 are supported, got ${options.p}`);
    this.margin = options.margin ?? 1;
    this.registerBuffer("weight", options.weight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.multiMarginLoss(input, target, { p: this.p, margin: this.margin, weight: this.weight, reduction: this.reduction });
  }
}

/** Poisson negative log-likelihood (defaults logInput true, full false, eps 1e−8). */
export class PoissonNLLLoss extends Loss {
  readonly logInput: boolean;
  readonly full: boolean;
  readonly eps: number;
  constructor(options: { logInput?: boolean; full?: boolean; eps?: number; reduction?: Reduction } = {}) {
    super(options.reduction);
    this.logInput = options.logInput ?? true;
    this.full = options.full ?? false;
    this.eps = options.eps ?? 1e-8;
  }
  override forward(logInput: Tensor, target: Tensor): Tensor {
    return F.poissonNllLoss(logInput, target, { logInput: this.logInput, full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

/** Gaussian negative log-likelihood of a predicted mean and variance (defaults full false, eps 1e−6). */
export class GaussianNLLLoss extends ReducedLoss {
  readonly full: boolean;
  readonly eps: number;
  constructor(options: { full?: boolean; eps?: number; reduction?: Reduction } = {}) {
    super(options.reduction);
    this.full = options.full ?? false;
    this.eps = options.eps ?? 1e-6;
  }
  override forward(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    return F.gaussianNllLoss(input, target, variance, { full: this.full, eps: this.eps, reduction: this.reduction });
  }
}
