// embedding: rows of a weight table picked by int32 indices; the backward adds each output
// row's gradient into its table row (skipping paddingIdx, whose row never learns).

import type { Float } from "../../dtype.js";
import { fmtShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { getKernels } from "../../backend/index.js";
import { record } from "../op.js";
import { checkFloat, operand, residentFloat, residentScope } from "./util.js";

export interface EmbeddingOptions {
  /** Row whose gradient is always zero (negative counts from the end). */
  paddingIdx?: number | null;
}

/** weight[input]: int32 indices of any shape → [...input.shape, embeddingDim]. */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  const op = "embedding";
  if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor of int32 indices`);
  const dt = checkFloat(op, "weight", weight);
  if (input.dtype !== "int32") {
    throw new Error(`${op}: indices must be int32, got dtype ${input.dtype} (shape ${fmtShape(input.shape)}); use tensor(ids, { dtype: "int32" }) or .int()`);
  }
  if (weight.ndim !== 2) throw new Error(`${op}: weight must be 2-D [numEmbeddings, embeddingDim], got ${fmtShape(weight.shape)}`);
  const [V, D] = weight.shape;
  let pad = options.paddingIdx ?? null;
  if (pad !== null) {
    if (!Number.isInteger(pad) || pad < -V || pad >= V) throw new Error(`${op}: paddingIdx ${pad} is out of range for weight of shape ${fmtShape(weight.shape)}`);
    if (pad < 0) pad += V;
  }
  const idx = input.data as Int32Array;
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= V) throw new Error(`${op}: index ${idx[i]} is out of range for weight of shape ${fmtShape(weight.shape)} (indices shape ${fmtShape(input.shape)})`);
  }
  // the rows gathered (every element written) and the gradient may be resident (util.ts)
  const out = residentScope(() => {
    const [o, od] = residentFloat([...input.shape, D], dt);
    getKernels().embeddingForward(operand(weight, dt), idx, od, D);
    return o;
  });
  return record(out, "EmbeddingBackward", [weight], (g) => residentScope(() => {
    // not zeroed here: the kernel overwrites dw whole (rows no index used get zeros)
    const dw = Tensor.output(weight.shape, dt);
    getKernels().embeddingBackward(operand(g, dt), idx, dw.storage.values as Float, D, pad ?? -1);
    return [dw];
  }), [input]);
}
