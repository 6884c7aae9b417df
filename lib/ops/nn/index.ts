// The functional NN ops (torch.nn.functional): re-exported by lib/functional.ts as `F` and at
// the package root. Importing this module also installs the Tensor methods (t.relu(), ...).

export {
  relu, leakyRelu, elu, gelu, silu, sigmoid, tanh, softplus, softmax, logSoftmax,
  hardtanh, relu6, selu, celu, logSigmoid, mish, hardsigmoid, hardswish, softsign,
} from "./activation.js";
export { conv1d, conv2d } from "./conv.js";
export type { Conv1dOptions, Conv2dOptions, ConvPadding } from "./conv.js";
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d } from "./pooling.js";
export type { MaxPool1dOptions, MaxPool2dOptions, AvgPool1dOptions, AvgPool2dOptions } from "./pooling.js";
export { dropout, dropout2d } from "./dropout.js";
export type { DropoutOptions } from "./dropout.js";
export { embedding } from "./embedding.js";
export type { EmbeddingOptions } from "./embedding.js";
export { layerNorm, batchNorm, groupNorm, instanceNorm } from "./normalization.js";
export type { LayerNormOptions, BatchNormOptions, GroupNormOptions } from "./normalization.js";
export {
  crossEntropy, nllLoss, mseLoss, l1Loss, huberLoss, smoothL1Loss, binaryCrossEntropy,
  binaryCrossEntropyWithLogits, klDiv,
} from "./loss.js";
export type {
  Reduction, CrossEntropyOptions, NllLossOptions, LossOptions, BceOptions, BceWithLogitsOptions, KlDivOptions,
} from "./loss.js";
export { linear } from "./linear.js";
export { pad } from "./padding.js";
export type { PadMode, PadOptions } from "./padding.js";
export { normalize, cosineSimilarity, pairwiseDistance } from "./distance.js";
export { scaledDotProductAttention } from "./attention.js";
export type { ScaledDotProductAttentionOptions } from "./attention.js";
export { interpolate, pixelShuffle, pixelUnshuffle } from "./upsampling.js";
export type { InterpolateMode, InterpolateOptions } from "./upsampling.js";
export { unfold, fold } from "./unfold.js";
export type { UnfoldOptions } from "./unfold.js";
export {
  marginRankingLoss, hingeEmbeddingLoss, softMarginLoss, cosineEmbeddingLoss, tripletMarginLoss, multiMarginLoss,
  poissonNllLoss, gaussianNllLoss,
} from "./margin.js";
export type { TripletMarginOptions } from "./margin.js";
export { softmin, glu, prelu, threshold, gumbelSoftmax } from "./gating.js";
export type { GumbelSoftmaxOptions } from "./gating.js";
export { convTranspose1d, convTranspose2d } from "./conv_transpose.js";
export type { ConvTranspose1dOptions, ConvTranspose2dOptions } from "./conv_transpose.js";
