// linear: x @ weightᵀ + bias, the affine map of nn.Linear (weight [out, in]). Built from
// matmul (which reads the transposed weight without copying) and a broadcast add.

import { fmtShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { add } from "../elementwise.js";
import { matmul } from "../matmul.js";

/** x [..., in] @ weightᵀ [in, out] (+ bias [out]). The bias may be passed bare or as { bias }. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null | { bias?: Tensor | null }): Tensor {
  const b = bias instanceof Tensor ? bias : bias ? bias.bias ?? null : null;
  if (!(weight instanceof Tensor) || weight.ndim < 1 || weight.ndim > 2) {
    throw new Error(`linear: weight must be a 1-D or 2-D tensor, got ${weight instanceof Tensor ? fmtShape(weight.shape) : String(weight)}`);
  }
  const inF = weight.shape[weight.ndim - 1];
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new Error(`linear: input of shape ${fmtShape(x.shape)} does not end in ${inF} features (weight shape ${fmtShape(weight.shape)})`);
  }
  const y = matmul(x, weight.ndim === 2 ? weight.t() : weight);
  return b ? add(y, b) : y;
}
