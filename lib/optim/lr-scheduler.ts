import type { Optimizer } from "./optimizer.js";

type AnyOptimizer = Optimizer<{ lr: number }>;

/**
 * Base of the learning-rate schedulers (`torch.optim.lr_scheduler`). Each computes the
 * learning rate of every parameter group in closed form from the number of `step()` calls
 * so far (`lastEpoch`) and each group's `initialLr`. As in PyTorch, constructing a
 * scheduler performs the first step, setting epoch 0's learning rate.
 */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  lastEpoch: number;
  baseLrs: number[];
  private lastLrs: number[] = [];

  constructor(optimizer: Optimizer<any>, lastEpoch = -1) {
    this.optimizer = optimizer as AnyOptimizer;
    for (const g of this.optimizer.paramGroups) {
      if (lastEpoch === -1) g.initialLr = g.lr;
      else if (g.initialLr === undefined) {
        throw new Error(`${this.constructor.name}: resuming (lastEpoch = ${lastEpoch}) needs initialLr in every parameter group`);
      }
    }
    this.baseLrs = this.optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** Call once from the subclass constructor after its own fields are set. */
  protected init(): void {
    this.step();
  }

  /** Learning rates of each group at epoch `this.lastEpoch`. */
  protected abstract computeLr(): number[];

  step(): void {
    this.lastEpoch += 1;
    const lrs = this.computeLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]));
    this.lastLrs = lrs;
  }

  /** The learning rates set by the last step (PyTorch's `get_last_lr()`). */
  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) {
      // Like PyTorch, leave out the optimizer and functions (LambdaLR's lambdas).
      if (k === "optimizer" || typeof v === "function" || (Array.isArray(v) && v.some((e) => typeof e === "function"))) continue;
      out[k] = Array.isArray(v) ? [...v] : v;
    }
    return out;
  }

  loadStateDict(sd: Record<string, unknown>): void {
    Object.assign(this, sd);
  }
}

/** Multiplies the learning rate by `gamma` every `stepSize` epochs. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: Optimizer<any>, stepSize: number, options: { gamma?: number; lastEpoch?: number } = {}) {
    super(optimizer, options.lastEpoch);
    if (!(stepSize > 0)) throw new Error(`StepLR: stepSize must be positive, got ${stepSize}`);
    this.stepSize = stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.init();
  }
  protected computeLr(): number[] {
    return this.baseLrs.map((lr) => lr * Math.pow(this.gamma, Math.floor(this.lastEpoch / this.stepSize)));
  }
}

/** Multiplies the learning rate by `gamma` every epoch. */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: Optimizer<any>, gamma: number, options: { lastEpoch?: number } = {}) {
    super(optimizer, options.lastEpoch);
    this.gamma = gamma;
    this.init();
  }
  protected computeLr(): number[] {
    return this.baseLrs.map((lr) => lr * Math.pow(this.gamma, this.lastEpoch));
  }
}

/** Cosine annealing from the base rate down to `etaMin` over `tMax` epochs (SGDR without restarts). */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  constructor(optimizer: Optimizer<any>, tMax: number, options: { etaMin?: number; lastEpoch?: number } = {}) {
    super(optimizer, options.lastEpoch);
    if (!(tMax > 0)) throw new Error(`CosineAnnealingLR: tMax must be positive, got ${tMax}`);
    this.tMax = tMax;
    this.etaMin = options.etaMin ?? 0;
    this.init();
  }
  protected computeLr(): number[] {
    const c = (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax)) / 2;
    return this.baseLrs.map((lr) => this.etaMin + (lr - this.etaMin) * c);
  }
}

export interface OneCycleOptions {
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart: number;
  annealStrategy: "cos" | "linear";
  cycleMomentum: boolean;
  baseMomentum: number;
  maxMomentum: number;
  divFactor: number;
  finalDivFactor: number;
  threePhase: boolean;
  lastEpoch: number;
}

interface Phase {
  endStep: number;
  startLr: "initialLr" | "maxLr" | "minLr";
  endLr: "initialLr" | "maxLr" | "minLr";
  startMomentum: "maxMomentum" | "baseMomentum";
  endMomentum: "maxMomentum" | "baseMomentum";
}

/**
 * The 1cycle policy (Smith & Topin, 2017) as in PyTorch: warm up from maxLr/divFactor to
 * maxLr over the first `pctStart` of the steps, then anneal to initialLr/finalDivFactor;
 * momentum (SGD's `momentum` or Adam's β1) cycles the opposite way. Step once per batch.
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  private phases: Phase[];
  private opts: OneCycleOptions;
  private groupLrs: { initialLr: number; maxLr: number; minLr: number }[];

  constructor(optimizer: Optimizer<any>, maxLr: number | number[], options: Partial<OneCycleOptions> = {}) {
    const o: OneCycleOptions = {
      pctStart: 0.3,
      annealStrategy: "cos",
      cycleMomentum: true,
      baseMomentum: 0.85,
      maxMomentum: 0.95,
      divFactor: 25,
      finalDivFactor: 1e4,
      threePhase: false,
      lastEpoch: -1,
      ...options,
    };
    const groups = (optimizer as AnyOptimizer).paramGroups;
    const maxLrs = Array.isArray(maxLr) ? maxLr : groups.map(() => maxLr);
    if (maxLrs.length !== groups.length) {
      throw new Error(`OneCycleLR: expected ${groups.length} maxLr values, got ${maxLrs.length}`);
    }
    const groupLrs = maxLrs.map((m) => ({ initialLr: m / o.divFactor, maxLr: m, minLr: m / o.divFactor / o.finalDivFactor }));
    // The base class records each group's current lr as initialLr: set it to the warm-up start first.
    if (o.lastEpoch === -1) groups.forEach((g, i) => (g.lr = groupLrs[i].initialLr));
    super(optimizer, o.lastEpoch);
    let total: number;
    if (o.totalSteps !== undefined) total = o.totalSteps;
    else if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) total = o.epochs * o.stepsPerEpoch;
    else throw new Error("OneCycleLR: give totalSteps, or epochs and stepsPerEpoch");
    if (!(total > 0)) throw new Error(`OneCycleLR: totalSteps must be positive, got ${total}`);
    if (!(o.pctStart >= 0 && o.pctStart <= 1)) throw new Error(`OneCycleLR: pctStart must be in [0, 1], got ${o.pctStart}`);
    this.totalSteps = total;
    this.opts = o;
    this.groupLrs = groupLrs;
    this.phases = o.threePhase
      ? [
          { endStep: o.pctStart * total - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: 2 * o.pctStart * total - 2, startLr: "maxLr", endLr: "initialLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
          { endStep: total - 1, startLr: "initialLr", endLr: "minLr", startMomentum: "maxMomentum", endMomentum: "maxMomentum" },
        ]
      : [
          { endStep: o.pctStart * total - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: total - 1, startLr: "maxLr", endLr: "minLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
        ];
    if (o.cycleMomentum) {
      for (const g of groups as unknown as Record<string, unknown>[]) {
        if (!("momentum" in g) && !("betas" in g)) {
          throw new Error("OneCycleLR: optimizer has neither momentum nor betas; pass cycleMomentum: false");
        }
      }
    }
    this.init();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.opts.annealStrategy === "linear") return (end - start) * pct + start;
    return end + ((start - end) / 2) * (1 + Math.cos(Math.PI * pct));
  }

  protected computeLr(): number[] {
    const step = this.lastEpoch;
    // Like PyTorch, step() may be called totalSteps times after construction (the last call
    // lands one past the schedule's end); more is an error.
    if (step > this.totalSteps) {
      throw new Error(`OneCycleLR: tried to step ${step} times; totalSteps is ${this.totalSteps}`);
    }
    const groups = this.optimizer.paramGroups as unknown as Record<string, unknown>[];
    return this.groupLrs.map((lrs, gi) => {
      let start = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i];
        if (step <= ph.endStep || i === this.phases.length - 1) {
          const pct = (step - start) / (ph.endStep - start);
          if (this.opts.cycleMomentum) {
            const m = this.anneal(this.opts[ph.startMomentum], this.opts[ph.endMomentum], pct);
            const g = groups[gi];
            if ("betas" in g) g.betas = [m, (g.betas as [number, number])[1]];
            else g.momentum = m;
          }
          return this.anneal(lrs[ph.startLr], lrs[ph.endLr], pct);
        }
        start = ph.endStep;
      }
      throw new Error("OneCycleLR: unreachable");
    });
  }
}

/** Multiplies each group's base rate by `lrLambda(epoch)` (one function, or one per group). */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: ((epoch: number) => number)[];
  constructor(optimizer: Optimizer<any>, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], options: { lastEpoch?: number } = {}) {
    super(optimizer, options.lastEpoch);
    const n = this.baseLrs.length;
    this.lambdas = Array.isArray(lrLambda) ? lrLambda : new Array(n).fill(lrLambda);
    if (this.lambdas.length !== n) throw new Error(`LambdaLR: expected ${n} lrLambda functions, got ${this.lambdas.length}`);
    this.init();
  }
  protected computeLr(): number[] {
    return this.baseLrs.map((lr, i) => lr * this.lambdas[i](this.lastEpoch));
  }
}

/** Multiplies the rate by `gamma` at each milestone epoch. */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  gamma: number;
  constructor(optimizer: Optimizer<any>, milestones: readonly number[], options: { gamma?: number; lastEpoch?: number } = {}) {
    super(optimizer, options.lastEpoch);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    this.init();
  }
  protected computeLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((lr) => lr * Math.pow(this.gamma, passed));
  }
}

/** Scales the rate linearly from startFactor to endFactor over totalIters epochs (a warm-up). */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(optimizer: Optimizer<any>, options: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    super(optimizer, options.lastEpoch);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    if (!(this.startFactor > 0 && this.startFactor <= 1)) throw new Error(`LinearLR: startFactor must be in (0, 1], got ${this.startFactor}`);
    this.init();
  }
  protected computeLr(): number[] {
    const f = this.startFactor + ((this.endFactor - this.startFactor) * Math.min(this.lastEpoch, this.totalIters)) / this.totalIters;
    return this.baseLrs.map((lr) => lr * f);
  }
}

export interface ReduceLROnPlateauOptions {
  /** "min": a lower metric is better (a loss); "max": higher is better (an accuracy). */
  mode: "min" | "max";
  factor: number;
  /** Epochs without improvement to tolerate before reducing. */
  patience: number;
  threshold: number;
  thresholdMode: "rel" | "abs";
  /** Epochs to wait after a reduction before counting again. */
  cooldown: number;
  minLr: number | number[];
  eps: number;
}

/**
 * Reduces the rate by `factor` when a metric has stopped improving for `patience` epochs
 * (PyTorch's rule, including threshold modes and cooldown): `sched.step(valLoss)`.
 */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  readonly options: ReduceLROnPlateauOptions;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private readonly minLrs: number[];

  constructor(optimizer: Optimizer<any>, options: Partial<ReduceLROnPlateauOptions> = {}) {
    this.optimizer = optimizer as AnyOptimizer;
    this.options = { mode: "min", factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: "rel", cooldown: 0, minLr: 0, eps: 1e-8, ...options };
    if (!(this.options.factor < 1)) throw new Error(`ReduceLROnPlateau: factor should be < 1, got ${this.options.factor}`);
    const n = this.optimizer.paramGroups.length;
    const m = this.options.minLr;
    this.minLrs = Array.isArray(m) ? m : new Array(n).fill(m);
    if (this.minLrs.length !== n) throw new Error(`ReduceLROnPlateau: expected ${n} minLr values, got ${this.minLrs.length}`);
    this.best = this.options.mode === "min" ? Infinity : -Infinity;
  }

  private isBetter(a: number): boolean {
    const { mode, threshold, thresholdMode } = this.options;
    if (mode === "min") return thresholdMode === "rel" ? a < this.best * (1 - threshold) : a < this.best - threshold;
    return thresholdMode === "rel" ? a > this.best * (1 + threshold) : a > this.best + threshold;
  }

  step(metric: number): void {
    this.lastEpoch += 1;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.options.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const next = Math.max(g.lr * this.options.factor, this.minLrs[i]);
        if (g.lr - next > this.options.eps) g.lr = next;
      });
      this.cooldownCounter = this.options.cooldown;
      this.numBadEpochs = 0;
    }
  }

  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Its counters and options (not the optimizer), as PyTorch's `state_dict()`. */
  stateDict(): Record<string, unknown> {
    return { best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter, lastEpoch: this.lastEpoch, options: { ...this.options } };
  }

  loadStateDict(sd: Record<string, unknown>): void {
    const { options, ...counters } = sd as { options?: ReduceLROnPlateauOptions };
    Object.assign(this, counters);
    if (options) (this as { options: ReduceLROnPlateauOptions }).options = { ...this.options, ...options };
  }
}
