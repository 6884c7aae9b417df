// Losses: crossEntropy and nllLoss (class dim 1 of [N, C, d1, ...] or [C]), mseLoss, l1Loss,
// smoothL1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, klDiv. Each is
// one fused forward over contiguous values and one fused backward; reductions "mean" (default),
// "sum" and "none" as in PyTorch.

import type { Float } from "../../dtype.js";
import { broadcastShapes, fmtShape, sameShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { getKernels } from "../../backend/index.js";
import type { RegressionLoss } from "../../backend/kernels.js";
import { record, sumTo } from "../op.js";
import {
  type FloatDType, type Reduction, checkFloat, checkReduction, emptyFloat, floatData, lossGrad, operand, reduceLoss, residentScope,
} from "./util.js";

export type { Reduction } from "./util.js";

// ---- class-dim layout ------------------------------------------------------------------------

interface ClassLayout { n: number; c: number; inner: number; positions: number; targetShape: number[] }

/** [N, C, d1, ...] → N, C, d1·…; a 1-D [C] input is one sample with no batch dim. */
function classLayout(op: string, input: Tensor): ClassLayout {
  if (input.ndim === 0) throw new Error(`${op}: input must have a class dim, got a 0-d tensor`);
  if (input.ndim === 1) return { n: 1, c: input.shape[0], inner: 1, positions: 1, targetShape: [] };
  const n = input.shape[0], c = input.shape[1];
  let inner = 1;
  for (let i = 2; i < input.ndim; i++) inner *= input.shape[i];
  return { n, c, inner, positions: n * inner, targetShape: [n, ...input.shape.slice(2)] };
}

function classWeights(op: string, weight: Tensor | null | undefined, c: number, dt: FloatDType): Float | null {
  if (weight === undefined || weight === null) return null;
  if (!(weight instanceof Tensor) || weight.ndim !== 1 || weight.shape[0] !== c) {
    throw new Error(`${op}: weight must be a 1-D tensor of ${c} class weights, got shape ${weight instanceof Tensor ? fmtShape(weight.shape) : String(weight)}`);
  }
  return floatData(weight, dt);
}

/** Class indices as int32 values, checked against [0, c) (ignoreIndex allowed). */
function classIndices(op: string, input: Tensor, target: Tensor, L: ClassLayout, ignoreIndex: number): Int32Array {
  if (target.dtype !== "int32") {
    throw new Error(`${op}: class-index targets must be int32, got dtype ${target.dtype} (shape ${fmtShape(target.shape)}); use tensor(labels, { dtype: "int32" }) or target.int()`);
  }
  if (!sameShape(target.shape, L.targetShape)) {
    const hint = sameShape(target.shape, input.shape) ? "; probability targets must be float" : "";
    throw new Error(`${op}: target shape ${fmtShape(target.shape)} does not match input shape ${fmtShape(input.shape)} (class indices need shape ${fmtShape(L.targetShape)}${hint})`);
  }
  const t = target.data as Int32Array;
  for (let i = 0; i < t.length; i++) {
    const y = t[i];
    if (y !== ignoreIndex && (y < 0 || y >= L.c)) {
      throw new Error(`${op}: target ${y} is out of bounds for ${L.c} classes (input shape ${fmtShape(input.shape)})`);
    }
  }
  return t;
}

// ---- crossEntropy ----------------------------------------------------------------------------

export interface CrossEntropyOptions {
  reduction?: Reduction;
  /** Per-class weights [C]. */
  weight?: Tensor | null;
  /** Targets equal to this class index contribute nothing (default −100). */
  ignoreIndex?: number;
  /** Mixes the target with the uniform distribution: (1 − ε)·target + ε/C. */
  labelSmoothing?: number;
}

/**
 * logSoftmax + negative log-likelihood in one op. `input` holds logits [N, C, d1, ...] (or
 * [C]); `target` is either int32 class indices [N, d1, ...] or float class probabilities of
 * the input's shape. The backward is softmax − target, computed in one pass.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = "crossEntropy";
  const dt = checkFloat(op, "input", input);
  if (!(target instanceof Tensor)) throw new Error(`${op}: target must be a Tensor`);
  const reduction = checkReduction(op, options.reduction);
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new Error(`${op}: labelSmoothing must be in [0, 1], got ${eps}`);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const L = classLayout(op, input);
  const { c, inner, positions } = L;
  const w = classWeights(op, options.weight, c, dt);
  const probTarget = target.dtype === "float32" || target.dtype === "float64";
  if (probTarget && !sameShape(target.shape, input.shape)) {
    if (sameShape(target.shape, L.targetShape)) classIndices(op, input, target, L, ignoreIndex); // throws: must be int32
    throw new Error(`${op}: probability target shape ${fmtShape(target.shape)} does not match input shape ${fmtShape(input.shape)}`);
  }
  const idx = probTarget ? null : classIndices(op, input, target, L, ignoreIndex);
  const tp = probTarget ? floatData(target, dt) : null;
  const wT = options.weight ?? null;
  const P = { n: L.n, c, inner, ignoreIndex, smoothing: eps };
  const K = getKernels();
  const [, lse] = emptyFloat([positions], dt), [, loss] = emptyFloat([positions], dt);
  // the logits (an lm head's output, say) and dx may be resident (util.ts): read in place
  // Mean over class indices divides by the summed weight of the counted targets (PyTorch).
  const divisor = residentScope(() => {
    const x = operand(input, dt);
    if (idx) return K.crossEntropyForward(x, idx, w, loss, lse, P);
    K.crossEntropyProbForward(x, tp!, w, loss, lse, P);
    return positions;
  });
  const out = reduceLoss(loss, L.targetShape, reduction, dt, divisor);
  return record(out, "CrossEntropyBackward", [input, probTarget ? target : null], (g, needs) => residentScope(() => {
    const G = lossGrad(g, reduction, dt, divisor);
    const xv = operand(input, dt);
    const wv = wT ? floatData(wT, dt) : null;
    // zeroed: the reference leaves ignored positions alone
    const dx = Tensor.output(input.shape, dt, true), d = dx.storage.values as Float;
    if (idx) {
      K.crossEntropyBackward(xv, idx, wv, lse, G.s, G.per, d, P);
      return [dx, null];
    }
    const [dtg, dtd] = emptyFloat(target.shape, dt);
    K.crossEntropyProbBackward(xv, floatData(target, dt), wv, lse, G.s, G.per, needs[0] ? d : null, needs[1] ? dtd : null, P);
    return [needs[0] ? dx : null, needs[1] ? dtg : null];
  }), savedOf(input, target, options.weight));
}

/** Tensors a loss's backward reads (their in-place modification is then detected). */
function savedOf(...ts: (Tensor | null | undefined)[]): Tensor[] {
  return ts.filter((t): t is Tensor => t instanceof Tensor);
}

// ---- nllLoss ---------------------------------------------------------------------------------

export interface NllLossOptions {
  reduction?: Reduction;
  weight?: Tensor | null;
  ignoreIndex?: number;
}

/** −w[y]·input[y] per position, for log-probabilities [N, C, d1, ...] (or [C]) and int32 targets. */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = "nllLoss";
  const dt = checkFloat(op, "input", input);
  if (!(target instanceof Tensor)) throw new Error(`${op}: target must be a Tensor`);
  const reduction = checkReduction(op, options.reduction);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const L = classLayout(op, input);
  const { c, inner, positions } = L;
  const w = classWeights(op, options.weight, c, dt);
  const idx = classIndices(op, input, target, L, ignoreIndex);
  const x = floatData(input, dt);
  const P = { n: L.n, c, inner, ignoreIndex, smoothing: 0 };
  const [, loss] = emptyFloat([positions], dt);
  const wsum = getKernels().nllForward(x, idx, w, loss, P);
  const out = reduceLoss(loss, L.targetShape, reduction, dt, wsum);
  return record(out, "NllLossBackward", [input], (g) => {
    const G = lossGrad(g, reduction, dt, wsum);
    const [dx, d] = emptyFloat(input.shape, dt);
    getKernels().nllBackward(idx, w, G.s, G.per, d, P);
    return [dx];
  }, savedOf(target, options.weight));
}

// ---- elementwise losses ----------------------------------------------------------------------

interface Pair { dt: FloatDType; shape: number[]; a: Float; b: Float }

/** input and target broadcast together (PyTorch allows it for these losses). */
function pairOf(op: string, input: Tensor, target: Tensor): Pair {
  const dt = checkFloat(op, "input", input);
  if (!(target instanceof Tensor)) throw new Error(`${op}: target must be a Tensor`);
  const shape = broadcastShapes(op, input.shape, target.shape);
  const a = sameShape(shape, input.shape) ? floatData(input, dt) : floatData(input.expand(shape), dt);
  const b = sameShape(shape, target.shape) ? floatData(target, dt) : floatData(target.expand(shape), dt);
  return { dt, shape, a, b };
}

/** Per-element gradient of a broadcast loss, summed back to input and target shapes. */
function pairGrads(P: Pair, input: Tensor, target: Tensor, needs: readonly boolean[], d: Tensor, dTargetSign: number): (Tensor | null)[] {
  return [
    needs[0] ? sumTo(d, input.shape) : null,
    needs[1] ? sumTo(dTargetSign === -1 ? d.neg() : d, target.shape) : null,
  ];
}

export interface LossOptions { reduction?: Reduction }

/** Mean squared error (input − target)². */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  return regression("mseLoss", "MseLossBackward", "mse", input, target, options.reduction, 0, 1);
}

/** Mean absolute error |input − target| (gradient 0 where they are equal, like PyTorch). */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  return regression("l1Loss", "L1LossBackward", "l1", input, target, options.reduction, 0, 1);
}

/** Huber loss: ½e² where |e| < delta, else delta·(|e| − ½delta) (default delta 1). */
export function huberLoss(input: Tensor, target: Tensor, options: LossOptions & { delta?: number } = {}): Tensor {
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new Error(`huberLoss: delta must be positive, got ${delta}`);
  return regression("huberLoss", "HuberLossBackward", "huber", input, target, options.reduction, delta, 1);
}

/** Smooth L1: ½e²/beta where |e| < beta, else |e| − ½beta (default beta 1; beta 0 is L1). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: LossOptions & { beta?: number } = {}): Tensor {
  const beta = options.beta ?? 1;
  if (!(beta >= 0)) throw new Error(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  if (beta === 0) return l1Loss(input, target, options);
  // smoothL1 with beta is huber with delta = beta, divided by beta.
  return regression("smoothL1Loss", "SmoothL1LossBackward", "huber", input, target, options.reduction, beta, 1 / beta);
}

/** An elementwise regression loss on the backend's kernels, input and target broadcast. */
function regression(op: string, name: string, kind: RegressionLoss, input: Tensor, target: Tensor, red: Reduction | undefined, delta: number, scale: number): Tensor {
  const reduction = checkReduction(op, red);
  const P = pairOf(op, input, target);
  const [, l] = emptyFloat(P.shape, P.dt);
  getKernels().regressionLoss(kind, P.a, P.b, l, delta, scale);
  const out = reduceLoss(l, P.shape, reduction, P.dt, l.length);
  return record(out, name, [input, target], (g, needs) => {
    const G = lossGrad(g, reduction, P.dt, l.length);
    const [dt, d] = emptyFloat(P.shape, P.dt);
    getKernels().regressionLossBackward(kind, P.a, P.b, G.s, G.per, d, delta, scale);
    return pairGrads(P, input, target, needs, dt, -1);
  }, [input, target]);
}

// ---- binary cross-entropy --------------------------------------------------------------------

/** Values of an optional tensor broadcast to `shape` (must not change the loss's shape). */
function broadcastOptional(op: string, what: string, t: Tensor | null | undefined, shape: number[], dt: FloatDType): Float | null {
  if (t === undefined || t === null) return null;
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor`);
  const s = broadcastShapes(op, t.shape, shape);
  if (!sameShape(s, shape)) throw new Error(`${op}: ${what} of shape ${fmtShape(t.shape)} does not broadcast to the input shape ${fmtShape(shape)}`);
  return sameShape(t.shape, shape) ? floatData(t, dt) : floatData(t.expand(shape), dt);
}

export interface BceOptions { reduction?: Reduction; weight?: Tensor | null }

/**
 * −w·(t·log(p) + (1 − t)·log(1 − p)) for probabilities p in [0, 1]; the logs are clamped at
 * −100 like PyTorch, so p = 0 or 1 gives a finite loss.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BceOptions = {}): Tensor {
  const op = "binaryCrossEntropy";
  const reduction = checkReduction(op, options.reduction);
  const dt = checkFloat(op, "input", input);
  if (!(target instanceof Tensor)) throw new Error(`${op}: target must be a Tensor`);
  if (!sameShape(input.shape, target.shape)) {
    throw new Error(`${op}: target shape ${fmtShape(target.shape)} must match input shape ${fmtShape(input.shape)}`);
  }
  const shape = input.shape.slice();
  const p = floatData(input, dt), t = floatData(target, dt);
  const w = broadcastOptional(op, "weight", options.weight, shape, dt);
  const [, l] = emptyFloat(shape, dt);
  const bad = getKernels().bceForward(p, t, w, l);
  if (bad >= 0) throw new Error(`${op}: input values must be probabilities in [0, 1], got ${p[bad]} (apply sigmoid first, or use binaryCrossEntropyWithLogits)`);
  const out = reduceLoss(l, shape, reduction, dt, l.length);
  return record(out, "BinaryCrossEntropyBackward", [input, target], (g, needs) => {
    const G = lossGrad(g, reduction, dt, l.length);
    const [di, dd] = emptyFloat(shape, dt), [dtg, dtd] = emptyFloat(shape, dt);
    getKernels().bceBackward(p, t, w, G.s, G.per, needs[0] ? dd : null, needs[1] ? dtd : null);
    return [needs[0] ? di : null, needs[1] ? dtg : null];
  }, savedOf(input, target, options.weight));
}

export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of positive examples, broadcast along the last (class) dim. */
  posWeight?: Tensor | null;
}

/**
 * Sigmoid + binary cross-entropy in one stable step:
 * (1 − t)·x + (1 + (pw − 1)·t)·softplus(−x), with softplus(−x) = log1p(e^−|x|) + max(−x, 0).
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  const reduction = checkReduction(op, options.reduction);
  const dt = checkFloat(op, "input", input);
  if (!(target instanceof Tensor)) throw new Error(`${op}: target must be a Tensor`);
  if (!sameShape(input.shape, target.shape)) {
    throw new Error(`${op}: target shape ${fmtShape(target.shape)} must match input shape ${fmtShape(input.shape)}`);
  }
  const shape = input.shape.slice();
  const x = floatData(input, dt), t = floatData(target, dt);
  const w = broadcastOptional(op, "weight", options.weight, shape, dt);
  const pwT = options.posWeight ?? null;
  const pw = broadcastOptional(op, "posWeight", pwT, shape, dt);
  const [, sp] = emptyFloat(shape, dt); // softplus(−x), for the backward
  const [, l] = emptyFloat(shape, dt);
  getKernels().bceWithLogitsForward(x, t, w, pw, l, sp);
  const out = reduceLoss(l, shape, reduction, dt, l.length);
  return record(out, "BinaryCrossEntropyWithLogitsBackward", [input, target, pwT], (g, needs) => {
    const G = lossGrad(g, reduction, dt, l.length);
    const [di, dd] = emptyFloat(shape, dt), [dtg, dtd] = emptyFloat(shape, dt), [dp, dpd] = emptyFloat(shape, dt);
    const wantPw = needs[2] && pwT !== null;
    getKernels().bceWithLogitsBackward(x, t, w, pw, sp, G.s, G.per, needs[0] ? dd : null, needs[1] ? dtd : null, wantPw ? dpd : null);
    return [needs[0] ? di : null, needs[1] ? dtg : null, wantPw ? sumTo(dp, pwT!.shape) : null];
  }, savedOf(input, target, pwT, options.weight));
}

// ---- KL divergence ---------------------------------------------------------------------------

export interface KlDivOptions {
  /** "batchmean" divides the sum by the batch size (the mathematically correct KL). */
  reduction?: Reduction | "batchmean";
  /** Whether target holds log-probabilities too. */
  logTarget?: boolean;
}

/** Σ target·(log target − input) with input as log-probabilities (0 where target is 0). */
export function klDiv(input: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  const op = "klDiv";
  const red = options.reduction ?? "mean";
  const batchmean = red === "batchmean";
  const effective: Reduction = batchmean ? "mean" : checkReduction(op, red);
  const logTarget = options.logTarget ?? false;
  const P = pairOf(op, input, target);
  const [, l] = emptyFloat(P.shape, P.dt);
  getKernels().klDivForward(P.a, P.b, l, logTarget);
  const bs = P.shape.length > 0 ? P.shape[0] : 1;
  const divisor = batchmean ? bs : l.length;
  const out = reduceLoss(l, P.shape, effective, P.dt, divisor);
  return record(out, "KlDivBackward", [input, target], (g, needs) => {
    const G = lossGrad(g, effective, P.dt, divisor);
    const [da, dad] = emptyFloat(P.shape, P.dt), [db, dbd] = emptyFloat(P.shape, P.dt);
    getKernels().klDivBackward(P.a, P.b, G.s, G.per, needs[0] ? dad : null, needs[1] ? dbd : null, logTarget);
    return [needs[0] ? sumTo(da, input.shape) : null, needs[1] ? sumTo(db, target.shape) : null];
  }, [input, target]);
}
