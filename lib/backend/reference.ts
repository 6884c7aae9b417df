// Plain TypeScript implementations of every kernel (reference/<family>.ts): the semantics
// faster backends must match, and the float64 path (gradcheck) everywhere.

import type { Kernels } from "./kernels.js";
import { binary, binaryScalar, reluMask, unary } from "./reference/elementwise.js";
import { argReduce, reduce } from "./reference/reduce.js";
import { stridedBinary, stridedUnary } from "./reference/strided.js";
import { matmul } from "./reference/matmul.js";
import { channelBias, channelSum, conv2dBackwardInput, conv2dBackwardWeight, conv2dForward } from "./reference/conv.js";
import { gatherAt, indexAdd, indexPositions, indexSelect, normalizeIndices, oneHot, scatterAddAt, triangleMask } from "./reference/indexing.js";
import { adagradStep, adamStep, rmspropStep, sgdStep } from "./reference/optimizer.js";
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from "./reference/pool.js";

export const referenceKernels: Kernels = {
  unary, binary, binaryScalar, reluMask, reduce, argReduce, stridedUnary, stridedBinary, matmul,
  conv2dForward, conv2dBackwardInput, conv2dBackwardWeight, channelSum, channelBias,
  maxPool2dForward, maxPool2dBackward, avgPool2dForward, avgPool2dBackward,
  sgdStep, adamStep, rmspropStep, adagradStep,
  normalizeIndices, indexSelect, indexAdd, indexPositions, gatherAt, scatterAddAt, oneHot, triangleMask,
};
