// Reference kernels of the pointwise activations and their fused backward passes.
// Exact GELU needs Φ(x) = ½·erfc(−x/√2): float64 arrays use the series/continued fraction of
// special.ts (gradcheck accuracy); float32 arrays use `erfcFast`, 1e-8 relative (below
// float32 rounding) and much cheaper than the series, the formula the wasm kernel uses.

import type { Float } from "../../dtype.js";
import { normalCdf } from "./special.js";
import type { ActivationKernels, PointwiseGradOp, PointwiseOp } from "../kernels/activation.js";

const SQRT_2_OVER_PI = 0.7978845608028654;
const INV_SQRT_2PI = 0.3989422804014327;
const SQRT1_2 = Math.SQRT1_2;
export const GELU_C = 0.044715;

/**
 * erfc(z) for z >= 0 as t·e^{−z²}·Q(t), t = 1/(1 + z/2), with Q a degree-10 polynomial
 * fitted (relative weighted least squares towards minimax) to erfc(z)·e^{z²}/t on t ∈ (0, 1]:
 * relative error below 1.1e-8 for every z >= 0, so both tails keep their relative accuracy;
 * e^{−z²} is also GELU's density term, so its backward needs one exp.
 */
export const ERFC_Q = [
  0.282094794926184,
  0.28209384047143626,
  0.2468809179376406,
  0.17537278817247287,
  0.09302713764999236,
  -0.05733550912511611,
  0.12733619784006106,
  -0.44734550150279895,
  0.48651144855905554,
  -0.23102407167963548,
  0.04238794672497721,
] as const;

export function erfcFast(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  let q: number = ERFC_Q[10];
  for (let k = 9; k >= 0; k--) q = q * t + ERFC_Q[k];
  return t * Math.exp(-z * z) * q;
}

/** Φ(x) to float32 accuracy. */
function phiFast(x: number): number {
  const e = 0.5 * erfcFast(Math.abs(x) * SQRT1_2);
  return x < 0 ? e : 1 - e;
}

export function sigmoidOf(v: number): number {
  // two branches so exp never overflows
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

export function pointwise(op: PointwiseOp, x: Float, out: Float): void {
  const n = x.length;
  switch (op) {
    case "gelu": {
      const phi = x instanceof Float64Array ? normalCdf : phiFast;
      for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v * phi(v); }
      return;
    }
    case "geluTanh":
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_C * v * v * v)));
      }
      return;
    case "silu":
      for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v * sigmoidOf(v); }
      return;
  }
  throw new Error(`pointwise: unknown op ${String(op)}`);
}

export function pointwiseBackward(op: PointwiseGradOp, s: Float, g: Float, dx: Float): void {
  const n = dx.length;
  switch (op) {
    case "gelu": {
      // Φ(x) + x·φ(x)
      const phi = s instanceof Float64Array ? normalCdf : phiFast;
      for (let i = 0; i < n; i++) { const v = s[i]; dx[i] = g[i] * (phi(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v)); }
      return;
    }
    case "geluTanh":
      for (let i = 0; i < n; i++) {
        const v = s[i];
        const t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_C * v * v * v));
        dx[i] = g[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_C * v * v));
      }
      return;
    case "silu":
      for (let i = 0; i < n; i++) { const v = s[i], y = sigmoidOf(v); dx[i] = g[i] * y * (1 + v * (1 - y)); }
      return;
    case "tanh":
      for (let i = 0; i < n; i++) { const y = s[i]; dx[i] = g[i] * (1 - y * y); }
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) { const y = s[i]; dx[i] = g[i] * y * (1 - y); }
      return;
    case "relu": // reluMask's rule, so a fused backward has its bits
      for (let i = 0; i < n; i++) dx[i] = s[i] > 0 ? g[i] : 0;
      return;
  }
  throw new Error(`pointwiseBackward: unknown op ${String(op)}`);
}

export const activationKernels: ActivationKernels = { pointwise, pointwiseBackward };
