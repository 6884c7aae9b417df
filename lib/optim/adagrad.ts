import { Optimizer, gradOf, type ParamGroup, type ParamsInput } from "./optimizer.js";

export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

/**
 * Adagrad with PyTorch's update rule (`torch.optim.Adagrad`):
 *   g = ∇ + λ·p;  clr = lr / (1 + (t − 1)·lrDecay);  s = s + g²;  p = p − clr·g/(√s + ε).
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: ParamsInput<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super("Adagrad", params, {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
      ...options,
    });
  }

  protected override validate(g: ParamGroup<AdagradOptions>): void {
    super.validate(g);
    if (!(g.lrDecay >= 0)) throw new Error(`Adagrad: invalid lrDecay value ${g.lrDecay}`);
    if (!(g.initialAccumulatorValue >= 0)) {
      throw new Error(`Adagrad: invalid initialAccumulatorValue ${g.initialAccumulatorValue}`);
    }
    if (!(g.eps >= 0)) throw new Error(`Adagrad: invalid epsilon value ${g.eps}`);
  }

  protected updateGroup(g: ParamGroup<AdagradOptions>): void {
    const { lr, lrDecay, weightDecay: wd, initialAccumulatorValue, eps, maximize } = g;
    const sign = maximize ? -1 : 1;
    for (const p of g.params) {
      const grad = gradOf(p);
      if (!grad) continue;
      const s = this.stateOf(p);
      const t = ((s.step as number | undefined) ?? 0) + 1;
      s.step = t;
      const sum = this.buffer(p, "sum", initialAccumulatorValue);
      const clr = lr / (1 + (t - 1) * lrDecay);
      const w = p.data as Float32Array | Float64Array;
      for (let i = 0, n = w.length; i < n; i++) {
        const gi = sign * grad[i] + wd * w[i];
        const si = sum[i] + gi * gi;
        sum[i] = si;
        w[i] -= (clr * gi) / (Math.sqrt(si) + eps);
      }
    }
  }
}
