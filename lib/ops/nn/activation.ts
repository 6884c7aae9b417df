// Activations: relu leakyRelu elu gelu silu sigmoid tanh softplus, and softmax / logSoftmax
// along a dim. Each forward is one pass over contiguous values (the backend's unary kernel
// where one exists); each backward is one fused pass from the saved input or output.

import { getKernels } from "../../backend/index.js";
import type { UnaryOp } from "../../backend/kernels.js";
import type { Float } from "../../dtype.js";
import { normDim } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { unaryRaw } from "../elementwise.js";
import { record } from "../op.js";
import { normalCdf } from "./special.js";
import { type FloatDType, computeDType, emptyFloat, floatData } from "./util.js";

/** Forward of a backend unary kernel on x's values in its float dtype. */
function kernelUnary(op: UnaryOp, x: Tensor): [Tensor, FloatDType] {
  const dt = computeDType(x);
  const [out, od] = emptyFloat(x.shape, dt);
  getKernels().unary(op, floatData(x, dt), od);
  return [out, dt];
}

/** max(x, 0). Integer tensors stay integer (no gradient then). */
export function relu(x: Tensor): Tensor {
  if (x.dtype === "int32" || x.dtype === "bool") return unaryRaw("relu", x, true);
  const [out, dt] = kernelUnary("relu", x);
  return record(out, "ReluBackward", [x], (g) => {
    const gd = floatData(g, dt), od = out.data as Float;
    const [dx, d] = emptyFloat(x.shape, dt);
    if (od instanceof Float32Array) reluMask32(od, gd as Float32Array, d as Float32Array);
    else for (let i = 0; i < d.length; i++) d[i] = od[i] > 0 ? gd[i] : 0;
    return [dx];
  }, [out]);
}

/**
 * d = out > 0 ? g : 0 without a branch (random signs mispredict half the time, which made this
 * loop 3x slower): on float32 bit patterns, −(bits of |out|) >> 31 is all ones when out > 0
 * and 0 when out is ±0 (relu's output is never negative).
 */
function reluMask32(od: Float32Array, gd: Float32Array, d: Float32Array): void {
  const n = d.length;
  const oi = new Int32Array(od.buffer, od.byteOffset, n);
  const gi = new Int32Array(gd.buffer, gd.byteOffset, n);
  const di = new Int32Array(d.buffer, d.byteOffset, n);
  for (let i = 0; i < n; i++) di[i] = gi[i] & (-(oi[i] & 0x7fffffff) >> 31);
}

/** x for x > 0, negativeSlope·x otherwise (default slope 0.01). */
export function leakyRelu(x: Tensor, options: number | { negativeSlope?: number } = {}): Tensor {
  const s = typeof options === "number" ? options : options.negativeSlope ?? 0.01;
  const dt = computeDType(x);
  const xd = floatData(x, dt);
  const [out, od] = emptyFloat(x.shape, dt);
  for (let i = 0; i < od.length; i++) { const v = xd[i]; od[i] = v > 0 ? v : v * s; }
  return record(out, "LeakyReluBackward", [x], (g) => {
    const gd = floatData(g, dt), xv = floatData(x, dt);
    const [dx, d] = emptyFloat(x.shape, dt);
    for (let i = 0; i < d.length; i++) d[i] = xv[i] > 0 ? gd[i] : gd[i] * s;
    return [dx];
  }, [x]);
}

/** x for x > 0, alpha·(eˣ − 1) otherwise (default alpha 1). */
export function elu(x: Tensor, options: number | { alpha?: number } = {}): Tensor {
  const alpha = typeof options === "number" ? options : options.alpha ?? 1;
  const dt = computeDType(x);
  const xd = floatData(x, dt);
  const [out, od] = emptyFloat(x.shape, dt);
  for (let i = 0; i < od.length; i++) { const v = xd[i]; od[i] = v > 0 ? v : alpha * Math.expm1(v); }
  return record(out, "EluBackward", [x], (g) => {
    const gd = floatData(g, dt), xv = floatData(x, dt), ov = out.data as Float;
    const [dx, d] = emptyFloat(x.shape, dt);
    // d/dx alpha(eˣ − 1) = alpha·eˣ = out + alpha
    for (let i = 0; i < d.length; i++) d[i] = xv[i] > 0 ? gd[i] : gd[i] * (ov[i] + alpha);
    return [dx];
  }, [x, out]);
}

const SQRT_2_OVER_PI = 0.7978845608028654;
const INV_SQRT_2PI = 0.3989422804014327;
const GELU_C = 0.044715;

/**
 * x·Φ(x) with Φ the standard normal CDF (Hendrycks & Gimpel); `approximate: "tanh"` uses
 * 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).
 */
export function gelu(x: Tensor, options: { approximate?: "none" | "tanh" } = {}): Tensor {
  const approx = options.approximate ?? "none";
  if (approx !== "none" && approx !== "tanh") throw new Error(`gelu: approximate must be "none" or "tanh", got ${JSON.stringify(approx)}`);
  const dt = computeDType(x);
  const xd = floatData(x, dt);
  const [out, od] = emptyFloat(x.shape, dt);
  if (approx === "none") {
    for (let i = 0; i < od.length; i++) { const v = xd[i]; od[i] = v * normalCdf(v); }
  } else {
    for (let i = 0; i < od.length; i++) {
      const v = xd[i];
      od[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_C * v * v * v)));
    }
  }
  return record(out, "GeluBackward", [x], (g) => {
    const gd = floatData(g, dt), xv = floatData(x, dt);
    const [dx, d] = emptyFloat(x.shape, dt);
    if (approx === "none") {
      // Φ(x) + x·φ(x)
      for (let i = 0; i < d.length; i++) {
        const v = xv[i];
        d[i] = gd[i] * (normalCdf(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
      }
    } else {
      for (let i = 0; i < d.length; i++) {
        const v = xv[i];
        const t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_C * v * v * v));
        d[i] = gd[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_C * v * v));
      }
    }
    return [dx];
  }, [x]);
}

function sigmoidOf(v: number): number {
  // Two branches so exp never overflows.
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** x·σ(x) (also called swish). */
export function silu(x: Tensor): Tensor {
  const dt = computeDType(x);
  const xd = floatData(x, dt);
  const [out, od] = emptyFloat(x.shape, dt);
  for (let i = 0; i < od.length; i++) { const v = xd[i]; od[i] = v * sigmoidOf(v); }
  return record(out, "SiluBackward", [x], (g) => {
    const gd = floatData(g, dt), xv = floatData(x, dt);
    const [dx, d] = emptyFloat(x.shape, dt);
    for (let i = 0; i < d.length; i++) {
      const v = xv[i], s = sigmoidOf(v);
      d[i] = gd[i] * s * (1 + v * (1 - s));
    }
    return [dx];
  }, [x]);
}

/** 1 / (1 + e⁻ˣ). */
export function sigmoid(x: Tensor): Tensor {
  const [out, dt] = kernelUnary("sigmoid", x);
  return record(out, "SigmoidBackward", [x], (g) => {
    const gd = floatData(g, dt), od = out.data as Float;
    const [dx, d] = emptyFloat(x.shape, dt);
    for (let i = 0; i < d.length; i++) { const y = od[i]; d[i] = gd[i] * y * (1 - y); }
    return [dx];
  }, [out]);
}

export function tanh(x: Tensor): Tensor {
  const [out, dt] = kernelUnary("tanh", x);
  return record(out, "TanhBackward", [x], (g) => {
    const gd = floatData(g, dt), od = out.data as Float;
    const [dx, d] = emptyFloat(x.shape, dt);
    for (let i = 0; i < d.length; i++) { const y = od[i]; d[i] = gd[i] * (1 - y * y); }
    return [dx];
  }, [out]);
}

/** log(1 + e^(βx)) / β, and x itself where βx > threshold (defaults β 1, threshold 20). */
export function softplus(x: Tensor, options: { beta?: number; threshold?: number } = {}): Tensor {
  const beta = options.beta ?? 1, threshold = options.threshold ?? 20;
  const dt = computeDType(x);
  const xd = floatData(x, dt);
  const [out, od] = emptyFloat(x.shape, dt);
  for (let i = 0; i < od.length; i++) {
    const bx = beta * xd[i];
    // log1p(e^bx) = max(bx, 0) + log1p(e^-|bx|) never overflows.
    od[i] = bx > threshold ? xd[i] : (Math.max(bx, 0) + Math.log1p(Math.exp(-Math.abs(bx)))) / beta;
  }
  return record(out, "SoftplusBackward", [x], (g) => {
    const gd = floatData(g, dt), xv = floatData(x, dt);
    const [dx, d] = emptyFloat(x.shape, dt);
    for (let i = 0; i < d.length; i++) {
      const bx = beta * xv[i];
      d[i] = bx > threshold ? gd[i] : gd[i] * sigmoidOf(bx);
    }
    return [dx];
  }, [x]);
}

// ---- less common activations (one fused pass each way, from the saved input) ---------------

/** y = f(x) elementwise, dy/dx = df(x, y); for the activations below that no training hot path uses. */
function pointwise(name: string, x: Tensor, f: (v: number) => number, df: (v: number, y: number) => number): Tensor {
  const dt = computeDType(x);
  const xd = floatData(x, dt);
  const [out, od] = emptyFloat(x.shape, dt);
  for (let i = 0; i < od.length; i++) od[i] = f(xd[i]);
  return record(out, name, [x], (g) => {
    const gd = floatData(g, dt), xv = floatData(x, dt), ov = out.data as Float;
    const [dx, d] = emptyFloat(x.shape, dt);
    for (let i = 0; i < d.length; i++) d[i] = gd[i] * df(xv[i], ov[i]);
    return [dx];
  }, [x, out]);
}

/** clamp(x, minVal, maxVal) with gradient 1 strictly inside (defaults −1, 1). */
export function hardtanh(x: Tensor, options: { minVal?: number; maxVal?: number } = {}): Tensor {
  const lo = options.minVal ?? -1, hi = options.maxVal ?? 1;
  if (!(lo <= hi)) throw new Error(`hardtanh: minVal (${lo}) must not exceed maxVal (${hi})`);
  return pointwise("HardtanhBackward", x, (v) => (v < lo ? lo : v > hi ? hi : v), (v) => (v > lo && v < hi ? 1 : 0));
}

/** min(max(x, 0), 6). */
export function relu6(x: Tensor): Tensor {
  return pointwise("Relu6Backward", x, (v) => (v < 0 ? 0 : v > 6 ? 6 : v), (v) => (v > 0 && v < 6 ? 1 : 0));
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** scale·(x for x > 0, alpha·(eˣ − 1) otherwise) with the self-normalising constants (Klambauer et al.). */
export function selu(x: Tensor): Tensor {
  return pointwise("SeluBackward", x,
    (v) => SELU_SCALE * (v > 0 ? v : SELU_ALPHA * Math.expm1(v)),
    (v) => (v > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(v)));
}

/** x for x > 0, alpha·(e^(x/alpha) − 1) otherwise (default alpha 1). */
export function celu(x: Tensor, options: { alpha?: number } = {}): Tensor {
  const a = options.alpha ?? 1;
  if (a === 0) throw new Error("celu: alpha must not be 0");
  return pointwise("CeluBackward", x, (v) => (v > 0 ? v : a * Math.expm1(v / a)), (v) => (v > 0 ? 1 : Math.exp(v / a)));
}

/** log σ(x) = −softplus(−x), stable for large |x|. */
export function logSigmoid(x: Tensor): Tensor {
  return pointwise("LogSigmoidBackward", x,
    (v) => Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v))),
    (v) => sigmoidOf(-v));
}

/** x·tanh(softplus(x)) (Misra, 2019). */
export function mish(x: Tensor): Tensor {
  return pointwise("MishBackward", x,
    (v) => v * Math.tanh(Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))),
    (v) => {
      const t = Math.tanh(Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))));
      return t + v * sigmoidOf(v) * (1 - t * t);
    });
}

/** relu6(x + 3) / 6. */
export function hardsigmoid(x: Tensor): Tensor {
  return pointwise("HardsigmoidBackward", x, (v) => (v <= -3 ? 0 : v >= 3 ? 1 : v / 6 + 0.5), (v) => (v > -3 && v < 3 ? 1 / 6 : 0));
}

/** x·relu6(x + 3) / 6 (MobileNetV3). */
export function hardswish(x: Tensor): Tensor {
  return pointwise("HardswishBackward", x,
    (v) => (v <= -3 ? 0 : v >= 3 ? v : (v * (v + 3)) / 6),
    (v) => (v < -3 ? 0 : v > 3 ? 1 : (2 * v + 3) / 6));
}

/** x / (1 + |x|). */
export function softsign(x: Tensor): Tensor {
  return pointwise("SoftsignBackward", x, (v) => v / (1 + Math.abs(v)), (v) => 1 / ((1 + Math.abs(v)) * (1 + Math.abs(v))));
}

// ---- softmax / logSoftmax ----------------------------------------------------------------

/** x's contiguous values viewed as [outer, size, inner] around `dim`. */
function around(op: string, x: Tensor, dim: number | undefined): { d: number; outer: number; size: number; inner: number } {
  if (dim === undefined || dim === null) throw new Error(`${op}: dim is required (e.g. ${op}(x, -1))`);
  const d = normDim(op, dim, x.ndim);
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= x.shape[i];
  for (let i = d + 1; i < x.ndim; i++) inner *= x.shape[i];
  return { d, outer, size: x.ndim === 0 ? 1 : x.shape[d], inner };
}

/** Numerically stable (max-shifted) softmax or log-softmax of each [outer, ·, inner] line. */
function softmaxLines(xd: Float, od: Float, outer: number, size: number, inner: number, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let m = -Infinity;
      for (let r = 0; r < size; r++) { const v = xd[base + r * inner]; if (v > m || v !== v) m = v; }
      if (m === -Infinity) m = 0; // all −∞: avoid ∞ − ∞
      let s = 0;
      if (log) {
        for (let r = 0; r < size; r++) s += Math.exp(xd[base + r * inner] - m);
        const lse = m + Math.log(s);
        for (let r = 0; r < size; r++) od[base + r * inner] = xd[base + r * inner] - lse;
      } else {
        // Keep each exp in the output (one exp per element), then scale.
        for (let r = 0; r < size; r++) { const e = Math.exp(xd[base + r * inner] - m); od[base + r * inner] = e; s += e; }
        const inv = 1 / s;
        for (let r = 0; r < size; r++) od[base + r * inner] *= inv;
      }
    }
  }
}

/** exp(x) / Σ exp(x) along `dim`. */
export function softmax(x: Tensor, dim: number): Tensor {
  const { outer, size, inner } = around("softmax", x, dim);
  const dt = computeDType(x);
  const [out, od] = emptyFloat(x.shape, dt);
  softmaxLines(floatData(x, dt), od, outer, size, inner, false);
  return record(out, "SoftmaxBackward", [x], (g) => {
    // dx = y · (g − Σ g·y)
    const gd = floatData(g, dt), y = out.data as Float;
    const [dx, d] = emptyFloat(x.shape, dt);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * size * inner + i;
        let s = 0;
        for (let r = 0; r < size; r++) { const k = base + r * inner; s += gd[k] * y[k]; }
        for (let r = 0; r < size; r++) { const k = base + r * inner; d[k] = y[k] * (gd[k] - s); }
      }
    }
    return [dx];
  }, [out]);
}

/** x − logsumexp(x) along `dim`, without forming softmax first. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const { outer, size, inner } = around("logSoftmax", x, dim);
  const dt = computeDType(x);
  const [out, od] = emptyFloat(x.shape, dt);
  softmaxLines(floatData(x, dt), od, outer, size, inner, true);
  return record(out, "LogSoftmaxBackward", [x], (g) => {
    // dx = g − softmax · Σ g
    const gd = floatData(g, dt), y = out.data as Float;
    const [dx, d] = emptyFloat(x.shape, dt);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * size * inner + i;
        let s = 0;
        for (let r = 0; r < size; r++) s += gd[base + r * inner];
        for (let r = 0; r < size; r++) { const k = base + r * inner; d[k] = gd[k] - Math.exp(y[k]) * s; }
      }
    }
    return [dx];
  }, [out]);
}

// ---- Tensor methods (PyTorch has these on Tensor) -------------------------------------------

declare module "../../tensor.js" {
  interface Tensor {
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    softmax(dim: number): Tensor;
    logSoftmax(dim: number): Tensor;
  }
}

Tensor.prototype.relu = function (this: Tensor) { return relu(this); };
Tensor.prototype.sigmoid = function (this: Tensor) { return sigmoid(this); };
Tensor.prototype.tanh = function (this: Tensor) { return tanh(this); };
Tensor.prototype.softmax = function (this: Tensor, dim: number) { return softmax(this, dim); };
Tensor.prototype.logSoftmax = function (this: Tensor, dim: number) { return logSoftmax(this, dim); };
