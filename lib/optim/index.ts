// gradlab.optim: optimizers and learning-rate schedules (PyTorch's torch.optim).
export { Optimizer, type OptimizerStateDict, type ParamGroup, type ParamGroupSpec, type ParamsInput } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, AdamW, type AdamOptions } from "./adam.js";
export { RMSprop, type RMSpropOptions } from "./rmsprop.js";
export { Adagrad, type AdagradOptions } from "./adagrad.js";
export * as lrScheduler from "./lr-scheduler.js";
export { clipGradNorm, clipGradValue } from "./clip-grad.js";
