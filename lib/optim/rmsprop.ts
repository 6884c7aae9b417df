import { getKernels } from "../backend/index.js";
import type { Float } from "../dtype.js";
import { Optimizer, gradOf, type ParamGroup, type ParamsInput } from "./optimizer.js";

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/**
 * RMSprop with PyTorch's update rule (`torch.optim.RMSprop`):
 *   g = ∇ + λ·p;  s = α·s + (1 − α)·g²;  centred: a = α·a + (1 − α)·g, d = √(s − a²) + ε,
 *   else d = √s + ε;  with momentum b = μ·b + g/d, p = p − lr·b;  else p = p − lr·g/d.
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: ParamsInput<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super("RMSprop", params, {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
      ...options,
    });
  }

  protected override validate(g: ParamGroup<RMSpropOptions>): void {
    super.validate(g);
    if (!(g.alpha >= 0)) throw new Error(`RMSprop: invalid alpha value ${g.alpha}`);
    if (!(g.eps >= 0)) throw new Error(`RMSprop: invalid epsilon value ${g.eps}`);
    if (!(g.momentum >= 0)) throw new Error(`RMSprop: invalid momentum value ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new Error(`RMSprop: invalid weightDecay value ${g.weightDecay}`);
  }

  protected updateGroup(g: ParamGroup<RMSpropOptions>): void {
    const params: Float[] = [], grads: Float[] = [], sq: Float[] = [], avg: (Float | null)[] = [], buf: (Float | null)[] = [];
    for (const p of g.params) {
      const grad = gradOf(p);
      if (!grad) continue;
      const s = this.stateOf(p);
      s.step = ((s.step as number | undefined) ?? 0) + 1;
      params.push(p.data as Float);
      grads.push(grad);
      sq.push(this.buffer(p, "squareAvg"));
      avg.push(g.centered ? this.buffer(p, "gradAvg") : null);
      buf.push(g.momentum > 0 ? this.buffer(p, "momentumBuffer") : null);
    }
    getKernels().rmspropStep(params, grads, sq, avg, buf, g);
  }
}
