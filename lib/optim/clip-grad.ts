import type { Tensor } from "../tensor.js";
import { fmtShape } from "../shape.js";

let warnedNonfinite = false;

/**
 * Rescales the gradients of `params` in place so that their joint norm (over all of them,
 * as if concatenated) is at most `maxNorm`; returns the norm before clipping.
 * `normType` is p of the p-norm, or Infinity for the max-abs norm (as `clip_grad_norm_`).
 */
export function clipGradNorm(
  params: Iterable<Tensor>,
  maxNorm: number,
  options: { normType?: number; errorIfNonfinite?: boolean } = {},
): number {
  const normType = options.normType ?? 2;
  const withGrad = [...params].filter((p) => p.grad !== null);
  const grads = withGrad.map((p) => p.grad!.data as Float32Array | Float64Array);
  if (grads.length === 0) return 0;
  let total = 0;
  if (normType === Infinity) {
    for (const g of grads) for (let i = 0; i < g.length; i++) total = Math.max(total, Math.abs(g[i]));
  } else {
    let acc = 0;
    for (const g of grads) {
      if (normType === 2) for (let i = 0; i < g.length; i++) acc += g[i] * g[i];
      else for (let i = 0; i < g.length; i++) acc += Math.pow(Math.abs(g[i]), normType);
    }
    total = Math.pow(acc, 1 / normType);
  }
  if (!Number.isFinite(total)) {
    const bad = withGrad.findIndex((_, i) => grads[i]!.some((v) => !Number.isFinite(v)));
    const which = bad < 0 ? "" : `; parameter ${bad} (shape ${fmtShape(withGrad[bad]!.shape)}) has a non-finite gradient`;
    const text = `clipGradNorm: the total norm of order ${normType} of the gradients is non-finite (${total})${which}`;
    if (options.errorIfNonfinite) throw new Error(text);
    // PyTorch carries on silently by default; a learner is told once per session.
    if (!warnedNonfinite) {
      warnedNonfinite = true;
      console.warn(`${text} (pass errorIfNonfinite: true to stop there; detectAnomaly names the op that produced it)`);
    }
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    for (const p of withGrad) p.grad!.mul_(coef);
  }
  return total;
}

/** Clamps every gradient element of `params` to [−clipValue, clipValue] in place. */
export function clipGradValue(params: Iterable<Tensor>, clipValue: number): void {
  for (const p of params) {
    if (p.grad === null) continue;
    p.grad.clamp_(-clipValue, clipValue);
  }
}
