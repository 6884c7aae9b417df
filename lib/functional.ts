// The `F` namespace (like torch.nn.functional): every function-form op in one place.
// The functional NN ops (activations, conv, pooling, losses, ...) are added from lib/ops/nn/.

export {
  add, sub, mul, div, pow, maximum, minimum, neg, abs, exp, log, sqrt, rsqrt, sin, cos, square, reciprocal,
  log1p, expm1, sign, clamp, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalNot, isnan, isinf, isfinite, allclose, isclose, equal, where, maskedFill,
} from "./ops/elementwise.js";
export { sum, mean, prod, amax, amin, max, min, argmax, argmin, variance, variance as var, std, logsumexp } from "./ops/reduce.js";
export { matmul } from "./ops/matmul.js";
export { reshape, view, flatten, unflatten, transpose, permute, unsqueeze, squeeze, expand, narrow, select, slice, index, flip } from "./ops/views.js";
export { sort, argsort, topk, cumsum } from "./ops/sort.js";
export { indexSelect, gather, scatterAdd, oneHot, tril, triu } from "./ops/indexing.js";
export { cat, stack, split, chunk, unbind, repeat } from "./ops/join.js";
export { contiguous, clone, cast } from "./ops/copy.js";
export * from "./ops/nn/index.js";
