// nn.init: fill a tensor in place with PyTorch's initialisation schemes
// (torch/nn/init.py). Each returns the tensor. They write straight into the storage, outside
// the autograd graph, like PyTorch's under `no_grad`.

import type { Tensor } from "../tensor.js";
import type { Float } from "../dtype.js";
import { fmtShape } from "../shape.js";
import { defaultGenerator, type Generator } from "../random.js";

export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "selu";

function storage(op: string, t: Tensor): Float {
  if (t.dtype !== "float32" && t.dtype !== "float64") throw new Error(`${op}: expected a float tensor, got dtype ${t.dtype}`);
  if (!t.isContiguous()) throw new Error(`${op}: expected a contiguous tensor (parameters are), got strides [${t.strides.join(", ")}]`);
  return t.data as Float;
}

function touched(t: Tensor): Tensor {
  t.storage.version++;
  return t;
}

/** The recommended gain for a nonlinearity (PyTorch's `calculate_gain`). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
  }
  throw new Error(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
}

/** fan_in = size(1)·receptive field, fan_out = size(0)·receptive field. */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) {
    throw new Error(`calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ${fmtShape(t.shape)})`);
  }
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i];
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

export function uniform(t: Tensor, options: { a?: number; b?: number; generator?: Generator } = {}): Tensor {
  const { a = 0, b = 1, generator = defaultGenerator } = options;
  const d = storage("uniform", t);
  for (let i = 0; i < d.length; i++) d[i] = a + (b - a) * generator.nextDouble();
  return touched(t);
}

export function normal(t: Tensor, options: { mean?: number; std?: number; generator?: Generator } = {}): Tensor {
  const { mean = 0, std = 1, generator = defaultGenerator } = options;
  const d = storage("normal", t);
  for (let i = 0; i < d.length; i++) d[i] = mean + std * generator.nextNormal();
  return touched(t);
}

export function constant(t: Tensor, value: number): Tensor {
  storage("constant", t).fill(value);
  return touched(t);
}

export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

export function ones(t: Tensor): Tensor {
  return constant(t, 1);
}

/** Ones on the diagonal of a 2-D tensor, zeros elsewhere. */
export function eye(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new Error(`eye: only 2-D tensors are supported, got shape ${fmtShape(t.shape)}`);
  const d = storage("eye", t);
  d.fill(0);
  const [r, c] = t.shape;
  for (let i = 0; i < Math.min(r, c); i++) d[i * c + i] = 1;
  return touched(t);
}

export interface XavierOptions {
  gain?: number;
  generator?: Generator;
}

/** Glorot & Bengio (2010): U(−a, a) with a = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform(t: Tensor, options: XavierOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, { a: -a, b: a, generator: options.generator });
}

/** Glorot & Bengio (2010): N(0, std²) with std = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal(t: Tensor, options: XavierOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  return normal(t, { std, generator: options.generator });
}

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only; default 0). */
  a?: number;
  mode?: "fanIn" | "fanOut";
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

function kaimingStd(op: string, t: Tensor, o: KaimingOptions): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const mode = o.mode ?? "fanIn";
  if (mode !== "fanIn" && mode !== "fanOut") throw new Error(`${op}: mode must be "fanIn" or "fanOut", got ${JSON.stringify(mode)}`);
  const fan = mode === "fanIn" ? fanIn : fanOut;
  const gain = calculateGain(o.nonlinearity ?? "leaky_relu", o.a ?? 0);
  return fan === 0 ? 0 : gain / Math.sqrt(fan);
}

/** He et al. (2015): U(−b, b) with b = gain·√(3 / fan). */
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd("kaimingUniform", t, options);
  return uniform(t, { a: -bound, b: bound, generator: options.generator });
}

/** He et al. (2015): N(0, std²) with std = gain/√fan. */
export function kaimingNormal(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal(t, { std: kaimingStd("kaimingNormal", t, options), generator: options.generator });
}

/**
 * PyTorch's `reset_parameters` for Linear, ConvNd and ConvTransposeNd: kaiming_uniform with
 * a = √5 on the weight (a bound of 1/√fan_in, PyTorch's historical default) and
 * U(-1/√fan_in, 1/√fan_in) on the bias.
 */
export function resetAffineLayer(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform(weight, { a: Math.sqrt(5) });
  if (bias) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform(bias, { a: -bound, b: bound });
  }
}
