import { Tensor } from "../../../lib/tensor.js";

/** A float64 leaf parameter holding `values`. */
export function param(values: number[]): Tensor {
  return Tensor.fromArray(Float64Array.from(values), [values.length], "float64").requiresGrad_(true);
}

/** Sets p.grad to the gradient of the quadratic ½ Σ a_i (w_i − c_i)², i.e. a_i (w_i − c_i). */
export function setQuadraticGrad(p: Tensor, a: number[], c: number[]): void {
  const w = p.data;
  p.grad = Tensor.fromArray(Float64Array.from(a, (ai, i) => ai * (w[i] - c[i])), [a.length], "float64");
}

export function values(p: Tensor): number[] {
  return Array.from(p.data);
}
