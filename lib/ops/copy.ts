// Ops that copy values: contiguous, clone, dtype casts.

import { getKernels, residentScope } from "../backend/index.js";
import type { DType } from "../dtype.js";
import { checkDType } from "../dtype.js";
import { contiguousStrides } from "../shape.js";
import { Tensor } from "../tensor.js";
import { record } from "./op.js";

/** A contiguous copy of x's values (no graph). */
function copyValues(x: Tensor, dtype: DType = x.dtype): Tensor {
  return residentScope(() => {
    // the copy writes every element; a float32 copy may stay in the wasm memory (tensor.ts's Storage)
    const out = Tensor.output(x.shape, dtype);
    const expr = dtype === "bool" && x.dtype !== "bool" ? "toBool" : "copy";
    getKernels().stridedUnary(expr, x.storage.values, x.offset, x.strides, out.storage.values, 0, contiguousStrides(x.shape), x.shape);
    return out;
  });
}

/** x itself when already contiguous, else a contiguous copy. `raw` skips the graph (used by `.data`). */
export function contiguous(x: Tensor, raw = false): Tensor {
  if (x.isContiguous()) return x;
  const out = copyValues(x);
  if (raw) return out;
  return record(out, "CloneBackward", [x], (g) => [g]);
}

export function clone(x: Tensor): Tensor {
  return record(copyValues(x), "CloneBackward", [x], (g) => [g]);
}

/** Converts to `dtype` (x itself if it already has it). Float→int truncates toward zero; nonzero→true. */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkDType("to", dtype);
  if (x.dtype === dtype) return x;
  const from = x.dtype;
  return record(copyValues(x, dtype), "ToCopyBackward", [x], (g) => [g.to(from)]);
}
