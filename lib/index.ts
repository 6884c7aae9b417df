// gradlab's public API: PyTorch-shaped tensors and autograd in TypeScript.

export { Tensor, Storage } from "./tensor.js";
export type { NestedArray, TensorOrScalar, IndexSpec, ValuesIndices, VarOptions } from "./tensor.js";
export type { DType, TypedArray, Float } from "./dtype.js";
export { promoteTypes } from "./dtype.js";
export { GradFn, AccumulateGrad } from "./autograd/graph.js";
export type { BackwardFn, Hook, RemovableHandle, GraphNode } from "./autograd/graph.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from "./autograd/grad_mode.js";
export { detectAnomaly, setDetectAnomaly, isAnomalyEnabled } from "./autograd/anomaly.js";
export * as autograd from "./autograd/index.js";
export type { BackwardOptions, GradOptions } from "./autograd/engine.js";
export { Generator, manualSeed, defaultGenerator } from "./random.js";
export { gradcheck } from "./gradcheck.js";
export type { GradcheckOptions } from "./gradcheck.js";
export { formatTensor } from "./repr.js";
export { broadcastShapes } from "./shape.js";
export {
  tensor, zeros, ones, full, zerosLike, onesLike, fullLike, arange, linspace, eye,
  rand, randn, randint, randLike, randnLike, randperm, multinomial,
} from "./ops/creation.js";
export type { TensorOptions, RandomOptions, ShapeLike, TensorData } from "./ops/creation.js";
export * from "./functional.js";
export * as F from "./functional.js";
export { setNumThreads, getBackendInfo, residentStats } from "./backend/index.js";
export type { BackendInfo } from "./backend/index.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export { clipGradNorm } from "./optim/clip-grad.js";
export * as data from "./data/index.js";
export * as onnx from "./onnx/index.js";
export { save, load } from "./checkpoint.js";
export { loadWithMetadata, serialize, deserialize, markInt64OnDisk } from "./serialization.js";
export type { SafetensorsContents } from "./serialization.js";
