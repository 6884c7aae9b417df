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
    const { lr, alpha, eps, weightDecay: wd, momentum: mu, centered, maximize } = g;
    const sign = maximize ? -1 : 1;
    for (const p of g.params) {
      const grad = gradOf(p);
      if (!grad) continue;
      const s = this.stateOf(p);
      s.step = ((s.step as number | undefined) ?? 0) + 1;
      const sq = this.buffer(p, "squareAvg");
      const avg = centered ? this.buffer(p, "gradAvg") : null;
      const buf = mu > 0 ? this.buffer(p, "momentumBuffer") : null;
      const w = p.data as Float32Array | Float64Array;
      for (let i = 0, n = w.length; i < n; i++) {
        const gi = sign * grad[i] + wd * w[i];
        const si = alpha * sq[i] + (1 - alpha) * gi * gi;
        sq[i] = si;
        let d: number;
        if (avg) {
          const ai = alpha * avg[i] + (1 - alpha) * gi;
          avg[i] = ai;
          d = Math.sqrt(si - ai * ai) + eps;
        } else d = Math.sqrt(si) + eps;
        if (buf) {
          const b = mu * buf[i] + gi / d;
          buf[i] = b;
          w[i] -= lr * b;
        } else w[i] -= (lr * gi) / d;
      }
    }
  }
}
