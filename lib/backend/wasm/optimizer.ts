// Adam/AdamW on wasm: every parameter, gradient and moment of the group copied into the
// arena in one call, updated in float64 lanes (bit-identical to the reference) on the pool's
// threads, copied back.

import type { AdamHyper } from "../kernels.js";
import { adamTerms } from "../reference/optimizer.js";
import { runRange, withArena } from "./dispatch.js";

const ADAM_WORK_PER_ELEMENT = 64;

export function adamStepF32(params: Float32Array[], grads: Float32Array[], ms: Float32Array[], vs: Float32Array[], vmaxs: Float32Array[] | null,
  stepSizes: number[], bc2Sqrts: number[], h: AdamHyper): void {
  const { beta1: b1, beta2: b2, eps } = h;
  const { sign, decay, l2 } = adamTerms(h);
  const plain = !vmaxs && decay === 1 && l2 === 0 && sign === 1 ? 1 : 0;
  withArena("adam", (rt) => {
    for (let k = 0; k < params.length; k++) {
      const w = params[k], n = w.length;
      const pw = rt.put(w), pg = rt.put(grads[k], n), pm = rt.put(ms[k], n), pv = rt.put(vs[k], n);
      const pvm = vmaxs ? rt.put(vmaxs[k], n) : 0;
      // large parameters split over the threads (elementwise: the same bits for any split);
      // an element's division and square root cost about as much as 64 GEMM flops
      runRange("adam", "adamRange", () => [pw, pg, pm, pv, pvm, 0, n, b1, 1 - b1, b2, 1 - b2, eps, decay, l2, sign, stepSizes[k], bc2Sqrts[k], plain],
        { startArg: 5, total: n, align: 4 }, n * ADAM_WORK_PER_ELEMENT);
      rt.getF32(pw, w, n);
      rt.getF32(pm, ms[k], n);
      rt.getF32(pv, vs[k], n);
      if (vmaxs) rt.getF32(pvm, vmaxs[k], n);
      rt.reset();
    }
  });
}
