// ONNX for whole layers: a traced forward meets one of these modules and emits it as ONNX
// operators (weights become initializers) instead of tracing the ops inside it.

import { Tensor } from "../tensor.js";
import { noGrad } from "../autograd/grad_mode.js";
import * as nn from "../nn/index.js";
import type { Module } from "../nn/module.js";
import { ExportError, type GraphBuilder, isTensor } from "./builder.js";
import type { AttrValue } from "./proto.js";

export type LayerEmitter = (b: GraphBuilder, m: Module, args: unknown[], out: unknown, path: string) => void;

const list = (v: number | readonly number[], n: number): number[] => (typeof v === "number" ? new Array(n).fill(v) : [...v]);

function fail(path: string, m: Module, what: string): never {
  throw new ExportError(`onnx.exportModel: ${m.constructor.name}${path ? ` ("${path}")` : ""} ${what}`);
}

function input(b: GraphBuilder, args: unknown[], i = 0): string {
  const x = args[i];
  if (!isTensor(x)) throw new ExportError(`onnx.exportModel: argument ${i} is not a tensor`);
  return b.valueOf(x, "input");
}

function weight(b: GraphBuilder, t: Tensor, name: string): string {
  return b.valueOf(t, name);
}

/** A constant computed from a parameter (a transposed weight): stored once per export. */
function derived(b: GraphBuilder, t: Tensor, name: string): string {
  return b.valueOf(noGrad(() => t.contiguous()), name);
}

function linear(b: GraphBuilder, x: string, w: Tensor, bias: Tensor | null, path: string): string {
  const y = b.op("MatMul", [x, derived(b, w.t(), `${path}.weight_t`)], {}, `${path}/MatMul`);
  return bias ? b.op("Add", [y, weight(b, bias, `${path}.bias`)], {}, `${path}/Add`) : y;
}

function unary(op: string): LayerEmitter {
  return (b, _m, args, out, path) => {
    b.values.set(out as Tensor, b.op(op, [input(b, args)], {}, `${path}/${op}`));
  };
}

export function gelu(b: GraphBuilder, x: string, approximate: string, dtype: Tensor["dtype"], path: string): string {
  const c = (v: number) => b.scalar(v, dtype);
  if (approximate === "tanh") {
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const x3 = b.op("Mul", [b.op("Mul", [x, x]), x]);
    const inner = b.op("Mul", [b.op("Add", [x, b.op("Mul", [x3, c(0.044715)])]), c(Math.sqrt(2 / Math.PI))]);
    return b.op("Mul", [b.op("Mul", [x, c(0.5)]), b.op("Add", [b.op("Tanh", [inner]), c(1)])], {}, `${path}/Gelu`);
  }
  // 0.5·x·(1 + erf(x/√2))
  const erf = b.op("Erf", [b.op("Mul", [x, c(Math.SQRT1_2)])]);
  return b.op("Mul", [b.op("Mul", [x, c(0.5)]), b.op("Add", [erf, c(1)])], {}, `${path}/Gelu`);
}

function pads(p: readonly number[]): number[] {
  return [...p, ...p];
}

function conv(b: GraphBuilder, m: nn.Conv1d | nn.Conv2d, args: unknown[], out: unknown, path: string): void {
  if (m.paddingMode !== "zeros") fail(path, m, `with paddingMode "${m.paddingMode}" is not supported (only "zeros")`);
  const k = m.kernelSize, n = k.length;
  let p: number[];
  if (m.padding === "valid") p = pads(new Array(n).fill(0));
  else if (m.padding === "same") {
    const total = k.map((ki, i) => m.dilation[i] * (ki - 1));
    p = [...total.map((t) => Math.floor(t / 2)), ...total.map((t) => t - Math.floor(t / 2))];
  } else p = pads(m.padding);
  const inputs = [input(b, args), weight(b, m.weight, `${path}.weight`)];
  if (m.bias) inputs.push(weight(b, m.bias, `${path}.bias`));
  b.values.set(out as Tensor, b.op("Conv", inputs, { kernel_shape: k, strides: m.stride, pads: p, dilations: m.dilation, group: m.groups }, `${path}/Conv`));
}

function poolAttrs(kernel: number | readonly number[], o: { stride?: number | readonly number[] | null; padding?: number | readonly number[]; ceilMode?: boolean }, n: number) {
  const k = list(kernel, n);
  return { kernel_shape: k, strides: o.stride == null ? k : list(o.stride, n), pads: pads(list(o.padding ?? 0, n)), ceil_mode: o.ceilMode ? 1 : 0 };
}

function maxPool(n: number): LayerEmitter {
  return (b, m, args, out, path) => {
    const p = m as nn.MaxPool2d<boolean> | nn.MaxPool1d<boolean>;
    if (p.returnIndices) fail(path, m, "with returnIndices is not supported");
    const attrs = { ...poolAttrs(p.kernelSize, p.options, n), dilations: list(p.options.dilation ?? 1, n) };
    b.values.set(out as Tensor, b.op("MaxPool", [input(b, args)], attrs, `${path}/MaxPool`));
  };
}

function avgPool(n: number): LayerEmitter {
  return (b, m, args, out, path) => {
    const p = m as nn.AvgPool2d | nn.AvgPool1d;
    const attrs = { ...poolAttrs(p.kernelSize, p.options, n), count_include_pad: p.options.countIncludePad === false ? 0 : 1 };
    b.values.set(out as Tensor, b.op("AveragePool", [input(b, args)], attrs, `${path}/AveragePool`));
  };
}

function adaptiveAvgPool(b: GraphBuilder, m: Module, args: unknown[], out: unknown, path: string): void {
  const x = args[0] as Tensor, o = out as Tensor;
  const spatialIn = x.shape.slice(2), spatialOut = o.shape.slice(2);
  if (spatialOut.every((d) => d === 1)) {
    b.values.set(o, b.op("GlobalAveragePool", [input(b, args)], {}, `${path}/GlobalAveragePool`));
    return;
  }
  if (!spatialIn.every((d, i) => d % spatialOut[i] === 0)) fail(path, m, `from ${spatialIn.join("×")} to ${spatialOut.join("×")} is not supported (the output size must divide the input size, or be 1)`);
  const k = spatialIn.map((d, i) => d / spatialOut[i]);
  b.values.set(o, b.op("AveragePool", [input(b, args)], { kernel_shape: k, strides: k }, `${path}/AveragePool`));
}

function batchNorm(b: GraphBuilder, m: Module, args: unknown[], out: unknown, path: string): void {
  const bn = m as nn.BatchNorm2d;
  if (!bn.running_mean || !bn.running_var) fail(path, m, "without running statistics cannot be exported (it normalises with batch statistics)");
  const c = bn.numFeatures, dt = bn.running_mean.dtype;
  const scale = bn.weight ? weight(b, bn.weight, `${path}.weight`) : b.init(`${path}.weight`, dt, [c], new Array(c).fill(1));
  const shift = bn.bias ? weight(b, bn.bias, `${path}.bias`) : b.init(`${path}.bias`, dt, [c], new Array(c).fill(0));
  const ins = [input(b, args), scale, shift, weight(b, bn.running_mean, `${path}.running_mean`), weight(b, bn.running_var, `${path}.running_var`)];
  b.values.set(out as Tensor, b.op("BatchNormalization", ins, { epsilon: { float: bn.eps } }, `${path}/BatchNormalization`));
}

function layerNorm(b: GraphBuilder, m: Module, args: unknown[], out: unknown, path: string): void {
  const ln = m as nn.LayerNorm;
  const shape = ln.normalizedShape, n = shape.reduce((a, d) => a * d, 1), dt = (args[0] as Tensor).dtype;
  const scale = ln.weight ? weight(b, ln.weight, `${path}.weight`) : b.init(`${path}.weight`, dt, shape, new Array(n).fill(1));
  const ins = [input(b, args), scale];
  if (ln.bias) ins.push(weight(b, ln.bias, `${path}.bias`));
  b.values.set(out as Tensor, b.op("LayerNormalization", ins, { axis: -shape.length, epsilon: { float: ln.eps } }, `${path}/LayerNormalization`));
}

function flatten(b: GraphBuilder, m: Module, args: unknown[], out: unknown, path: string): void {
  const f = m as nn.Flatten, x = args[0] as Tensor, r = x.ndim;
  const start = f.startDim < 0 ? f.startDim + r : f.startDim, end = f.endDim < 0 ? f.endDim + r : f.endDim;
  if (end === r - 1) b.values.set(out as Tensor, b.op("Flatten", [input(b, args)], { axis: start }, `${path}/Flatten`));
  else b.values.set(out as Tensor, b.op("Reshape", [input(b, args), b.ints([...new Array(start).fill(0), -1, ...x.shape.slice(end + 1)])], {}, `${path}/Reshape`));
}

/** Rows of `w` regrouped gate by gate: `order[k]` is the PyTorch gate placed k-th. */
function regate(w: Tensor, gates: number, order: readonly number[]): Float32Array | Float64Array {
  const rows = w.shape[0] / gates, cols = w.ndim === 2 ? w.shape[1] : 1, src = w.data;
  const out = w.dtype === "float64" ? new Float64Array(src.length) : new Float32Array(src.length);
  order.forEach((g, k) => out.set(src.subarray(g * rows * cols, (g + 1) * rows * cols), k * rows * cols));
  return out;
}

const RECURRENT = {
  LSTM: { op: "LSTM", gates: 4, order: [0, 3, 1, 2] }, // PyTorch i f g o → ONNX i o f c
  GRU: { op: "GRU", gates: 3, order: [1, 0, 2] }, // PyTorch r z n → ONNX z r h
  RNN: { op: "RNN", gates: 1, order: [0] },
} as const;

function recurrent(kind: keyof typeof RECURRENT): LayerEmitter {
  return (b, m, args, out, path) => {
    const r = m as nn.RNN;
    const spec = RECURRENT[kind];
    if (r.projSize > 0) fail(path, m, "with projSize is not supported");
    if (args[1] !== undefined && args[1] !== null) fail(path, m, "with an initial state is not supported (export with the default zero state)");
    const x = args[0] as Tensor;
    if (x.ndim !== 3) fail(path, m, `needs a batched [${r.batchFirst ? "N, L" : "L, N"}, ${r.inputSize}] input to export, got ${x.ndim} dims`);
    const sd = m.stateDict(), H = r.hiddenSize, D = r.bidirectional ? 2 : 1, G = spec.gates;
    let seq = input(b, args);
    if (r.batchFirst) seq = b.op("Transpose", [seq], { perm: [1, 0, 2] }, `${path}/Transpose`);
    const hs: string[] = [], cs: string[] = [];
    for (let l = 0; l < r.numLayers; l++) {
      const suffixes = r.bidirectional ? ["", "_reverse"] : [""];
      const stack = (key: string) => suffixes.map((s) => regate(sd[`${key}_l${l}${s}`], G, spec.order));
      const wi = stack("weight_ih"), wh = stack("weight_hh");
      const inSize = sd[`weight_ih_l${l}`].shape[1], dt = sd[`weight_ih_l${l}`].dtype;
      const cat = (parts: (Float32Array | Float64Array)[]) => {
        const all = dt === "float64" ? new Float64Array(parts.reduce((n, p) => n + p.length, 0)) : new Float32Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          all.set(p, at);
          at += p.length;
        }
        return all;
      };
      const W = b.init(`${path}.W_l${l}`, dt, [D, G * H, inSize], cat(wi));
      const R = b.init(`${path}.R_l${l}`, dt, [D, G * H, H], cat(wh));
      const ins = [seq, W, R];
      if (r.hasBias) {
        const bias = cat(suffixes.flatMap((s) => [regate(sd[`bias_ih_l${l}${s}`], G, spec.order), regate(sd[`bias_hh_l${l}${s}`], G, spec.order)]));
        ins.push(b.init(`${path}.B_l${l}`, dt, [D, 2 * G * H], bias));
      }
      const attrs: Record<string, AttrValue> = { hidden_size: H, direction: r.bidirectional ? "bidirectional" : "forward" };
      if (kind === "GRU") attrs.linear_before_reset = 1;
      if (kind === "RNN") attrs.activations = { strings: new Array(D).fill((r as nn.RNN).nonlinearity === "relu" ? "Relu" : "Tanh") };
      const outs = b.node(spec.op, ins, attrs, kind === "LSTM" ? 3 : 2, `${path}/${spec.op}_l${l}`);
      // Y is [L, D, N, H]; the next layer (and PyTorch's output) wants [L, N, D·H].
      const y = b.op("Transpose", [outs[0]], { perm: [0, 2, 1, 3] });
      seq = b.op("Reshape", [y, b.ints([0, 0, -1])]);
      hs.push(outs[1]);
      if (kind === "LSTM") cs.push(outs[2]);
    }
    if (r.batchFirst) seq = b.op("Transpose", [seq], { perm: [1, 0, 2] }, `${path}/Transpose`);
    const joined = (parts: string[]) => (parts.length === 1 ? b.op("Identity", parts) : b.op("Concat", parts, { axis: 0 }));
    const [y, state] = out as [Tensor, Tensor | [Tensor, Tensor]];
    b.values.set(y, seq);
    if (kind === "LSTM") {
      const [h, c] = state as [Tensor, Tensor];
      b.values.set(h, joined(hs));
      b.values.set(c, joined(cs));
    } else b.values.set(state as Tensor, joined(hs));
  };
}

function attention(b: GraphBuilder, m: Module, args: unknown[], out: unknown, path: string): void {
  const a = m as nn.MultiheadAttention;
  const o = (args[3] ?? {}) as nn.AttentionCallOptions;
  const [q0, k0, v0] = args as Tensor[];
  if (q0.ndim !== 3) fail(path, m, "needs batched (3-D) query, key and value to export");
  const E = a.embedDim, h = a.numHeads, d = a.headDim, dt = q0.dtype;
  const toNLE = (t: string) => (a.batchFirst ? t : b.op("Transpose", [t], { perm: [1, 0, 2] }));
  const project = (t: Tensor, which: 0 | 1 | 2, name: string) => {
    const w = a.in_proj_weight ? a.in_proj_weight.narrow(0, which * E, E) : [a.q_proj_weight, a.k_proj_weight, a.v_proj_weight][which]!;
    const bias = a.in_proj_bias ? a.in_proj_bias.narrow(0, which * E, E) : null;
    const y = linear(b, toNLE(b.valueOf(t, "input")), w, bias ? noGrad(() => bias.contiguous()) : null, `${path}.${name}`);
    return b.op("Reshape", [y, b.ints([0, 0, h, d])]); // [N, len, h, d]
  };
  const q = b.op("Transpose", [project(q0, 0, "q_proj")], { perm: [0, 2, 1, 3] }); // [N, h, L, d]
  const k = b.op("Transpose", [project(k0, 1, "k_proj")], { perm: [0, 2, 3, 1] }); // [N, h, d, S]
  const v = b.op("Transpose", [project(v0, 2, "v_proj")], { perm: [0, 2, 1, 3] }); // [N, h, S, d]
  let scores = b.op("MatMul", [b.op("Mul", [q, b.scalar(1 / Math.sqrt(d), dt)]), k]); // [N, h, L, S]
  // Masks as gradlab applies them: bool → −∞ where true, float → added.
  const masked = (mask: Tensor, shape: number[]) => {
    const v = b.op("Reshape", [b.valueOf(mask, "mask"), b.ints(shape, "shape")]);
    return mask.dtype === "bool" ? b.op("Where", [v, b.scalar(-Infinity, dt), scores]) : b.op("Add", [scores, b.cast(v, mask.dtype, dt)]);
  };
  const L = q0.shape[a.batchFirst ? 1 : 0], S = k0.shape[a.batchFirst ? 1 : 0];
  const attnMask = o.attnMask ?? (o.isCausal ? nn.causalMask(L, S) : null);
  if (attnMask) scores = masked(attnMask, attnMask.ndim === 2 ? [1, 1, L, S] : [-1, h, L, S]);
  if (o.keyPaddingMask) scores = masked(o.keyPaddingMask, [-1, 1, 1, S]);
  const probs = b.op("Softmax", [scores], { axis: -1 }, `${path}/Softmax`);
  const ctx = b.op("Reshape", [b.op("Transpose", [b.op("MatMul", [probs, v])], { perm: [0, 2, 1, 3] }), b.ints([0, 0, E])]);
  let y = linear(b, ctx, a.out_proj.weight, a.out_proj.bias, `${path}.out_proj`);
  if (!a.batchFirst) y = b.op("Transpose", [y], { perm: [1, 0, 2] });
  const [yt, wt] = out as [Tensor, Tensor | null];
  b.values.set(yt, y);
  if (wt) b.values.set(wt, o.averageAttnWeights === false ? probs : b.reduceMean(probs, [1], false));
}

/** The activations beyond the common ones, each as the ONNX ops computing PyTorch's formula. */
function activations(): [Function, LayerEmitter][] {
  type Body = (b: GraphBuilder, x: string, m: Module, t: Tensor) => string;
  const act = (body: Body): LayerEmitter => (b, m, args, out, path) => {
    const t = args[0] as Tensor;
    b.values.set(out as Tensor, body(b, input(b, args), m, t));
    void path;
  };
  const c = (b: GraphBuilder, v: number, t: Tensor) => b.scalar(v, t.dtype);
  const softplus = (b: GraphBuilder, x: string, beta: number, t: Tensor) =>
    beta === 1 ? b.op("Softplus", [x]) : b.op("Div", [b.op("Softplus", [b.op("Mul", [x, c(b, beta, t)])]), c(b, beta, t)]);
  return [
    [nn.Softplus, act((b, x, m, t) => softplus(b, x, (m as nn.Softplus).options.beta ?? 1, t))],
    [nn.Hardtanh, act((b, x, m, t) => b.op("Clip", [x, c(b, (m as nn.Hardtanh).minVal, t), c(b, (m as nn.Hardtanh).maxVal, t)]))],
    [nn.ReLU6, act((b, x, _m, t) => b.op("Clip", [x, c(b, 0, t), c(b, 6, t)]))],
    [nn.SELU, act((b, x) => b.op("Selu", [x]))],
    [nn.CELU, act((b, x, m) => b.op("Celu", [x], { alpha: { float: (m as nn.CELU).alpha } }))],
    [nn.Mish, act((b, x, _m, t) => b.op("Mul", [x, b.op("Tanh", [softplus(b, x, 1, t)])]))],
    [nn.Hardswish, act((b, x) => b.op("HardSwish", [x]))],
    [nn.Hardsigmoid, act((b, x) => b.op("HardSigmoid", [x], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } }))],
    [nn.Softsign, act((b, x) => b.op("Softsign", [x]))],
    [nn.LogSigmoid, act((b, x) => b.op("Neg", [b.op("Softplus", [b.op("Neg", [x])])]))],
    [nn.Softmin, act((b, x, m) => b.op("Softmax", [b.op("Neg", [x])], { axis: (m as nn.Softmin).dim }))],
    [nn.Threshold, act((b, x, m, t) => {
      const th = m as nn.Threshold;
      return b.op("Where", [b.op("Greater", [x, c(b, th.threshold, t)]), x, c(b, th.value, t)]);
    })],
    [nn.GLU, act((b, x, m, t) => {
      const dim = (m as nn.GLU).dim, half = t.shape[dim < 0 ? dim + t.ndim : dim] / 2;
      const [first, second] = b.node("Split", [x, b.ints([half, half], "split")], { axis: dim }, 2);
      return b.op("Mul", [first, b.op("Sigmoid", [second])]);
    })],
    [nn.PReLU, act((b, x, m, t) => {
      const w = (m as nn.PReLU).weight;
      // One slope per channel (dim 1), broadcast over the dims after it.
      const shape = w.numel === 1 ? [1] : [w.numel, ...new Array(Math.max(0, t.ndim - 2)).fill(1)];
      return b.op("PRelu", [x, b.valueOf(noGrad(() => w.reshape(shape).contiguous()), "prelu.weight")]);
    })],
  ];
}

/** Layers exported whole, by class. */
export const LAYERS = new Map<Function, LayerEmitter>([
  [nn.Linear, (b, m, args, out, path) => b.values.set(out as Tensor, linear(b, input(b, args), (m as nn.Linear).weight, (m as nn.Linear).bias, path))],
  [nn.Conv1d, (b, m, args, out, path) => conv(b, m as nn.Conv1d, args, out, path)],
  [nn.Conv2d, (b, m, args, out, path) => conv(b, m as nn.Conv2d, args, out, path)],
  [nn.ConvTranspose2d, (b, m, args, out, path) => {
    const c = m as nn.ConvTranspose2d;
    const ins = [input(b, args), weight(b, c.weight, `${path}.weight`)];
    if (c.bias) ins.push(weight(b, c.bias, `${path}.bias`));
    const attrs = { kernel_shape: c.kernelSize, strides: c.stride, pads: pads(c.padding), output_padding: c.outputPadding, dilations: c.dilation, group: c.groups };
    b.values.set(out as Tensor, b.op("ConvTranspose", ins, attrs, `${path}/ConvTranspose`));
  }],
  [nn.MaxPool1d, maxPool(1)],
  [nn.MaxPool2d, maxPool(2)],
  [nn.AvgPool1d, avgPool(1)],
  [nn.AvgPool2d, avgPool(2)],
  [nn.AdaptiveAvgPool2d, adaptiveAvgPool],
  [nn.BatchNorm1d, batchNorm],
  [nn.BatchNorm2d, batchNorm],
  [nn.LayerNorm, layerNorm],
  [nn.Embedding, (b, m, args, out, path) => {
    const e = m as nn.Embedding;
    b.values.set(out as Tensor, b.op("Gather", [weight(b, e.weight, `${path}.weight`), input(b, args)], { axis: 0 }, `${path}/Gather`));
  }],
  [nn.ReLU, unary("Relu")],
  [nn.Sigmoid, unary("Sigmoid")],
  [nn.Tanh, unary("Tanh")],
  [nn.Identity, unary("Identity")],
  [nn.Dropout, unary("Identity")],
  [nn.LeakyReLU, (b, m, args, out, path) => b.values.set(out as Tensor, b.op("LeakyRelu", [input(b, args)], { alpha: { float: (m as nn.LeakyReLU).negativeSlope } }, `${path}/LeakyRelu`))],
  [nn.ELU, (b, m, args, out, path) => b.values.set(out as Tensor, b.op("Elu", [input(b, args)], { alpha: { float: (m as nn.ELU).alpha } }, `${path}/Elu`))],
  [nn.GELU, (b, m, args, out, path) => b.values.set(out as Tensor, gelu(b, input(b, args), (m as nn.GELU).approximate, (args[0] as Tensor).dtype, path))],
  [nn.SiLU, (b, _m, args, out, path) => {
    const x = input(b, args);
    b.values.set(out as Tensor, b.op("Mul", [x, b.op("Sigmoid", [x])], {}, `${path}/Silu`));
  }],
  [nn.Softmax, (b, m, args, out, path) => b.values.set(out as Tensor, b.op("Softmax", [input(b, args)], { axis: (m as nn.Softmax).dim }, `${path}/Softmax`))],
  [nn.LogSoftmax, (b, m, args, out, path) => b.values.set(out as Tensor, b.op("LogSoftmax", [input(b, args)], { axis: (m as nn.LogSoftmax).dim }, `${path}/LogSoftmax`))],
  [nn.Flatten, flatten],
  [nn.Unflatten, (b, m, args, out, path) => {
    const u = m as nn.Unflatten, x = args[0] as Tensor, dim = u.dim < 0 ? u.dim + x.ndim : u.dim;
    const shape = [...x.shape.slice(0, dim), ...u.sizes, ...x.shape.slice(dim + 1)];
    if (dim > 0) shape[0] = 0; // keep the batch dim dynamic
    b.values.set(out as Tensor, b.op("Reshape", [input(b, args), b.ints(shape, "shape")], {}, `${path}/Reshape`));
  }],
  ...activations(),
  [nn.LSTM, recurrent("LSTM")],
  [nn.GRU, recurrent("GRU")],
  [nn.RNN, recurrent("RNN")],
  [nn.MultiheadAttention, attention],
]);
