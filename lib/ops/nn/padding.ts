// pad: constant, reflect, replicate and circular padding of the trailing dims. Each padded dim
// gets a map from output position to input position (−1: the constant); the forward gathers
// through the maps and the backward scatter-adds through them, so every mode shares one path.

import { getKernels } from "../../backend/index.js";
import { fmtShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { record } from "../op.js";
import { computeDType, emptyFloat, floatData } from "./util.js";

export type PadMode = "constant" | "reflect" | "replicate" | "circular";

export interface PadOptions {
  mode?: PadMode;
  /** Fill value for mode "constant" (default 0). */
  value?: number;
}

function sourceMap(op: string, mode: PadMode, L: number, before: number, after: number, x: Tensor): Int32Array {
  const n = L + before + after;
  if (n < 0) throw new Error(`${op}: padding (${before}, ${after}) leaves a negative size for a dim of ${L} (input shape ${fmtShape(x.shape)})`);
  if (mode === "reflect" && (before >= L || after >= L)) {
    throw new Error(`${op}: reflect padding (${before}, ${after}) must be smaller than the dim size ${L} (input shape ${fmtShape(x.shape)})`);
  }
  if (mode === "circular" && (before > L || after > L)) {
    throw new Error(`${op}: circular padding (${before}, ${after}) must not exceed the dim size ${L} (input shape ${fmtShape(x.shape)})`);
  }
  if (mode !== "constant" && L === 0 && n > 0) throw new Error(`${op}: cannot ${mode}-pad an empty dim (input shape ${fmtShape(x.shape)})`);
  const m = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let j = i - before;
    if (j < 0 || j >= L) {
      if (mode === "constant") j = -1;
      else if (mode === "replicate") j = j < 0 ? 0 : L - 1;
      else if (mode === "reflect") j = j < 0 ? -j : 2 * (L - 1) - j;
      else j = ((j % L) + L) % L;
    }
    m[i] = j;
  }
  return m;
}

/**
 * Pads the last dims: `pad` lists (before, after) pairs starting from the last dim, as in
 * PyTorch (`pad(x, [1, 1, 2, 0])` pads the last dim by 1 on each side and the one before by 2
 * at the start). Negative amounts crop (constant mode).
 */
export function pad(x: Tensor, padding: readonly number[], options: PadOptions = {}): Tensor {
  const op = "pad";
  const mode = options.mode ?? "constant";
  if (!["constant", "reflect", "replicate", "circular"].includes(mode)) throw new Error(`${op}: unknown mode ${JSON.stringify(mode)}`);
  if (!Array.isArray(padding) || padding.length % 2 !== 0 || padding.length / 2 > x.ndim || !padding.every(Number.isInteger)) {
    throw new Error(`${op}: padding must be an even-length list of integers covering at most ${x.ndim} dims, got ${JSON.stringify(padding)} for input shape ${fmtShape(x.shape)}`);
  }
  if (mode !== "constant" && padding.some((p) => p < 0)) throw new Error(`${op}: negative padding is only supported in constant mode`);
  const value = options.value ?? 0;
  const nd = x.ndim;
  const maps: (Int32Array | null)[] = new Array(nd).fill(null);
  const outShape = x.shape.slice();
  for (let k = 0; k < padding.length / 2; k++) {
    const d = nd - 1 - k;
    maps[d] = sourceMap(op, mode, x.shape[d], padding[2 * k], padding[2 * k + 1], x);
    outShape[d] = maps[d]!.length;
  }
  const dt = computeDType(x);
  const xd = floatData(x, dt);
  const inStrides = new Array<number>(nd);
  for (let d = nd - 1, s = 1; d >= 0; d--) { inStrides[d] = s; s *= x.shape[d]; }
  // For each output element, its input offset or −1: computed once, reused by the backward.
  const K = getKernels();
  const src = new Int32Array(outShape.reduce((p, s) => p * s, 1));
  K.mappedPositions(maps, outShape, inStrides, src);
  const [out, od] = emptyFloat(outShape, dt);
  K.gatherOrFill(xd, src, value, od);
  return record(out, "PadBackward", [x], (g) => {
    const [dx, d] = emptyFloat(x.shape, dt);
    K.scatterAddSkip(floatData(g, dt), src, d);
    return [dx];
  });
}
