// Anomaly mode (PyTorch's torch.autograd.detect_anomaly): while it is on, the first op whose
// forward or backward turns finite values into NaN or Inf throws, naming the op, the shapes
// of its inputs and where its forward was called, instead of letting the non-finite values
// spread silently into every gradient. It costs a scan of every result, so it is off by
// default: `detectAnomaly(() => …)` for one computation, `setDetectAnomaly(true)` until off.
import type { Tensor } from "../tensor.js";
import { fmtShape } from "../shape.js";
import { ScopedSetting } from "../recover.js";
import { isPartialGrad, type BackwardFn } from "./graph.js";

const mode = new ScopedSetting(false);

export function isAnomalyEnabled(): boolean {
  return mode.value;
}

/** Turns anomaly mode on or off until changed again (torch.autograd.set_detect_anomaly). */
export function setDetectAnomaly(on: boolean): void {
  mode.value = on === true;
}

/** Runs `fn` with anomaly mode on (torch.autograd.detect_anomaly as a context manager). */
export function detectAnomaly<T>(fn: () => T): T {
  return mode.during(true, fn);
}

/** "NaN", "Inf" or null for a tensor's values (non-float dtypes are always finite). */
function nonFinite(t: Tensor): string | null {
  if (t.dtype !== "float32" && t.dtype !== "float64") return null;
  const d = t.data as Float32Array | Float64Array;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) return Number.isNaN(v) ? "NaN" : v > 0 ? "Inf" : "-Inf";
  }
  return null;
}

const LIB_DIR = new URL("../", import.meta.url).href;
const LIB_PATH = decodeURIComponent(new URL("../", import.meta.url).pathname);

/** The first stack frame outside the library and Node: where the user called the op. */
function callSite(): { frames: string; where: string } {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  const frames = stack.split("\n").slice(1).filter((l) => !l.includes(LIB_DIR) && !l.includes(LIB_PATH) && !l.includes("node:"));
  const m = frames[0]?.match(/\(([^()]+:\d+:\d+)\)$/) ?? frames[0]?.match(/at (\S+:\d+:\d+)$/);
  return { frames: frames.join("\n"), where: m ? m[1]! : "an unknown place" };
}

function opName(gradFnName: string): string {
  const base = gradFnName.replace(/Backward\d*$/, "");
  return base.charAt(0).toLowerCase() + base.slice(1);
}

function describeInputs(inputs: readonly (Tensor | null | undefined | number)[]): string {
  return inputs.map((t) => (typeof t === "number" ? String(t) : t == null ? "none" : `${fmtShape(t.shape)} ${t.dtype}`)).join(", ");
}

/** An error whose frames are those of the forward call (the kernel shows them as the cell's lines). */
function anomalyError(message: string, site: { frames: string }): Error {
  const e = new Error(message);
  e.name = "AnomalyError";
  e.stack = `AnomalyError: ${message}${site.frames === "" ? "" : `\n${site.frames}`}`;
  return e;
}

/**
 * Called by `record` for every op while anomaly mode is on: throws if the forward turned
 * finite inputs into non-finite values; returns the backward wrapped so that it throws the
 * same way when it turns a finite gradient into a non-finite one.
 */
export function watchOp(name: string, inputs: readonly (Tensor | null | undefined | number)[], out: Tensor, backward: BackwardFn): BackwardFn {
  const finiteIn = inputs.every((t) => (typeof t === "number" ? Number.isFinite(t) : t == null || nonFinite(t) === null));
  const site = callSite();
  const op = opName(name);
  const bad = finiteIn ? nonFinite(out) : null;
  if (bad !== null) {
    throw anomalyError(`${op} produced ${bad} in its forward output from finite inputs (${describeInputs(inputs)}); forward called at ${site.where}`, site);
  }
  return (grad, needs) => {
    // The ops a backward is made of are not checked one by one: its result is.
    const grads = mode.during(false, () => backward(grad, needs));
    if (nonFinite(grad) !== null) return grads;
    grads.forEach((g, i) => {
      if (g == null) return;
      const bad = nonFinite(isPartialGrad(g) ? g.toDense() : g);
      if (bad !== null) {
        throw anomalyError(`${name} returned ${bad} in its gradient for input ${i} (inputs: ${describeInputs(inputs)}); the forward of ${op} was called at ${site.where}`, site);
      }
    });
    return grads;
  };
}
