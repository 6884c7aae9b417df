// conv2d and conv1d (cross-correlation, as in PyTorch) with stride, padding (including
// "same"/"valid"), dilation and groups. The heavy loops are the backend's conv2d kernels;
// conv1d runs the same kernels on a height-1 image.

import { getKernels } from "../../backend/index.js";
import type { Conv2dParams } from "../../backend/kernels.js";
import type { BackwardFn } from "../../autograd/graph.js";
import { contiguousStrides, fmtShape } from "../../shape.js";
import { Storage, Tensor } from "../../tensor.js";
import { type MaxPool2dOptions, maxPool2d, maxPool2dPlan } from "./pooling.js";
import { record } from "../op.js";
import { type FloatDType, checkFloat, checkSameDType, emptyFloat, operand, residentFloat, residentIndices, residentScope, tuple, uninitFloat } from "./util.js";

export type ConvPadding = number | readonly number[] | "same" | "valid";

export interface Conv2dOptions {
  bias?: Tensor | null;
  stride?: number | readonly number[];
  /** Zero padding per side: a number, [padH, padW], "valid" (0) or "same" (output size = input size; stride 1 only). */
  padding?: ConvPadding;
  dilation?: number | readonly number[];
  groups?: number;
}

export type Conv1dOptions = Conv2dOptions;

interface Geometry {
  p: Conv2dParams;
  /** Extra leading output row/column to drop ("same" with an even kernel pads one more at the end). */
  trim: [boolean, boolean];
}

/**
 * Validates shapes and works out the kernel parameters for x [n, cIn, h, w] and weight
 * [cOut, cIn/groups, kh, kw]; `dims` names the sizes as the user sees them (1 or 2 spatial dims).
 */
function geometry(op: string, x: Tensor, w: Tensor, o: Conv2dOptions, dims: 1 | 2, n: number, h: number, W: number, kh: number, kw: number): Geometry {
  const cIn = x.shape[x.ndim - 1 - dims], cOut = w.shape[0];
  const groups = o.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`${op}: groups must be a positive integer, got ${groups}`);
  // 1-D sizes are the width; the height is 1 with stride and dilation 1.
  const hw = (name: string, v: number | readonly number[]): number[] => (dims === 2 ? tuple(op, name, v, 2, 1) : [1, tuple(op, name, v, 1, 1)[0]]);
  const [strideH, strideW] = hw("stride", o.stride ?? 1);
  const [dilationH, dilationW] = hw("dilation", o.dilation ?? 1);
  if (cIn !== w.shape[1] * groups) {
    throw new Error(`${op}: input of shape ${fmtShape(x.shape)} has ${cIn} channels, but weight of shape ${fmtShape(w.shape)} with groups=${groups} expects ${w.shape[1] * groups}`);
  }
  if (cOut % groups !== 0) {
    throw new Error(`${op}: weight of shape ${fmtShape(w.shape)} has ${cOut} output channels, which groups=${groups} does not divide`);
  }
  let padH = 0, padW = 0;
  const trim: [boolean, boolean] = [false, false];
  const pad = o.padding ?? 0;
  if (pad === "same") {
    if (strideH !== 1 || strideW !== 1) throw new Error(`${op}: padding "same" needs stride 1, got stride ${JSON.stringify(o.stride)}`);
    // Total padding dilation·(k − 1): PyTorch puts the odd extra one at the end. Padding both
    // sides by the larger half and dropping the first output row/column gives the same result.
    const th = dilationH * (kh - 1), tw = dilationW * (kw - 1);
    padH = Math.ceil(th / 2); padW = Math.ceil(tw / 2);
    trim[0] = th % 2 === 1; trim[1] = tw % 2 === 1;
  } else if (pad !== "valid") {
    if (typeof pad === "string") throw new Error(`${op}: padding must be a number, an array, "same" or "valid", got ${JSON.stringify(pad)}`);
    if (dims === 2) [padH, padW] = tuple(op, "padding", pad, 2, 0);
    else padW = tuple(op, "padding", pad, 1, 0)[0];
  }
  const outH = Math.floor((h + 2 * padH - dilationH * (kh - 1) - 1) / strideH) + 1;
  const outW = Math.floor((W + 2 * padW - dilationW * (kw - 1) - 1) / strideW) + 1;
  if (outH < 1 || outW < 1) {
    throw new Error(`${op}: input of shape ${fmtShape(x.shape)} is too small for weight of shape ${fmtShape(w.shape)} (padding ${JSON.stringify(pad)}, dilation ${JSON.stringify(o.dilation ?? 1)}): the output would have size ${dims === 2 ? `${outH}x${outW}` : outW}`);
  }
  const p: Conv2dParams = { n, cIn, h, w: W, cOut, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups, outH, outW };
  return { p, trim };
}

/** Conv2dBackward's backward: the input, weight and bias gradients from the output's. */
function convBackward(x: Tensor, w: Tensor, bias: Tensor | null, p: Conv2dParams, dt: FloatDType): BackwardFn {
  const K = getKernels();
  // operands taken at the call (they may be resident, util.ts), never kept in the closure
  return (g, needs) => residentScope(() => {
    // the kernels overwrite every gradient they are given
    const [dx, dxd] = needs[0] ? residentFloat(x.shape, dt) : [null, null];
    const [dw, dwd] = needs[1] ? uninitFloat(w.shape, dt) : [null, null];
    const [db, dbd] = needs[2] && bias ? uninitFloat(bias.shape, dt) : [null, null];
    K.conv2dBackward(operand(x, dt), operand(w, dt), operand(g, dt), dxd, dwd, dbd, p);
    return [dx, dw, db];
  });
}

/**
 * Runs the kernels: out [n, cOut, outH, outW] (reshaped to `outShape`), backward beside it.
 * The bias is the kernel's epilogue. With `relu` the epilogue also applies ReLU, and the
 * graph is recorded as the unfused one would be: ReluBackward over Conv2dBackward, the
 * pre-activation never materialized (it is reachable only from the graph, not as a value).
 */
function convRaw(name: string, x: Tensor, w: Tensor, bias: Tensor | null, p: Conv2dParams, dt: FloatDType, outShape: number[], relu = false): Tensor {
  const K = getKernels();
  const out = residentScope(() => {
    const [o, od] = residentFloat(outShape, dt); // written in full
    K.conv2dForward(operand(x, dt), operand(w, dt), od, p, { bias: bias ? operand(bias, dt) : null, relu });
    return o;
  });
  const pre = relu ? new Tensor(out.storage, out.shape, out.strides, 0, dt) : out;
  record(pre, name, [x, w, bias], convBackward(x, w, bias, p, dt), bias ? [x, w, bias] : [x, w]);
  if (!relu) return out;
  return record(out, "ReluBackward", [pre], (g) => residentScope(() => {
    const [dx, d] = residentFloat(out.shape, dt);
    K.reluMask(operand(g, dt), operand(out, dt), d);
    return [dx];
  }), [out]);
}

export function checkBias(op: string, bias: Tensor | null | undefined, cOut: number, x: Tensor): Tensor | null {
  if (bias === undefined || bias === null) return null;
  if (!(bias instanceof Tensor)) throw new Error(`${op}: bias must be a Tensor or null`);
  if (bias.ndim !== 1 || bias.shape[0] !== cOut) {
    throw new Error(`${op}: bias of shape ${fmtShape(bias.shape)} does not match the ${cOut} output channels (expected [${cOut}])`);
  }
  checkSameDType(op, "input", x, "bias", bias);
  return bias;
}

/**
 * 2-D convolution of x [N, C_in, H, W] (or unbatched [C_in, H, W]) with weight
 * [C_out, C_in/groups, kH, kW]; output [N, C_out, H_out, W_out].
 */
export function conv2d(x: Tensor, weight: Tensor, options: Conv2dOptions = {}): Tensor {
  return conv2dWith(x, weight, options, false);
}

/**
 * relu(conv2d(x, weight, options)) in one kernel call (bias and ReLU are its epilogue), with
 * the same values and the same graph. nn.Sequential uses it for a Conv2d followed by a ReLU.
 */
export function conv2dRelu(x: Tensor, weight: Tensor, options: Conv2dOptions = {}): Tensor {
  return conv2dWith(x, weight, options, true);
}

/**
 * maxPool2d(relu(conv2d(x, weight, options)), kernelSize, poolOptions) in one kernel call:
 * the conv output is pooled inside the kernel and never materialized. Same values, same graph
 * (MaxPool2dBackward over ReluBackward over Conv2dBackward); the ReLU's mask is read from the pooled
 * values in the pool's backward, exact because the pool is its only consumer. nn.Sequential uses it for a
 * Conv2d, ReLU, MaxPool2d run.
 */
export function conv2dReluMaxPool2d(x: Tensor, weight: Tensor, options: Conv2dOptions, kernelSize: number | readonly number[], poolOptions: MaxPool2dOptions = {}): Tensor {
  const plan = conv2dPlan(x, weight, options);
  if (plan.trim[0] || plan.trim[1] || poolOptions.returnIndices) return maxPool2d(conv2dRelu(x, weight, options), kernelSize, { ...poolOptions, returnIndices: false });
  const { p, dt, bias, shape } = plan;
  const K = getKernels();
  // stand-ins for the conv and ReLU outputs: shape and dtype only, never read
  const hidden = () => new Tensor(new Storage(new Float32Array(0)), shape, contiguousStrides(shape), 0, dt);
  const pre = hidden(), act = hidden();
  const { p: pp, shape: pooledShape } = maxPool2dPlan(act, kernelSize, poolOptions);
  // the pooled output and its argmax (both written in full) may be resident, and x may be a
  // resident pool output before it (util.ts): operands are taken inside each call's scope
  const [out, argmax] = residentScope(() => {
    const [o, od] = residentFloat(pooledShape, dt), [a, ad] = residentIndices(pooledShape);
    K.conv2dMaxPoolForward(operand(x, dt), operand(weight, dt), od, ad, p, pp, { bias: bias ? operand(bias, dt) : null, relu: true });
    return [o, a];
  });
  // act's only consumer is the pool and pre's is the ReLU, so the conv output's gradient is
  // a function of the pooled one: the pool's backward passes a stand-in for it down (the
  // ReLU's passes it on unchanged) and the conv's backward computes its gradients from the
  // pooled gradient in one kernel (the ReLU's mask read from the pooled values), which need
  // never materialize the full-size gradient.
  let pooled: { grad: Tensor; standIn: Tensor } | null = null;
  const plain = convBackward(x, weight, bias, p, dt);
  record(pre, "Conv2dBackward", [x, weight, bias], (g, needs) => {
    if (pooled === null || g !== pooled.standIn) return plain(g, needs);
    const grad = pooled.grad;
    pooled = null;
    return residentScope(() => {
      const [dx, dxd] = needs[0] ? residentFloat(x.shape, dt) : [null, null];
      const [dw, dwd] = needs[1] ? uninitFloat(weight.shape, dt) : [null, null];
      const [db, dbd] = needs[2] && bias ? uninitFloat(bias.shape, dt) : [null, null];
      K.conv2dMaxPoolBackward(operand(x, dt), operand(weight, dt), operand(grad, dt), operand(out, dt), argmax.kernelData as Int32Array, dxd, dwd, dbd, p, pp);
      return [dx, dw, db];
    });
  }, bias ? [x, weight, bias] : [x, weight]);
  record(act, "ReluBackward", [pre], (g) => [g], [out]);
  return record(out, "MaxPool2dBackward", [act], (g) => {
    // The stand-in (never read) shares the pooled gradient's storage: the engine then keeps
    // that gradient (autograd/dead-gradients.ts) until the conv's backward, which reads it, ran.
    const standIn = new Tensor(g.storage, shape, contiguousStrides(shape), 0, dt);
    pooled = { grad: g, standIn };
    return [standIn];
  });
}

interface ConvPlan { p: Conv2dParams; trim: [boolean, boolean]; dt: FloatDType; bias: Tensor | null; shape: number[]; h: number; W: number }

function conv2dPlan(x: Tensor, weight: Tensor, options: Conv2dOptions): ConvPlan {
  const op = "conv2d";
  const dt = checkFloat(op, "input", x);
  checkFloat(op, "weight", weight);
  if (x.ndim !== 4 && x.ndim !== 3) throw new Error(`${op}: expected input of shape [N, C, H, W] or [C, H, W], got ${fmtShape(x.shape)}`);
  if (weight.ndim !== 4) throw new Error(`${op}: expected weight of shape [C_out, C_in/groups, kH, kW], got ${fmtShape(weight.shape)} (input ${fmtShape(x.shape)})`);
  checkSameDType(op, "input", x, "weight", weight);
  const batched = x.ndim === 4;
  const n = batched ? x.shape[0] : 1;
  const [h, W] = x.shape.slice(-2);
  const { p, trim } = geometry(op, x, weight, options, 2, n, h, W, weight.shape[2], weight.shape[3]);
  const bias = checkBias(op, options.bias, p.cOut, x);
  const shape = batched ? [n, p.cOut, p.outH, p.outW] : [p.cOut, p.outH, p.outW];
  return { p, trim, dt, bias, shape, h, W };
}

function conv2dWith(x: Tensor, weight: Tensor, options: Conv2dOptions, relu: boolean): Tensor {
  const { p, trim, dt, bias, shape, h, W } = conv2dPlan(x, weight, options);
  // "same" padding with an even kernel trims the output: ReLU then runs after the narrowing
  const fuse = relu && !trim[0] && !trim[1];
  let out = convRaw("Conv2dBackward", x, weight, bias, p, dt, shape, fuse);
  if (trim[0]) out = out.narrow(-2, 1, h);
  if (trim[1]) out = out.narrow(-1, 1, W);
  return relu && !fuse ? out.relu() : out;
}

/**
 * 1-D convolution of x [N, C_in, L] (or unbatched [C_in, L]) with weight [C_out, C_in/groups, k];
 * output [N, C_out, L_out].
 */
export function conv1d(x: Tensor, weight: Tensor, options: Conv1dOptions = {}): Tensor {
  const op = "conv1d";
  const dt = checkFloat(op, "input", x);
  checkFloat(op, "weight", weight);
  if (x.ndim !== 3 && x.ndim !== 2) throw new Error(`${op}: expected input of shape [N, C, L] or [C, L], got ${fmtShape(x.shape)}`);
  if (weight.ndim !== 3) throw new Error(`${op}: expected weight of shape [C_out, C_in/groups, k], got ${fmtShape(weight.shape)} (input ${fmtShape(x.shape)})`);
  checkSameDType(op, "input", x, "weight", weight);
  const batched = x.ndim === 3;
  const n = batched ? x.shape[0] : 1;
  const L = x.shape[x.ndim - 1];
  // A length-L signal is a 1×L image and a k-tap kernel a 1×k one: same memory layout.
  const { p, trim } = geometry(op, x, weight, options, 1, n, 1, L, 1, weight.shape[2]);
  const bias = checkBias(op, options.bias, p.cOut, x);
  const shape = batched ? [n, p.cOut, p.outW] : [p.cOut, p.outW];
  let out = convRaw("Conv1dBackward", x, weight, bias, p, dt, shape);
  if (trim[1]) out = out.narrow(-1, 1, L);
  return out;
}
