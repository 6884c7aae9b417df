// dropout (elementwise) and dropout2d (whole channels), inverted: kept values are scaled by
// 1/(1 − p) during training so evaluation needs no rescaling. Masks come from the library's
// seeded generator (manualSeed), or `options.generator`.

import { getKernels } from "../../backend/index.js";
import { fmtShape } from "../../shape.js";
import { Generator, defaultGenerator } from "../../random.js";
import { Tensor } from "../../tensor.js";
import { record } from "../op.js";
import { computeDType, emptyFloat, floatData } from "./util.js";

export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number;
  /** Identity when false (default true, like torch.nn.functional.dropout). */
  training?: boolean;
  generator?: Generator;
}

function checkP(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`${op}: p must be a probability in [0, 1], got ${p}`);
}

/** Zeroes each element with probability p and scales the rest by 1/(1 − p). `dropout(x, 0.2)` is `dropout(x, { p: 0.2 })`. */
export function dropout(x: Tensor, options: number | DropoutOptions = {}): Tensor {
  if (typeof options === "number") options = { p: options };
  const p = options.p ?? 0.5;
  checkP("dropout", p);
  if (options.training === false || p === 0) return x;
  return masked("DropoutBackward", x, p, x.numel, 1, options.generator ?? defaultGenerator);
}

/** Zeroes whole channels of [N, C, H, W] (or [C, H, W]) with probability p, scaling the rest by 1/(1 − p). */
export function dropout2d(x: Tensor, options: number | DropoutOptions = {}): Tensor {
  if (typeof options === "number") options = { p: options };
  const p = options.p ?? 0.5;
  checkP("dropout2d", p);
  if (x.ndim !== 4 && x.ndim !== 3) throw new Error(`dropout2d: expected input of shape [N, C, H, W] or [C, H, W], got ${fmtShape(x.shape)}`);
  if (options.training === false || p === 0) return x;
  const plane = x.shape[x.ndim - 1] * x.shape[x.ndim - 2];
  return masked("Dropout2dBackward", x, p, plane === 0 ? 0 : x.numel / plane, plane, options.generator ?? defaultGenerator);
}

/** One keep/drop draw per run of `run` consecutive elements (`units` runs). */
function masked(name: string, x: Tensor, p: number, units: number, run: number, gen: Generator): Tensor {
  const dt = computeDType(x);
  const xd = floatData(x, dt);
  const K = getKernels();
  const keep = new Uint8Array(units);
  K.bernoulliMask(keep, p, gen);
  const scale = p === 1 ? 0 : 1 / (1 - p);
  const [out, od] = emptyFloat(x.shape, dt);
  K.applyMask(xd, keep, run, scale, od);
  return record(out, name, [x], (g) => {
    const [dx, d] = emptyFloat(x.shape, dt);
    K.applyMask(floatData(g, dt), keep, run, scale, d);
    return [dx];
  });
}
