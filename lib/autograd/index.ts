// `autograd` namespace (PyTorch's torch.autograd): functional gradients and grad modes.
export { grad, type GradOptions, type BackwardOptions } from "./engine.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from "./grad_mode.js";
export { detectAnomaly, setDetectAnomaly, isAnomalyEnabled } from "./anomaly.js";
export { GradFn, AccumulateGrad } from "./graph.js";
export { Function, Context, type FunctionClass } from "./function.js";
