// Adam/AdamW on wasm: the parameters, gradients and moments of the group copied into the
// arena (in batches of at most GROUP_BYTES), updated in float64 lanes (bit-identical to the
// reference) by one pool dispatch per batch split over all its elements, copied back.

import type { AdamHyper } from "../kernels.js";
import { adamTerms } from "../reference/optimizer.js";
import { runRange, withArena } from "./dispatch.js";
import type { WasmRuntime } from "./runtime.js";

/** Arena bytes one dispatch's parameters may take (a large model's step runs in batches). */
const GROUP_BYTES = 64 << 20;
/** f64 slots per parameter in the table (assembly/optimizer.ts ADAM_SLOTS). */
const SLOTS = 9;
/**
 * Work of one element when choosing threads, in the GEMM flops that take as long: its float64
 * divisions and square root cost about what 64 flops of a GEMM do (measured: a 62k-parameter
 * step then splits over 2 threads, and is faster for it).
 */
const ELEMENT_WORK = 64;

export function adamStepF32(params: Float32Array[], grads: Float32Array[], ms: Float32Array[], vs: Float32Array[], vmaxs: Float32Array[] | null,
  stepSizes: number[], bc2Sqrts: number[], h: AdamHyper): void {
  const { beta1: b1, beta2: b2, eps } = h;
  const { sign, decay, l2 } = adamTerms(h);
  const plain = !vmaxs && decay === 1 && l2 === 0 && sign === 1 ? 1 : 0;
  const arrays = vmaxs ? 5 : 4;
  withArena("adam", (rt) => {
    for (let k0 = 0; k0 < params.length;) {
      // parameters [k0, k1): at least one, then while they fit in GROUP_BYTES
      let k1 = k0 + 1, bytes = params[k0]!.length * 4 * arrays;
      while (k1 < params.length && bytes + params[k1]!.length * 4 * arrays <= GROUP_BYTES) bytes += params[k1++]!.length * 4 * arrays;
      step(rt, k0, k1);
      rt.reset();
      k0 = k1;
    }
  });

  function step(rt: WasmRuntime, k0: number, k1: number): void {
    const count = k1 - k0;
    const table = new Float64Array(count * SLOTS);
    let total = 0;
    for (let k = k0; k < k1; k++) {
      const w = params[k]!, n = w.length, t = (k - k0) * SLOTS;
      table[t] = rt.put(w);
      table[t + 1] = rt.put(grads[k]!, n);
      table[t + 2] = rt.put(ms[k]!, n);
      table[t + 3] = rt.put(vs[k]!, n);
      table[t + 4] = vmaxs ? rt.put(vmaxs[k]!, n) : 0;
      table[t + 5] = total;
      table[t + 6] = n;
      table[t + 7] = stepSizes[k]!;
      table[t + 8] = bc2Sqrts[k]!;
      total += n;
    }
    if (total === 0) return;
    const pt = rt.alloc(table.byteLength);
    new Float64Array(rt.f32.buffer, pt, table.length).set(table);
    runRange("adam", "adamGroupRange", () => [pt, count, b1, 1 - b1, b2, 1 - b2, eps, decay, l2, sign, plain, 0, 0],
      { startArg: 11, total, align: 1024 }, total * ELEMENT_WORK);
    for (let k = k0; k < k1; k++) {
      const t = (k - k0) * SLOTS, n = params[k]!.length;
      rt.getF32(table[t]!, params[k]!, n);
      rt.getF32(table[t + 2]!, ms[k]!, n);
      rt.getF32(table[t + 3]!, vs[k]!, n);
      if (vmaxs) rt.getF32(table[t + 4]!, vmaxs[k]!, n);
    }
  }
}
