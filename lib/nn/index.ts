// gradlab.nn: modules, layers, losses and initialisation (PyTorch's torch.nn).
export { Module, Parameter, isParameter, deepCopy } from "./module.js";
export type { ForwardHook, ForwardPreHook, BackwardHook, RemovableHandle, StateDict } from "./module.js";
export { Linear, Identity, Flatten, Unflatten, type LinearOptions } from "./linear.js";
export { Conv1d, Conv2d, type ConvOptions } from "./conv.js";
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool2d } from "./pooling.js";
export { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, type BatchNormOptions, type LayerNormOptions } from "./normalization.js";
export { Dropout, Dropout2d } from "./dropout.js";
export { Embedding, type EmbeddingOptions } from "./embedding.js";
export { ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax, Softplus } from "./activation.js";
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
  type TransformerEncoderLayerOptions,
  type EncoderCallOptions,
  type DecoderCallOptions,
} from "./transformer.js";
export * as init from "./init.js";
export * as utils from "./utils.js";
export { clipGradNorm, clipGradValue } from "../optim/clip-grad.js";
