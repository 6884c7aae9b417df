// gradlab.nn: modules, layers, losses and initialisation (PyTorch's torch.nn).
export { Module, Parameter, isParameter, deepCopy } from "./module.js";
export type { ForwardHook, ForwardPreHook, BackwardHook, RemovableHandle, StateDict } from "./module.js";
export { Linear, Identity, Flatten, Unflatten, type LinearOptions } from "./linear.js";
export { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, type ConvOptions, type ConvTransposeOptions, type PaddingMode } from "./conv.js";
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, AdaptiveAvgPool1d, AdaptiveMaxPool1d } from "./pooling.js";
export {
  BatchNorm1d,
  BatchNorm2d,
  LayerNorm,
  GroupNorm,
  InstanceNorm1d,
  InstanceNorm2d,
  type BatchNormOptions,
  type LayerNormOptions,
} from "./normalization.js";
export { Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle, PixelUnshuffle, type UpsampleOptions } from "./upsampling.js";
export { Unfold, Fold } from "./fold.js";
export {
  ZeroPad1d,
  ZeroPad2d,
  ConstantPad1d,
  ConstantPad2d,
  ReflectionPad1d,
  ReflectionPad2d,
  ReplicationPad1d,
  ReplicationPad2d,
  CircularPad1d,
  CircularPad2d,
} from "./padding.js";
export { CosineSimilarity, PairwiseDistance } from "./distance.js";
export { Dropout, Dropout2d } from "./dropout.js";
export { Embedding, type EmbeddingOptions } from "./embedding.js";
export {
  ReLU,
  LeakyReLU,
  ELU,
  GELU,
  SiLU,
  Sigmoid,
  Tanh,
  Softmax,
  Softmax2d,
  LogSoftmax,
  Softplus,
  Hardtanh,
  ReLU6,
  SELU,
  CELU,
  Mish,
  Hardswish,
  Hardsigmoid,
  Softsign,
  LogSigmoid,
  Softmin,
  Threshold,
  GLU,
  PReLU,
} from "./activation.js";
export { Sequential, ModuleList, ModuleDict } from "./container.js";
export {
  MSELoss,
  L1Loss,
  CrossEntropyLoss,
  NLLLoss,
  BCELoss,
  BCEWithLogitsLoss,
  HuberLoss,
  SmoothL1Loss,
  KLDivLoss,
  MarginRankingLoss,
  HingeEmbeddingLoss,
  SoftMarginLoss,
  CosineEmbeddingLoss,
  TripletMarginLoss,
  MultiMarginLoss,
  PoissonNLLLoss,
  GaussianNLLLoss,
  type Reduction,
  type CrossEntropyOptions,
} from "./loss.js";
export { RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell, type RNNOptions } from "./rnn.js";
export { MultiheadAttention, causalMask, type MultiheadAttentionOptions, type AttentionCallOptions } from "./attention.js";
export {
  TransformerEncoderLayer,
  TransformerEncoder,
  TransformerDecoderLayer,
  TransformerDecoder,
  PositionalEncoding,
  Transformer,
  type TransformerOptions,
  type TransformerCallOptions,
  type TransformerEncoderLayerOptions,
  type EncoderCallOptions,
  type DecoderCallOptions,
} from "./transformer.js";
export * as init from "./init.js";
export * as utils from "./utils.js";
export { clipGradNorm, clipGradValue } from "../optim/clip-grad.js";
