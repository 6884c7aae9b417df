// The one pattern every differentiable op follows:
//
//   export function exp(x: Tensor): Tensor {
//     const out = <compute the forward result without autograd, via kernels>;
//     return record(out, "ExpBackward", [x], (g) => [g.mul(out)], [out]);
//   }
//
// `record` attaches a GradFn to `out` only when grad mode is on and some input requires grad;
// the backward closure receives the output gradient and returns one gradient per input (null
// where not needed: check `needs[i]` to skip expensive work). Backward closures run with grad
// mode off and may use any Tensor op. List in `saved` every tensor the closure reads that a
// later in-place op could change: backward then fails loudly instead of returning wrong
// gradients.

import { GradFn, type BackwardFn } from "../autograd/graph.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import { isAnomalyEnabled, watchOp } from "../autograd/anomaly.js";
import { isFloatDType } from "../dtype.js";
import { fmtShape, sameShape } from "../shape.js";
import { Tensor } from "../tensor.js";

export type { BackwardFn } from "../autograd/graph.js";

export function needsGrad(inputs: readonly (Tensor | null | undefined | number)[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t instanceof Tensor && t.requiresGrad) return true;
  return false;
}

/** Sees every recorded op as it runs (name, inputs, output): how onnx.exportModel traces a forward. */
export type OpObserver = (out: Tensor, name: string, inputs: readonly (Tensor | null | undefined | number)[]) => void;
let observer: OpObserver | null = null;

/** @internal installs (or, with null, removes) the op observer; returns the previous one. */
export function setOpObserver(o: OpObserver | null): OpObserver | null {
  const prev = observer;
  observer = o;
  return prev;
}

export function record(
  out: Tensor,
  name: string,
  inputs: readonly (Tensor | null | undefined | number)[],
  backward: BackwardFn,
  saved: readonly Tensor[] = [],
  /** called once when the graph node is released (after a backward without retainGraph), or right away when no node is recorded */
  onRelease: (() => void) | null = null,
): Tensor {
  if (observer !== null) observer(out, name, inputs);
  if (isAnomalyEnabled()) backward = watchOp(name, inputs, out, backward);
  if (!needsGrad(inputs) || !isFloatDType(out.dtype)) {
    onRelease?.();
    return out;
  }
  const nodes = inputs.map((t) => (t instanceof Tensor && t.requiresGrad ? t.gradFn ?? t._accumulateNode() : null));
  const meta = inputs.map((t) => (t instanceof Tensor ? { shape: t.shape, dtype: t.dtype } : { shape: [], dtype: out.dtype }));
  out._setGradFn(new GradFn(name, nodes, out.shape, meta, backward, saved, saved.map((s) => s.version), onRelease));
  return out;
}

/** Sums a broadcast gradient back down to `shape` (the inverse of NumPy broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new Error(`sumTo: cannot reduce gradient of shape ${fmtShape(g.shape)} to ${fmtShape(shape)}`);
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) dims.push(i);
  }
  let r = dims.length ? g.sum(dims, true) : g;
  if (lead > 0 || !sameShape(r.shape, shape)) r = r.reshape(shape as number[]);
  return r;
}
