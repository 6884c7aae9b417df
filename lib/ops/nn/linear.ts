// linear: x @ weightᵀ + bias, the affine map of nn.Linear (weight [out, in]). One op with one
// backward for a 2-D weight: the linearForward kernel over x's rows flattened (the bias added
// while the product is still in the backend's memory) and linearBackward (dx, dw, db in one call;
// when x came from a pointwise activation, the engine may have it apply that backward to dx too).
// A 1-D weight is a matmul (+ broadcast add).

import { getKernels } from "../../backend/index.js";
import { fmtShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { add } from "../elementwise.js";
import { matmul } from "../matmul.js";
import type { PointwiseGrad } from "../../autograd/graph.js";
import { record } from "../op.js";
import { checkFloat, checkSameDType, operand, residentFloat, residentScope } from "./util.js";

/** x [..., in] @ weightᵀ [in, out] (+ bias [out]). The bias may be passed bare or as { bias }. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null | { bias?: Tensor | null }): Tensor {
  const b = bias instanceof Tensor ? bias : bias ? bias.bias ?? null : null;
  if (!(weight instanceof Tensor) || weight.ndim < 1 || weight.ndim > 2) {
    throw new Error(`linear: weight must be a 1-D or 2-D tensor, got ${weight instanceof Tensor ? fmtShape(weight.shape) : String(weight)}`);
  }
  const inF = weight.shape[weight.ndim - 1];
  if (!(x instanceof Tensor) || x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new Error(`linear: input of shape ${x instanceof Tensor ? fmtShape(x.shape) : String(x)} does not end in ${inF} features (weight shape ${fmtShape(weight.shape)})`);
  }
  if (weight.ndim === 1 || x.dtype !== weight.dtype) {
    const y = matmul(x, weight.ndim === 2 ? weight.t() : weight);
    return b ? add(y, b) : y;
  }
  const dt = checkFloat("linear", "weight", weight);
  const outF = weight.shape[0];
  if (b) {
    if (!(b instanceof Tensor) || b.ndim !== 1 || b.shape[0] !== outF) {
      throw new Error(`linear: bias must have shape [${outF}] for weight ${fmtShape(weight.shape)}, got ${b instanceof Tensor ? fmtShape(b.shape) : String(b)}`);
    }
    checkSameDType("linear", "weight", weight, "bias", b);
  }
  const M = x.numel / inF;
  const K = getKernels();
  // operands are taken at each call, not kept: a resident array is valid inside its scope only
  const out = residentScope(() => {
    const [o, od] = residentFloat([...x.shape.slice(0, -1), outF], dt);
    K.linearForward(operand(x, dt), operand(weight, dt), b ? operand(b, dt) : null, od, M, outF, inF);
    return o;
  });
  const backward = (g: Tensor, needs: readonly boolean[], act: PointwiseGrad | null) => residentScope(() => {
    const [dx, dxd] = needs[0] ? residentFloat(x.shape, dt) : [null, null];
    const [dw, dwd] = needs[1] ? residentFloat(weight.shape, dt) : [null, null];
    const [db, dbd] = needs[2] ? residentFloat([outF], dt) : [null, null];
    K.linearBackward(operand(g, dt), operand(x, dt), operand(weight, dt), dxd, dwd, dbd, M, outF, inF, act && { op: act.op, saved: operand(act.saved, dt) });
    return [dx, dw, db];
  });
  const y = record(out, "LinearBackward", [x, weight, b], (g, needs) => backward(g, needs, null), [x, weight]);
  // x's activation backward (GELU's, say) applied to dx inside the same kernel call
  if (y.gradFn) y.gradFn.fusedBackward = (g, needs, act) => (needs[0] && act.saved.dtype === dt && act.saved.numel === x.numel ? backward(g, needs, act) : null);
  return y;
}
