// Activations: relu leakyRelu elu gelu silu sigmoid tanh softplus, and softmax / logSoftmax
// along a dim. The hot ones (relu, gelu, silu, sigmoid, tanh, softmax) run on backend kernels
// forward and backward (lib/backend/reference/activation.ts, softmax.ts); the rare ones are
// one pass each way through `pointwise` below.

import { getKernels } from "../../backend/index.js";
import type { UnaryOp } from "../../backend/kernels.js";
import type { PointwiseGradOp, PointwiseOp } from "../../backend/kernels.js";
import type { Float } from "../../dtype.js";
import { normDim } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { unaryRaw } from "../elementwise.js";
import { record } from "../op.js";
import { sigmoidOf } from "../../backend/reference/activation.js";
import { computeDType, emptyFloat, floatData, operand, residentFloat, residentScope } from "./util.js";

/** A backend pointwise kernel's forward, with its fused backward from the input. */
function pointwiseKernel(op: PointwiseOp, name: string, x: Tensor): Tensor {
  const dt = computeDType(x);
  const K = getKernels();
  // outputs may be resident (util.ts): operands are taken at each call, never kept
  const out = residentScope(() => {
    const [o, od] = residentFloat(x.shape, dt);
    K.pointwise(op, operand(x, dt), od);
    return o;
  });
  return asPointwiseGrad(record(out, name, [x], (g) => residentScope(() => {
    const [dx, d] = residentFloat(x.shape, dt);
    K.pointwiseBackward(op, operand(x, dt), operand(g, dt), d);
    return [dx];
  }), [x]), op, x);
}

/** Marks y's node as g·op'(saved), so the op consuming y may apply it (GradFn.fusedBackward). */
function asPointwiseGrad(y: Tensor, op: PointwiseGradOp, saved: Tensor): Tensor {
  if (y.gradFn) y.gradFn.pointwiseGrad = { op, saved };
  return y;
}

/**
 * A backend unary kernel's forward (relu's too), with the backward from its output: `grad`
 * writes g·op'(out) into d. The kernels write every element, so nothing is zero-filled.
 */
function unaryFromOutput(op: UnaryOp & PointwiseGradOp, name: string, x: Tensor, grad: (out: Float, g: Float, d: Float) => void): Tensor {
  const dt = computeDType(x);
  const out = residentScope(() => {
    const [o, od] = residentFloat(x.shape, dt);
    getKernels().unary(op, operand(x, dt), od);
    return o;
  });
  return asPointwiseGrad(record(out, name, [x], (g) => residentScope(() => {
    const [dx, d] = residentFloat(x.shape, dt);
    grad(operand(out, dt), operand(g, dt), d);
    return [dx];
  }), [out]), op, out);
}

function unaryKernel(op: UnaryOp & PointwiseGradOp, name: string, x: Tensor): Tensor {
  return unaryFromOutput(op, name, x, (out, g, d) => getKernels().pointwiseBackward(op, out, g, d));
}

/** max(x, 0). Integer tensors stay integer (no gradient then). */
export function relu(x: Tensor): Tensor {
  if (x.dtype === "int32" || x.dtype === "bool") return unaryRaw("relu", x, true);
  // a linear consuming the output may apply the mask to its input gradient itself
  return unaryFromOutput("relu", "ReluBackward", x, (out, g, d) => getKernels().reluMask(g, out, d));
}

/** x for x > 0, negativeSlope·x otherwise (default slope 0.01). */
export function leakyRelu(x: Tensor, options: number | { negativeSlope?: number } = {}): Tensor {
  const s = typeof options === "number" ? options : options.negativeSlope ?? 0.01;
  return pointwise("LeakyReluBackward", x, (v) => (v > 0 ? v : v * s), (v) => (v > 0 ? 1 : s));
}

/** x for x > 0, alpha·(eˣ − 1) otherwise (default alpha 1). */
export function elu(x: Tensor, options: number | { alpha?: number } = {}): Tensor {
  const alpha = typeof options === "number" ? options : options.alpha ?? 1;
  // d/dx alpha(eˣ − 1) = alpha·eˣ = y + alpha
  return pointwise("EluBackward", x, (v) => (v > 0 ? v : alpha * Math.expm1(v)), (v, y) => (v > 0 ? 1 : y + alpha));
}

/**
 * x·Φ(x) with Φ the standard normal CDF (Hendrycks & Gimpel); `approximate: "tanh"` uses
 * 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).
 */
export function gelu(x: Tensor, options: { approximate?: "none" | "tanh" } = {}): Tensor {
  const approx = options.approximate ?? "none";
  if (approx !== "none" && approx !== "tanh") throw new Error(`gelu: approximate must be "none" or "tanh", got ${JSON.stringify(approx)}`);
  return pointwiseKernel(approx === "none" ? "gelu" : "geluTanh", "GeluBackward", x);
}

/** x·σ(x) (also called swish). */
export function silu(x: Tensor): Tensor {
  return pointwiseKernel("silu", "SiluBackward", x);
}

/** 1 / (1 + e⁻ˣ). */
export function sigmoid(x: Tensor): Tensor {
  return unaryKernel("sigmoid", "SigmoidBackward", x);
}

export function tanh(x: Tensor): Tensor {
  return unaryKernel("tanh", "TanhBackward", x);
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

function softmaxOp(op: "softmax" | "logSoftmax", x: Tensor, dim: number): Tensor {
  const { outer, size, inner } = around(op, x, dim);
  const log = op === "logSoftmax";
  const dt = computeDType(x);
  const K = getKernels();
  // the kernels write every element (both layouts)
  const out = residentScope(() => {
    const [o, od] = residentFloat(x.shape, dt);
    K.softmax(operand(x, dt), od, outer, size, inner, log);
    return o;
  });
  return record(out, log ? "LogSoftmaxBackward" : "SoftmaxBackward", [x], (g) => residentScope(() => {
    const [dx, d] = residentFloat(x.shape, dt);
    K.softmaxBackward(operand(out, dt), operand(g, dt), d, outer, size, inner, log, 1);
    return [dx];
  }), [out]);
}

/** exp(x) / Σ exp(x) along `dim`. */
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxOp("softmax", x, dim);
}

/** x − logsumexp(x) along `dim`, without forming softmax first. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxOp("logSoftmax", x, dim);
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
