// Cross-entropy with class-index targets over rows of logits (inner = 1) on the wasm SIMD
// kernels, split over the pool by rows. Probability targets and other layouts stay on the
// reference.

import type { CrossEntropyParams } from "../kernels/loss.js";
import { runRange, withArena } from "./dispatch.js";

const MIN_ELEMENTS = 1024;
/** Work of one logit (an exp) when choosing threads. */
const ELEMENT_WORK = 24;

/** Returns Σ w[target] over counted rows, or null when the call is left to the reference. */
export function crossEntropyForwardF32(x: Float32Array, target: Int32Array, w: Float32Array | null, loss: Float32Array, lse: Float32Array, p: CrossEntropyParams): number | null {
  const { n, c, inner } = p;
  if (inner !== 1 || n * c < MIN_ELEMENTS) return null;
  withArena("crossEntropy", (rt) => {
    const px = rt.put(x, n * c), pt = rt.put(target, n), pw = w ? rt.put(w, c) : 0;
    const pl = rt.alloc(n * 4), pe = rt.alloc(n * 4);
    runRange("crossEntropy", "crossEntropyRowsRange", () => [px, pt, pw, pl, pe, c, p.ignoreIndex, p.smoothing, 0, 0],
      { startArg: 8, total: n, align: 1 }, n * c * ELEMENT_WORK);
    rt.getF32(pl, loss, n);
    rt.getF32(pe, lse, n);
  });
  // in the reference's order, so the mean's divisor is the same number
  let wsum = 0;
  for (let i = 0; i < n; i++) if (target[i] !== p.ignoreIndex) wsum += w ? w[target[i]!]! : 1;
  return wsum;
}

export function crossEntropyBackwardF32(x: Float32Array, target: Int32Array, w: Float32Array | null, lse: Float32Array, coef: number, coefPer: Float32Array | null, dx: Float32Array, p: CrossEntropyParams): boolean {
  const { n, c, inner } = p;
  if (inner !== 1 || n * c < MIN_ELEMENTS) return false;
  let wAll = c;
  if (w) { wAll = 0; for (let k = 0; k < c; k++) wAll += w[k]!; }
  withArena("crossEntropy backward", (rt) => {
    const px = rt.put(x, n * c), pt = rt.put(target, n), pw = w ? rt.put(w, c) : 0, pe = rt.put(lse, n);
    const pc = coefPer ? rt.put(coefPer, n) : 0, pd = rt.out(dx, n * c);
    runRange("crossEntropy backward", "crossEntropyBackwardRowsRange", () => [px, pt, pw, pe, coef, pc, pd, c, p.ignoreIndex, p.smoothing, wAll, 0, 0],
      { startArg: 11, total: n, align: 1 }, n * c * ELEMENT_WORK);
    rt.getF32(pd, dx, n * c);
  });
  return true;
}
