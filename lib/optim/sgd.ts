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
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov, maximize } = g;
    const sign = maximize ? -1 : 1;
    for (const p of g.params) {
      const grad = gradOf(p);
      if (!grad) continue;
      const w = p.data as Float32Array | Float64Array;
      const n = w.length;
      if (mu === 0) {
        for (let i = 0; i < n; i++) w[i] -= lr * (sign * grad[i] + wd * w[i]);
        continue;
      }
      const s = this.stateOf(p);
      const first = s.momentumBuffer === undefined;
      const buf = this.buffer(p, "momentumBuffer");
      if (first) {
        for (let i = 0; i < n; i++) {
          const d = sign * grad[i] + wd * w[i];
          buf[i] = d;
          w[i] -= lr * (nesterov ? d + mu * d : d);
        }
      } else if (!nesterov && wd === 0 && sign === 1) {
        // The common case (heavy-ball momentum), kept free of the unused terms.
        const keep = 1 - dampening;
        for (let i = 0; i < n; i++) {
          const b = mu * buf[i] + keep * grad[i];
          buf[i] = b;
          w[i] -= lr * b;
        }
      } else {
        const keep = 1 - dampening;
        for (let i = 0; i < n; i++) {
          const d = sign * grad[i] + wd * w[i];
          const b = mu * buf[i] + keep * d;
          buf[i] = b;
          w[i] -= lr * (nesterov ? d + mu * b : b);
        }
      }
    }
  }
}
