// ONNX for the tensor ops a forward runs between layers (x.add(y), F.relu(x), x.flatten(1),
// out.select(1, -1)...), keyed by the op's autograd name. What the op record does not carry
// (which dims a view kept, a softmax's dim) is read off the input and output tensors.

import { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import { noGrad } from "../autograd/grad_mode.js";
import * as F from "../functional.js";
import { ExportError, type GraphBuilder, isTensor } from "./builder.js";
import { gelu } from "./layers.js";

export interface OpRecord {
  name: string;
  out: Tensor;
  inputs: readonly (Tensor | null | undefined | number)[];
  /** The module the op ran in ("" for the model itself). */
  path: string;
}

type OpEmitter = (b: GraphBuilder, r: OpRecord) => string;

/** Input i as a value of `dtype` (numbers become constants). */
function arg(b: GraphBuilder, r: OpRecord, i: number, dtype: DType = r.out.dtype): string {
  const v = r.inputs[i];
  if (typeof v === "number") return b.scalar(v, dtype);
  if (!isTensor(v)) throw new ExportError(`onnx.exportModel: ${r.name} has no input ${i}`);
  return b.cast(b.valueOf(v), v.dtype, dtype);
}

function tensorIn(r: OpRecord, i = 0): Tensor {
  const v = r.inputs[i];
  if (!isTensor(v)) throw new ExportError(`onnx.exportModel: ${r.name} has no tensor input ${i}`);
  return v;
}

const binary = (op: string): OpEmitter => (b, r) => b.op(op, [arg(b, r, 0), arg(b, r, 1)]);
const unary = (op: string): OpEmitter => (b, r) => b.op(op, [arg(b, r, 0)]);

/**
 * Reshape to out's shape with dim 0 left to the runtime — copied (0) when it is the input's
 * dim 0, else inferred (-1) — so a dynamic batch stays dynamic.
 */
const reshape: OpEmitter = (b, r) => {
  const x = tensorIn(r), shape = [...r.out.shape];
  if (shape.length > 0) shape[0] = x.ndim > 0 && shape[0] === x.shape[0] ? 0 : -1;
  return b.op("Reshape", [arg(b, r, 0), b.ints(shape, "shape")]);
};

/** The permutation making view `out` from `x` (matching strides). */
function permutation(x: Tensor, out: Tensor): number[] {
  const used = new Set<number>();
  return out.shape.map((d, i) => {
    for (let j = 0; j < x.ndim; j++) {
      if (!used.has(j) && x.shape[j] === d && (x.strides[j] === out.strides[i] || d === 1)) {
        used.add(j);
        return j;
      }
    }
    throw new ExportError("onnx.exportModel: cannot work out a transpose's permutation");
  });
}

/** narrow / slice / select: the view's geometry relative to its input gives the Slice. */
const slicing: OpEmitter = (b, r) => {
  const x = tensorIn(r), out = r.out;
  const delta = out.offset - x.offset;
  if (out.ndim === x.ndim) {
    const axes: number[] = [], starts: number[] = [], ends: number[] = [], steps: number[] = [];
    let rest = delta;
    for (let d = 0; d < x.ndim; d++) {
      const step = x.strides[d] === 0 ? 1 : out.strides[d] / x.strides[d];
      if (out.shape[d] === x.shape[d] && step === 1) continue;
      const start = x.strides[d] === 0 ? 0 : Math.floor(rest / x.strides[d]);
      rest -= start * x.strides[d];
      axes.push(d); starts.push(start); ends.push(start + (out.shape[d] - 1) * step + 1); steps.push(step);
    }
    if (axes.length === 0) return b.op("Identity", [arg(b, r, 0)]);
    return b.op("Slice", [arg(b, r, 0), b.ints(starts, "starts"), b.ints(ends, "ends"), b.ints(axes, "axes"), b.ints(steps, "steps")]);
  }
  if (out.ndim === x.ndim - 1) {
    // select(dim, index): the dropped dim is where the strides stop lining up.
    let dim = 0;
    while (dim < out.ndim && out.strides[dim] === x.strides[dim] && out.shape[dim] === x.shape[dim]) dim++;
    const index = x.strides[dim] === 0 ? 0 : delta / x.strides[dim];
    return b.op("Gather", [arg(b, r, 0), b.init("index", "int64", [], [index])], { axis: dim });
  }
  throw new ExportError(`onnx.exportModel: ${r.name} from ${x.ndim} to ${out.ndim} dims is not supported`);
};

/** The dims a reduction removed (or kept as 1), checked against the recorded output. */
function reducedDims(r: OpRecord, reduce: (x: Tensor, dims: number[], keep: boolean) => Tensor): { dims: number[]; keep: boolean } {
  const x = tensorIn(r), out = r.out;
  const keep = out.ndim === x.ndim && x.ndim > 0;
  const candidates: number[][] = [];
  if (keep) candidates.push(x.shape.map((_, i) => i).filter((i) => out.shape[i] === 1 && x.shape[i] !== 1));
  else if (out.numel === 1 && out.ndim === 0) candidates.push(x.shape.map((_, i) => i));
  else {
    const k = x.ndim - out.ndim;
    const choose = (from: number, left: number, acc: number[]) => {
      if (left === 0) {
        const kept = x.shape.filter((_, i) => !acc.includes(i));
        if (kept.every((d, i) => d === out.shape[i])) candidates.push([...acc]);
        return;
      }
      for (let i = from; i < x.ndim; i++) choose(i + 1, left - 1, [...acc, i]);
    };
    choose(0, k, []);
  }
  for (const dims of candidates) {
    const y = noGrad(() => reduce(x.detach(), dims, keep));
    if (y.shape.length === out.shape.length && F.allclose(y, out.detach(), 1e-5, 1e-6)) return { dims, keep };
  }
  throw new ExportError(`onnx.exportModel: cannot work out which dims ${r.name} reduced`);
}

/** The dim a softmax normalised: the one along which the output sums to 1. */
function softmaxDim(r: OpRecord, log: boolean): number {
  const out = noGrad(() => (log ? r.out.detach().exp() : r.out.detach()));
  for (let d = out.ndim - 1; d >= 0; d--) {
    const s = noGrad(() => out.sum(d));
    if (s.data.every((v) => Math.abs(v - 1) < 1e-4)) return d;
  }
  throw new ExportError(`onnx.exportModel: cannot work out the dim of ${r.name}`);
}

/** A scalar parameter of an elementwise op (e.g. LeakyReLU's slope), solved from one element. */
function solveScalar(r: OpRecord, where: (x: number) => boolean, solve: (x: number, y: number) => number, fallback: number): number {
  const x = tensorIn(r).data, y = r.out.data;
  for (let i = 0; i < x.length; i++) if (where(x[i])) return solve(x[i], y[i]);
  return fallback;
}

export const OPS = new Map<string, OpEmitter>([
  ["AddBackward", binary("Add")],
  ["SubBackward", binary("Sub")],
  ["MulBackward", binary("Mul")],
  ["DivBackward", binary("Div")],
  ["PowBackward", binary("Pow")],
  ["MaximumBackward", binary("Max")],
  ["MinimumBackward", binary("Min")],
  ["MmBackward", binary("MatMul")],
  ["NegBackward", unary("Neg")],
  ["AbsBackward", unary("Abs")],
  ["ExpBackward", unary("Exp")],
  ["LogBackward", unary("Log")],
  ["SqrtBackward", unary("Sqrt")],
  ["SinBackward", unary("Sin")],
  ["CosBackward", unary("Cos")],
  ["ReciprocalBackward", unary("Reciprocal")],
  ["RsqrtBackward", (b, r) => b.op("Reciprocal", [b.op("Sqrt", [arg(b, r, 0)])])],
  ["SquareBackward", (b, r) => { const x = arg(b, r, 0); return b.op("Mul", [x, x]); }],
  ["ReluBackward", unary("Relu")],
  ["SigmoidBackward", unary("Sigmoid")],
  ["TanhBackward", unary("Tanh")],
  ["SiluBackward", (b, r) => { const x = arg(b, r, 0); return b.op("Mul", [x, b.op("Sigmoid", [x])]); }],
  ["GeluBackward", (b, r) => {
    const x = tensorIn(r);
    const exact = noGrad(() => F.gelu(x.detach()));
    return gelu(b, arg(b, r, 0), F.allclose(exact, r.out.detach(), 1e-5, 1e-6) ? "none" : "tanh", r.out.dtype, r.path);
  }],
  ["LeakyReluBackward", (b, r) => b.op("LeakyRelu", [arg(b, r, 0)], { alpha: { float: solveScalar(r, (x) => x < 0, (x, y) => y / x, 0.01) } })],
  ["SoftmaxBackward", (b, r) => b.op("Softmax", [arg(b, r, 0)], { axis: softmaxDim(r, false) })],
  ["LogSoftmaxBackward", (b, r) => b.op("LogSoftmax", [arg(b, r, 0)], { axis: softmaxDim(r, true) })],
  ["ReshapeBackward", reshape],
  ["ViewBackward", reshape],
  ["UnsqueezeBackward", reshape],
  ["SqueezeBackward", reshape],
  ["TransposeBackward", (b, r) => b.op("Transpose", [arg(b, r, 0)], { perm: permutation(tensorIn(r), r.out) })],
  ["PermuteBackward", (b, r) => b.op("Transpose", [arg(b, r, 0)], { perm: permutation(tensorIn(r), r.out) })],
  ["ExpandBackward", (b, r) => b.op("Expand", [arg(b, r, 0), b.ints([...r.out.shape], "shape")])],
  ["SelectBackward", slicing],
  ["NarrowBackward", slicing],
  ["SliceBackward", slicing],
  ["CloneBackward", unary("Identity")],
  ["ToCopyBackward", (b, r) => b.cast(arg(b, r, 0, tensorIn(r).dtype), tensorIn(r).dtype, r.out.dtype)],
  ["CatBackward", (b, r) => {
    const ts = r.inputs.filter(isTensor);
    const first = ts[0], dim = first.shape.findIndex((d, i) => d !== r.out.shape[i]);
    return b.op("Concat", ts.map((_, i) => arg(b, r, r.inputs.indexOf(ts[i]))), { axis: dim < 0 ? 0 : dim });
  }],
  ["SumBackward", (b, r) => {
    const { dims, keep } = reducedDims(r, (x, d, k) => x.sum(d, k));
    return b.op("ReduceSum", [arg(b, r, 0), b.ints(dims, "axes")], { keepdims: keep ? 1 : 0 });
  }],
  ["MeanBackward", (b, r) => {
    const { dims, keep } = reducedDims(r, (x, d, k) => x.mean(d, k));
    return b.reduceMean(arg(b, r, 0), dims, keep);
  }],
]);
