// Test doubles shaped like lib's contracts, for the pure renderers (lib-backed tests sit
// beside these once lib lands).
import type { GradFnLike, TensorLike } from "../../visualizers/types.js";

export function fakeTensor(shape: number[], values: ArrayLike<number> | ((i: number) => number), extra: Partial<TensorLike> = {}): TensorLike {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = typeof values === "function" ? values(i) : values[i]!;
  return { shape, dtype: "float32", data, requiresGrad: false, grad: null, gradFn: null, isLeaf: true, ...extra };
}

export function fakeGradFn(name: string, inputs: (GradFnLike | null)[], outputShape?: number[], variable?: TensorLike): GradFnLike {
  return { name, inputs, outputShape, variable };
}
