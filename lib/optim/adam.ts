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
 * Adam and AdamW share one loop. `decoupled` selects AdamW (decay the weights directly,
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
    const { lr, eps, weightDecay: wd, amsgrad, maximize } = g;
    const [b1, b2] = g.betas;
    const sign = maximize ? -1 : 1;
    const decay = this.decoupled ? 1 - lr * wd : 1;
    const l2 = this.decoupled ? 0 : wd;
    for (const p of g.params) {
      const grad = gradOf(p);
      if (!grad) continue;
      const s = this.stateOf(p);
      const t = ((s.step as number | undefined) ?? 0) + 1;
      s.step = t;
      const m = this.buffer(p, "expAvg");
      const v = this.buffer(p, "expAvgSq");
      const vmax = amsgrad ? this.buffer(p, "maxExpAvgSq") : v;
      const w = p.data as Float32Array | Float64Array;
      const stepSize = lr / (1 - Math.pow(b1, t));
      const bc2Sqrt = Math.sqrt(1 - Math.pow(b2, t));
      const n = w.length;
      if (amsgrad) {
        for (let i = 0; i < n; i++) {
          const wi = w[i] * decay;
          const gi = sign * grad[i] + l2 * wi;
          const mi = b1 * m[i] + (1 - b1) * gi;
          const vi = b2 * v[i] + (1 - b2) * gi * gi;
          m[i] = mi;
          v[i] = vi;
          const vm = vi > vmax[i] ? vi : vmax[i];
          vmax[i] = vm;
          w[i] = wi - (stepSize * mi) / (Math.sqrt(vm) / bc2Sqrt + eps);
        }
      } else if (decay === 1 && l2 === 0 && sign === 1) {
        // The common case, kept free of the unused terms.
        for (let i = 0; i < n; i++) {
          const gi = grad[i];
          const mi = b1 * m[i] + (1 - b1) * gi;
          const vi = b2 * v[i] + (1 - b2) * gi * gi;
          m[i] = mi;
          v[i] = vi;
          w[i] -= (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const wi = w[i] * decay;
          const gi = sign * grad[i] + l2 * wi;
          const mi = b1 * m[i] + (1 - b1) * gi;
          const vi = b2 * v[i] + (1 - b2) * gi * gi;
          m[i] = mi;
          v[i] = vi;
          w[i] = wi - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
        }
      }
    }
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
