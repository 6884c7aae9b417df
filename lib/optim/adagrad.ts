import { getKernels } from "../backend/index.js";
import type { Float } from "../dtype.js";
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
    const { lr, lrDecay, initialAccumulatorValue } = g;
    const params: Float[] = [], grads: Float[] = [], sums: Float[] = [], clr: number[] = [];
    for (const p of g.params) {
      const grad = gradOf(p);
      if (!grad) continue;
      const s = this.stateOf(p);
      const t = ((s.step as number | undefined) ?? 0) + 1;
      s.step = t;
      params.push(p.data as Float);
      grads.push(grad);
      sums.push(this.buffer(p, "sum", initialAccumulatorValue));
      clr.push(lr / (1 + (t - 1) * lrDecay));
    }
    getKernels().adagradStep(params, grads, sums, clr, g);
  }
}
