// layerNorm, batchNorm, groupNorm and instanceNorm on the backend's norm kernels
// (lib/backend/reference/norm.ts): statistics + affine forward, one backward from the saved
// per-row (per-channel for batchNorm) mean and 1/std. groupNorm is layerNorm's kernel over
// rows of one group of one sample, then a per-channel affine map.

import type { Float } from "../../dtype.js";
import { fmtShape, sameShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { getKernels } from "../../backend/index.js";
import { record } from "../op.js";
import { type FloatDType, checkFloat, checkSameDType, emptyFloat, uninitFloat, floatData, operand, residentFloat, residentScope } from "./util.js";

function affineParam(op: string, what: string, t: Tensor | null | undefined, shape: readonly number[], x: Tensor): Tensor | null {
  if (t === undefined || t === null) return null;
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor or null`);
  if (!sameShape(t.shape, shape)) throw new Error(`${op}: ${what} of shape ${fmtShape(t.shape)} does not match ${fmtShape(shape)} (input shape ${fmtShape(x.shape)})`);
  checkSameDType(op, "input", x, what, t);
  return t;
}

export interface LayerNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/** Normalises over the trailing `normalizedShape` dims (mean 0, variance 1), then weight·x̂ + bias. */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], options: LayerNormOptions = {}): Tensor {
  const op = "layerNorm";
  const dt = checkFloat(op, "input", x);
  const ns = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const k = ns.length;
  if (k === 0 || k > x.ndim || !sameShape(x.shape.slice(x.ndim - k), ns)) {
    throw new Error(`${op}: normalizedShape ${fmtShape(ns)} must match the trailing dims of the input shape ${fmtShape(x.shape)}`);
  }
  const w = affineParam(op, "weight", options.weight, ns, x);
  const b = affineParam(op, "bias", options.bias, ns, x);
  const eps = options.eps ?? 1e-5;
  const D = ns.reduce((p, s) => p * s, 1);
  const M = D === 0 ? 0 : x.numel / D;
  const K = getKernels();
  const [, mean] = emptyFloat([M], dt), [, rstd] = emptyFloat([M], dt);
  // the output and dx may be resident (util.ts): operands are taken at each call, never kept
  const out = residentScope(() => {
    const [o, od] = residentFloat(x.shape, dt);
    K.layerNorm(operand(x, dt), w ? operand(w, dt) : null, b ? operand(b, dt) : null, od, mean, rstd, M, D, eps);
    return o;
  });
  return record(out, "LayerNormBackward", [x, w, b], (g, needs) => residentScope(() => {
    const [dx, d] = residentFloat(x.shape, dt);
    const [gw, dw] = emptyFloat(ns, dt), [gb, db] = emptyFloat(ns, dt);
    K.layerNormBackward(operand(x, dt), w ? operand(w, dt) : null, mean, rstd, operand(g, dt), needs[0] ? d : null, needs[1] ? dw : null, needs[2] ? db : null, M, D);
    return [needs[0] ? dx : null, needs[1] ? gw : null, needs[2] ? gb : null];
  }), [x, ...(w ? [w] : [])]);
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Normalise with the batch's statistics (and update the running ones) instead of the running ones. */
  training?: boolean;
  /** running = (1 − momentum)·running + momentum·batch (default 0.1). */
  momentum?: number;
  eps?: number;
}

/**
 * Normalises each channel (dim 1) of x [N, C, ...]. In training mode with the batch's mean and
 * biased variance, updating runningMean / runningVar in place with the unbiased variance (like
 * PyTorch); otherwise with the running statistics.
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null | undefined, runningVar: Tensor | null | undefined, options: BatchNormOptions = {}): Tensor {
  const op = "batchNorm";
  const dt = checkFloat(op, "input", x);
  if (x.ndim < 2) throw new Error(`${op}: expected input of shape [N, C, ...], got ${fmtShape(x.shape)}`);
  const N = x.shape[0], C = x.shape[1];
  const S = x.numel / Math.max(1, N * C);
  const count = N * S;
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  const rm = runningMean ?? null, rv = runningVar ?? null;
  for (const [what, t] of [["runningMean", rm], ["runningVar", rv]] as const) {
    if (t !== null && (!(t instanceof Tensor) || t.ndim !== 1 || t.shape[0] !== C)) {
      throw new Error(`${op}: ${what} must be a tensor of shape [${C}] (input shape ${fmtShape(x.shape)}), got ${t instanceof Tensor ? fmtShape(t.shape) : String(t)}`);
    }
  }
  if (!training && (rm === null || rv === null)) throw new Error(`${op}: runningMean and runningVar are required when training is false`);
  const w = affineParam(op, "weight", options.weight, [C], x);
  const b = affineParam(op, "bias", options.bias, [C], x);
  const xd = floatData(x, dt);
  const [, mean] = emptyFloat([C], dt), [, rstd] = emptyFloat([C], dt);
  if (training) {
    if (count <= 1) throw new Error(`${op}: expected more than 1 value per channel when training, got input of shape ${fmtShape(x.shape)}`);
    const [, vars] = emptyFloat([C], dt);
    getKernels().channelStats(xd, mean, vars, N, C, S);
    for (let c = 0; c < C; c++) rstd[c] = 1 / Math.sqrt(vars[c] + eps);
    if (rm) updateRunning(rm, mean, momentum, 1);
    if (rv) updateRunning(rv, vars, momentum, count / (count - 1));
  } else {
    const rmd = floatData(rm!, dt), rvd = floatData(rv!, dt);
    for (let c = 0; c < C; c++) { mean[c] = rmd[c]; rstd[c] = 1 / Math.sqrt(rvd[c] + eps); }
  }
  const wd = w ? floatData(w, dt) : null, bd = b ? floatData(b, dt) : null;
  // per channel: out = x·scale + shift with scale = rstd·w, shift = b − mean·scale
  const [, scale] = emptyFloat([C], dt), [, shift] = emptyFloat([C], dt);
  for (let c = 0; c < C; c++) {
    scale[c] = rstd[c] * (wd ? wd[c] : 1);
    shift[c] = (bd ? bd[c] : 0) - mean[c] * scale[c];
  }
  const [out, od] = emptyFloat(x.shape, dt);
  getKernels().channelAffine(xd, scale, shift, od, N, C, S);
  // The running statistics are copied into mean/rstd above, so the backward does not read them
  // (a later training-mode forward may update them in place before this backward runs).
  const saved = [x, ...(w ? [w] : [])];
  return record(out, "BatchNormBackward", [x, w, b], (g, needs) => {
    const [dx, d] = emptyFloat(x.shape, dt);
    const [gw, dw] = emptyFloat([C], dt), [gb, db] = emptyFloat([C], dt);
    getKernels().batchNormBackward(xd, floatData(g, dt), mean, rstd, wd, needs[0] ? d : null, dw, db, N, C, S, training);
    return [needs[0] ? dx : null, needs[1] ? gw : null, needs[2] ? gb : null];
  }, saved);
}

/** running ← (1 − momentum)·running + momentum·factor·batch, written into running's storage. */
function updateRunning(running: Tensor, batch: Float, momentum: number, factor: number): void {
  const store = running.storage.data;
  const st = running.strides[0], off = running.offset;
  for (let c = 0; c < batch.length; c++) {
    const i = off + c * st;
    store[i] = (1 - momentum) * store[i] + momentum * factor * batch[c];
  }
  running.storage.version++;
}

export interface GroupNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/** Normalises x [N, C, ...] over groups of C/numGroups channels (and all positions), then per-channel affine. */
export function groupNorm(x: Tensor, numGroups: number, options: GroupNormOptions = {}): Tensor {
  return groupNormImpl("groupNorm", "GroupNormBackward", x, numGroups, options);
}

/** Normalises each channel of each sample of x [N, C, ...] over its positions (groupNorm with C groups). */
export function instanceNorm(x: Tensor, options: GroupNormOptions = {}): Tensor {
  if (x.ndim < 3) throw new Error(`instanceNorm: expected input of shape [N, C, ...] with at least one spatial dim, got ${fmtShape(x.shape)}`);
  return groupNormImpl("instanceNorm", "InstanceNormBackward", x, x.shape[1], options);
}

function groupNormImpl(op: string, name: string, x: Tensor, numGroups: number, options: GroupNormOptions): Tensor {
  const dt = checkFloat(op, "input", x);
  if (x.ndim < 2) throw new Error(`${op}: expected input of shape [N, C, ...], got ${fmtShape(x.shape)}`);
  const N = x.shape[0], C = x.shape[1];
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0) {
    throw new Error(`${op}: numGroups (${numGroups}) must divide the ${C} channels of input shape ${fmtShape(x.shape)}`);
  }
  const w = affineParam(op, "weight", options.weight, [C], x);
  const b = affineParam(op, "bias", options.bias, [C], x);
  const eps = options.eps ?? 1e-5;
  const S = x.numel / Math.max(1, N * C), cg = C / numGroups, G = N * numGroups, size = cg * S;
  const xd = floatData(x, dt);
  const wd = w ? floatData(w, dt) : null, bd = b ? floatData(b, dt) : null;
  const K = getKernels();
  // each (sample, group) is a row of cg·S values: layerNorm's statistics and x̂, then the
  // per-channel affine map
  const [, mean] = emptyFloat([G], dt), [, rstd] = emptyFloat([G], dt);
  const [xhatT, xhat] = emptyFloat(x.shape, dt);
  K.layerNorm(xd, null, null, xhat, mean, rstd, G, size, eps);
  let out = xhatT;
  if (wd || bd) {
    const [o, od] = emptyFloat(x.shape, dt);
    K.channelAffine(xhat, wd ?? filled(C, dt, 1), bd ?? filled(C, dt, 0), od, N, C, S);
    out = o;
  }
  return record(out, name, [x, w, b], (g, needs) => {
    const gd = floatData(g, dt);
    const res: (Tensor | null)[] = [null, null, null];
    if (needs[0]) {
      // dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) per group, ĝ = g·w: layerNorm's backward on ĝ
      let gh = gd;
      if (wd) {
        gh = filled(gd.length, dt, 0);
        K.channelAffine(gd, wd, filled(C, dt, 0), gh, N, C, S);
      }
      const [dx, d] = emptyFloat(x.shape, dt);
      K.layerNormBackward(xd, null, mean, rstd, gh, d, null, null, G, size);
      res[0] = dx;
    }
    if (needs[1]) {
      // dw[c] = Σ g·x̂ over samples and positions
      const gx = filled(gd.length, dt, 0);
      K.binary("mul", gd, xhat, gx);
      const [dw, d] = emptyFloat([C], dt);
      K.channelSum(gx, d, N, C, S);
      res[1] = dw;
    }
    if (needs[2]) {
      const [db, d] = emptyFloat([C], dt);
      K.channelSum(gd, d, N, C, S);
      res[2] = db;
    }
    return res;
  }, [x, ...(w ? [w] : [])]);
}

/** A `dtype` array of n copies of v. */
function filled(n: number, dt: FloatDType, v: number): Float {
  const [, a] = emptyFloat([n], dt);
  if (v !== 0) a.fill(v);
  return a;
}
