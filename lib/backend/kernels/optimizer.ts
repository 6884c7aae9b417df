// Optimizer steps: one call updates every parameter of a group (lists of same-length
// arrays, one entry per parameter), in place. The update rules are PyTorch's; the
// optimizers in lib/optim keep the state and the step counts.

import type { Float } from "../../dtype.js";

export interface SgdHyper {
  lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; maximize: boolean;
}

export interface AdamHyper {
  beta1: number; beta2: number; eps: number; weightDecay: number;
  /** AdamW: decay the weights directly (p ← p·(1 − lr·λ)) instead of adding λ·p to the gradient. */
  decoupled: boolean; amsgrad: boolean; maximize: boolean; lr: number;
}

export interface RmspropHyper {
  lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean; maximize: boolean;
}

export interface AdagradHyper { weightDecay: number; eps: number; maximize: boolean }

export interface OptimizerKernels {
  /**
   * SGD over params[i] with gradient grads[i]; momentum buffers buf[i] (null without
   * momentum) start from the gradient where first[i].
   */
  sgdStep(params: Float[], grads: Float[], buf: (Float | null)[], first: boolean[], h: SgdHyper): void;
  /**
   * Adam/AdamW: m, v (and vmax with amsgrad) per parameter; stepSize[i] = lr/(1 − β1^t) and
   * bc2Sqrt[i] = √(1 − β2^t) for that parameter's step count t.
   */
  adamStep(params: Float[], grads: Float[], m: Float[], v: Float[], vmax: Float[] | null,
    stepSize: number[], bc2Sqrt: number[], h: AdamHyper): void;
  /** RMSprop: squareAvg, gradAvg (centered, else null) and momentum buffers (else null) per parameter. */
  rmspropStep(params: Float[], grads: Float[], sq: Float[], avg: (Float | null)[], buf: (Float | null)[], h: RmspropHyper): void;
  /** Adagrad: the running sums per parameter; clr[i] = lr/(1 + (t − 1)·lrDecay). */
  adagradStep(params: Float[], grads: Float[], sum: Float[], clr: number[], h: AdagradHyper): void;
}
