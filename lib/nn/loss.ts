import type { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import { Module } from "./module.js";

export type Reduction = "mean" | "sum" | "none";

/** Losses as modules: each holds its options and calls the matching function in F. */
abstract class Loss extends Module {
  constructor(readonly reduction: Reduction = "mean") {
    super();
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
  override extraRepr(): string {
    return this.reduction === "mean" ? "" : `reduction='${this.reduction}'`;
  }
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

/** Cross-entropy of logits [N, C] against class indices [N] (int32) or probabilities [N, C]. */
export class CrossEntropyLoss extends Loss {
  readonly options: CrossEntropyOptions;
  constructor(options: CrossEntropyOptions = {}) {
    super(options.reduction);
    this.options = options;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { ...this.options, reduction: this.reduction });
  }
}

/** Negative log-likelihood of log-probabilities [N, C] against class indices [N]. */
export class NLLLoss extends Loss {
  readonly options: { weight?: Tensor; ignoreIndex?: number };
  constructor(options: { reduction?: Reduction; weight?: Tensor; ignoreIndex?: number } = {}) {
    super(options.reduction);
    this.options = options;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { ...this.options, reduction: this.reduction });
  }
}

/** Binary cross-entropy of probabilities in (0, 1) against targets in [0, 1]. */
export class BCELoss extends Loss {
  readonly options: { weight?: Tensor };
  constructor(options: { reduction?: Reduction; weight?: Tensor } = {}) {
    super(options.reduction);
    this.options = options;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { ...this.options, reduction: this.reduction });
  }
}

/** Sigmoid + binary cross-entropy in one numerically stable step. */
export class BCEWithLogitsLoss extends Loss {
  readonly options: { weight?: Tensor; posWeight?: Tensor };
  constructor(options: { reduction?: Reduction; weight?: Tensor; posWeight?: Tensor } = {}) {
    super(options.reduction);
    this.options = options;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { ...this.options, reduction: this.reduction });
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
