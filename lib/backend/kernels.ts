// The contract between ops and compute backends: `Kernels` gathers one interface per kernel
// family, each declared in kernels/<family>.ts. Every kernel takes contiguous row-major
// typed arrays plus sizes, writes into an `out` array the caller allocated (through
// `allocate`), and returns synchronously. `out` may alias an input for the elementwise
// kernels (in-place updates use that); it never aliases for matmul/conv/pool.
// reference.ts implements all of them in plain TypeScript (reference/<family>.ts); faster
// backends register replacements through `registerKernels` in index.ts.

import type { ElementwiseKernels } from "./kernels/elementwise.js";
import type { ReduceKernels } from "./kernels/reduce.js";
import type { MatmulKernels } from "./kernels/matmul.js";
import type { ConvKernels } from "./kernels/conv.js";
import type { PoolKernels } from "./kernels/pool.js";
import type { StridedKernels } from "./kernels/strided.js";
import type { OptimizerKernels } from "./kernels/optimizer.js";
import type { IndexingKernels } from "./kernels/indexing.js";
import type { ResampleKernels } from "./kernels/resample.js";
import type { RandomKernels } from "./kernels/random.js";
import type { CreationKernels } from "./kernels/creation.js";
import type { ScanKernels } from "./kernels/scan.js";
import type { ActivationKernels } from "./kernels/activation.js";
import type { SoftmaxKernels } from "./kernels/softmax.js";
import type { NormKernels } from "./kernels/norm.js";
import type { LossKernels } from "./kernels/loss.js";
import type { EmbeddingKernels } from "./kernels/embedding.js";
import type { RnnKernels } from "./kernels/rnn.js";
import type { AttentionKernels } from "./kernels/attention.js";
import type { LinearKernels } from "./kernels/linear.js";

export type { Float } from "../dtype.js";
export type { ElementwiseKernels, UnaryOp, BinaryOp, Values } from "./kernels/elementwise.js";
export type { ReduceKernels, ReduceOp } from "./kernels/reduce.js";
export type { MatmulKernels, MatmulParams } from "./kernels/matmul.js";
export type { ConvKernels, Conv2dParams, ConvEpilogue } from "./kernels/conv.js";
export type { PoolKernels, Pool2dParams, AdaptivePool2dParams } from "./kernels/pool.js";
export type { StridedKernels, StridedUnaryOp, StridedBinaryOp } from "./kernels/strided.js";
export type { IndexingKernels } from "./kernels/indexing.js";
export type { ResampleKernels, Resample2dParams, ResampleTaps } from "./kernels/resample.js";
export type { RandomKernels, RandomSource } from "./kernels/random.js";
export type { CreationKernels } from "./kernels/creation.js";
export type { ScanKernels } from "./kernels/scan.js";
export type { OptimizerKernels, SgdHyper, AdamHyper, RmspropHyper, AdagradHyper } from "./kernels/optimizer.js";
export type { ActivationKernels, PointwiseOp, PointwiseGradOp } from "./kernels/activation.js";
export type { SoftmaxKernels } from "./kernels/softmax.js";
export type { NormKernels } from "./kernels/norm.js";
export type { LossKernels, CrossEntropyParams, RegressionLoss } from "./kernels/loss.js";
export type { EmbeddingKernels } from "./kernels/embedding.js";
export type { RnnKernels } from "./kernels/rnn.js";
export type { AttentionKernels, AttentionOperand } from "./kernels/attention.js";
export type { LinearKernels } from "./kernels/linear.js";

export interface Kernels extends ElementwiseKernels, ReduceKernels, StridedKernels, MatmulKernels, ConvKernels, PoolKernels,
  OptimizerKernels, IndexingKernels, ResampleKernels, RandomKernels, CreationKernels,
  ScanKernels,
  ActivationKernels, SoftmaxKernels, NormKernels, LossKernels, EmbeddingKernels, RnnKernels, LinearKernels, AttentionKernels {}

export type KernelName = keyof Kernels;
