// Entry point of the WebAssembly kernel module (f32, SIMD). Every export works on raw
// pointers into the shared memory the loader imports; nothing here allocates.
export { sgemm, sgemmWorkspaceBytes, matmulRange } from "./gemm";
export { convWorkspaceBytes, conv2dForwardRange, conv2dBackwardInputRange, conv2dBackwardWeightRange, channelSumRange,
  convPoolFusable, conv2dMaxPool2x2ForwardRange, conv2dMaxPoolBackwardWeightRange, maxPoolWeightGradPartFloats, poolWeightGradable,
  poolWeightGradScratchBytes } from "./conv";
export { maxPool2dForwardRange, maxPool2dBackwardRange, avgPool2dForwardRange, avgPool2dBackwardRange } from "./pool2d";
export { binaryRange, binaryScalarRange, unaryRange, reluMaskRange, whereRange, reduceSumRange, reduceMaxMinRange } from "./elementwise";
export { simdPeak } from "./peak";
export { implicitConv, implicitWorkspaceBytes, implicitForwardRange, implicitBackwardInputRange, implicitBackwardInputScatterRange,
  implicitBackwardWeightRange } from "./conv_implicit";
export { winogradConv, winogradWorkspaceBytes, winogradForwardRange, winogradWeightWorkspaceBytes, winogradBackwardWeightRange } from "./conv_winograd";
export { pointwiseRange, pointwiseBackwardRange } from "./activation";
export { softmaxRowsRange, softmaxBackwardRowsRange, attentionSoftmaxRange } from "./softmax";
export { layerNormRange, layerNormBackwardRange, layerNormParamGradRange } from "./norm";
export { lstmCellRange, lstmCellBackwardRange, rnnPackPanels, rnnPanelBytes, lstmSequenceRange, lstmSequenceBackwardRange, columnSumRange } from "./rnn";
export { crossEntropyRowsRange, crossEntropyBackwardRowsRange } from "./loss";
export { attentionForwardRange, attentionBackwardRange, attentionScratchFloats } from "./attention";
export { biasRowsRange } from "./linear";
export { embeddingGatherRange, embeddingScatterAdd } from "./embedding";
export { adamRange, adamGroupRange } from "./optimizer";
export { stridedCopyRange, stridedScatterRange } from "./strided";
export { transcendentalInit } from "./transcendental";
