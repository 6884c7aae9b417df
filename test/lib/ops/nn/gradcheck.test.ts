// Every functional NN op against finite differences (float64, the lib's gradcheck), with
// non-contiguous (transposed / sliced) inputs and stride/padding/dilation/groups variants.
import { describe, expect, it } from "vitest";
import { gruCell, lstmCell, lstmSequence } from "../../../../lib/ops/nn/rnn.js";
import { F, Generator, Tensor, gradcheck, manualSeed, ones, randn, tensor, zeros, type GradcheckOptions } from "../../../../lib/index.js";
import { backwardNamesIn, collectNames } from "../../gradcheck-coverage.js";

const f64 = { dtype: "float64" as const };
const i32 = { dtype: "int32" as const };

function leaf(shape: number[], shift = 0): Tensor {
  return randn(shape, f64).add(shift).detach().requiresGrad_();
}

/** A float64 leaf with reversed-stride storage (every dim of size > 1 non-contiguous). */
function ncLeaf(shape: number[], shift = 0): Tensor {
  const rev = shape.slice().reverse();
  const t = randn(rev, f64).add(shift).permute(rev.map((_, i) => rev.length - 1 - i)).detach().requiresGrad_();
  if (shape.filter((s) => s > 1).length >= 2) expect(t.isContiguous()).toBe(false);
  return t;
}

/** Every other row of a larger tensor: offset and strided. */
function slicedLeaf(shape: number[], shift = 0): Tensor {
  const big = randn([shape[0] * 2, ...shape.slice(1)], f64).add(shift);
  const t = big.slice(0, 1, null, 2).detach().requiresGrad_();
  expect(t.isContiguous()).toBe(false);
  return t;
}

/** Values in (lo, hi), as a leaf. */
function uniformLeaf(shape: number[], lo: number, hi: number): Tensor {
  return randn(shape, f64).sigmoid().mul(hi - lo).add(lo).detach().requiresGrad_();
}

/** Values with no two closer than ~0.05 (max pooling / relu kinks stay away from ties). */
function spreadLeaf(shape: number[]): Tensor {
  const n = shape.reduce((p, s) => p * s, 1);
  const perm = Array.from({ length: n }, (_, i) => i);
  const gen = new Generator(n);
  for (let i = n - 1; i > 0; i--) { const j = gen.nextInt(0, i + 1); [perm[i], perm[j]] = [perm[j], perm[i]]; }
  return tensor(perm.map((v) => (v - n / 2) * 0.05 + 0.013), f64).reshape(shape).detach().requiresGrad_();
}

function ncOf(t: Tensor): Tensor {
  // Same values, transposed storage over the last two dims.
  const nd = t.ndim;
  return t.detach().transpose(nd - 2, nd - 1).contiguous().transpose(nd - 2, nd - 1).detach().requiresGrad_();
}

type Case = [string, (...xs: Tensor[]) => Tensor | Tensor[], () => Tensor[], GradcheckOptions?];

const labels = (vals: number[], shape?: number[]) => {
  const t = tensor(vals, i32);
  return shape ? t.reshape(shape) : t;
};

const activations: Case[] = [
  ["relu", (a) => F.relu(a), () => [ncOf(spreadLeaf([3, 4]))]],
  ["relu method", (a) => a.relu(), () => [spreadLeaf([5])]],
  ["leakyRelu", (a) => F.leakyRelu(a, { negativeSlope: 0.2 }), () => [ncOf(spreadLeaf([4, 3]))]],
  ["leakyRelu number", (a) => F.leakyRelu(a, 0.3), () => [spreadLeaf([6])]],
  ["elu", (a) => F.elu(a, { alpha: 1.5 }), () => [ncOf(spreadLeaf([3, 3]))]],
  ["gelu exact", (a) => F.gelu(a), () => [ncLeaf([3, 4])]],
  ["gelu tails", (a) => F.gelu(a), () => [tensor([-7, -4.5, -3.1, 2.9, 5], f64).requiresGrad_()]],
  ["gelu tanh", (a) => F.gelu(a, { approximate: "tanh" }), () => [slicedLeaf([3, 2])]],
  ["silu", (a) => F.silu(a), () => [ncLeaf([4, 2])]],
  ["sigmoid", (a) => F.sigmoid(a), () => [ncLeaf([2, 5])]],
  ["sigmoid method", (a) => a.sigmoid(), () => [leaf([3])]],
  ["tanh", (a) => F.tanh(a), () => [slicedLeaf([2, 3])]],
  ["tanh method", (a) => a.tanh(), () => [leaf([3])]],
  ["softplus", (a) => F.softplus(a), () => [ncLeaf([3, 3])]],
  ["softplus beta/threshold", (a) => F.softplus(a, { beta: 2, threshold: 3 }), () => [tensor([-2, 0.3, 1.0, 1.8, 4], f64).requiresGrad_()]],
  ["hardtanh", (a) => F.hardtanh(a, { minVal: -0.5, maxVal: 0.7 }), () => [ncOf(spreadLeaf([4, 4]))]],
  ["relu6", (a) => F.relu6(a.mul(10)), () => [ncOf(spreadLeaf([3, 4]))]],
  ["selu", (a) => F.selu(a), () => [ncOf(spreadLeaf([3, 3]))]],
  ["celu", (a) => F.celu(a, { alpha: 0.7 }), () => [ncOf(spreadLeaf([2, 3]))]],
  ["logSigmoid", (a) => F.logSigmoid(a), () => [ncLeaf([3, 4], 0.5)]],
  ["mish", (a) => F.mish(a), () => [slicedLeaf([3, 3])]],
  ["hardsigmoid", (a) => F.hardsigmoid(a.mul(10)), () => [ncOf(spreadLeaf([3, 4]))]],
  ["hardswish", (a) => F.hardswish(a.mul(10)), () => [ncOf(spreadLeaf([3, 4]))]],
  ["softsign", (a) => F.softsign(a), () => [ncLeaf([2, 3])]],
  ["softmin", (a) => F.softmin(a, 1), () => [ncLeaf([3, 4])]],
  ["glu", (a) => F.glu(a, 0), () => [ncLeaf([4, 3])]],
  ["prelu per channel", (a, w) => F.prelu(a, w), () => [ncOf(spreadLeaf([2, 3, 2])), leaf([3])]],
  ["prelu shared", (a, w) => F.prelu(a, w), () => [spreadLeaf([5]), leaf([1])]],
  ["threshold", (a) => F.threshold(a, 0.1, 2), () => [ncOf(spreadLeaf([3, 3]))]],
  ["gumbelSoftmax (fixed generator)", (a) => F.gumbelSoftmax(a, { tau: 0.7, generator: new Generator(5) }), () => [ncLeaf([3, 4])]],
  ["softmax last", (a) => F.softmax(a, -1), () => [ncLeaf([3, 4])]],
  ["softmax middle dim", (a) => F.softmax(a, 1), () => [slicedLeaf([2, 3, 4])]],
  ["softmax method dim 0", (a) => a.softmax(0), () => [leaf([3, 2])]],
  ["logSoftmax", (a) => F.logSoftmax(a, 1), () => [ncLeaf([3, 5])]],
  ["logSoftmax dim 0 3-d", (a) => a.logSoftmax(0), () => [ncLeaf([3, 2, 2])]],
];

const losses: Case[] = [
  ["crossEntropy", (a) => F.crossEntropy(a, labels([2, 0, 3])), () => [ncLeaf([3, 4])]],
  ["crossEntropy sum", (a) => F.crossEntropy(a, labels([1, 1, 0]), { reduction: "sum" }), () => [slicedLeaf([3, 3])]],
  ["crossEntropy none", (a) => F.crossEntropy(a, labels([1, 2]), { reduction: "none" }), () => [ncLeaf([2, 4])]],
  ["crossEntropy weight+ignore+smoothing", (a) => F.crossEntropy(a, labels([2, -100, 0, 1]), {
    weight: tensor([0.5, 2, 1.5], f64), labelSmoothing: 0.2,
  }), () => [ncLeaf([4, 3])]],
  ["crossEntropy [N,C,H,W]", (a) => F.crossEntropy(a, labels([0, 2, 1, 1, 2, 0, 0, 1], [2, 2, 2]), { labelSmoothing: 0.1 }), () => [ncLeaf([2, 3, 2, 2])]],
  ["crossEntropy [N,C,d] none", (a) => F.crossEntropy(a, labels([0, 2, 1, 1, 2, 0], [2, 3]), { reduction: "none" }), () => [slicedLeaf([2, 3, 3])]],
  ["crossEntropy [C]", (a) => F.crossEntropy(a, tensor(2, i32)), () => [leaf([4])]],
  ["crossEntropy probabilities (input and target)", (a, t) => F.crossEntropy(a, t.softmax(1), { labelSmoothing: 0.1, weight: tensor([1, 2, 0.5], f64) }),
    () => [ncLeaf([4, 3]), leaf([4, 3])]],
  ["crossEntropy probabilities [N,C,d] none", (a, t) => F.crossEntropy(a, t.softmax(1), { reduction: "none" }), () => [ncLeaf([2, 3, 2]), leaf([2, 3, 2])]],
  ["nllLoss", (a) => F.nllLoss(a, labels([1, 0, 2])), () => [ncLeaf([3, 3])]],
  ["nllLoss weight+ignore none", (a) => F.nllLoss(a, labels([1, 0, 2, 1]), { weight: tensor([1, 3, 2], f64), ignoreIndex: 0, reduction: "none" }), () => [slicedLeaf([4, 3])]],
  ["nllLoss [N,C,d] mean weight", (a) => F.nllLoss(a, labels([1, 0, 2, 2], [2, 2]), { weight: tensor([1, 3, 2], f64) }), () => [ncLeaf([2, 3, 2])]],
  ["mseLoss", (a, b) => F.mseLoss(a, b), () => [ncLeaf([3, 4]), leaf([3, 4])]],
  ["mseLoss broadcast sum", (a, b) => F.mseLoss(a, b, { reduction: "sum" }), () => [leaf([3, 4]), ncLeaf([4, 1]).detach().t().detach().requiresGrad_()]],
  ["mseLoss none", (a, b) => F.mseLoss(a, b, { reduction: "none" }), () => [slicedLeaf([2, 3]), ncLeaf([2, 3])]],
  ["l1Loss", (a, b) => F.l1Loss(a, b), () => [ncOf(spreadLeaf([3, 4])), zeros([3, 4], f64).requiresGrad_()]],
  ["l1Loss none", (a, b) => F.l1Loss(a, b, { reduction: "none" }), () => [spreadLeaf([5]), zeros([5], f64).add(0.001).requiresGrad_()]],
  ["huberLoss", (a, b) => F.huberLoss(a, b, { delta: 0.5 }), () => [ncOf(spreadLeaf([3, 4])), zeros([3, 4], f64).requiresGrad_()]],
  ["smoothL1Loss", (a, b) => F.smoothL1Loss(a, b, { beta: 0.3, reduction: "sum" }), () => [ncOf(spreadLeaf([3, 4])), zeros([3, 4], f64).requiresGrad_()]],
  ["binaryCrossEntropy", (p, t) => F.binaryCrossEntropy(p, t), () => [ncOf(uniformLeaf([3, 4], 0.1, 0.9)), uniformLeaf([3, 4], 0, 1)]],
  ["binaryCrossEntropy weight none", (p) => F.binaryCrossEntropy(p, tensor([1, 0, 1, 0], f64), { weight: tensor([1, 2, 3, 4], f64), reduction: "none" }),
    () => [uniformLeaf([4], 0.05, 0.95)]],
  ["binaryCrossEntropyWithLogits", (x, t) => F.binaryCrossEntropyWithLogits(x, t), () => [ncLeaf([3, 4]), uniformLeaf([3, 4], 0, 1)]],
  ["binaryCrossEntropyWithLogits posWeight+weight", (x, t, pw) => F.binaryCrossEntropyWithLogits(x, t, { posWeight: pw, weight: tensor([1, 0.5, 2], f64), reduction: "sum" }),
    () => [slicedLeaf([2, 3]), uniformLeaf([2, 3], 0, 1), uniformLeaf([3], 0.5, 3)]],
  ["klDiv batchmean", (a, b) => F.klDiv(a.logSoftmax(1), b.softmax(1), { reduction: "batchmean" }), () => [ncLeaf([3, 4]), leaf([3, 4])]],
  ["klDiv logTarget none", (a, b) => F.klDiv(a, b, { logTarget: true, reduction: "none" }), () => [leaf([2, 3]), ncLeaf([2, 3], -1)]],
  ["marginRankingLoss", (a, b) => F.marginRankingLoss(a, b, tensor([1, -1, 1, -1], f64), { margin: 0.1 }), () => [spreadLeaf([4]), ncOf(spreadLeaf([2, 2])).reshape(4).detach().requiresGrad_()]],
  ["hingeEmbeddingLoss", (a) => F.hingeEmbeddingLoss(a, tensor([[1, -1, -1], [-1, 1, -1]], f64), { reduction: "sum" }), () => [ncOf(spreadLeaf([2, 3]))]],
  ["softMarginLoss", (a) => F.softMarginLoss(a, tensor([[1, -1, -1], [-1, 1, 1]], f64)), () => [ncLeaf([2, 3])]],
  ["cosineEmbeddingLoss", (a, b) => F.cosineEmbeddingLoss(a, b, tensor([1, -1, -1], f64), { margin: -0.5 }), () => [ncLeaf([3, 4]), leaf([3, 4])]],
  ["tripletMarginLoss swap", (a, p, n) => F.tripletMarginLoss(a, p, n, { swap: true, margin: 3 }), () => [ncLeaf([3, 4]), leaf([3, 4]), leaf([3, 4])]],
  ["multiMarginLoss p=2 weight", (a) => F.multiMarginLoss(a, tensor([0, 2, 1], i32), { p: 2, margin: 2, weight: tensor([1, 2, 3], f64) }), () => [ncLeaf([3, 3])]],
  ["poissonNllLoss full", (a, b) => F.poissonNllLoss(a, b, { full: true }), () => [ncLeaf([2, 3]), uniformLeaf([2, 3], 1.5, 4)]],
  ["poissonNllLoss non-log", (a) => F.poissonNllLoss(a, tensor([1, 2, 3], f64), { logInput: false }), () => [uniformLeaf([3], 0.5, 2)]],
  ["gaussianNllLoss", (a, b, v) => F.gaussianNllLoss(a, b, v), () => [ncLeaf([3, 2]), leaf([3, 2]), uniformLeaf([3, 2], 0.5, 2)]],
];

const convs: Case[] = [
  ["conv2d", (x, w, b) => F.conv2d(x, w, { bias: b }), () => [leaf([2, 3, 5, 5]), leaf([4, 3, 3, 3]), leaf([4])]],
  ["conv2d non-contiguous input and weight", (x, w) => F.conv2d(x, w), () => [ncLeaf([1, 2, 4, 5]), ncLeaf([3, 2, 2, 3])]],
  ["conv2d stride+padding", (x, w, b) => F.conv2d(x, w, { bias: b, stride: 2, padding: 1 }), () => [leaf([2, 2, 5, 6]), leaf([3, 2, 3, 3]), leaf([3])]],
  ["conv2d asymmetric stride/padding/dilation", (x, w) => F.conv2d(x, w, { stride: [1, 2], padding: [2, 1], dilation: [2, 1] }), () => [slicedLeaf([2, 2, 5, 6]), leaf([2, 2, 3, 2])]],
  ["conv2d groups", (x, w, b) => F.conv2d(x, w, { bias: b, groups: 2, padding: 1 }), () => [ncLeaf([2, 4, 4, 4]), leaf([6, 2, 3, 3]), leaf([6])]],
  ["conv2d depthwise + dilation", (x, w) => F.conv2d(x, w, { groups: 3, dilation: 2, padding: 2 }), () => [leaf([1, 3, 5, 5]), ncLeaf([3, 1, 3, 3])]],
  ["conv2d same (even kernel)", (x, w) => F.conv2d(x, w, { padding: "same" }), () => [leaf([1, 2, 4, 5]), leaf([2, 2, 2, 4])]],
  ["conv2d same dilated", (x, w) => F.conv2d(x, w, { padding: "same", dilation: [1, 2] }), () => [leaf([1, 1, 4, 5]), leaf([2, 1, 3, 2])]],
  ["conv2d unbatched", (x, w) => F.conv2d(x, w, { padding: "valid", stride: 2 }), () => [leaf([2, 5, 5]), leaf([2, 2, 2, 2])]],
  ["conv1d", (x, w, b) => F.conv1d(x, w, { bias: b, stride: 2, padding: 1, dilation: 2 }), () => [ncLeaf([2, 3, 9]), leaf([4, 3, 3]), leaf([4])]],
  ["conv1d groups same", (x, w) => F.conv1d(x, w, { groups: 2, padding: "same" }), () => [slicedLeaf([2, 4, 6]), leaf([2, 2, 4])]],
  ["conv1d unbatched", (x, w) => F.conv1d(x, w), () => [leaf([2, 6]), leaf([3, 2, 2])]],
  ["convTranspose2d", (x, w, b) => F.convTranspose2d(x, w, { bias: b, stride: 2, padding: 1, outputPadding: 1 }), () => [ncLeaf([2, 3, 3, 3]), leaf([3, 2, 3, 3]), leaf([2])]],
  ["convTranspose2d groups + dilation", (x, w) => F.convTranspose2d(x, w, { groups: 2, dilation: [2, 1], stride: [1, 2] }), () => [slicedLeaf([2, 4, 3, 2]), ncLeaf([4, 1, 2, 2])]],
  ["convTranspose1d", (x, w, b) => F.convTranspose1d(x, w, { bias: b, stride: 3, padding: 1 }), () => [ncLeaf([2, 2, 4]), leaf([2, 3, 3]), leaf([3])]],
];

const pools: Case[] = [
  ["maxPool2d", (x) => F.maxPool2d(x, 2), () => [ncOf(spreadLeaf([2, 2, 4, 4]))]],
  ["maxPool2d stride/padding/dilation", (x) => F.maxPool2d(x, 3, { stride: [2, 1], padding: 1, dilation: [1, 2] }), () => [spreadLeaf([1, 2, 5, 7])]],
  ["maxPool2d ceilMode overlap", (x) => F.maxPool2d(x, [2, 3], { stride: 2, ceilMode: true }), () => [ncOf(spreadLeaf([1, 2, 5, 6]))]],
  ["maxPool2d unbatched", (x) => F.maxPool2d(x, 2, { stride: 1 }), () => [spreadLeaf([2, 3, 3])]],
  ["maxPool1d", (x) => F.maxPool1d(x, 3, { stride: 2, padding: 1 }), () => [ncOf(spreadLeaf([2, 2, 7]))]],
  ["avgPool2d", (x) => F.avgPool2d(x, 2), () => [ncLeaf([2, 2, 4, 4])]],
  ["avgPool2d padding countIncludePad=false", (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }), () => [slicedLeaf([2, 2, 5, 5])]],
  ["avgPool2d ceilMode", (x) => F.avgPool2d(x, [3, 2], { stride: 2, padding: [1, 0], ceilMode: true }), () => [leaf([1, 2, 6, 5])]],
  ["avgPool1d", (x) => F.avgPool1d(x, 2, { stride: 1, padding: 1 }), () => [ncLeaf([2, 3, 5])]],
  ["adaptiveAvgPool2d divisible", (x) => F.adaptiveAvgPool2d(x, [2, 3]), () => [ncLeaf([2, 2, 4, 6])]],
  ["adaptiveAvgPool2d uneven windows", (x) => F.adaptiveAvgPool2d(x, [3, 4]), () => [slicedLeaf([2, 2, 5, 7])]],
  ["adaptiveAvgPool2d global unbatched", (x) => F.adaptiveAvgPool2d(x, 1), () => [leaf([3, 4, 4])]],
  ["adaptiveMaxPool2d uneven", (x) => F.adaptiveMaxPool2d(x, [3, 2]), () => [ncOf(spreadLeaf([2, 2, 5, 5]))]],
];

const norms: Case[] = [
  ["layerNorm", (x, w, b) => F.layerNorm(x, [4], { weight: w, bias: b }), () => [ncLeaf([3, 4]), leaf([4], 1), leaf([4])]],
  ["layerNorm 2 dims, no affine", (x) => F.layerNorm(x, [2, 3], { eps: 1e-3 }), () => [slicedLeaf([2, 2, 3])]],
  ["layerNorm weight only", (x, w) => F.layerNorm(x, 5, { weight: w }), () => [leaf([2, 5]), ncLeaf([5])]],
  ["batchNorm training [N,C,H,W]", (x, w, b) => F.batchNorm(x, zeros([3], f64), ones([3], f64), { weight: w, bias: b, training: true }),
    () => [ncLeaf([4, 3, 2, 2]), leaf([3], 1), leaf([3])]],
  ["batchNorm training [N,C] no stats", (x) => F.batchNorm(x, null, null, { training: true }), () => [slicedLeaf([5, 3])]],
  ["batchNorm eval", (x, w, b) => F.batchNorm(x, tensor([0.1, -0.2], f64), tensor([0.5, 2], f64), { weight: w, bias: b }),
    () => [ncLeaf([3, 2, 4]), leaf([2]), leaf([2])]],
  ["groupNorm", (x, w, b) => F.groupNorm(x, 2, { weight: w, bias: b }), () => [ncLeaf([2, 4, 3]), leaf([4], 1), leaf([4])]],
  ["instanceNorm affine", (x, w, b) => F.instanceNorm(x, { weight: w, bias: b }), () => [ncLeaf([2, 3, 4]), leaf([3], 1), leaf([3])]],
];

const others: Case[] = [
  ["dropout (seeded: the same mask on every call)", (x) => { manualSeed(7); return F.dropout(x, { p: 0.4 }); }, () => [ncLeaf([4, 5])]],
  ["dropout2d (seeded)", (x) => { manualSeed(3); return F.dropout2d(x, { p: 0.5 }); }, () => [ncLeaf([3, 4, 2, 2])]],
  ["embedding (repeated indices)", (w) => F.embedding(labels([1, 3, 1, 0, 3, 3], [2, 3]), w), () => [ncLeaf([4, 3])]],
  // The padding row gets no gradient by design; masking its outputs makes the true gradient zero too.
  ["embedding paddingIdx", (w) => F.embedding(labels([1, 2, 0, 2]), w, { paddingIdx: 2 }).mul(tensor([[1], [0], [1], [0]], f64)),
    () => [slicedLeaf([3, 2])]],
  ["pad constant 2 dims", (x) => F.pad(x, [1, 2, 2, 0], { value: 0.5 }), () => [ncLeaf([2, 3, 3])]],
  ["pad crop", (x) => F.pad(x, [-1, 1]), () => [slicedLeaf([2, 4])]],
  ["pad reflect", (x) => F.pad(x, [2, 1, 1, 1], { mode: "reflect" }), () => [ncLeaf([1, 3, 4])]],
  ["pad replicate", (x) => F.pad(x, [3, 1], { mode: "replicate" }), () => [leaf([2, 3])]],
  ["pad circular", (x) => F.pad(x, [2, 3, 1, 0], { mode: "circular" }), () => [ncLeaf([3, 4])]],
  ["normalize", (x) => F.normalize(x), () => [ncLeaf([3, 4])]],
  ["normalize p=3 dim 0", (x) => F.normalize(x, { p: 3, dim: 0 }), () => [slicedLeaf([3, 2])]],
  ["cosineSimilarity", (a, b) => F.cosineSimilarity(a, b), () => [ncLeaf([3, 4]), leaf([4])]],
  ["pairwiseDistance", (a, b) => F.pairwiseDistance(a, b, { p: 2 }), () => [ncLeaf([3, 4]), leaf([3, 4])]],
  ["scaledDotProductAttention", (q, k, v) => F.scaledDotProductAttention(q, k, v), () => [leaf([2, 3, 4]), ncLeaf([2, 5, 4]), leaf([2, 5, 3])]],
  ["scaledDotProductAttention causal + scale", (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.3 }),
    () => [slicedLeaf([2, 4, 3]), leaf([2, 4, 3]), ncLeaf([2, 4, 2])]],
  ["scaledDotProductAttention bool mask [L, S], 4-d", (q, k, v) => F.scaledDotProductAttention(q, k, v, {
    attnMask: tensor([[true, false, true], [true, true, false]]) }), () => [leaf([2, 2, 2, 3]), ncLeaf([2, 2, 3, 3]), leaf([2, 2, 3, 2])]],
  ["scaledDotProductAttention float mask per batch", (q, k, v) => F.scaledDotProductAttention(q, k, v, {
    attnMask: tensor([[[0, -1, 2]], [[1, 0, -Infinity]]], f64) }), () => [leaf([2, 2, 3]), leaf([2, 3, 3]), slicedLeaf([2, 3, 2])]],
  ["scaledDotProductAttention heads read in place ([N, L, h, d] viewed as [N, h, L, d])", (q, k, v) => F.scaledDotProductAttention(
    q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), { isCausal: true }), () => [leaf([2, 3, 2, 3]), leaf([2, 3, 2, 3]), slicedLeaf([2, 3, 2, 2])]],
  ["scaledDotProductAttention past the small-shape kernel (batched matmuls)", (q, k, v) => F.scaledDotProductAttention(q, k, v, {
    isCausal: true }), () => [leaf([1, 3, 20]), ncLeaf([1, 9, 20]), leaf([1, 9, 10])]],
  ["scaledDotProductAttention batched matmuls on head views (results in the heads' layout)", (q, k, v) => F.scaledDotProductAttention(
    q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), { isCausal: true }), () => [leaf([1, 12, 2, 12]), leaf([1, 12, 2, 12]), leaf([1, 12, 2, 10])]],
  ["scaledDotProductAttention dropout (composed, fixed generator)", (q, k, v) => F.scaledDotProductAttention(q, k, v, {
    dropoutP: 0.3, generator: new Generator(3) }), () => [leaf([1, 3, 2]), leaf([1, 3, 2]), leaf([1, 3, 2])]],
  ["lstmCell", (g, c) => lstmCell(g, c), () => [ncLeaf([3, 8]), leaf([3, 2])]],
  ["lstmSequence", (x, h, c, w) => lstmSequence(x, h, c, w), () => [ncLeaf([3, 2, 8]), leaf([2, 2]), slicedLeaf([2, 2]), leaf([8, 2])]],
  ["lstmSequence reverse", (x, h, c, w) => lstmSequence(x, h, c, w, { reverse: true }), () => [leaf([4, 1, 12]), ncLeaf([1, 3]), leaf([1, 3]), ncLeaf([12, 3])]],
  ["lstmSequence bias", (x, h, c, w, b) => lstmSequence(x, h, c, w, { bias: b }), () => [leaf([3, 2, 8]), leaf([2, 2]), leaf([2, 2]), leaf([8, 2]), slicedLeaf([8])]],
  ["lstmSequence input projection + bias, reverse", (x, h, c, w, b, wi) => lstmSequence(x, h, c, w, { reverse: true, bias: b, weightIh: wi }),
    () => [ncLeaf([3, 2, 5]), leaf([2, 2]), leaf([2, 2]), leaf([8, 2]), leaf([8]), slicedLeaf([8, 5])]],
  ["lstmSequence input projection", (x, h, c, w, wi) => lstmSequence(x, h, c, w, { weightIh: wi }),
    () => [leaf([2, 3, 4]), leaf([3, 2]), leaf([3, 2]), ncLeaf([8, 2]), leaf([8, 4])]],
  ["lstmSequence batch first, input projection + bias", (x, h, c, w, b, wi) => lstmSequence(x, h, c, w, { batchFirst: true, bias: b, weightIh: wi }),
    () => [ncLeaf([2, 3, 4]), leaf([2, 2]), leaf([2, 2]), leaf([8, 2]), leaf([8]), leaf([8, 4])]],
  ["lstmSequence batch first, reverse", (x, h, c, w) => lstmSequence(x, h, c, w, { batchFirst: true, reverse: true }),
    () => [leaf([3, 2, 8]), leaf([3, 2]), leaf([3, 2]), leaf([8, 2])]],
  ["gruCell", (x, h2, h) => gruCell(x, h2, h), () => [leaf([2, 9]), ncLeaf([2, 9]), slicedLeaf([2, 3])]],
  ["interpolate nearest", (x) => F.interpolate(x, { scaleFactor: 2 }), () => [ncLeaf([1, 2, 3, 2])]],
  ["interpolate bilinear up/down", (x) => F.interpolate(x, { size: [5, 2], mode: "bilinear" }), () => [ncLeaf([2, 1, 3, 4])]],
  ["interpolate bilinear alignCorners", (x) => F.interpolate(x, { size: 4, mode: "bilinear", alignCorners: true }), () => [slicedLeaf([2, 2, 3, 3])]],
  ["interpolate linear", (x) => F.interpolate(x, { scaleFactor: 1.5, mode: "linear" }), () => [ncLeaf([2, 2, 4])]],
  ["pixelShuffle", (x) => F.pixelShuffle(x, 2).mul(tensor([1, 2, 3, 4], f64)), () => [ncLeaf([1, 4, 2, 2])]],
  ["unfold", (x) => F.unfold(x, [2, 3], { stride: [1, 2], padding: 1, dilation: [2, 1] }), () => [ncLeaf([2, 2, 4, 5])]],
  ["fold", (x) => F.fold(x, [4, 5], 2, { stride: 1 }), () => [ncLeaf([2, 8, 12])]],
  ["linear", (x, w, b) => F.linear(x, w, b), () => [ncLeaf([3, 4]), leaf([2, 4]), leaf([2])]],
  ["linear options bias, batched input", (x, w, b) => F.linear(x, w, { bias: b }), () => [leaf([2, 3, 4]), ncLeaf([5, 4]), leaf([5])]],
  // the activation's backward applied inside linear's (GradFn.fusedBackward)
  ["linear after gelu (one backward for both)", (x, w, b) => F.linear(F.gelu(x), w, b), () => [ncLeaf([3, 4]), leaf([2, 4]), leaf([2])]],
  ["linear after tanh-approximate gelu", (x, w) => F.linear(F.gelu(x, { approximate: "tanh" }), w), () => [leaf([2, 3, 4]), leaf([5, 4])]],
  ["linear after tanh, after silu", (x, w, b) => F.linear(F.silu(F.linear(x.tanh(), w, b)), w.t()), () => [leaf([3, 4]), leaf([4, 4]), leaf([4])]],
  ["linear after relu (the mask applied inside linear's backward)", (x, w, b) => F.linear(F.relu(x), w, b), () => [spreadLeaf([3, 4]), leaf([2, 4]), leaf([2])]],
];

function run(cases: Case[]): void {
  for (const [name, fn, make, opts] of cases) {
    it(name, () => {
      manualSeed(1234);
      expect(gradcheck(fn, make(), opts)).toBe(true);
    });
  }
}

describe("gradcheck: activations and softmax", () => run(activations));
describe("gradcheck: losses", () => run(losses));
describe("gradcheck: convolution", () => run(convs));
describe("gradcheck: pooling", () => run(pools));
describe("gradcheck: normalisation", () => run(norms));
describe("gradcheck: dropout, embedding, padding, distances, linear", () => run(others));

describe("gradcheck coverage", () => {
  it("every differentiable op in lib/ops/nn/*.ts has a row in the tables above", () => {
    manualSeed(7);
    const covered = new Set<string>();
    for (const [, fn, make] of [...activations, ...losses, ...convs, ...pools, ...norms, ...others]) collectNames(fn, make(), covered);
    const missing = [...backwardNamesIn("lib/ops/nn")].filter((n) => !covered.has(n)).sort();
    expect(missing, "backward nodes no gradcheck row builds: add a row for the op").toEqual([]);
  });
});

describe("gradcheck catches a wrong backward", () => {
  it("a deliberately wrong gradient fails", () => {
    // relu's gradient multiplied by 2 through a hook: gradcheck must notice.
    const x = spreadLeaf([4]);
    const bad = (a: Tensor) => {
      const y = F.relu(a);
      if (y.requiresGrad) y.registerHook((g) => g.mul(2));
      return y;
    };
    expect(gradcheck(bad, [x], { raiseException: false })).toBe(false);
  });
});
