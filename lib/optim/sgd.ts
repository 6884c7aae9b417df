import { getKernels } from "../backend/index.js";
import type { Float } from "../dtype.js";
import { Optimizer, gradOf, type ParamGroup, type ParamsInput } from "./optimizer.js";

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * Stochastic gradient descent with PyTorch's update rule (`torch.optim.SGD`):
 *   g = ∇ + λ·p;  b = μ·b + (1 − τ)·g  (b = g on the first step);
 *   g = g + μ·b (Nesterov) or g = b;  p = p − lr·g.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super("SGD", params, {
      lr: 1e-3,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
      ...options,
    });
  }

  protected override validate(g: ParamGroup<SGDOptions>): void {
    super.validate(g);
    if (!(g.momentum >= 0)) throw new Error(`SGD: invalid momentum value ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new Error(`SGD: invalid weightDecay value ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new Error("SGD: Nesterov momentum requires a momentum and zero dampening");
    }
  }

  protected updateGroup(g: ParamGroup<SGDOptions>): void {
    const params: Float[] = [], grads: Float[] = [], bufs: (Float | null)[] = [], first: boolean[] = [];
    for (const p of g.params) {
      const grad = gradOf(p);
      if (!grad) continue;
      params.push(p.data as Float);
      grads.push(grad);
      if (g.momentum === 0) {
        bufs.push(null);
        first.push(false);
        continue;
      }
      first.push(this.stateOf(p).momentumBuffer === undefined);
      bufs.push(this.buffer(p, "momentumBuffer"));
    }
    getKernels().sgdStep(params, grads, bufs, first, g);
  }
}
