import { getKernels } from "../backend/index.js";
import type { Float } from "../dtype.js";
import { Optimizer, gradOf, type ParamGroup, type ParamsInput } from "./optimizer.js";

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/**
 * Adam and AdamW share one kernel (backend adamStep, all parameters in one call). `decoupled` selects AdamW (decay the weights directly,
 * p ← p·(1 − lr·λ)) over Adam's L2 penalty (g ← g + λ·p). Then, as in PyTorch:
 *   m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;  (AMSGrad: vmax = max(vmax, v))
 *   p = p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
 */
abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected override validate(g: ParamGroup<AdamOptions>): void {
    super.validate(g);
    const [b1, b2] = g.betas;
    if (!(b1 >= 0 && b1 < 1)) throw new Error(`${this.name}: invalid beta parameter at index 0: ${b1}`);
    if (!(b2 >= 0 && b2 < 1)) throw new Error(`${this.name}: invalid beta parameter at index 1: ${b2}`);
    if (!(g.eps >= 0)) throw new Error(`${this.name}: invalid epsilon value ${g.eps}`);
    if (!(g.weightDecay >= 0)) throw new Error(`${this.name}: invalid weightDecay value ${g.weightDecay}`);
  }

  protected updateGroup(g: ParamGroup<AdamOptions>): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = g;
    const [beta1, beta2] = g.betas;
    const params: Float[] = [], grads: Float[] = [], m: Float[] = [], v: Float[] = [], vmax: Float[] = [];
    const stepSize: number[] = [], bc2Sqrt: number[] = [];
    for (const p of g.params) {
      const grad = gradOf(p);
      if (!grad) continue;
      const s = this.stateOf(p);
      const t = ((s.step as number | undefined) ?? 0) + 1;
      s.step = t;
      params.push(p.data as Float);
      grads.push(grad);
      m.push(this.buffer(p, "expAvg"));
      v.push(this.buffer(p, "expAvgSq"));
      if (amsgrad) vmax.push(this.buffer(p, "maxExpAvgSq"));
      stepSize.push(lr / (1 - Math.pow(beta1, t)));
      bc2Sqrt.push(Math.sqrt(1 - Math.pow(beta2, t)));
    }
    getKernels().adamStep(params, grads, m, v, amsgrad ? vmax : null, stepSize, bc2Sqrt,
      { lr, beta1, beta2, eps, weightDecay, decoupled: this.decoupled, amsgrad, maximize });
  }
}

const adamDefaults: AdamOptions = {
  lr: 1e-3,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 0,
  amsgrad: false,
  maximize: false,
};

/** Adam (Kingma & Ba, 2015) with PyTorch's update rule; `weightDecay` is an L2 penalty. */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super("Adam", params, { ...adamDefaults, ...options });
  }
}

/** AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay (default 0.01). */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super("AdamW", params, { ...adamDefaults, weightDecay: 1e-2, ...options });
  }
}
