// nn.utils: gradient clipping and parameter/vector conversion.
import { Tensor } from "../tensor.js";
export { clipGradNorm, clipGradValue } from "../optim/clip-grad.js";

/** All parameters flattened into one 1-D tensor (a copy), in order. */
export function parametersToVector(params: Iterable<Tensor>): Tensor {
  const list = [...params];
  const n = list.reduce((a, p) => a + p.numel, 0);
  const dtype = list.some((p) => p.dtype === "float64") ? "float64" : "float32";
  const out = dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  let off = 0;
  for (const p of list) {
    out.set(p.data as Float32Array, off);
    off += p.numel;
  }
  return Tensor.fromArray(out, [n], dtype);
}

/** Writes a 1-D vector back into the parameters, in order (inverse of parametersToVector). */
export function vectorToParameters(vec: Tensor, params: Iterable<Tensor>): void {
  const list = [...params];
  const n = list.reduce((a, p) => a + p.numel, 0);
  if (vec.ndim !== 1 || vec.numel !== n) {
    throw new Error(`vectorToParameters: vector of shape [${vec.shape.join(", ")}] does not hold the ${n} parameter values`);
  }
  const src = vec.data as Float32Array;
  let off = 0;
  for (const p of list) {
    (p.data as Float32Array).set(src.subarray(off, off + p.numel));
    p.storage.version++;
    off += p.numel;
  }
}
