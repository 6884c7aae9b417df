// The reference implementations of every model kernel family (see ../model-kernels.ts).

import type { ModelKernels } from "../model-kernels.js";
import { activationKernels } from "./activation.js";
import { embeddingKernels } from "./embedding.js";
import { lossKernels } from "./loss.js";
import { normKernels } from "./norm.js";
import { rnnKernels } from "./rnn.js";
import { softmaxKernels } from "./softmax.js";

export const modelReferenceKernels: ModelKernels = {
  ...activationKernels, ...softmaxKernels, ...normKernels, ...lossKernels, ...embeddingKernels, ...rnnKernels,
};
