// Plain TypeScript implementations of every kernel (reference/<family>.ts): the semantics
// faster backends must match, and the float64 path (gradcheck) everywhere.

import type { Kernels } from "./kernels.js";
import { allClose, allEqual, binary, binaryScalar, reluMask, unary, where } from "./reference/elementwise.js";
import { argReduce, reduce } from "./reference/reduce.js";
import { stridedBinary, stridedUnary } from "./reference/strided.js";
import { matmul } from "./reference/matmul.js";
import { linearBackward, linearForward } from "./reference/linear.js";
import { channelBias, channelSum, col2im, conv2dBackward, conv2dBackwardInput, conv2dBackwardWeight, conv2dForward, conv2dMaxPoolBackward, conv2dMaxPoolForward, im2col } from "./reference/conv.js";
import {
  gatherAt, gatherOrFill, indexAdd, indexPositions, indexSelect, mappedPositions, nonzeroPositions, normalizeIndices, oneHot,
  scatterAddAt,
  scatterAddSkip, triangleMask,
} from "./reference/indexing.js";
import { resample2dBackward, resample2dForward } from "./reference/resample.js";
import { applyMask, bernoulliMask, fillNormal, fillRandint, fillUniform, multinomial, randperm } from "./reference/random.js";
import { fillArange, fillEye, fillLinspace, fromNumbers } from "./reference/creation.js";
import { cumsumRows, prodGradRows, sortRows } from "./reference/scan.js";
import { adagradStep, adamStep, rmspropStep, sgdStep } from "./reference/optimizer.js";
import {
  adaptiveAvgPool2dBackward, adaptiveAvgPool2dForward, adaptiveMaxPool2dForward,
  avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward, maxPoolReluBackward,
} from "./reference/pool.js";
import { activationKernels } from "./reference/activation.js";
import { softmaxKernels } from "./reference/softmax.js";
import { normKernels } from "./reference/norm.js";
import { lossKernels } from "./reference/loss.js";
import { embeddingKernels } from "./reference/embedding.js";
import { rnnKernels } from "./reference/rnn.js";
import { attentionKernels } from "./reference/attention.js";

export const referenceKernels: Kernels = {
  unary, binary, binaryScalar, reluMask, where, allEqual, allClose, reduce, argReduce, stridedUnary, stridedBinary, matmul, linearForward, linearBackward,
  conv2dForward, conv2dMaxPoolForward, conv2dMaxPoolBackward, conv2dBackward, conv2dBackwardInput, conv2dBackwardWeight, channelSum, channelBias, im2col, col2im,
  maxPool2dForward, maxPool2dBackward, maxPoolReluBackward, avgPool2dForward, avgPool2dBackward,
  adaptiveAvgPool2dForward, adaptiveAvgPool2dBackward, adaptiveMaxPool2dForward,
  sgdStep, adamStep, rmspropStep, adagradStep,
  normalizeIndices, indexSelect, indexAdd, indexPositions, gatherAt, scatterAddAt, oneHot, triangleMask,
  mappedPositions, gatherOrFill, scatterAddSkip, nonzeroPositions,
  resample2dForward, resample2dBackward,
  fillUniform, fillNormal, fillRandint, randperm, multinomial, bernoulliMask, applyMask,
  fillArange, fillLinspace, fillEye, fromNumbers,
  sortRows, cumsumRows, prodGradRows,
  ...activationKernels, ...softmaxKernels, ...normKernels, ...lossKernels, ...embeddingKernels, ...rnnKernels, ...attentionKernels,
};
