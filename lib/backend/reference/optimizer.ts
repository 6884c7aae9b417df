// Reference optimizer steps: one loop per parameter, the common cases kept free of the
// unused terms.

import type { Float } from "../../dtype.js";
import type { AdagradHyper, AdamHyper, RmspropHyper, SgdHyper } from "../kernels/optimizer.js";

export function sgdStep(params: Float[], grads: Float[], bufs: (Float | null)[], first: boolean[], h: SgdHyper): void {
  const { lr, momentum: mu, dampening, weightDecay: wd, nesterov } = h;
  const sign = h.maximize ? -1 : 1;
  for (let k = 0; k < params.length; k++) {
    const w = params[k], grad = grads[k], buf = bufs[k];
    const n = w.length;
    if (mu === 0 || !buf) {
      for (let i = 0; i < n; i++) w[i] -= lr * (sign * grad[i] + wd * w[i]);
    } else if (first[k]) {
      for (let i = 0; i < n; i++) {
        const d = sign * grad[i] + wd * w[i];
        buf[i] = d;
        w[i] -= lr * (nesterov ? d + mu * d : d);
      }
    } else if (!nesterov && wd === 0 && sign === 1) {
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

/** Adam's per-element terms: the gradient's sign, AdamW's weight decay factor, Adam's L2 factor. */
export function adamTerms(h: AdamHyper): { sign: number; decay: number; l2: number } {
  return { sign: h.maximize ? -1 : 1, decay: h.decoupled ? 1 - h.lr * h.weightDecay : 1, l2: h.decoupled ? 0 : h.weightDecay };
}

export function adamStep(params: Float[], grads: Float[], ms: Float[], vs: Float[], vmaxs: Float[] | null,
  stepSizes: number[], bc2Sqrts: number[], h: AdamHyper): void {
  const { beta1: b1, beta2: b2, eps } = h;
  const { sign, decay, l2 } = adamTerms(h);
  for (let k = 0; k < params.length; k++) {
    const w = params[k], grad = grads[k], m = ms[k], v = vs[k];
    const stepSize = stepSizes[k], bc2Sqrt = bc2Sqrts[k];
    const n = w.length;
    if (vmaxs) {
      const vmax = vmaxs[k];
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

export function rmspropStep(params: Float[], grads: Float[], sqs: Float[], avgs: (Float | null)[], bufs: (Float | null)[], h: RmspropHyper): void {
  const { lr, alpha, eps, weightDecay: wd, momentum: mu } = h;
  const sign = h.maximize ? -1 : 1;
  for (let k = 0; k < params.length; k++) {
    const w = params[k], grad = grads[k], sq = sqs[k], avg = avgs[k], buf = mu > 0 ? bufs[k] : null;
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

export function adagradStep(params: Float[], grads: Float[], sums: Float[], clrs: number[], h: AdagradHyper): void {
  const { weightDecay: wd, eps } = h;
  const sign = h.maximize ? -1 : 1;
  for (let k = 0; k < params.length; k++) {
    const w = params[k], grad = grads[k], sum = sums[k], clr = clrs[k];
    for (let i = 0, n = w.length; i < n; i++) {
      const gi = sign * grad[i] + wd * w[i];
      const si = sum[i] + gi * gi;
      sum[i] = si;
      w[i] -= (clr * gi) / (Math.sqrt(si) + eps);
    }
  }
}
